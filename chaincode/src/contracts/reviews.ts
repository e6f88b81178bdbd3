import { Info, Transaction } from 'fabric-contract-api';

import {
  DataType,
  ModelTermsCountType,
  OutputType,
  ProviderType,
  DocTypes,
  type ReviewRecord,
  type ReviewSubjectType,
  type ReviewSummaryRecord,
  ReviewSummaryType,
  ReviewType,
  RightsSubjectType,
  RightsType,
  TermsType,
  type TrainingExclusionRecord,
  TrainingExclusionType,
} from '../ledger/records';
import { KisekiContext, KisekiContract } from '../ledger/context';
import { emitEvent } from '../ledger/events';
import { type Caller, requireMember, requireOrg, requireRole } from '../ledger/identity';
import { KeyTypes, Keys, lastAttribute } from '../ledger/keys';
import {
  decodeEntries,
  deleteKey,
  keyExists,
  readAll,
  readPage,
  readRecord,
  requireRecord,
  writeMarker,
  writeRecord,
} from '../ledger/state';
import { txTime } from '../ledger/time';
import { toJson } from '../shared/codec';
import { conflict, forbidden, wrongState } from '../shared/errors';
import { ContractNames, EventNames, Roles } from '../shared/names';
import {
  ExcludeFromTrainingRequest,
  IncludeInTrainingRequest,
  ReviewHistoryQuery,
  ReviewSubmitRequest,
  ReviewSummaryQuery,
} from '../shared/requests';
import { parseRequest } from '../shared/schema';
import { parseIdArgument } from '../shared/validate';

/** Most terms of a model looked at when deciding whether a licensor may review its output. */
const MAX_ENTITLING_TERMS = 100;

/**
 * Quality reviews (`reviews`) of outputs and data items. An org with a role in the subject — its
 * owner (a studio's QA), a holder or licensor of rights on it, the issuer of the terms it rests on, a
 * data provider's managing org — attests `accepted`, `rejected` (with a reason) or `flagged` (a style
 * or consistency problem); the reviewer's org and the transaction time are recorded. Each subject keeps
 * its history (in time order) and a summary with the latest review, which verification reports. The
 * owner of a data item may exclude it from future training batches on the strength of a rejected
 * review, and lift the exclusion again.
 */
@Info({ title: 'Reviews', description: 'Quality reviews of outputs and data items; training exclusions' })
export class ReviewsContract extends KisekiContract {
  constructor() {
    super(ContractNames.reviews);
  }

  /**
   * Attests a review. Request: `{ reviewId, subjectType: output|data, subjectId, outcome:
   * accepted|rejected|flagged, reason?, category?: style|consistency, reportDigest? }` — `reason` is
   * required for `rejected` and `flagged`, `category` for `flagged` only. Returns `{ review, summary }`.
   * @throws `FORBIDDEN` for the regulator or an org with no role in the subject; `INVALID`;
   * `NOT_FOUND` for the subject; `CONFLICT` when the reviewId exists.
   */
  @Transaction()
  async Submit(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'review outputs or data', Roles.studio, Roles.licensor);
    const { reviewId, subjectType, subjectId, outcome, reason, category, reportDigest } = parseRequest(ReviewSubmitRequest, request);

