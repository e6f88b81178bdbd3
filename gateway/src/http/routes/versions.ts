import { z } from 'zod';
import { GenerationRecordRequest } from '@kiseki/chaincode/shared/generation';
import type { ModelVersionRecord } from '@kiseki/chaincode/shared/records';
import { AddVersionRequest, RevokeVersionRequest } from '@kiseki/chaincode/shared/requests';
import { AppError } from '../../errors';
import {
  artifactManifestKey,
  checkStored,
  generationKey,
  prepareGenerationRecord,
  prepareVersionTexts,
  recipeKey,
  storeVersionTexts,
  type VersionTexts,
} from '../../use-cases/reproducibility';
import { ANY_ROLE, route, type AnyRoute, type RouteContext, type RouteResult } from '../route';
import { DigestHex, Id, PageQuery } from '../validation';
import { errors, Page, pagedRead, STUDIO, submitWrite, WriteResult } from './common';
import * as R from '@kiseki/chaincode/shared/records';

/**
 * Model versions (artifact manifest + training recipe bound to the sealed training root) and the
 * generation records of outputs. The texts live in the owner's vault under their digests; the ledger
 * holds the digests. Reads of the texts re-hash them against the ledger.
 */

/** Roles that may read an org's reproducibility texts through its gateway: its operators and auditors, regulators. */
export const REPRO_TEXT_ROLES = ['studio-operator', 'auditor', 'regulator'] as const;

const ModelParams = z.strictObject({ modelId: Id });
const VersionParams = z.strictObject({ modelId: Id, version: z.coerce.number().int().min(1).max(9999) });
const OutputParams = z.strictObject({ outputId: Id });

export const ArtifactManifestSchema = z
  .strictObject({
    format: z.literal('kiseki.artifact-manifest/v1').optional(),
    files: z
      .array(z.strictObject({ path: z.string().min(1).max(1024), size: z.number().int().min(0), sha256: DigestHex }))
      .min(1)
      .max(100_000),
  })
  .meta({
    id: 'ArtifactManifest',
    description: 'Every file of a model folder: relative POSIX path, size, SHA-256 (`npm run artifact-manifest -- <folder>` computes it)',
  });

const Recipe = z
  .union([
    z
      .string()
      .min(1)
      .max(1024 * 1024),
    z.record(z.string(), z.unknown()),
  ])
  .meta({
    description:
      'The training recipe (configuration, code revision, base model, hyperparameters): text kept byte for byte, or a JSON object kept as sorted-key JSON',
  });

export const VersionBody = z.strictObject({
  artifactManifest: ArtifactManifestSchema,
  recipe: Recipe,
  label: AddVersionRequest.shape.label,
  parentVersion: AddVersionRequest.shape.parentVersion,
});

const VersionWrite = WriteResult.extend({
  artifacts: z.object({ manifestKey: z.string(), recipeKey: z.string(), artifactDigest: z.string(), recipeDigest: z.string() }),
}).meta({ id: 'VersionWriteResult' });

/** The version fields a `models:Seal` / `models:AddVersion` request carries for these texts. */
export function versionRequest(texts: VersionTexts, label: string | undefined): Omit<AddVersionRequest, 'modelId' | 'parentVersion'> {
  return {
    artifactDigest: texts.artifactDigest,
    artifactFileCount: texts.artifactFileCount,
    artifactBytes: texts.artifactBytes,
    recipeDigest: texts.recipeDigest,
    ...(label === undefined ? {} : { label }),
  };
}

function readVersion(ctx: RouteContext<unknown, unknown, unknown>, modelId: string, version: number): Promise<ModelVersionRecord> {
  return ctx.services.reader.models.getVersion({ modelId, version });
}

/** Serves a vault text after checking it against the ledger's digest. */
async function serveText(
  ctx: RouteContext<unknown, unknown, unknown>,
  key: string,
  digest: string,
  ownerMsp: string,
  contentType: string,
): Promise<RouteResult> {
  const check = await checkStored(ctx.services.vault, key, digest, ownerMsp, ctx.services.settings.mspId);
  if (!check.checked) throw new AppError('NOT_FOUND', `kept in the vault of ${ownerMsp}; ask through its gateway`);
  if (check.present !== true) throw new AppError('NOT_FOUND', 'not in this vault');
  if (check.intact !== true) throw new AppError('CONFLICT', `the vault copy does not match the ledger digest ${digest}`);
  const bytes = (await ctx.services.vault.get(key)) ?? Buffer.alloc(0);
  ctx.res.status(200).set({ 'content-type': contentType, 'kiseki-digest': digest }).end(bytes);
  return { streamed: true };
}

