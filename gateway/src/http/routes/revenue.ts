import { z } from 'zod';
import { ANY_ROLE, route, type AnyRoute } from '../route';
import { Currency, Id, MspId } from '../validation';
import { errors, evaluateRead, STUDIO_OR_LICENSOR, submitWrite, WriteResult } from './common';
import * as R from '@kiseki/chaincode/shared/records';
import { ClaimRequest, MarkSettledRequest, RevenueRecordRequest } from '@kiseki/chaincode/shared/requests';
import { HolderBalances, PoolView, Statement, Totals } from '@kiseki/chaincode/shared/responses';

/** Revenue, distribution pools, statements, balances, claims and settlements. */

const IdList = z
  .string()
  .max(200 * 130)
  .transform((s) => s.split(',').filter((id) => id !== ''))
  .pipe(z.array(Id).min(1).max(200));

/** One revenue report (also the items of `POST /v1/revenue/bulk`): the chaincode's `revenue:Record` request. */
export const RevenueReport = RevenueRecordRequest;

export const revenueRoutes: readonly AnyRoute[] = [
  route({
    method: 'post',
    path: '/v1/revenue',
    operationId: 'recordRevenue',
    tag: 'revenue',
    summary:
      'Record revenue on a subject (its owner, or a licensee naming its grant); distributed, and due threshold transfers executed, in the same transaction',
    access: STUDIO_OR_LICENSOR,
    body: RevenueReport,
    responses: { 201: { description: 'Recorded and distributed', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.revenue.record(ctx.body), { status: 201 }),
  }),
  route({
    method: 'get',
    path: '/v1/revenue/:recorderMsp/:reference',
    operationId: 'getRevenue',
    tag: 'revenue',
    summary: 'A revenue record by the recording org and its reference',
    access: ANY_ROLE,
    params: z.strictObject({ recorderMsp: MspId, reference: Id }),
    responses: { 200: { description: 'The record', schema: R.RevenueRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.revenue.get(ctx.params)),
  }),
  route({
    method: 'get',
    path: '/v1/subjects/:subjectType/:subjectId/revenue',
    operationId: 'getSubjectRevenue',
    tag: 'revenue',
    summary: 'Cumulative revenue of a subject in a currency',
    access: ANY_ROLE,
    params: z.strictObject({ subjectType: R.SubjectType, subjectId: Id }),
    query: z.strictObject({ currency: Currency }),
    responses: {
      200: { description: 'The total', schema: R.SubjectRevenueRecord.partial({ createdAt: true, createdBy: true }) },
      ...errors(404),
    },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.revenue.getSubjectRevenue({ ...ctx.params, ...ctx.query })),
  }),
  route({
    method: 'get',
    path: '/v1/models/:modelId/pool',
    operationId: 'getDataPool',
    tag: 'revenue',
    summary: "A model's data pool: the cumulative revenue index per training item",
    access: ANY_ROLE,
    params: z.strictObject({ modelId: Id }),
    query: z.strictObject({ currency: Currency }),
    responses: { 200: { description: 'The pool and the check of its identity', schema: PoolView }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.revenue.getPool({ modelId: ctx.params.modelId, currency: ctx.query.currency })),
  }),
  route({
    method: 'get',
    path: '/v1/providers/:providerId/statement',
    operationId: 'getProviderStatement',
    tag: 'statements',
    summary: "A provider's statement: items per model, accrued, claimed and claimable",
    access: ANY_ROLE,
    params: z.strictObject({ providerId: Id }),
    query: z.strictObject({ currency: Currency.optional(), modelIds: IdList.optional() }),
    responses: {
      200: { description: 'What the provider earned, claimed and may claim, per model and currency', schema: Statement },
      ...errors(404),
    },
    handler: (ctx) =>
      evaluateRead(ctx, (reader) =>
        reader.revenue.statement({
          providerId: ctx.params.providerId,
          ...(ctx.query.currency ? { currency: ctx.query.currency } : {}),
          ...(ctx.query.modelIds ? { modelIds: ctx.query.modelIds } : {}),
        }),
      ),
  }),
  route({
    method: 'get',
    path: '/v1/holders/:mspId/:holderId/balance',
    operationId: 'getHolderBalance',
    tag: 'statements',
    summary: "A rights holder's balances",
    access: ANY_ROLE,
    params: z.strictObject({ mspId: MspId, holderId: Id }),
    query: z.strictObject({ currency: Currency.optional() }),
    responses: {
      200: { description: 'What the holder was credited, claimed and may claim, per currency', schema: HolderBalances },
      ...errors(),
    },
    handler: (ctx) =>
      evaluateRead(ctx, (reader) =>
        reader.revenue.holderBalance({ ...ctx.params, ...(ctx.query.currency ? { currency: ctx.query.currency } : {}) }),
      ),
  }),
  route({
    method: 'post',
    path: '/v1/claims',
    operationId: 'claim',
    tag: 'claims',
    summary: "Claim what is claimable for a provider (its managing org) or a rights holder (the holder's org)",
    access: ['studio-operator', 'licensor-operator', 'provider-agent'],
    body: ClaimRequest,
    responses: { 201: { description: 'Settlement requested', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.revenue.claim(ctx.body), { status: 201 }),
  }),
  route({
    method: 'get',
    path: '/v1/settlements/:settlementId',
    operationId: 'getSettlement',
    tag: 'claims',
    summary: 'Read a settlement',
    access: ANY_ROLE,
    params: z.strictObject({ settlementId: Id }),
    responses: { 200: { description: 'The settlement', schema: R.SettlementRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.revenue.getSettlement(ctx.params.settlementId)),
  }),
  route({
    method: 'post',
    path: '/v1/settlements/:settlementId/settled',
    operationId: 'markSettled',
    tag: 'claims',
    summary: 'Record the off-chain payment of a settlement (its managing org)',
    access: ['studio-operator', 'licensor-operator'],
    params: z.strictObject({ settlementId: Id }),
    body: MarkSettledRequest.omit({ settlementId: true }),
    responses: { 200: { description: 'Settled', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.revenue.markSettled({ settlementId: ctx.params.settlementId, ...ctx.body })),
  }),
  route({
    method: 'get',
    path: '/v1/revenue-totals',
    operationId: 'getRevenueTotals',
    tag: 'revenue',
    summary: 'Consortium-wide sums for a currency (the conservation invariant, for auditors)',
    access: ANY_ROLE,
    query: z.strictObject({ currency: Currency }),
    responses: { 200: { description: 'Totals', schema: Totals }, ...errors() },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.revenue.totals(ctx.query)),
  }),
];
