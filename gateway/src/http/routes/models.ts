import { z } from 'zod';
import {
  AttestTrainingBatchRequest,
  MAX_TRAINING_IDS_PAGE,
  ModelRegisterRequest,
  ModelRevokeRequest,
  type SealRequest,
} from '@kiseki/chaincode/shared/requests';
import { ANY_ROLE, route, type AnyRoute } from '../route';
import { DigestHex, Id, PageQuery } from '../validation';
import { errors, evaluateRead, Page, pagedRead, STUDIO, submitWrite, WriteResult } from './common';
import * as R from '@kiseki/chaincode/shared/records';
import { AppError } from '../../errors';
import { prepareVersionTexts, storeVersionTexts } from '../../use-cases/reproducibility';
import { VersionBody, versionRequest } from './versions';

/**
 * Models: registration, training batches, seal (which also stores the training manifest in the vault),
 * revocation, and proofs of inclusion or exclusion served from the manifest and checked against the
 * on-chain root.
 */

const ModelParams = z.strictObject({ modelId: Id });
const ProofParams = z.strictObject({ modelId: Id, dataId: Id });

const InclusionProof = z
  .object({
    modelId: z.string(),
    dataId: z.string(),
    algorithm: z.literal('RFC6962-SHA256'),
    root: z.string(),
    treeSize: z.number().int(),
    leafIndex: z.number().int(),
    leafHash: z.string(),
    auditPath: z.array(z.string()),
    verified: z.literal(true),
  })
  .meta({ id: 'InclusionProof' });

const Neighbour = z.object({ index: z.number().int(), id: z.string(), path: z.array(z.string()) });
const ExclusionProof = z
  .object({
    modelId: z.string(),
    dataId: z.string(),
    algorithm: z.literal('RFC6962-SHA256'),
    root: z.string(),
    treeSize: z.number().int(),
    proof: z.object({ size: z.number().int(), predecessor: Neighbour.optional(), successor: Neighbour.optional() }),
    verified: z.literal(true),
  })
  .meta({ id: 'ExclusionProof' });

const ManifestInfo = z
  .object({ key: z.string(), root: z.string(), size: z.number().int(), sha256: z.string() })
  .meta({ id: 'ManifestInfo' });
const TrainingManifest = z
  .object({ algorithm: z.literal('RFC6962-SHA256'), modelId: Id, root: DigestHex, size: z.number().int(), ids: z.array(Id) })
  .meta({
    id: 'TrainingManifest',
    description: "A sealed model's training set: its dataIds in ascending order, with the root they hash to",
  });

