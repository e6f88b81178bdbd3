import { Readable } from 'node:stream';
import { z } from 'zod';
import { TransientKeys } from '@kiseki/chaincode/shared/names';
import { TermsFields, TermsWithdrawRequest, withTermsWindow } from '@kiseki/chaincode/shared/requests';
import { toJson } from '@kiseki/chaincode/shared/codec';
import { AppError } from '../../errors';
import { contentFromHolder } from '../../exchange/routes';
import { uploadAndRegister } from '../../use-cases/uploads';
import { ANY_ROLE, route, type AnyRoute } from '../route';
import { Id } from '../validation';
import { Download, errors, evaluateRead, ledgerOf, LICENSOR, submitWrite, UploadResult, WriteResult } from './common';
import * as R from '@kiseki/chaincode/shared/records';
import { requireAbsent } from './uploads';

/** Licence terms: publish (with the legal text kept in the vault), read, confidential details. */

const TermsParams = z.strictObject({ termsId: Id });

/** Confidential commercial details, stored in a private collection (members only). */
const Commercial = z.record(z.string(), z.unknown()).optional();

const PublishTerms = withTermsWindow(
  z.strictObject({
    termsId: Id,
    ...TermsFields,
    /** The full legal text; stored in the vault, its SHA-256 goes on the ledger. */
    legalText: z
      .string()
      .min(1)
      .max(512 * 1024)
      .optional(),
    /** Or the digest of a legal text kept elsewhere. */
    legalTextDigest: TermsFields.legalTextDigest.optional(),
    commercial: Commercial,
  }),
).refine((t) => (t.legalText === undefined) !== (t.legalTextDigest === undefined), {
  message: 'give exactly one of legalText or legalTextDigest',
  path: ['legalText'],
});

/** An amendment: every field of the terms again (the new version replaces them), the digest of its legal text. */
const AmendTerms = withTermsWindow(z.strictObject({ ...TermsFields, commercial: Commercial }));

const legalTextKey = (termsId: string): string => `terms/${termsId}/legal-text`;