    if (await keyExists(ctx, Keys.review(reviewId))) throw conflict(`review ${reviewId} already exists`);
    const reviewerRole = await entitlement(ctx, caller, subjectType, subjectId);
    if (reviewerRole === undefined) {
      throw forbidden(
        `${caller.mspId} may not review ${subjectType} ${subjectId}: it has no role in it (owner, rights holder, licensor or terms issuer)`,
      );
    }
    const now = txTime(ctx);
    const review: ReviewRecord = {
      docType: DocTypes.review,
      reviewId,
      subjectType,
      subjectId,
      reviewerMsp: caller.mspId,
      reviewerRole,
      outcome,
      reason,
      category,
      reportDigest,
      createdBy: caller.mspId,
      createdAt: now,
    };
    const summaryKey = Keys.reviewSummary(subjectType, subjectId);
    const previous = await readRecord(ctx, summaryKey, ReviewSummaryType);
    const latest = { latestReviewId: reviewId, latestOutcome: outcome, latestReviewerMsp: caller.mspId, latestAt: now };
    const summary: ReviewSummaryRecord =
      previous === undefined
        ? {
            docType: DocTypes.reviewSummary,
            subjectType,
            subjectId,
            count: 1,
            accepted: outcome === 'accepted' ? 1 : 0,
            rejected: outcome === 'rejected' ? 1 : 0,
            flagged: outcome === 'flagged' ? 1 : 0,
            ...latest,
            createdBy: caller.mspId,
            createdAt: now,
          }
        : {
            ...previous,
            count: previous.count + 1,
            [outcome]: previous[outcome] + 1,
            ...latest,
            updatedBy: caller.mspId,
            updatedAt: now,
          };
    await writeRecord(ctx, Keys.review(reviewId), ReviewType, review);
    await writeMarker(ctx, Keys.reviewBySubject(subjectType, subjectId, now, reviewId));
    await writeRecord(ctx, summaryKey, ReviewSummaryType, summary);
    emitEvent(ctx, EventNames.ReviewSubmitted, { review, summary });
    return toJson({ review, summary });
  }

  /**
   * A review by its ID.
   * @throws `NOT_FOUND`; `INVALID`.
   */
  @Transaction(false)
  async Get(ctx: KisekiContext, reviewId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(reviewId, 'reviewId');
    return toJson(await requireRecord(ctx, Keys.review(id), ReviewType, `review ${id}`));
  }

  /**
   * A page of a subject's reviews, oldest first. Query: `{ subjectType, subjectId, pageSize? (1..100,
   * default 50), bookmark? }`. Returns `{ items, bookmark }` (no reviews: an empty page).
   * @throws `INVALID`.
   */
  @Transaction(false)
  async History(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { subjectType, subjectId, pageSize, bookmark } = parseRequest(ReviewHistoryQuery, query, 'query');
    const page = await readPage(ctx, KeyTypes.reviewBySubject, [subjectType, subjectId], pageSize ?? 50, bookmark ?? '');
    const items = [];
    for (const entry of page.entries) {
      const reviewId = lastAttribute(entry.key);
      items.push(await requireRecord(ctx, Keys.review(reviewId), ReviewType, `review ${reviewId}`));
    }
    return toJson({ items, bookmark: page.bookmark });
  }

  /**
   * A subject's review counts and latest review. Query: `{ subjectType, subjectId }`. Returns the
   * summary record, or zero counts when the subject was never reviewed.
   * @throws `INVALID`.
   */
  @Transaction(false)
  async Summary(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { subjectType, subjectId } = parseRequest(ReviewSummaryQuery, query, 'query');
    const summary = await readRecord(ctx, Keys.reviewSummary(subjectType, subjectId), ReviewSummaryType);
    return toJson(summary ?? { subjectType, subjectId, count: 0, accepted: 0, rejected: 0, flagged: 0 });
  }

  /**
   * Excludes a data item from future training batches, on the strength of a `rejected` review of it
   * (by any entitled org). Request: `{ dataId, reviewId }`. Models already trained on it are not
   * affected. Returns the exclusion record.
   * @throws `FORBIDDEN` unless the data item's collecting studio; `INVALID`; `NOT_FOUND` for the item
   * or the review; `STATE` when the review is not a rejection of this item, or the item is already excluded.
   */
  @Transaction()
  async ExcludeFromTraining(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'exclude data from training', Roles.studio);
    const { dataId, reviewId } = parseRequest(ExcludeFromTrainingRequest, request);
    const data = await requireRecord(ctx, Keys.data(dataId), DataType, `data item ${dataId}`);
    requireOrg(caller, data.collectorMsp, `exclude data item ${dataId} from training`);
    const review = await requireRecord(ctx, Keys.review(reviewId), ReviewType, `review ${reviewId}`);
    if (review.subjectType !== 'data' || review.subjectId !== dataId || review.outcome !== 'rejected') {
      throw wrongState(`review ${reviewId} is not a rejection of data item ${dataId}`);
    }
    const key = Keys.trainingExclusion(dataId);
    if (await keyExists(ctx, key)) throw wrongState(`data item ${dataId} is already excluded from training`);
    const record: TrainingExclusionRecord = {
      docType: DocTypes.trainingExclusion,
      dataId,
      reviewId,
      ownerMsp: caller.mspId,
      createdBy: caller.mspId,
      createdAt: txTime(ctx),
    };
    await writeRecord(ctx, key, TrainingExclusionType, record);
    emitEvent(ctx, EventNames.TrainingExclusionChanged, { dataId, excluded: true, reviewId, ownerMsp: caller.mspId });
    return toJson(record);
  }

  /**
   * Lifts a training exclusion. Request: `{ dataId, reason }`. Returns `{ dataId, excluded: false }`.
   * @throws `FORBIDDEN` unless the data item's collecting studio; `INVALID`; `NOT_FOUND` for the item;
   * `STATE` when it is not excluded.
   */
  @Transaction()
  async IncludeInTraining(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'include data in training', Roles.studio);
    const { dataId, reason } = parseRequest(IncludeInTrainingRequest, request);
    const data = await requireRecord(ctx, Keys.data(dataId), DataType, `data item ${dataId}`);
    requireOrg(caller, data.collectorMsp, `include data item ${dataId} in training`);
    const key = Keys.trainingExclusion(dataId);
    if (!(await keyExists(ctx, key))) throw wrongState(`data item ${dataId} is not excluded from training`);
    await deleteKey(ctx, key);
    emitEvent(ctx, EventNames.TrainingExclusionChanged, { dataId, excluded: false, ownerMsp: caller.mspId, reason });
    return toJson({ dataId, excluded: false });
  }

  /**
   * The training exclusion of a data item.
   * @throws `NOT_FOUND` when the item is not excluded; `INVALID`.
   */
  @Transaction(false)
  async GetExclusion(ctx: KisekiContext, dataId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(dataId, 'dataId');
    return toJson(await requireRecord(ctx, Keys.trainingExclusion(id), TrainingExclusionType, `training exclusion of data item ${id}`));
  }
}