/** Whether this gateway's vault holds a text the ledger names, intact (`checked: false` when another org holds it). */
const VaultCheck = z
  .object({
    key: z.string(),
    digest: DigestHex,
    checked: z.boolean(),
    present: z.boolean().optional(),
    intact: z.boolean().optional(),
    actualDigest: DigestHex.optional(),
    holderMsp: z.string().optional(),
  })
  .meta({ id: 'VaultCheck' });
const VersionWithVault = R.ModelVersionRecord.extend({ vault: z.object({ artifactManifest: VaultCheck, recipe: VaultCheck }) });

export const versionRoutes: readonly AnyRoute[] = [
  route({
    method: 'post',
    path: '/v1/models/:modelId/versions',
    operationId: 'addModelVersion',
    tag: 'models',
    summary:
      'Add a version to a sealed model: its artifact manifest and training recipe go to the vault, their digests on chain, bound to the training root',
    access: STUDIO,
    params: ModelParams,
    body: VersionBody,
    responses: { 201: { description: 'Version added', schema: VersionWrite }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: async (ctx) => {
      const texts = prepareVersionTexts(ctx.body.artifactManifest, ctx.body.recipe);
      // Texts first, under their digests: a refused transaction leaves at most a copy nothing names,
      // which a retry overwrites with the same bytes; a committed version never lacks its texts.
      const keys = await storeVersionTexts(ctx.services.vault, ctx.params.modelId, texts);
      const result = await submitWrite(
        ctx,
        (ledger) =>
          ledger.models.addVersion({
            modelId: ctx.params.modelId,
            ...versionRequest(texts, ctx.body.label),
            ...(ctx.body.parentVersion === undefined ? {} : { parentVersion: ctx.body.parentVersion }),
          }),
        { status: 201 },
      );
      if ('streamed' in result) return result;
      return {
        ...result,
        body: {
          ...(result.body as object),
          artifacts: { ...keys, artifactDigest: texts.artifactDigest, recipeDigest: texts.recipeDigest },
        },
      };
    },
  }),
  route({
    method: 'get',
    path: '/v1/models/:modelId/versions',
    operationId: 'listModelVersions',
    tag: 'models',
    summary: "A model's versions in order",
    access: ANY_ROLE,
    params: ModelParams,
    query: PageQuery,
    responses: { 200: { description: 'One page of versions', schema: Page }, ...errors(404) },
    handler: (ctx) => pagedRead(ctx, (reader, query) => reader.models.listVersions(query), { modelId: ctx.params.modelId }, ctx.query),
  }),
  route({
    method: 'get',
    path: '/v1/models/:modelId/versions/:version',
    operationId: 'getModelVersion',
    tag: 'models',
    summary: 'A model version, with its manifest and recipe checked against the ledger when this org holds them',
    access: ANY_ROLE,
    params: VersionParams,
    responses: { 200: { description: 'The version record and vault checks', schema: VersionWithVault }, ...errors(404) },
    handler: async (ctx) => {
      const version = await readVersion(ctx, ctx.params.modelId, ctx.params.version);
      const owner = version.ownerMsp;
      const { vault, settings } = ctx.services;
      return {
        status: 200,
        body: {
          ...version,
          vault: {
            artifactManifest: await checkStored(
              vault,
              artifactManifestKey(ctx.params.modelId, version.artifactDigest),
              version.artifactDigest,
              owner,
              settings.mspId,
            ),
            recipe: await checkStored(
              vault,
              recipeKey(ctx.params.modelId, version.recipeDigest),
              version.recipeDigest,
              owner,
              settings.mspId,
            ),
          },
        },
      };
    },
  }),
  route({
    method: 'get',
    path: '/v1/models/:modelId/versions/:version/artifact-manifest',
    operationId: 'getArtifactManifest',
    tag: 'models',
    summary: "A version's artifact manifest from the owner's vault (checked against the ledger digest)",
    access: REPRO_TEXT_ROLES,
    params: VersionParams,
    responses: { 200: { description: 'The canonical manifest', schema: ArtifactManifestSchema }, ...errors(404, 409) },
    handler: async (ctx) => {
      const version = await readVersion(ctx, ctx.params.modelId, ctx.params.version);
      const digest = version.artifactDigest;
      return serveText(ctx, artifactManifestKey(ctx.params.modelId, digest), digest, version.ownerMsp, 'application/json');
    },
  }),
  route({
    method: 'get',
    path: '/v1/models/:modelId/versions/:version/recipe',
    operationId: 'getTrainingRecipe',
    tag: 'models',
    summary: "A version's training recipe from the owner's vault (checked against the ledger digest)",
    access: REPRO_TEXT_ROLES,
    params: VersionParams,
    responses: { 200: { description: 'The recipe as stored', contentType: 'text/plain' }, ...errors(404, 409) },
    handler: async (ctx) => {
      const version = await readVersion(ctx, ctx.params.modelId, ctx.params.version);
      const digest = version.recipeDigest;
      const key = recipeKey(ctx.params.modelId, digest);
      const bytes = await ctx.services.vault.get(key);
      const isJson = bytes !== undefined && bytes[0] === 0x7b;
      return serveText(ctx, key, digest, version.ownerMsp, isJson ? 'application/json' : 'text/plain; charset=utf-8');
    },
  }),
  route({
    method: 'post',
    path: '/v1/models/:modelId/versions/:version/revoke',
    operationId: 'revokeModelVersion',
    tag: 'models',
    summary: 'Revoke one version of a model (it can no longer back new outputs)',
    access: STUDIO,
    params: VersionParams,
    body: RevokeVersionRequest.pick({ reason: true }),
    responses: { 200: { description: 'Revoked', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) =>
      submitWrite(ctx, (ledger) =>
        ledger.models.revokeVersion({
          modelId: ctx.params.modelId,
          version: ctx.params.version,
          reason: ctx.body.reason,
        }),
      ),
  }),
  route({
    method: 'get',
    path: '/v1/artifacts/:artifactDigest/model-version',
    operationId: 'findModelVersionByArtifact',
    tag: 'verification',
    summary: 'Which model version a set of weights is, by the digest of its artifact manifest',
    access: ANY_ROLE,
    params: z.strictObject({ artifactDigest: DigestHex }),
    responses: { 200: { description: 'The version record', schema: R.ModelVersionRecord }, ...errors(404) },
    handler: async (ctx) => ({
      status: 200,
      body: await ctx.services.reader.models.findByArtifact(ctx.params.artifactDigest),
    }),
  }),
  route({
    method: 'post',
    path: '/v1/outputs/:outputId/generation',
    operationId: 'storeGenerationRecord',
    tag: 'outputs',
    summary: "Store an output's generation record in the vault; its digest must be the one registered with the output",
    access: STUDIO,
    params: OutputParams,
    body: GenerationRecordRequest,
    responses: {
      201: {
        description: 'Stored',
        schema: z.object({ key: z.string(), digest: z.string(), size: z.number().int() }).meta({ id: 'StoredText' }),
      },
      ...errors(404, 409, 415, 422, 503),
    },
    handler: async (ctx) => {
      const { record, bytes, digest } = prepareGenerationRecord(ctx.body);
      const output = await ctx.services.reader.outputs.get(ctx.params.outputId);
      if (output.ownerMsp !== ctx.services.settings.mspId)
        throw new AppError('FORBIDDEN', `output ${ctx.params.outputId} belongs to ${output.ownerMsp}`);
      if (output.generationDigest === undefined) {
        throw new AppError('STATE', `output ${ctx.params.outputId} was registered without a generationDigest`);
      }
      const mismatch = [
        record.outputId !== ctx.params.outputId ? 'outputId' : undefined,
        record.modelId !== output.modelId ? 'modelId' : undefined,
        output.modelVersion !== undefined && record.modelVersion !== output.modelVersion ? 'modelVersion' : undefined,
      ].filter((m) => m !== undefined);
      if (mismatch.length > 0) throw new AppError('CONFLICT', `the record's ${mismatch.join(', ')} differ from the output's ledger record`);
      if (digest !== output.generationDigest) {
        throw new AppError('CONFLICT', `the record's digest ${digest} is not the generationDigest on the ledger`);
      }
      const key = generationKey(ctx.params.outputId);
      await ctx.services.vault.put(key, bytes, 'application/json');
      return { status: 201, body: { key, digest, size: bytes.length } };
    },
  }),
  route({
    method: 'get',
    path: '/v1/outputs/:outputId/generation',
    operationId: 'getGenerationRecord',
    tag: 'outputs',
    summary: "An output's generation record from the owner's vault, checked against the ledger digest",
    access: REPRO_TEXT_ROLES,
    params: OutputParams,
    responses: { 200: { description: 'The canonical record', schema: GenerationRecordRequest }, ...errors(404, 409) },
    handler: async (ctx) => {
      const output = await ctx.services.reader.outputs.get(ctx.params.outputId);
      if (output.generationDigest === undefined) throw new AppError('NOT_FOUND', `output ${ctx.params.outputId} has no generation record`);
      return serveText(ctx, generationKey(ctx.params.outputId), output.generationDigest, output.ownerMsp, 'application/json');
    },
  }),
];
