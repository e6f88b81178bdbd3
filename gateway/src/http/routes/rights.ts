import { z } from 'zod';
import { ANY_ROLE, route, type AnyRoute } from '../route';
import { Amount, Bps, Currency, Id, MspId, Rfc3339 } from '../validation';
import { errors, evaluateRead, STUDIO_OR_LICENSOR, submitWrite, WriteResult } from './common';
import * as R from '@kiseki/chaincode/shared/records';

/**
 * Rights and their transfers. A rights record's key carries a key-level endorsement policy (holders'
 * orgs and the licensor); the peer's gateway gathers those endorsements. Threshold transfers execute
 * by themselves inside the revenue transaction that crosses the threshold.
 */

export const SubjectType = z.enum(['data', 'dataset', 'model', 'output', 'work']);
const RightsParams = z.strictObject({ rightsId: Id });
const TransferParams = z.strictObject({ transferId: Id });

const Condition = z
  .strictObject({
    revenueThreshold: z.strictObject({ subjectType: SubjectType, subjectId: Id, currency: Currency, amount: Amount }).optional(),
    notBefore: Rfc3339.optional(),
    approvals: z.array(MspId).min(1).max(16).optional(),
  })
  .refine((c) => c.revenueThreshold !== undefined || c.notBefore !== undefined || c.approvals !== undefined, {
    message: 'give at least one of revenueThreshold, notBefore, approvals',
  });

export const rightsRoutes: readonly AnyRoute[] = [
  route({
    method: 'post',
    path: '/v1/rights',
    operationId: 'createRights',
    tag: 'rights',
    summary: 'Create a rights record (holders with shares summing to 10000 bps)',
    access: STUDIO_OR_LICENSOR,
    body: z.strictObject({
      rightsId: Id,
      subjectType: SubjectType,
      subjectId: Id,
      holders: z
        .array(z.strictObject({ holderId: Id, mspId: MspId, shareBps: Bps }))
        .min(1)
        .max(32),
      licensorMsp: MspId.optional(),
    }),
    responses: { 201: { description: 'Created', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.rights.create(ctx.body), { status: 201 }),
  }),
  route({
    method: 'get',
    path: '/v1/rights',
    operationId: 'getRightsBySubject',
    tag: 'rights',
    summary: 'The rights record covering a subject',
    access: ANY_ROLE,
    query: z.strictObject({ subjectType: SubjectType, subjectId: Id }),
    responses: { 200: { description: 'The record', schema: R.RightsRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.rights.getBySubject(ctx.query)),
  }),
  route({
    method: 'get',
    path: '/v1/rights/:rightsId',
    operationId: 'getRights',
    tag: 'rights',
    summary: 'Read a rights record',
    access: ANY_ROLE,
    params: RightsParams,
    responses: { 200: { description: 'The record', schema: R.RightsRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.rights.get(ctx.params.rightsId)),
  }),
  route({
    method: 'post',
    path: '/v1/transfers',
    operationId: 'proposeTransfer',
    tag: 'transfers',
    summary: 'Propose moving a share of rights once a condition holds (revenue threshold, time, approvals)',
    access: STUDIO_OR_LICENSOR,
    body: z.strictObject({
      transferId: Id,
      rightsId: Id,
      fromHolderId: Id,
      toHolderId: Id,
      toMspId: MspId,
      shareBps: z.number().int().min(1).max(10_000),
      condition: Condition,
    }),
    responses: { 201: { description: 'Proposed', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.rights.proposeTransfer(ctx.body), { status: 201 }),
  }),
  route({
    method: 'get',
    path: '/v1/transfers/:transferId',
    operationId: 'getTransfer',
    tag: 'transfers',
    summary: 'Read a transfer proposal',
    access: ANY_ROLE,
    params: TransferParams,
    responses: { 200: { description: 'The transfer', schema: R.RightsTransferRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.rights.getTransfer(ctx.params.transferId)),
  }),
  route({
    method: 'post',
    path: '/v1/transfers/:transferId/approve',
    operationId: 'approveTransfer',
    tag: 'transfers',
    summary: "Approve a transfer on behalf of this gateway's org",
    access: STUDIO_OR_LICENSOR,
    params: TransferParams,
    responses: { 200: { description: 'Approved', schema: WriteResult }, ...errors(404, 409, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.rights.approveTransfer({ transferId: ctx.params.transferId })),
  }),
  route({
    method: 'post',
    path: '/v1/transfers/:transferId/execute',
    operationId: 'executeTransfer',
    tag: 'transfers',
    summary: 'Execute a transfer whose condition holds',
    access: STUDIO_OR_LICENSOR,
    params: TransferParams,
    responses: { 200: { description: 'Executed: { transfer, rights }', schema: WriteResult }, ...errors(404, 409, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.rights.executeTransfer({ transferId: ctx.params.transferId })),
  }),
  route({
    method: 'post',
    path: '/v1/transfers/:transferId/cancel',
    operationId: 'cancelTransfer',
    tag: 'transfers',
    summary: 'Cancel a pending transfer (the proposing org)',
    access: STUDIO_OR_LICENSOR,
    params: TransferParams,
    body: z.strictObject({ reason: z.string().min(1).max(1024).optional() }),
    responses: { 200: { description: 'Cancelled', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.rights.cancelTransfer({ transferId: ctx.params.transferId, ...ctx.body })),
  }),
];
