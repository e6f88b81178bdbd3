import { z } from 'zod';
import type { Role } from '../../auth';
import { AppError } from '../../errors';
import { AuditReader, parseFilter, RECORD_TYPE_NAMES, toCsv, type RecordTypeName } from '../../indexer/audit';
import { route, type AnyRoute, type RouteContext, type RouteResult } from '../route';
import { errors } from './common';

/**
 * The audit API over the org's index (PostgreSQL): lists of every record type with filters, cursor
 * paging and "as of block N", every key's history, and analytics. Read-only, for auditors and the
 * regulator first, and for operators; a provider's agent has its own statements instead. Every answer
 * says the block height it reflects (`height`, and the `Kiseki-Index-Height` header).
 */

export const AUDIT_ROLES: readonly Role[] = ['auditor', 'regulator', 'studio-operator', 'licensor-operator'];

const Block = z.coerce.bigint().min(0n).meta({ type: 'integer', description: 'Answer as of this block (inclusive)' });
const Format = z.enum(['json', 'csv']).default('json');
const RecordType = z.enum(RECORD_TYPE_NAMES as [RecordTypeName, ...RecordTypeName[]]);

const Answer = z.object({ height: z.string(), asOfBlock: z.string().optional() }).loose().meta({ id: 'AuditAnswer' });
const ListAnswer = Answer.extend({
  items: z.array(z.object({ key: z.array(z.string()), record: z.unknown(), blockNumber: z.string(), txId: z.string() })),
  nextCursor: z.string().optional(),
}).meta({ id: 'AuditList' });
const RowsAnswer = Answer.extend({ rows: z.array(z.record(z.string(), z.unknown())) }).meta({ id: 'AuditRows' });

const Questions = [
  'revoked-inputs',
  'provider-income',
  'terms-coverage',
  'items-per-terms-provider',
  'status-changes',
  'model-composition',
  'revenue-over-time',
  'offers-grants',
] as const;

function reader(ctx: { services: { audit?: AuditReader } }): AuditReader {
  if (ctx.services.audit === undefined)
    throw new AppError('UNAVAILABLE', 'this gateway has no database: the audit API needs the `database` config section');
  return ctx.services.audit;
}

/** JSON, or CSV of `rows` with the height in a header; both carry `Kiseki-Index-Height`. */
function answer(
  ctx: RouteContext<unknown, { format: 'json' | 'csv' }, unknown>,
  body: { height: string; asOfBlock?: string },
  rows: readonly Record<string, unknown>[],
  next?: string,
): RouteResult {
  const headers: Record<string, string> = {
    'Kiseki-Index-Height': body.height,
    ...(body.asOfBlock === undefined ? {} : { 'Kiseki-As-Of-Block': body.asOfBlock }),
    ...(next === undefined ? {} : { 'Kiseki-Next-Cursor': next }),
  };
  if (ctx.query.format === 'csv') {
    ctx.res.status(200).set(headers).type('text/csv; charset=utf-8').send(toCsv(rows));
    return { streamed: true };
  }
  return { status: 200, body, headers };
}

const csvOrJson = (schema: z.ZodType, description: string) => ({
  200: { description: `${description} (JSON; with format=csv the rows as CSV, height in the Kiseki-Index-Height header)`, schema },
  ...errors(503),
});