export const termsRoutes: readonly AnyRoute[] = [
  route({
    method: 'post',
    path: '/v1/terms',
    operationId: 'publishTerms',
    tag: 'terms',
    summary: 'Publish licence terms (licensors)',
    access: LICENSOR,
    body: PublishTerms,
    responses: { 201: { description: 'Published', schema: UploadResult.or(WriteResult) }, ...errors(409, 415, 422, 502, 503, 504) },
    handler: async (ctx) => {
      const { legalText, legalTextDigest, commercial, ...fields } = ctx.body;
      const transient = commercial === undefined ? undefined : { [TransientKeys.termsCommercial]: toJson(commercial) };
      if (legalTextDigest !== undefined) {
        return submitWrite(ctx, (ledger) => ledger.terms.publish({ ...fields, legalTextDigest }, transient ? { transient } : {}), {
          status: 201,
        });
      }
      if (legalText === undefined) throw new AppError('INVALID', 'give exactly one of legalText or legalTextDigest');
      await requireAbsent(() => ctx.services.reader.terms.get(fields.termsId), `terms ${fields.termsId}`);
      const bytes = Buffer.from(legalText, 'utf8');
      const { submitted, content } = await uploadAndRegister(
        { vault: ctx.services.vault, metrics: ctx.services.metrics, logger: ctx.log, maxBytes: bytes.length },
        {
          key: legalTextKey(fields.termsId),
          ref: { kind: 'terms', id: fields.termsId },
          contentType: 'text/plain; charset=utf-8',
          body: Readable.from([bytes]),
          register: ({ digest }) =>
            ledgerOf(ctx).terms.publish({ ...fields, legalTextDigest: digest }, transient === undefined ? {} : { transient }),
        },
      );
      return {
        status: 201,
        body: { record: submitted.result, transactionId: submitted.transactionId, blockNumber: submitted.blockNumber, content },
        headers: { 'Kiseki-Transaction-Id': submitted.transactionId },
      };
    },
  }),
  route({
    method: 'get',
    path: '/v1/terms/:termsId',
    operationId: 'getTerms',
    tag: 'terms',
    summary: 'Read the public terms record',
    access: ANY_ROLE,
    params: TermsParams,
    responses: { 200: { description: 'The record', schema: R.TermsRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.terms.get(ctx.params.termsId)),
  }),
  route({
    method: 'get',
    path: '/v1/terms/:termsId/commercial',
    operationId: 'getTermsCommercial',
    tag: 'terms',
    summary: 'Read the confidential commercial details (members of the private collection only)',
    access: ['studio-operator', 'licensor-operator', 'auditor'],
    params: TermsParams,
    responses: { 200: { description: 'The private record', schema: R.TermsCommercialRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.terms.getPrivate(ctx.params.termsId)),
  }),
  route({
    method: 'get',
    path: '/v1/terms/:termsId/legal-text',
    operationId: 'getTermsLegalText',
    tag: 'terms',
    summary:
      "The legal text: a short-lived download URL when this org issued the terms; else the text, obtained from the issuer's gateway and checked against the ledger digest",
    access: ANY_ROLE,
    params: TermsParams,
    responses: {
      200: { description: "Presigned URL (own terms) or the text (another org's)", schema: Download },
      ...errors(404, 502, 503),
    },
    handler: async (ctx) => {
      const terms = await ctx.services.reader.terms.get(ctx.params.termsId);
      if (ctx.services.exchange !== undefined && terms.issuerMsp !== ctx.services.settings.mspId) {
        return contentFromHolder(ctx, 'terms', ctx.params.termsId, terms.issuerMsp, undefined);
      }
      const key = legalTextKey(ctx.params.termsId);
      if (!(await ctx.services.vault.exists(key))) throw new AppError('NOT_FOUND', 'no legal text for these terms in this vault');
      return {
        status: 200,
        body: await ctx.services.vault.presignGet(key, ctx.services.settings.presignTtlSeconds, terms.legalTextDigest),
      };
    },
  }),
  route({
    method: 'post',
    path: '/v1/terms/:termsId/amendments',
    operationId: 'amendTerms',
    tag: 'terms',
    summary: 'Amend terms as a new version (their issuing licensor); new uses follow it, trained models keep theirs',
    access: LICENSOR,
    params: TermsParams,
    body: AmendTerms,
    responses: { 200: { description: 'The new current version', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => {
      const { commercial, ...fields } = ctx.body;
      const transient = commercial === undefined ? undefined : { [TransientKeys.termsCommercial]: toJson(commercial) };
      return submitWrite(ctx, (ledger) => ledger.terms.amend({ termsId: ctx.params.termsId, ...fields }, transient ? { transient } : {}));
    },
  }),
  route({
    method: 'post',
    path: '/v1/terms/:termsId/withdraw',
    operationId: 'withdrawTerms',
    tag: 'terms',
    summary: 'Withdraw terms (their issuing licensor): no new use under them; past uses stay',
    access: LICENSOR,
    params: TermsParams,
    body: TermsWithdrawRequest.omit({ termsId: true }),
    responses: { 200: { description: 'Withdrawn', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.terms.withdraw({ termsId: ctx.params.termsId, reason: ctx.body.reason })),
  }),
  route({
    method: 'get',
    path: '/v1/terms/:termsId/versions/:version',
    operationId: 'getTermsVersion',
    tag: 'terms',
    summary: 'One version of terms, as published or amended',
    access: ANY_ROLE,
    params: z.strictObject({ termsId: Id, version: z.coerce.number().int().min(1) }),
    responses: { 200: { description: 'The version', schema: R.TermsRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.terms.getVersion({ termsId: ctx.params.termsId, version: ctx.params.version })),
  }),
];
