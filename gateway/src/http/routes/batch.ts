import type { Response } from 'express';
import { z } from 'zod';
import { compareIds } from '@kiseki/chaincode/shared/merkle';
import { AppError, toAppError } from '../../errors';
import { BATCH_MEDIA_TYPE, readFrames, type Frame } from '../../use-cases/batch-frames';
import {
  BatchRegistrar,
  forEachLimited,
  isRefusal,
  MAX_CHUNK_ITEMS,
  type BatchItem,
  type ItemResult,
} from '../../use-cases/batch-register';
import { SessionService } from '../../use-cases/batch-sessions';
import { emptySummary, ingestStream, sha256, type ItemCheck, type StreamSummary } from '../../use-cases/batch-stream';
import { route, type AnyRoute, type RouteContext, type RouteResult } from '../route';
import { DigestHex, Id, MediaType } from '../validation';
import { errors, ledgerOf, mediaTypeOf, STUDIO, STUDIO_OR_LICENSOR } from './common';
import { RevenueReport } from './revenue';

/**
 * Bulk routes: streamed batch uploads of data items, digest-only registration of content already in
 * the vault, resumable upload sessions, bulk training attestation and bulk revenue reports. What is
 * all or nothing and what is per item is spelled out in docs/api.md ("Bulk ingest").
 */

/** Largest item of a batch (the batch holds items in memory; larger files use `POST /v1/data`). */
export const BATCH_ITEM_MAX_BYTES = 32 * 1024 * 1024;
/** Chunks of one request registered at the same time. */
const PIPELINE_DEPTH = 3;
/** Most ids in one bulk attestation request. */
export const MAX_BULK_ATTEST = 100_000;
const MAX_BULK_REVENUE = 1000;
const REVENUE_CONCURRENCY = 8;

const ItemHeader = z.strictObject({
  dataId: Id,
  providerId: Id.optional(),
  termsId: Id.optional(),
  mediaType: MediaType,
  size: z.number().int().positive(),
  contentDigest: DigestHex.optional(),
});
const Defaults = z.strictObject({ providerId: Id.optional(), termsId: Id.optional() });
const SessionParams = z.strictObject({ sessionId: z.uuid() });

const ItemResultSchema = z
  .object({
    index: z.number().int(),
    dataId: z.string().optional(),
    status: z.enum(['registered', 'duplicate', 'refused', 'failed', 'pending', 'staged']),
    contentDigest: z.string().optional(),
    size: z.number().int().optional(),
    transactionId: z.string().optional(),
    blockNumber: z.string().optional(),
    existing: z.literal(true).optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  })
  .meta({ id: 'BatchItemResult', description: 'The outcome of one item (see docs/api.md, "Bulk ingest")' });
const Summary = z
  .object({
    received: z.number().int(),
    registered: z.number().int(),
    duplicate: z.number().int(),
    refused: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
    staged: z.number().int(),
  })
  .meta({ id: 'BatchSummary' });
const NDJSON = 'application/x-ndjson';
const STREAM_DESCRIPTION =
  'One JSON line per item (BatchItemResult) as its chunk settles, then one line {"summary": BatchSummary} — or ' +
  '{"error": {code, message}, "summary": …} when the stream broke off';
const Session = z
  .object({
    sessionId: z.string(),
    state: z.enum(['open', 'committed']),
    createdAt: z.string(),
    committedAt: z.string().optional(),
    counts: z.record(z.string(), z.number()).optional(),
  })
  .meta({ id: 'UploadSession' });

type Ctx = RouteContext<unknown, unknown, unknown>;

function registrar(ctx: Ctx): BatchRegistrar {
  const { vault, packs, reader, transactor, metrics, settings, batchSlots } = ctx.services;
  return new BatchRegistrar(
    { vault, packs, reader, transactor, metrics, logger: ctx.log, mspId: settings.mspId, slots: batchSlots },
    ctx.principal,
    ctx.requestId,
  );
}

const itemLimit = (ctx: Ctx): number => Math.min(ctx.services.settings.uploadMaxBytes, BATCH_ITEM_MAX_BYTES);