export const auditRoutes: readonly AnyRoute[] = [
  route({
    method: 'get',
    path: '/v1/audit/status',
    operationId: 'auditStatus',
    tag: 'audit',
    summary: 'The index height (blocks indexed) and whether this replica is the indexing one',
    access: AUDIT_ROLES,
    responses: { 200: { description: 'Index status', schema: Answer }, ...errors(503) },
    handler: async (ctx) => {
      const h = await reader(ctx).height();
      return { status: 200, body: { ...h, indexing: ctx.services.indexer?.leader ?? false }, headers: { 'Kiseki-Index-Height': h.height } };
    },
  }),
  route({
    method: 'get',
    path: '/v1/audit/records/:type',
    operationId: 'auditList',
    tag: 'audit',
    summary: 'List records of one type from the index: filter by fields, page by cursor, as of a block; CSV with format=csv',
    access: AUDIT_ROLES,
    params: z.strictObject({ type: RecordType }),
    query: z.strictObject({
      limit: z.coerce.number().int().min(1).max(10_000).default(100),
      cursor: z.string().max(4096).optional(),
      asOf: Block.optional(),
      filter: z.string().max(2048).optional().meta({ description: 'field:value[,field:value…] on the record (exact match of its text)' }),
      format: Format,
    }),
    responses: csvOrJson(ListAnswer, 'One page of records'),
    handler: async (ctx) => {
      const page = await reader(ctx).list(ctx.params.type, {
        filters: parseFilter(ctx.query.filter),
        limit: ctx.query.limit,
        ...(ctx.query.asOf === undefined ? {} : { asOf: ctx.query.asOf }),
        ...(ctx.query.cursor === undefined ? {} : { cursor: ctx.query.cursor }),
      });
      const rows = page.items.map((i) => ({
        key: i.key.join('/'),
        blockNumber: i.blockNumber,
        txId: i.txId,
        ...(i.record as Record<string, unknown>),
      }));
      return answer(ctx, page, rows, page.nextCursor);
    },
  }),
  route({
    method: 'get',
    path: '/v1/audit/records/:type/history',
    operationId: 'auditHistory',
    tag: 'audit',
    summary: 'Every version of one record (key attributes comma-separated), with block and transaction',
    access: AUDIT_ROLES,
    params: z.strictObject({ type: RecordType }),
    query: z.strictObject({ key: z.string().min(1).max(1024), format: Format }),
    responses: csvOrJson(Answer, 'The versions, oldest first'),
    handler: async (ctx) => {
      const result = await reader(ctx).history(ctx.params.type, ctx.query.key.split(','));
      return answer(
        ctx,
        result,
        result.versions.map((v) => ({ ...v, record: v.record })),
      );
    },
  }),
  route({
    method: 'get',
    path: '/v1/audit/analytics/:question',
    operationId: 'auditAnalytics',
    tag: 'audit',
    summary:
      'Analytics over the index: revoked-inputs, provider-income (providerId), terms-coverage, items-per-terms-provider, status-changes, model-composition (modelId optional), revenue-over-time, offers-grants',
    access: AUDIT_ROLES,
    params: z.strictObject({ question: z.enum(Questions) }),
    query: z.strictObject({
      asOf: Block.optional(),
      providerId: z.string().min(1).max(256).optional(),
      modelId: z.string().min(1).max(256).optional(),
      format: Format,
    }),
    responses: csvOrJson(RowsAnswer, 'The answer rows'),
    handler: async (ctx) => {
      const audit = reader(ctx);
      const { asOf } = ctx.query;
      let result: { height: string; asOfBlock?: string; rows: Record<string, unknown>[] };
      switch (ctx.params.question) {
        case 'revoked-inputs':
          result = await audit.revokedInputs(asOf);
          break;
        case 'provider-income': {
          if (ctx.query.providerId === undefined)
            throw new AppError('INVALID', 'provider-income needs providerId', {
              issues: [{ path: 'providerId', code: 'invalid_type', message: 'required' }],
            });
          result = await audit.providerIncome(ctx.query.providerId, asOf);
          break;
        }
        case 'terms-coverage':
          result = await audit.termsCoverage(asOf);
          break;
        case 'items-per-terms-provider':
          result = await audit.itemsPerTermsAndProvider(asOf);
          break;
        case 'status-changes':
          result = await audit.statusChanges(asOf);
          break;
        case 'model-composition':
          result = await audit.modelComposition(ctx.query.modelId, asOf);
          break;
        case 'revenue-over-time':
          result = await audit.revenueOverTime(asOf);
          break;
        case 'offers-grants':
          result = await audit.offersAndGrants(asOf);
          break;
      }
      return answer(ctx, result, result.rows);
    },
  }),
];
