import { z } from 'zod';
import { ANY_ROLE, route, type AnyRoute, type RouteContext, type RouteResult } from '../route';
import { Id, PageQuery } from '../validation';
import { errors, evaluateRead, STUDIO, STUDIO_OR_LICENSOR, submitWrite, WriteResult } from './common';
import * as R from '@kiseki/chaincode/shared/records';
import {
  ExcludeFromTrainingRequest,
  IncludeInTrainingRequest,
  MAX_REVIEW_PAGE,
  ReviewSubmitRequest,
} from '@kiseki/chaincode/shared/requests';
import { ReviewSummary } from '@kiseki/chaincode/shared/results';
import { AppError } from '../../errors';
import { decodeCursor, encodeCursor } from '../../use-cases/paging';

/**
 * Quality reviews of outputs and data items (a studio's QA, a licensor), their history and latest
 * review per subject, and the owner's choice to exclude a rejected data item from future training.
 */

const ReviewBody = ReviewSubmitRequest.meta({
  id: 'Review',
  description: '`reason` is required for rejected and flagged; `category` for flagged only',
});

const ReviewHistory = z
  .object({ summary: ReviewSummary, items: z.array(R.ReviewRecord), nextCursor: z.string().optional() })
  .meta({ id: 'ReviewHistory', description: 'Counts and latest review, then one page of reviews, oldest first' });

/** The summary and one page of the history of a subject's reviews. */
async function history(
  ctx: RouteContext<unknown, unknown, unknown>,
  subjectType: 'output' | 'data',
  subjectId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<RouteResult> {
  const { reader } = ctx.services;
  const summary = await reader.reviews.summary({ subjectType, subjectId });
  const result = await reader.reviews.history({ subjectType, subjectId, pageSize: page.limit, bookmark: decodeCursor(page.cursor) });
  const nextCursor = encodeCursor(result.bookmark);
  return { status: 200, body: { summary, items: result.items, ...(nextCursor === undefined ? {} : { nextCursor }) } };
}

const HistoryQuery = PageQuery.extend({ limit: z.coerce.number().int().min(1).max(MAX_REVIEW_PAGE).default(50) });

export const reviewRoutes: readonly AnyRoute[] = [
  route({
    method: 'post',
    path: '/v1/reviews',
    operationId: 'submitReview',
    tag: 'reviews',
    summary: 'Attest a quality review of an output or a data item (orgs with a role in it: owner, rights holder, licensor, terms issuer)',
    access: STUDIO_OR_LICENSOR,
    body: ReviewBody,
    responses: { 201: { description: 'Recorded: { review, summary }', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) => submitWrite(ctx, (ledger) => ledger.reviews.submit(ctx.body), { status: 201 }),
  }),
  route({
    method: 'get',
    path: '/v1/reviews/:reviewId',
    operationId: 'getReview',
    tag: 'reviews',
    summary: 'Read a review',
    access: ANY_ROLE,
    params: z.strictObject({ reviewId: Id }),
    responses: { 200: { description: 'The record', schema: R.ReviewRecord }, ...errors(404) },
    handler: (ctx) => evaluateRead(ctx, (reader) => reader.reviews.get(ctx.params.reviewId)),
  }),
  route({
    method: 'get',
    path: '/v1/outputs/:outputId/reviews',
    operationId: 'listOutputReviews',
    tag: 'reviews',
    summary: "An output's review history and latest review",
    access: ANY_ROLE,
    params: z.strictObject({ outputId: Id }),
    query: HistoryQuery,
    responses: { 200: { description: 'Summary and one page of reviews', schema: ReviewHistory }, ...errors() },
    handler: (ctx) => history(ctx, 'output', ctx.params.outputId, ctx.query),
  }),
  route({
    method: 'get',
    path: '/v1/data/:dataId/reviews',
    operationId: 'listDataReviews',
    tag: 'reviews',
    summary: "A data item's review history, latest review and training exclusion",
    access: ANY_ROLE,
    params: z.strictObject({ dataId: Id }),
    query: HistoryQuery,
    responses: {
      200: {
        description: 'Summary, exclusion and one page of reviews',
        schema: ReviewHistory.extend({ trainingExclusion: R.TrainingExclusionRecord.optional() }),
      },
      ...errors(),
    },
    handler: async (ctx) => {
      const result = await history(ctx, 'data', ctx.params.dataId, ctx.query);
      let trainingExclusion: unknown;
      try {
        trainingExclusion = await ctx.services.reader.reviews.getExclusion(ctx.params.dataId);
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'NOT_FOUND')) throw error;
      }
      if ('streamed' in result) return result;
      return { ...result, body: { ...(result.body as object), ...(trainingExclusion === undefined ? {} : { trainingExclusion }) } };
    },
  }),
  route({
    method: 'post',
    path: '/v1/data/:dataId/training-exclusion',
    operationId: 'excludeDataFromTraining',
    tag: 'reviews',
    summary: 'Exclude a data item from future training batches on the strength of a rejected review (its owner)',
    access: STUDIO,
    params: z.strictObject({ dataId: Id }),
    body: ExcludeFromTrainingRequest.omit({ dataId: true }),
    responses: { 200: { description: 'Excluded', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) =>
      submitWrite(ctx, (ledger) => ledger.reviews.excludeFromTraining({ dataId: ctx.params.dataId, reviewId: ctx.body.reviewId })),
  }),
  route({
    method: 'post',
    path: '/v1/data/:dataId/training-inclusion',
    operationId: 'includeDataInTraining',
    tag: 'reviews',
    summary: 'Lift the training exclusion of a data item (its owner)',
    access: STUDIO,
    params: z.strictObject({ dataId: Id }),
    body: IncludeInTrainingRequest.omit({ dataId: true }),
    responses: { 200: { description: 'Included again', schema: WriteResult }, ...errors(404, 409, 415, 422, 502, 503, 504) },
    handler: (ctx) =>
      submitWrite(ctx, (ledger) => ledger.reviews.includeInTraining({ dataId: ctx.params.dataId, reason: ctx.body.reason })),
  }),
];
