import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ANY_ROLE, route, type AnyRoute } from '../route';
import { Id } from '../validation';
import { MAX_PROVIDER_BATCH, ProviderRequest } from '@kiseki/chaincode/shared/requests';
import { errors, evaluateRead, STUDIO_OR_PROVIDER, submitWrite, WriteResult } from './common';
import * as R from '@kiseki/chaincode/shared/records';

/**
 * Data providers: pseudonymous IDs managed by an org. A payout reference (bank or wallet reference)
 * never reaches the ledger: the gateway sends its SHA-256 only.
 */

const ProviderParams = z.strictObject({ providerId: Id });
const payoutRefFields = {
  payoutRef: z.string().min(1).max(1024).optional(),
  payoutRefDigest: ProviderRequest.shape.payoutRefDigest.optional(),
};
const hasOnePayoutRef = (p: { payoutRef?: string | undefined; payoutRefDigest?: string | undefined }): boolean =>
  (p.payoutRef === undefined) !== (p.payoutRefDigest === undefined);
const ONE_PAYOUT_REF = { message: 'give exactly one of payoutRef or payoutRefDigest', path: ['payoutRef'] };
const PayoutRef = z.strictObject(payoutRefFields).refine(hasOnePayoutRef, ONE_PAYOUT_REF);
/** One provider to register: its ID and its payout reference (hashed here) or the reference's digest. */
const NewProvider = z.strictObject({ providerId: Id, ...payoutRefFields }).refine(hasOnePayoutRef, ONE_PAYOUT_REF);

/** The ledger's provider request: the payout reference as its SHA-256, hashed here when given in clear. */
function providerRequest(providerId: string, p: { payoutRef?: string | undefined; payoutRefDigest?: string | undefined }): ProviderRequest {
  return {
    providerId,
    payoutRefDigest:
      p.payoutRefDigest ??
      createHash('sha256')
        .update(p.payoutRef ?? '', 'utf8')
        .digest('hex'),
  };
}

export const providerRoutes: readonly AnyRoute[] = [
  route({
    method: 'post',
    path: '/v1/providers',
    operationId: 'registerProvider',
    tag: 'providers',
    summary: 'Register a data provider (pseudonymous)',
    access: STUDIO_OR_PROVIDER,
    body: NewProvider,
    responses: { 201: { description: 'Registered', schema: WriteResult }, ...errors(409, 415, 422, 502, 503, 504) },
    handler: (ctx) =>
      submitWrite(ctx, (ledger) => ledger.providers.register(providerRequest(ctx.body.providerId, ctx.body)), { status: 201 }),
  }),
  route({
    method: 'post',
    path: '/v1/providers/batch',
    operationId: 'registerProviders',
    tag: 'providers',
    summary: `Register up to ${MAX_PROVIDER_BATCH} data providers in one transaction, all or none`,
    access: STUDIO_OR_PROVIDER,
    body: z.strictObject({ items: z.array(NewProvider).min(1).max(MAX_PROVIDER_BATCH) }),
    responses: {
      201: { description: 'All registered; the record is { managingMsp, count, createdAt, providerIds }', schema: WriteResult },
      ...errors(409, 413, 415, 422, 502, 503, 504),
    },
    handler: (ctx) =>
      submitWrite(
        ctx,
        (ledger) => ledger.providers.registerBatch({ items: ctx.body.items.map((item) => providerRequest(item.providerId, item)) }),
        { status: 201 },
      ),
  }),
  route({
    method: 'get',
    path: '/v1/providers/:providerId',
    operationId: 'getProvider',
    tag: 'providers',
    summary: 'Read a provider record',
    access: ANY_ROLE,
    params: ProviderParams,
    responses: { 200: { description: 'The record', schema: R.ProviderRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.providers.get(ctx.params.providerId)),
  }),
  route({
    method: 'post',
    path: '/v1/providers/:providerId/payout-ref',
    operationId: 'updateProviderPayoutRef',
    tag: 'providers',
    summary: "Replace a provider's payout reference (its managing org)",
    access: STUDIO_OR_PROVIDER,
    params: ProviderParams,
    body: PayoutRef,
    responses: { 200: { description: 'Updated', schema: WriteResult }, ...errors(404, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.providers.updatePayoutRef(providerRequest(ctx.params.providerId, ctx.body))),
  }),
];