function requireBatchBody(ctx: Ctx): void {
  if (mediaTypeOf(ctx.req.get('content-type')) !== BATCH_MEDIA_TYPE) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `send the items as ${BATCH_MEDIA_TYPE} (see docs/api.md)`);
  }
}

/** Validates an item's header against the defaults and limits; the item, or its refusal. */
function itemCheck(defaults: z.infer<typeof Defaults>, maxBytes: number): ItemCheck {
  return (frame: Frame, digest: string | undefined) => {
    const rawId = frame.header.dataId;
    const dataId = typeof rawId === 'string' ? rawId : undefined;
    const refuse = (code: string, message: string): ItemResult => ({
      index: frame.index,
      ...(dataId === undefined ? {} : { dataId }),
      status: 'refused',
      error: { code, message },
    });
    const parsed = ItemHeader.safeParse(frame.header);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return refuse(
        'INVALID',
        issue === undefined ? 'invalid item header' : `${issue.path.map(String).join('.') || 'header'}: ${issue.message}`,
      );
    }
    const header = parsed.data;
    const providerId = header.providerId ?? defaults.providerId;
    const termsId = header.termsId ?? defaults.termsId;
    if (providerId === undefined || termsId === undefined)
      return refuse('INVALID', 'give providerId and termsId in the item header or the query');
    if (frame.bytes === undefined || digest === undefined)
      return refuse('PAYLOAD_TOO_LARGE', `the item exceeds the limit of ${maxBytes} bytes; nothing kept`);
    if (header.contentDigest !== undefined && header.contentDigest !== digest)
      return refuse('INVALID', 'the content does not match contentDigest; nothing kept');
    return {
      index: frame.index,
      dataId: header.dataId,
      providerId,
      termsId,
      mediaType: header.mediaType,
      size: header.size,
      contentDigest: digest,
      bytes: frame.bytes,
    };
  };
}

/**
 * Starts a streamed NDJSON answer. The lines of one turn of the event loop (a settled chunk answers
 * up to 1,000 items at once) go out as one write: a write per line cost a chunk header and a socket
 * write each, several per cent of the gateway's CPU during bulk ingest.
 */
function ndjson(res: Response): { line: (value: unknown) => void; end: () => void } {
  res.status(200).set('Content-Type', NDJSON).set('Cache-Control', 'no-store');
  res.flushHeaders();
  let gathered: string[] = [];
  const open = (): boolean => !res.writableEnded && !res.destroyed;
  const flush = (): void => {
    const lines = gathered;
    gathered = [];
    if (lines.length > 0 && open()) res.write(lines.join(''));
  };
  return {
    line: (value) => {
      if (gathered.length === 0) setImmediate(flush);
      gathered.push(`${JSON.stringify(value)}\n`);
    },
    end: () => {
      flush();
      if (open()) res.end();
    },
  };
}

function finish(out: ReturnType<typeof ndjson>, summary: StreamSummary, error: AppError | undefined): RouteResult {
  out.line(error === undefined ? { summary } : { error: { code: error.code, message: error.message }, summary });
  out.end();
  return { streamed: true };
}

