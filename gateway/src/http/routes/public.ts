import { z } from 'zod';
import { hashStream, lookupDigest } from '../../use-cases/lookup';
import { publicData, publicLookup, publicModel, publicVerification } from '../../use-cases/public-view';
import { route, type AnyRoute, type RouteContext } from '../route';
import { DigestHex, Id } from '../validation';
import { publicErrors } from './common';

/**
 * The public verification surface: no API key, rate-limited per address, on only when the gateway's
 * config enables it. It answers public facts only (see use-cases/public-view.ts): whether bytes are
 * registered, an output's verdict and lineage, and whether a data item is in a sealed model's training
 * set, with the RFC 6962 proof anyone can check against the root.
 */

const PublicRecord = z.record(z.string(), z.unknown());

export const PublicLookup = z
  .object({ contentDigest: z.string(), registered: z.literal(true), data: PublicRecord.optional(), output: PublicRecord.optional() })
  .meta({ id: 'PublicLookup', description: 'Public facts of the data item and/or output registered with this digest' });

export const PublicVerdict = z
  .object({
    outputId: z.string(),
    verdict: z.enum(['authorized', 'flagged', 'unauthorized']),
    output: PublicRecord,
    lineage: z.array(PublicRecord),
  })
  .meta({ id: 'PublicVerdict', description: "An output's lineage verdict and the public facts of each model of its lineage" });

export const Membership = z
  .object({
    modelId: z.string(),
    trainingRoot: z.string(),
    trainingSize: z.number().int(),
    dataId: z.string(),
    contentDigest: z.string().optional(),
    included: z.boolean(),
    inclusion: PublicRecord.optional(),
    exclusion: PublicRecord.optional(),
  })
  .meta({ id: 'Membership', description: 'Whether a data item is in the training set, with the RFC 6962 inclusion or exclusion proof' });

const DIGEST = /^[0-9a-f]{64}$/;

/** Resolves a digest (64 lowercase hex) to its data item's dataId; anything else is taken as a dataId. */
async function resolveItem(
  ctx: RouteContext<unknown, unknown, unknown>,
  item: string,
): Promise<{ dataId: string; contentDigest?: string }> {
  if (!DIGEST.test(item)) return { dataId: item };
  const found = await lookupDigest(ctx.services.reader, item);
  const dataId = (found.data as { dataId?: unknown } | undefined)?.dataId;
  if (typeof dataId !== 'string') return { dataId: item };
  return { dataId, contentDigest: item };
}

export const publicRoutes: readonly AnyRoute[] = [
  route({
    method: 'get',
    path: '/v1/public/lookup/:sha256',
    operationId: 'publicLookupByDigest',
    tag: 'public',
    summary: 'Is anything registered with this SHA-256? (no key needed)',
    access: 'public',
    publicVerification: true,
    params: z.strictObject({ sha256: DigestHex }),
    responses: { 200: { description: 'Registered', schema: PublicLookup }, ...publicErrors(404) },
    handler: async (ctx) => ({ status: 200, body: publicLookup(await lookupDigest(ctx.services.reader, ctx.params.sha256)) }),
  }),
  route({
    method: 'post',
    path: '/v1/public/lookup',
    operationId: 'publicLookupByContent',
    tag: 'public',
    summary: 'Is this file registered? The body is hashed while streamed and not stored (no key needed)',
    access: 'public',
    publicVerification: true,
    idempotent: false,
    upload: { description: 'The file, as the raw request body (any Content-Type)' },
    responses: { 200: { description: 'Registered', schema: PublicLookup }, ...publicErrors(404, 413) },
    handler: async (ctx) => {
      const { digest } = await hashStream(ctx.req, ctx.services.settings.uploadMaxBytes);
      return { status: 200, body: publicLookup(await lookupDigest(ctx.services.reader, digest)) };
    },
  }),
  route({
    method: 'get',
    path: '/v1/public/outputs/:outputId/verification',
    operationId: 'publicVerifyOutput',
    tag: 'public',
    summary: "An output's lineage verdict (no key needed)",
    access: 'public',
    publicVerification: true,
    params: z.strictObject({ outputId: Id }),
    responses: { 200: { description: 'The verdict', schema: PublicVerdict }, ...publicErrors(404) },
    handler: async (ctx) => ({
      status: 200,
      body: publicVerification(await ctx.services.reader.outputs.verify(ctx.params.outputId)),
    }),
  }),
  route({
    method: 'get',
    path: '/v1/public/data/:dataId',
    operationId: 'publicGetData',
    tag: 'public',
    summary: 'Public facts of a data item: digest, media type, size, status (no key needed)',
    access: 'public',
    publicVerification: true,
    params: z.strictObject({ dataId: Id }),
    responses: { 200: { description: 'The public facts', schema: PublicRecord }, ...publicErrors(404) },
    handler: async (ctx) => ({
      status: 200,
      body: publicData(await ctx.services.reader.data.get(ctx.params.dataId)),
    }),
  }),
  route({
    method: 'get',
    path: '/v1/public/models/:modelId',
    operationId: 'publicGetModel',
    tag: 'public',
    summary: 'Public facts of a model: owner, status, training root and size (no key needed)',
    access: 'public',
    publicVerification: true,
    params: z.strictObject({ modelId: Id }),
    responses: { 200: { description: 'The public facts', schema: PublicRecord }, ...publicErrors(404) },
    handler: async (ctx) => ({
      status: 200,
      body: publicModel(await ctx.services.reader.models.get(ctx.params.modelId)),
    }),
  }),
  route({
    method: 'get',
    path: '/v1/public/models/:modelId/training-set/:item',
    operationId: 'publicTrainingSetMembership',
    tag: 'public',
    summary: 'Was this data item (dataId or content SHA-256) used to train this sealed model? With the RFC 6962 proof',
    access: 'public',
    publicVerification: true,
    params: z.strictObject({ modelId: Id, item: z.union([DigestHex, Id]) }),
    responses: { 200: { description: 'Included or not, with its proof', schema: Membership }, ...publicErrors(404, 409) },
    handler: async (ctx) => {
      const { modelId } = ctx.params;
      const { dataId, contentDigest } = await resolveItem(ctx, ctx.params.item);
      const { manifest, tree } = await ctx.services.manifests.load(modelId);
      const included = tree.indexOf(dataId) >= 0;
      const base = {
        modelId,
        trainingRoot: manifest.root,
        trainingSize: manifest.size,
        dataId,
        ...(contentDigest === undefined ? {} : { contentDigest }),
        included,
      };
      const body = included
        ? { ...base, inclusion: await ctx.services.manifests.inclusion(modelId, dataId) }
        : { ...base, exclusion: await ctx.services.manifests.exclusion(modelId, dataId) };
      return { status: 200, body };
    },
  }),
];
