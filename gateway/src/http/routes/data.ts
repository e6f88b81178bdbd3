import { z } from 'zod';
import { DatasetAddRequest, DatasetRegisterRequest, RevokeConsentRequest, SetDisputedRequest } from '@kiseki/chaincode/shared/requests';
import { AppError } from '../../errors';
import { ContentQuery, contentFromHolder } from '../../exchange/routes';
import { uploadAndRegister } from '../../use-cases/uploads';
import { ANY_ROLE, route, type AnyRoute } from '../route';
import { Id, MediaType, MspId, PageQuery } from '../validation';
import {
  Download,
  errors,
  evaluateRead,
  ledgerOf,
  Page,
  pagedRead,
  STUDIO,
  STUDIO_OR_LICENSOR,
  STUDIO_OR_PROVIDER,
  submitWrite,
  UploadResult,
  WriteResult,
} from './common';
import * as R from '@kiseki/chaincode/shared/records';
import { DataHistory, DatasetMembership } from '@kiseki/chaincode/shared/responses';
import { requireAbsent, uploadPreflight } from './uploads';

/** Training data: streamed upload + registration, reads, consent revocation, disputes, usage. */

/** How long a list waits for the index to reach the ledger height of the request's arrival. */
const INDEX_WAIT_MS = 5_000;
/** A page of a list answered by the org's index, with the block height it reflects. */
const IndexedPage = Page.extend({ height: z.string() }).meta({
  id: 'IndexedPage',
  description: "One page from the org's index; pass nextCursor as cursor for the next (absent on the last page); height = blocks indexed",
});

const DataParams = z.strictObject({ dataId: Id });
/** Roles that may download data content (of data their org collected). */
const DATA_CONTENT_ROLES = ['studio-operator', 'provider-agent', 'regulator'] as const;

