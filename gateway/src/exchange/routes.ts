import { z } from 'zod';
import { AppError } from '../errors';
import { errors, Page, pagedRead } from '../http/routes/common';
import { ANY_ROLE, route, type AnyRoute, type RouteContext, type RouteResult } from '../http/route';
import { Id, PageQuery } from '../http/validation';
import { ExchangeAssetTypes, type ExchangeAssetType, Handoff } from './exchange';

/**
 * The exchange's HTTP side. Between gateways: `GET /v1/exchange/{assetType}/{assetId}/content`,
 * authenticated by the requesting org's signature (no API key). For clients: the content routes of
 * data, outputs and terms call {@link contentFromHolder} when another org holds the bytes.
 */

export const ContentQuery = z.strictObject({ grantId: Id.optional() });

export const exchangeRoutes: readonly AnyRoute[] = [
  route({
    method: 'get',
    path: '/v1/accesses',
    operationId: 'listAccesses',
    tag: 'exchange',
    summary: 'Who obtained content an org holds (optionally of one asset): requester, rule, grant, time',
    access: ANY_ROLE,
    query: PageQuery.extend({
      holderMsp: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
      assetType: z.enum(['data', 'output', 'terms', 'model']).optional(),
      assetId: Id.optional(),
    }),
    responses: { 200: { description: 'One page of access records', schema: Page }, ...errors(400) },
    handler: (ctx) => {
      const { holderMsp, assetType, assetId, ...page } = ctx.query;
      return pagedRead(
        ctx,
        (reader, query) => reader.access.list(query),
        { holderMsp, ...(assetType === undefined ? {} : { assetType }), ...(assetId === undefined ? {} : { assetId }) },
        page,
      );
    },
  }),
  route({
    method: 'get',
    path: '/v1/exchange/:assetType/:assetId/content',
    operationId: 'exchangeContent',
    tag: 'exchange',
    summary:
      "Another org's gateway obtains content this org holds (signed with that org's Fabric identity; the access is recorded on the ledger)",
    access: 'public',
    params: z.strictObject({ assetType: z.enum(ExchangeAssetTypes), assetId: Id }),
    query: ContentQuery.extend({ handoff: z.enum(['presigned']).optional() }),
    responses: {
      200: {
        description: 'The bytes (`x-kiseki-handoff: relay`), or a short-lived URL of the vault object (`x-kiseki-handoff: presigned`)',
        schema: Handoff,
      },
      ...errors(403, 404, 409, 502, 503),
    },
    handler: async (ctx): Promise<RouteResult> => {
      const exchange = ctx.services.exchange;
      if (exchange === undefined) throw new AppError('NOT_FOUND', 'this gateway exchanges content with no other org');
      await exchange.serve(
        { method: ctx.req.method, pathAndQuery: ctx.req.originalUrl, header: (name) => ctx.req.get(name), requestId: ctx.requestId },
        {
          assetType: ctx.params.assetType,
          assetId: ctx.params.assetId,
          ...(ctx.query.grantId === undefined ? {} : { grantId: ctx.query.grantId }),
          ...(ctx.query.handoff === undefined ? {} : { handoff: ctx.query.handoff }),
        },
        ctx.res,
      );
      return { streamed: true };
    },
  }),
];

/**
 * Obtains content another org holds, through its gateway, and sends the checked bytes to the client.
 * @throws AppError `NOT_FOUND` when this gateway has no exchange configured (the content is not here).
 */
export async function contentFromHolder(
  ctx: RouteContext<unknown, unknown, unknown>,
  assetType: ExchangeAssetType,
  assetId: string,
  holderMsp: string,
  grantId: string | undefined,
): Promise<RouteResult> {
  const exchange = ctx.services.exchange;
  if (exchange === undefined)
    throw new AppError('NOT_FOUND', `the content is held by ${holderMsp}, and this gateway exchanges content with no other org`);
  await exchange.deliver(assetType, assetId, grantId, ctx.res);
  return { streamed: true };
}