export const modelRoutes: readonly AnyRoute[] = [
  route({
    method: 'post',
    path: '/v1/models',
    operationId: 'registerModel',
    tag: 'models',
    summary: 'Register a model (optionally fine-tuned from a base model)',
    access: STUDIO,
    body: ModelRegisterRequest,
    responses: { 201: { description: 'Registered', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.models.register(ctx.body), { status: 201 }),
  }),
  route({
    method: 'get',
    path: '/v1/models/:modelId',
    operationId: 'getModel',
    tag: 'models',
    summary: 'Read a model record',
    access: ANY_ROLE,
    params: ModelParams,
    responses: { 200: { description: 'The record', schema: R.ModelRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.models.get(ctx.params.modelId)),
  }),
  route({
    method: 'post',
    path: '/v1/models/:modelId/training-batches',
    operationId: 'attestTrainingBatch',
    tag: 'models',
    summary: 'Attest a batch of training data (strictly increasing dataIds, continuing the previous batch)',
    access: STUDIO,
    params: ModelParams,
    body: AttestTrainingBatchRequest.omit({ modelId: true }),
    responses: { 200: { description: 'Attested', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.models.attestTrainingBatch({ modelId: ctx.params.modelId, ...ctx.body })),
  }),
  route({
    method: 'post',
    path: '/v1/models/:modelId/seal',
    operationId: 'sealModel',
    tag: 'models',
    summary:
      'Seal a model: freeze its training root; the training manifest is stored in the vault. With artifactManifest and recipe, version 1 is sealed with it',
    access: STUDIO,
    params: ModelParams,
    body: VersionBody.pick({ artifactManifest: true, recipe: true, label: true }).partial(),
    responses: {
      200: { description: 'Sealed', schema: WriteResult.extend({ manifest: ManifestInfo.optional() }) },
      ...errors(404, 409, 422, 502, 503, 504),
    },
    handler: async (ctx) => {
      const { artifactManifest, recipe, label } = ctx.body;
      if ((artifactManifest === undefined) !== (recipe === undefined)) {
        throw new AppError('INVALID', 'give both artifactManifest and recipe, or neither');
      }
      let version: Omit<SealRequest, 'modelId'> = {};
      if (artifactManifest !== undefined && recipe !== undefined) {
        const texts = prepareVersionTexts(artifactManifest, recipe);
        await storeVersionTexts(ctx.services.vault, ctx.params.modelId, texts);
        version = versionRequest(texts, label);
      }
      const result = await submitWrite(ctx, (ledger) => ledger.models.seal({ modelId: ctx.params.modelId, ...version }));
      if ('streamed' in result) return result;
      try {
        const manifest = await ctx.services.manifests.store(ctx.params.modelId);
        return { ...result, body: { ...(result.body as object), manifest } };
      } catch (error) {
        // Sealed on the ledger all the same; the manifest is rebuilt from the ledger on first use.
        ctx.log.warn('manifest not stored at seal', { modelId: ctx.params.modelId, error: String(error) });
        return result;
      }
    },
  }),
  route({
    method: 'post',
    path: '/v1/models/:modelId/revoke',
    operationId: 'revokeModel',
    tag: 'models',
    summary: 'Revoke a model (it can no longer back new outputs)',
    access: STUDIO,
    params: ModelParams,
    body: ModelRevokeRequest.omit({ modelId: true }),
    responses: { 200: { description: 'Revoked', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.models.revoke({ modelId: ctx.params.modelId, reason: ctx.body.reason })),
  }),
  route({
    method: 'get',
    path: '/v1/models/:modelId/training-ids',
    operationId: 'listTrainingIds',
    tag: 'models',
    summary: "A model's training dataIds in leaf order",
    access: ANY_ROLE,
    params: ModelParams,
    query: PageQuery.extend({ limit: z.coerce.number().int().min(1).max(MAX_TRAINING_IDS_PAGE).default(MAX_TRAINING_IDS_PAGE) }),
    responses: { 200: { description: 'One page of dataIds', schema: Page }, ...errors(404) },
    handler: (ctx) =>
      pagedRead(
        ctx,
        async (reader, query) => {
          const page = await reader.models.listTrainingIds(query);
          return { items: page.ids, bookmark: page.bookmark };
        },
        { modelId: ctx.params.modelId },
        ctx.query,
      ),
  }),
  route({
    method: 'get',
    path: '/v1/models/:modelId/providers',
    operationId: 'listModelProviders',
    tag: 'models',
    summary: 'Training item counts per provider (the weights of the data pool)',
    access: ANY_ROLE,
    params: ModelParams,
    query: PageQuery,
    responses: { 200: { description: 'One page of provider counts', schema: Page }, ...errors(404) },
    handler: (ctx) =>
      pagedRead(ctx, (reader, query) => reader.models.listProviderCounts(query), { modelId: ctx.params.modelId }, ctx.query),
  }),
  route({
    method: 'get',
    path: '/v1/models/:modelId/manifest',
    operationId: 'getTrainingManifest',
    tag: 'proofs',
    summary: 'The training manifest of a sealed model (checked against the on-chain root)',
    access: ANY_ROLE,
    params: ModelParams,
    responses: { 200: { description: 'The manifest', schema: TrainingManifest }, ...errors(404, 409) },
    handler: async (ctx) => ({ status: 200, body: (await ctx.services.manifests.load(ctx.params.modelId)).manifest }),
  }),
  route({
    method: 'post',
    path: '/v1/models/:modelId/manifest',
    operationId: 'storeTrainingManifest',
    tag: 'proofs',
    summary: 'Store the manifest of a sealed model, from the given ids or from the ledger (checked against the root)',
    access: STUDIO,
    params: ModelParams,
    body: z.strictObject({ dataIds: z.array(Id).optional() }),
    responses: { 200: { description: 'Stored', schema: ManifestInfo }, ...errors(404, 409, 415, 422, 503) },
    handler: async (ctx) => ({ status: 200, body: await ctx.services.manifests.store(ctx.params.modelId, ctx.body.dataIds) }),
  }),
  route({
    method: 'get',
    path: '/v1/models/:modelId/proofs/inclusion/:dataId',
    operationId: 'getInclusionProof',
    tag: 'proofs',
    summary: 'RFC 6962 proof that a dataId is in the training set of a sealed model',
    access: ANY_ROLE,
    params: ProofParams,
    responses: { 200: { description: 'The proof, verified against the on-chain root', schema: InclusionProof }, ...errors(404, 409) },
    handler: async (ctx) => ({ status: 200, body: await ctx.services.manifests.inclusion(ctx.params.modelId, ctx.params.dataId) }),
  }),
  route({
    method: 'get',
    path: '/v1/models/:modelId/proofs/exclusion/:dataId',
    operationId: 'getExclusionProof',
    tag: 'proofs',
    summary: 'Proof that a dataId is NOT in the training set (adjacent sorted leaves with inclusion proofs)',
    access: ANY_ROLE,
    params: ProofParams,
    responses: { 200: { description: 'The proof, verified against the on-chain root', schema: ExclusionProof }, ...errors(404, 409) },
    handler: async (ctx) => ({ status: 200, body: await ctx.services.manifests.exclusion(ctx.params.modelId, ctx.params.dataId) }),
  }),
];
