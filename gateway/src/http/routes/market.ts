import { z } from 'zod';
import { ANY_ROLE, route, type AnyRoute } from '../route';
import { Id } from '../validation';
import { errors, evaluateRead, STUDIO, STUDIO_OR_LICENSOR, submitWrite, WriteResult } from './common';
import * as R from '@kiseki/chaincode/shared/records';
import { OfferRequest, PurchaseRequest, WithdrawGrantRequest } from '@kiseki/chaincode/shared/requests';

/** The licence market: offers on models and datasets, purchases that grant a licence and pay royalties. */

const OfferParams = z.strictObject({ offerId: Id });

export const marketRoutes: readonly AnyRoute[] = [
  route({
    method: 'post',
    path: '/v1/offers',
    operationId: 'publishOffer',
    tag: 'market',
    summary:
      "Offer a licence on a sealed model (its owner) or a dataset (its owner or its rights' licensor), under terms allowing commercial use",
    access: STUDIO_OR_LICENSOR,
    body: OfferRequest,
    responses: { 201: { description: 'Published', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.market.offer(ctx.body), { status: 201 }),
  }),
  route({
    method: 'get',
    path: '/v1/offers/:offerId',
    operationId: 'getOffer',
    tag: 'market',
    summary: 'Read an offer',
    access: ANY_ROLE,
    params: OfferParams,
    responses: { 200: { description: 'The offer', schema: R.OfferRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.market.getOffer(ctx.params.offerId)),
  }),
  route({
    method: 'post',
    path: '/v1/offers/:offerId/withdraw',
    operationId: 'withdrawOffer',
    tag: 'market',
    summary: 'Withdraw an open offer (the seller)',
    access: STUDIO_OR_LICENSOR,
    params: OfferParams,
    responses: { 200: { description: 'Withdrawn', schema: WriteResult }, ...errors(404, 409, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.market.withdraw({ offerId: ctx.params.offerId })),
  }),
  route({
    method: 'post',
    path: '/v1/purchases',
    operationId: 'purchaseLicence',
    tag: 'market',
    summary: 'Buy a licence through an open offer: a grant, and the price distributed as revenue',
    access: STUDIO,
    body: PurchaseRequest,
    responses: { 201: { description: 'Purchased: the grant', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.market.purchase(ctx.body), { status: 201 }),
  }),
  route({
    method: 'get',
    path: '/v1/purchases/:purchaseId',
    operationId: 'getGrant',
    tag: 'market',
    summary: 'The licence grant of a purchase',
    access: ANY_ROLE,
    params: z.strictObject({ purchaseId: Id }),
    responses: { 200: { description: 'The grant', schema: R.GrantRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.market.getGrant(ctx.params.purchaseId)),
  }),
  route({
    method: 'post',
    path: '/v1/purchases/:purchaseId/withdraw',
    operationId: 'withdrawGrant',
    tag: 'market',
    summary: 'Withdraw a licence grant (its seller): it allows no new use; past uses stay',
    access: STUDIO_OR_LICENSOR,
    params: z.strictObject({ purchaseId: Id }),
    body: WithdrawGrantRequest.omit({ purchaseId: true }),
    responses: { 200: { description: 'Withdrawn', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) =>
      submitWrite(ctx, (ledger) => ledger.market.withdrawGrant({ purchaseId: ctx.params.purchaseId, reason: ctx.body.reason })),
  }),
];
