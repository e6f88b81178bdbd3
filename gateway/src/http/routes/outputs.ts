import { z } from 'zod';
import { AppError } from '../../errors';
import { ContentQuery, contentFromHolder } from '../../exchange/routes';
import { uploadAndRegister } from '../../use-cases/uploads';
import { ANY_ROLE, route, type AnyRoute } from '../route';
import { DigestHex, Id, MediaType, Territory } from '../validation';
import { credentialedOutput } from '../../use-cases/credentials';
import { withVaultChecks } from '../../use-cases/reproducibility';
import { Download, errors, evaluateRead, ledgerOf, STUDIO, UploadResult } from './common';
import * as R from '@kiseki/chaincode/shared/records';
import { OutputVerification } from '@kiseki/chaincode/shared/responses';
import { requireAbsent, uploadPreflight } from './uploads';

/** Outputs: streamed upload + registration against a sealed model, reads, verification of lineage. */

const OutputParams = z.strictObject({ outputId: Id });
/** Who the embedded manifests name as their claim generator. */
const CLAIM_GENERATOR = { name: 'Kiseki gateway', version: '0.1.0' };
const OUTPUT_CONTENT_ROLES = ['studio-operator', 'licensor-operator', 'auditor', 'regulator'] as const;

/** `rightsIds` as a comma-separated list in the query. */
const IdList = z
  .string()
  .max(64 * 130)
  .transform((s) => (s === '' ? [] : s.split(',')))
  .pipe(z.array(Id).max(64));

export const outputRoutes: readonly AnyRoute[] = [
  route({
    method: 'post',
    path: '/v1/outputs',
    operationId: 'uploadOutput',
    tag: 'outputs',
    summary: 'Upload a generated output and register it against a sealed model',
    access: STUDIO,
    query: z.strictObject({
      outputId: Id,
      modelId: Id,
      rightsIds: IdList.optional(),
      mediaType: MediaType.optional(),
      grantId: Id.optional(),
      territory: Territory.optional(),
      /** The model version that generated it (required once the model has versions). */
      modelVersion: z.coerce.number().int().min(1).max(9999).optional(),
      /** SHA-256 of its canonical generation record, stored afterwards with POST /v1/outputs/{outputId}/generation. */
      generationDigest: DigestHex.optional(),
    }),
    upload: { description: 'The raw bytes of the output; Content-Type is its media type unless mediaType is given' },
    responses: { 201: { description: 'Stored and registered', schema: UploadResult }, ...errors(404, 409, 413, 415, 502, 503, 504) },
    handler: async (ctx) => {
      const { outputId, modelId } = ctx.query;
      const mediaType = uploadPreflight(ctx.req, ctx.query.mediaType, ctx.services.settings.uploadMaxBytes);
      await requireAbsent(() => ctx.services.reader.outputs.get(outputId), `output ${outputId}`);
      const { submitted, content } = await uploadAndRegister(
        { vault: ctx.services.vault, metrics: ctx.services.metrics, logger: ctx.log, maxBytes: ctx.services.settings.uploadMaxBytes },
        {
          key: `outputs/${outputId}`,
          ref: { kind: 'output', id: outputId },
          contentType: mediaType,
          body: ctx.req,
          register: ({ digest }) =>
            ledgerOf(ctx).outputs.register({
              outputId,
              modelId,
              contentDigest: digest,
              mediaType,
              rightsIds: ctx.query.rightsIds ?? [],
              ...(ctx.query.grantId === undefined ? {} : { grantId: ctx.query.grantId }),
              ...(ctx.query.territory === undefined ? {} : { territory: ctx.query.territory }),
              ...(ctx.query.modelVersion === undefined ? {} : { modelVersion: ctx.query.modelVersion }),
              ...(ctx.query.generationDigest === undefined ? {} : { generationDigest: ctx.query.generationDigest }),
            }),
        },
      );
      return {
        status: 201,
        body: { record: submitted.result, transactionId: submitted.transactionId, blockNumber: submitted.blockNumber, content },
        headers: { 'Kiseki-Transaction-Id': submitted.transactionId, Location: `/v1/outputs/${outputId}` },
      };
    },
  }),
  route({
    method: 'get',
    path: '/v1/outputs/:outputId',
    operationId: 'getOutput',
    tag: 'outputs',
    summary: 'Read an output record',
    access: ANY_ROLE,
    params: OutputParams,
    responses: { 200: { description: 'The record', schema: R.OutputRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.outputs.get(ctx.params.outputId)),
  }),
  route({
    method: 'get',
    path: '/v1/outputs/:outputId/verification',
    operationId: 'verifyOutput',
    tag: 'verification',
    summary:
      'Verify an output: lineage (output → model → base models → training roots → terms), model version, generation record, latest review, and verdict',
    access: ANY_ROLE,
    params: OutputParams,
    responses: {
      200: { description: '{ verdict, lineage, modelVersion, generation, review, … }', schema: OutputVerification },
      ...errors(404),
    },
    handler: async (ctx) => {
      const result = await evaluateRead(ctx, (reader) => reader.outputs.verify(ctx.params.outputId));
      if ('streamed' in result) return result;
      return { ...result, body: await withVaultChecks(ctx.services.vault, ctx.services.settings.mspId, result.body) };
    },
  }),
  route({
    method: 'get',
    path: '/v1/outputs/:outputId/content',
    operationId: 'getOutputContent',
    tag: 'outputs',
    summary:
      "The output content: a short-lived download URL when this org owns it; else the bytes, obtained from the owner's gateway when entitled and checked against the ledger digest",
    access: OUTPUT_CONTENT_ROLES,
    params: OutputParams,
    query: ContentQuery.extend({
      /** `c2pa`: the bytes themselves, PNG or JPEG, with a C2PA manifest signed by the owning org embedded. */
      credentials: z.enum(['c2pa']).optional(),
    }),
    responses: {
      200: {
        description:
          "Presigned URL (own content), the bytes (another org's), or with credentials=c2pa the bytes carrying Content Credentials",
        schema: Download,
      },
      ...errors(403, 404, 409, 415, 502, 503),
    },
    handler: async (ctx) => {
      if (ctx.query.credentials === 'c2pa') {
        const { bytes, mediaType } = await credentialedOutput(ctx.services, ctx.params.outputId, CLAIM_GENERATOR);
        ctx.res
          .status(200)
          .type(mediaType)
          .set('Content-Disposition', `attachment; filename="${ctx.params.outputId}${mediaType === 'image/png' ? '.png' : '.jpg'}"`)
          .send(Buffer.from(bytes));
        return { streamed: true };
      }
      const record = await ctx.services.reader.outputs.get(ctx.params.outputId);
      if (record.ownerMsp !== ctx.services.settings.mspId && ctx.services.exchange !== undefined) {
        return contentFromHolder(ctx, 'output', ctx.params.outputId, record.ownerMsp, ctx.query.grantId);
      }
      const key = `outputs/${ctx.params.outputId}`;
      if (!(await ctx.services.vault.exists(key))) throw new AppError('NOT_FOUND', 'the content is not in this vault');
      return { status: 200, body: await ctx.services.vault.presignGet(key, ctx.services.settings.presignTtlSeconds, record.contentDigest) };
    },
  }),
];