export const dataRoutes: readonly AnyRoute[] = [
  route({
    method: 'post',
    path: '/v1/data',
    operationId: 'uploadData',
    tag: 'data',
    summary: 'Upload a data item and register it (content streamed into the vault, digest on the ledger)',
    access: STUDIO,
    query: z.strictObject({ dataId: Id, providerId: Id, termsId: Id, mediaType: MediaType.optional() }),
    upload: { description: 'The raw bytes of the item; Content-Type is its media type unless mediaType is given' },
    responses: { 201: { description: 'Stored and registered', schema: UploadResult }, ...errors(409, 413, 415, 502, 503, 504) },
    handler: async (ctx) => {
      const { dataId, providerId, termsId } = ctx.query;
      const mediaType = uploadPreflight(ctx.req, ctx.query.mediaType, ctx.services.settings.uploadMaxBytes);
      await requireAbsent(() => ctx.services.reader.data.get(dataId), `data ${dataId}`);
      const { submitted, content } = await uploadAndRegister(
        { vault: ctx.services.vault, metrics: ctx.services.metrics, logger: ctx.log, maxBytes: ctx.services.settings.uploadMaxBytes },
        {
          key: `data/${dataId}`,
          ref: { kind: 'data', id: dataId },
          contentType: mediaType,
          body: ctx.req,
          register: ({ digest, size }) =>
            ledgerOf(ctx).data.register({ dataId, providerId, termsId, contentDigest: digest, mediaType, size }),
        },
      );
      return {
        status: 201,
        body: { record: submitted.result, transactionId: submitted.transactionId, blockNumber: submitted.blockNumber, content },
        headers: { 'Kiseki-Transaction-Id': submitted.transactionId, Location: `/v1/data/${dataId}` },
      };
    },
  }),
  route({
    method: 'get',
    path: '/v1/data',
    operationId: 'listData',
    tag: 'data',
    summary:
      "List data items by provider, collecting org or terms (exactly one filter), in dataId order, from the org's index (503 without a database); height = the blocks it reflects",
    access: ANY_ROLE,
    query: PageQuery.extend({ providerId: Id.optional(), collectorMsp: MspId.optional(), termsId: Id.optional() }),
    responses: { 200: { description: 'One page of data records', schema: IndexedPage }, ...errors(503) },
    handler: async (ctx) => {
      const { providerId, collectorMsp, termsId, limit, cursor } = ctx.query;
      const filters = [providerId, collectorMsp, termsId].filter((f) => f !== undefined);
      if (filters.length !== 1) {
        throw new AppError('INVALID', 'give exactly one of providerId, collectorMsp, termsId', {
          issues: [{ path: 'query', code: 'custom', message: 'exactly one of providerId, collectorMsp, termsId' }],
        });
      }
      const audit = ctx.services.audit;
      if (audit === undefined) {
        throw new AppError('UNAVAILABLE', "lists of data items come from the org's index: this gateway has no `database` config section");
      }
      const filter: Record<string, string> =
        providerId !== undefined ? { providerId } : termsId !== undefined ? { termsId } : { collectorMsp: collectorMsp ?? '' };
      // Read-your-writes: wait (briefly) until the index holds every block committed when the request arrived.
      await audit.waitForHeight(await ctx.services.ledger.height(), INDEX_WAIT_MS);
      const page = await audit.list('data', { filters: filter, limit, ...(cursor === undefined ? {} : { cursor }) });
      return {
        status: 200,
        body: {
          items: page.items.map((item) => item.record),
          height: page.height,
          ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
        },
        headers: { 'Kiseki-Index-Height': page.height },
      };
    },
  }),
  route({
    method: 'get',
    path: '/v1/data/:dataId',
    operationId: 'getData',
    tag: 'data',
    summary: 'Read a data record',
    access: ANY_ROLE,
    params: DataParams,
    responses: { 200: { description: 'The record', schema: R.DataRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.data.get(ctx.params.dataId)),
  }),
  route({
    method: 'get',
    path: '/v1/data/:dataId/history',
    operationId: 'getDataHistory',
    tag: 'data',
    summary: 'Every version of a data record, with transaction IDs',
    access: ANY_ROLE,
    params: DataParams,
    responses: { 200: { description: 'The history', schema: DataHistory }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.data.history(ctx.params.dataId)),
  }),
  route({
    method: 'get',
    path: '/v1/data/:dataId/usage',
    operationId: 'listDataUsage',
    tag: 'data',
    summary: 'Models trained on a data item',
    access: ANY_ROLE,
    params: DataParams,
    query: PageQuery,
    responses: { 200: { description: 'One page of usage records', schema: Page }, ...errors(404) },
    handler: (ctx) => pagedRead(ctx, (reader, query) => reader.data.listUsage(query), { dataId: ctx.params.dataId }, ctx.query),
  }),
  route({
    method: 'get',
    path: '/v1/data/:dataId/content',
    operationId: 'getDataContent',
    tag: 'data',
    summary:
      "The content: a short-lived download URL when this org collected it; else the bytes, obtained from the collecting org's gateway under a grant (grantId) or the audit policy and checked against the ledger digest",
    access: DATA_CONTENT_ROLES,
    params: DataParams,
    query: ContentQuery,
    responses: {
      200: { description: "Presigned URL (own content) or the bytes (another org's)", schema: Download },
      ...errors(403, 404, 409, 502, 503),
    },
    handler: async (ctx) => {
      const record = await ctx.services.reader.data.get(ctx.params.dataId);
      if (record.collectorMsp !== ctx.services.settings.mspId && ctx.services.exchange !== undefined) {
        return contentFromHolder(ctx, 'data', ctx.params.dataId, record.collectorMsp, ctx.query.grantId);
      }
      if (ctx.principal.role !== 'regulator' && record.collectorMsp !== ctx.services.settings.mspId) {
        throw new AppError('FORBIDDEN', 'only the collecting org may download this content');
      }
      const key = `data/${ctx.params.dataId}`;
      // Items uploaded in a batch live in a pack: written out on their own (digest checked) on first download.
      if (!(await ctx.services.packs.materialize(ctx.params.dataId))) throw new AppError('NOT_FOUND', 'the content is not in this vault');
      return { status: 200, body: await ctx.services.vault.presignGet(key, ctx.services.settings.presignTtlSeconds, record.contentDigest) };
    },
  }),
  route({
    method: 'post',
    path: '/v1/data/:dataId/consent/revoke',
    operationId: 'revokeConsent',
    tag: 'consent',
    summary: "Revoke a provider's consent for a data item (the provider's managing org)",
    access: STUDIO_OR_PROVIDER,
    params: DataParams,
    body: RevokeConsentRequest.omit({ dataId: true }),
    responses: { 200: { description: 'Consent revoked', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.data.revokeConsent({ dataId: ctx.params.dataId, reason: ctx.body.reason })),
  }),
  route({
    method: 'post',
    path: '/v1/data/:dataId/dispute',
    operationId: 'setDataDispute',
    tag: 'data',
    summary: 'Open or close a dispute on a data item',
    access: STUDIO_OR_LICENSOR,
    params: DataParams,
    body: SetDisputedRequest.omit({ dataId: true }),
    responses: { 200: { description: 'Dispute state changed', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.data.setDisputed({ dataId: ctx.params.dataId, ...ctx.body })),
  }),
  route({
    method: 'post',
    path: '/v1/data/:dataId/propagate-flags',
    operationId: 'propagateFlags',
    tag: 'data',
    summary:
      'Flag the next models that used an item whose consent was revoked or whose dispute changed (revocation itself flags a bounded number)',
    access: STUDIO_OR_LICENSOR,
    params: DataParams,
    responses: {
      200: { description: '{ dataId, status, modelIds, done, pending }', schema: WriteResult },
      ...errors(404, 422, 502, 503, 504),
    },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.data.propagateFlags({ dataId: ctx.params.dataId })),
  }),
  route({
    method: 'post',
    path: '/v1/datasets',
    operationId: 'registerDataset',
    tag: 'data',
    summary: 'Register a dataset (a studio: items it collected; a licensor: items under its terms), the unit of dataset licences',
    access: STUDIO_OR_LICENSOR,
    body: DatasetRegisterRequest,
    responses: { 201: { description: 'Registered', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.data.registerDataset(ctx.body), { status: 201 }),
  }),
  route({
    method: 'post',
    path: '/v1/datasets/:datasetId/items',
    operationId: 'addToDataset',
    tag: 'data',
    summary: 'Add items to a dataset (its owner)',
    access: STUDIO_OR_LICENSOR,
    params: z.strictObject({ datasetId: Id }),
    body: DatasetAddRequest.omit({ datasetId: true }),
    responses: { 200: { description: 'Added', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) =>
      submitWrite(ctx, (ledger) => ledger.data.addToDataset({ datasetId: ctx.params.datasetId, dataIds: ctx.body.dataIds })),
  }),
  route({
    method: 'get',
    path: '/v1/datasets/:datasetId',
    operationId: 'getDataset',
    tag: 'data',
    summary: 'Read a dataset record',
    access: ANY_ROLE,
    params: z.strictObject({ datasetId: Id }),
    responses: { 200: { description: 'The dataset', schema: R.DatasetRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.data.getDataset(ctx.params.datasetId)),
  }),
  route({
    method: 'get',
    path: '/v1/datasets/:datasetId/items/:dataId',
    operationId: 'isDatasetMember',
    tag: 'data',
    summary: 'Whether a data item belongs to a dataset',
    access: ANY_ROLE,
    params: z.strictObject({ datasetId: Id, dataId: Id }),
    responses: { 200: { description: 'Whether the item is a member', schema: DatasetMembership }, ...errors(404) },
    handler: (ctx) =>
      evaluateRead(ctx, (reader) => reader.data.isDatasetMember({ datasetId: ctx.params.datasetId, dataId: ctx.params.dataId })),
  }),
];