/**
 * Why the caller's org may review the subject (`owner`, `rights-holder`, `licensor`, `terms-issuer`,
 * `provider-manager`), or `undefined` when it has no role in it.
 * @throws `NOT_FOUND` when the subject does not exist.
 */
async function entitlement(
  ctx: KisekiContext,
  caller: Caller,
  subjectType: ReviewSubjectType,
  subjectId: string,
): Promise<string | undefined> {
  const me = caller.mspId;
  if (subjectType === 'data') {
    const data = await requireRecord(ctx, Keys.data(subjectId), DataType, `data item ${subjectId}`);
    if (data.collectorMsp === me) return 'owner';
    const provider = await readRecord(ctx, Keys.provider(data.providerId), ProviderType);
    if (provider?.managingMsp === me) return 'provider-manager';
    const terms = await readRecord(ctx, Keys.terms(data.termsId), TermsType);
    if (terms?.issuerMsp === me) return 'terms-issuer';
    return rightsRole(ctx, me, [await rightsIdOf(ctx, 'data', subjectId)]);
  }
  const output = await requireRecord(ctx, Keys.output(subjectId), OutputType, `output ${subjectId}`);
  if (output.ownerMsp === me) return 'owner';
  const role = await rightsRole(ctx, me, [await rightsIdOf(ctx, 'output', subjectId), ...output.rightsIds]);
  if (role !== undefined) return role;
  const counted = await readAll(ctx, KeyTypes.modelTermsCount, [output.modelId], MAX_ENTITLING_TERMS);
  for (const { termsId } of decodeEntries(counted.entries, ModelTermsCountType)) {
    const terms = await readRecord(ctx, Keys.terms(termsId), TermsType);
    if (terms?.issuerMsp === me) return 'terms-issuer';
  }
  return undefined;
}

/** The rights record that covers a subject, if any. */
async function rightsIdOf(ctx: KisekiContext, subjectType: string, subjectId: string): Promise<string | undefined> {
  return (await readRecord(ctx, Keys.rightsSubject(subjectType, subjectId), RightsSubjectType))?.rightsId;
}

/** `rights-holder` or `licensor` when the org holds or licenses one of these rights records. */
async function rightsRole(ctx: KisekiContext, mspId: string, rightsIds: readonly (string | undefined)[]): Promise<string | undefined> {
  for (const rightsId of new Set(rightsIds)) {
    if (rightsId === undefined) continue;
    const rights = await readRecord(ctx, Keys.rights(rightsId), RightsType);
    if (rights === undefined) continue;
    if (rights.holders.some((holder) => holder.mspId === mspId)) return 'rights-holder';
    if (rights.licensorMsp === mspId) return 'licensor';
  }
  return undefined;
}