export const batchRoutes: readonly AnyRoute[] = [
  route({
    method: 'post',
    path: '/v1/data/batch',
    operationId: 'uploadDataBatch',
    tag: 'data',
    summary:
      'Upload and register many data items in one streamed request (registered in transactions of up to 1,000 items, answered per item)',
    access: STUDIO,
    query: Defaults,
    upload: {
      contentType: BATCH_MEDIA_TYPE,
      description:
        'Items one after another: a header line of JSON {dataId, providerId?, termsId?, mediaType, size, contentDigest?} ending in \\n, ' +
        'then exactly `size` bytes of content. providerId/termsId default to the query. See docs/api.md, "Bulk ingest".',
    },
    idempotent: false,
    responses: { 200: { description: STREAM_DESCRIPTION, contentType: NDJSON, schema: ItemResultSchema }, ...errors(415) },
    handler: async (ctx) => {
      requireBatchBody(ctx);
      const out = ndjson(ctx.res);
      const maxBytes = itemLimit(ctx);
      const chunks = registrar(ctx);
      const { summary, error } = await ingestStream(
        readFrames(ctx.req, maxBytes),
        itemCheck(ctx.query, maxBytes),
        (items, packed) => chunks.registerChunk(items, packed),
        out.line,
        { depth: PIPELINE_DEPTH, slabs: ctx.services.batchSlabs },
      );
      return finish(out, summary, error);
    },
  }),
  route({
    method: 'post',
    path: '/v1/data/registrations',
    operationId: 'registerDataByDigest',
    tag: 'data',
    summary:
      "Register up to 1,000 items whose content is already in the org's vault under inbox/ (each object's digest checked), answered per item",
    access: STUDIO,
    body: z.strictObject({
      items: z
        .array(
          z.strictObject({
            dataId: Id,
            providerId: Id,
            termsId: Id,
            mediaType: MediaType,
            contentDigest: DigestHex,
            key: z.string().regex(/^inbox\/[\x21-\x7e]{1,1000}$/, 'must be a key under inbox/'),
          }),
        )
        .min(1)
        .max(MAX_CHUNK_ITEMS),
    }),
    responses: {
      200: {
        description: 'One result per item, in request order',
        schema: z.object({ items: z.array(ItemResultSchema), summary: Summary }),
      },
      ...errors(413, 415, 422),
    },
    handler: async (ctx) => {
      const { vault } = ctx.services;
      const maxBytes = itemLimit(ctx);
      const summary = emptySummary();
      const results: ItemResult[] = [];
      const accepted: BatchItem[] = [];
      /** Why an object cannot be registered as it is described; undefined when it can. */
      const checkObject = async (key: string, digest: string): Promise<{ code: string; message: string } | undefined> => {
        const size = await vault.size(key);
        if (size === undefined) return { code: 'NOT_FOUND', message: `no object ${key} in the vault` };
        if (size > maxBytes) return { code: 'PAYLOAD_TOO_LARGE', message: `the object exceeds the limit of ${maxBytes} bytes` };
        const bytes = await vault.get(key);
        if (bytes === undefined) return { code: 'NOT_FOUND', message: `no object ${key} in the vault` };
        if (sha256(bytes) !== digest) return { code: 'INVALID', message: `the object ${key} does not match contentDigest` };
        return undefined;
      };
      await forEachLimited(
        ctx.body.items.map((item, index) => ({ item, index })),
        16,
        async ({ item, index }) => {
          try {
            const problem = await checkObject(item.key, item.contentDigest);
            if (problem === undefined) accepted.push({ index, ...item, source: item.key, size: (await vault.size(item.key)) ?? 0 });
            else results.push({ index, dataId: item.dataId, status: 'refused', error: problem });
          } catch (error) {
            const appError = toAppError(error);
            results.push({ index, dataId: item.dataId, status: 'failed', error: { code: appError.code, message: appError.message } });
          }
        },
      );
      accepted.sort((a, b) => a.index - b.index);
      results.push(...(await registrar(ctx).registerChunk(accepted)));
      results.sort((a, b) => a.index - b.index);
      for (const result of results) summary[result.status] += 1;
      summary.received = ctx.body.items.length;
      return { status: 200, body: { items: results, summary } };
    },
  }),
  route({
    method: 'post',
    path: '/v1/data/sessions',
    operationId: 'createUploadSession',
    tag: 'data',
    summary: 'Open an upload session: add items over many requests, then commit them all',
    access: STUDIO,
    responses: { 201: { description: 'The session', schema: Session }, ...errors() },
    handler: async (ctx) => {
      const session = await new SessionService(ctx.services.store, ctx.services.vault).create(ctx.principal.clientId);
      return { status: 201, body: session, headers: { Location: `/v1/data/sessions/${session.sessionId}` } };
    },
  }),
  route({
    method: 'get',
    path: '/v1/data/sessions/:sessionId',
    operationId: 'getUploadSession',
    tag: 'data',
    summary: "An upload session's state and its items counted by state",
    access: STUDIO,
    params: SessionParams,
    responses: { 200: { description: 'The session', schema: Session }, ...errors(404) },
    handler: async (ctx) => {
      const sessions = new SessionService(ctx.services.store, ctx.services.vault);
      const session = await sessions.get(ctx.principal.clientId, ctx.params.sessionId);
      return { status: 200, body: { ...session, counts: await sessions.counts(session.sessionId) } };
    },
  }),
  route({
    method: 'post',
    path: '/v1/data/sessions/:sessionId/items',
    operationId: 'addUploadSessionItems',
    tag: 'data',
    summary: 'Add items to an open session (same stream format as /v1/data/batch); each is stored and hashed, not yet registered',
    access: STUDIO,
    params: SessionParams,
    query: Defaults,
    upload: { contentType: BATCH_MEDIA_TYPE, description: 'As for POST /v1/data/batch' },
    idempotent: false,
    responses: {
      200: {
        description: STREAM_DESCRIPTION.replace('as its chunk settles', '(status staged or refused)'),
        contentType: NDJSON,
        schema: ItemResultSchema,
      },
      ...errors(404, 409, 415),
    },
    handler: async (ctx) => {
      requireBatchBody(ctx);
      const sessions = new SessionService(ctx.services.store, ctx.services.vault);
      const session = await sessions.requireOpen(ctx.principal.clientId, ctx.params.sessionId);
      const out = ndjson(ctx.res);
      const maxBytes = itemLimit(ctx);
      const { summary, error } = await ingestStream(
        readFrames(ctx.req, maxBytes),
        itemCheck(ctx.query, maxBytes),
        async (items) => {
          const results: ItemResult[] = [];
          await forEachLimited(items, 16, async (item) => {
            try {
              results.push(await sessions.stage(session.sessionId, item));
            } catch (failure) {
              const appError = toAppError(failure);
              results.push({
                index: item.index,
                dataId: item.dataId,
                status: 'failed',
                error: { code: appError.code, message: appError.message },
              });
            }
          });
          return results.sort((a, b) => a.index - b.index);
        },
        out.line,
        { depth: 1, maxChunkItems: 64 },
      );
      return finish(out, summary, error);
    },
  }),
  route({
    method: 'post',
    path: '/v1/data/sessions/:sessionId/commit',
    operationId: 'commitUploadSession',
    tag: 'data',
    summary: "Register a session's items not settled yet (safe to repeat: an item registered before comes back registered, never twice)",
    access: STUDIO,
    params: SessionParams,
    idempotent: false,
    responses: {
      200: {
        description: STREAM_DESCRIPTION.replace('{"summary": BatchSummary}', '{"summary": BatchSummary, "session": UploadSession}'),
        contentType: NDJSON,
        schema: ItemResultSchema,
      },
      ...errors(404, 409),
    },
    handler: async (ctx) => {
      const sessions = new SessionService(ctx.services.store, ctx.services.vault);
      const session = await sessions.requireOpen(ctx.principal.clientId, ctx.params.sessionId);
      const out = ndjson(ctx.res);
      const summary = emptySummary();
      const chunks = registrar(ctx);
      try {
        const after = await sessions.commit(
          session,
          (items) => chunks.registerChunk(items),
          (result) => {
            summary.received += 1;
            summary[result.status] += 1;
            out.line(result);
          },
        );
        out.line({ summary, session: after });
      } catch (error) {
        const appError = toAppError(error);
        out.line({ error: { code: appError.code, message: appError.message }, summary });
      }
      out.end();
      return { streamed: true };
    },
  }),
  route({
    method: 'delete',
    path: '/v1/data/sessions/:sessionId',
    operationId: 'deleteUploadSession',
    tag: 'data',
    summary: 'Drop a session and its staged content (items it already registered stay registered)',
    access: STUDIO,
    params: SessionParams,
    responses: { 204: { description: 'Dropped' }, ...errors(404) },
    handler: async (ctx) => {
      const sessions = new SessionService(ctx.services.store, ctx.services.vault);
      await sessions.remove(await sessions.get(ctx.principal.clientId, ctx.params.sessionId));
      return { status: 204 };
    },
  }),
  route({
    method: 'post',
    path: '/v1/models/:modelId/training-batches/bulk',
    operationId: 'attestTrainingBulk',
    tag: 'models',
    summary: `Attest up to ${MAX_BULK_ATTEST} training ids: sorted and de-duplicated here, attested in transactions of 1,000 in order; stops at the first refused transaction`,
    access: STUDIO,
    params: z.strictObject({ modelId: Id }),
    body: z.strictObject({ dataIds: z.array(Id).min(1).max(MAX_BULK_ATTEST) }),
    responses: {
      200: {
        description:
          'What was attested; complete is false when a transaction was refused or failed (error says why, attested ids stay attested)',
        schema: z.object({
          complete: z.boolean(),
          attested: z.number().int(),
          batches: z.array(z.object({ first: z.string(), last: z.string(), count: z.number().int(), transactionId: z.string() })),
          remaining: z.number().int(),
          error: z.object({ code: z.string(), message: z.string(), transactionId: z.string().optional() }).optional(),
        }),
      },
      ...errors(404, 409, 413, 415, 422, 502, 503, 504),
    },
    handler: async (ctx) => {
      const ids = [...new Set(ctx.body.dataIds)].sort(compareIds);
      const batches: { first: string; last: string; count: number; transactionId: string }[] = [];
      let attested = 0;
      for (let start = 0; start < ids.length; start += MAX_CHUNK_ITEMS) {
        const dataIds = ids.slice(start, start + MAX_CHUNK_ITEMS);
        try {
          const submitted = await ledgerOf(ctx).models.attestTrainingBatch({ modelId: ctx.params.modelId, dataIds });
          batches.push({
            first: dataIds[0] as string,
            last: dataIds[dataIds.length - 1] as string,
            count: dataIds.length,
            transactionId: submitted.transactionId,
          });
          attested += dataIds.length;
        } catch (error) {
          // Nothing attested: answer as the single route would.
          if (attested === 0) throw error;
          const appError = toAppError(error);
          return {
            status: 200,
            body: {
              complete: false,
              attested,
              batches,
              remaining: ids.length - attested,
              error: {
                code: appError.code,
                message: appError.message,
                ...(appError.transactionId === undefined ? {} : { transactionId: appError.transactionId }),
              },
            },
          };
        }
      }
      return { status: 200, body: { complete: true, attested, batches, remaining: 0 } };
    },
  }),
  route({
    method: 'post',
    path: '/v1/revenue/bulk',
    operationId: 'recordRevenueBulk',
    tag: 'revenue',
    summary: `Record up to ${MAX_BULK_REVENUE} revenue reports, one transaction each (each is distributed on its own), answered per item`,
    access: STUDIO_OR_LICENSOR,
    body: z.strictObject({
      items: z.array(RevenueReport).min(1).max(MAX_BULK_REVENUE),
    }),
    responses: {
      200: {
        description:
          'One result per report, in request order: recorded, duplicate (reference already used), refused or failed (retry: the reference keeps it from being paid twice)',
        schema: z.object({
          items: z.array(
            z.object({
              index: z.number().int(),
              reference: z.string(),
              status: z.enum(['recorded', 'duplicate', 'refused', 'failed']),
              record: z.unknown().optional(),
              transactionId: z.string().optional(),
              error: z.object({ code: z.string(), message: z.string() }).optional(),
            }),
          ),
        }),
      },
      ...errors(413, 415, 422),
    },
    handler: async (ctx) => {
      const results: Record<string, unknown>[] = [];
      await forEachLimited(
        ctx.body.items.map((item, index) => ({ item, index })),
        REVENUE_CONCURRENCY,
        async ({ item, index }) => {
          try {
            const submitted = await ledgerOf(ctx).revenue.record(item);
            results.push({
              index,
              reference: item.reference,
              status: 'recorded',
              record: submitted.result,
              transactionId: submitted.transactionId,
            });
          } catch (error) {
            const appError = toAppError(error);
            const status = !isRefusal(appError) ? 'failed' : appError.code === 'CONFLICT' ? 'duplicate' : 'refused';
            results.push({
              index,
              reference: item.reference,
              status,
              error: { code: appError.code, message: appError.message },
              ...(appError.transactionId === undefined ? {} : { transactionId: appError.transactionId }),
            });
          }
        },
      );
      return { status: 200, body: { items: results.sort((a, b) => (a.index as number) - (b.index as number)) } };
    },
  }),
];
