import { z } from 'zod';
import { ANY_ROLE, route, type AnyRoute } from '../route';
import { CancelTransferRequest, ProposeTransferRequest, RightsCreateRequest, RightsSubjectQuery } from '@kiseki/chaincode/shared/requests';
import { Id } from '../validation';
import { errors, evaluateRead, STUDIO_OR_LICENSOR, submitWrite, WriteResult } from './common';
import * as R from '@kiseki/chaincode/shared/records';

/**
 * Rights and their transfers. A rights record's key carries a key-level endorsement policy (holders'
 * orgs and the licensor); the peer's gateway gathers those endorsements. Threshold transfers execute
 * by themselves inside the revenue transaction that crosses the threshold.
 */

const RightsParams = z.strictObject({ rightsId: Id });
const TransferParams = z.strictObject({ transferId: Id });

export const rightsRoutes: readonly AnyRoute[] = [
  route({
    method: 'post',
    path: '/v1/rights',
    operationId: 'createRights',
    tag: 'rights',
    summary: 'Create a rights record (holders with shares summing to 10000 bps)',
    access: STUDIO_OR_LICENSOR,
    body: RightsCreateRequest,
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
    query: RightsSubjectQuery,
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
    body: ProposeTransferRequest,
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
    body: CancelTransferRequest.omit({ transferId: true }),
    responses: { 200: { description: 'Cancelled', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.rights.cancelTransfer({ transferId: ctx.params.transferId, ...ctx.body })),
  }),
];
