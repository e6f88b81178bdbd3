import {
  AccessAssetTypes,
  AccessRecord,
  AccessRules,
  DataStatuses,
  ModelRecord,
  ModelStatuses,
  REVIEW_SUBJECT_TYPES,
  ReviewRecord,
  ReviewSummaryRecord,
  RightsRecord,
  RightsTransferRecord,
  SubjectRevenueRecord,
} from './records';
import { historyOf } from './responses';
import { Bool, Count, Digest, Id, MspId, oneOf, Timestamp, z } from './schema';

/**
 * What the transactions return when it is neither a record nor a compound read of shared/responses:
 * the receipts of batch writes, pages of list reads, proof checks. One zod schema each, so the gateway
 * parses every chaincode answer against the shape the chaincode builds.
 */

/** A page of a list read: `{ items, bookmark }`, the bookmark '' after the last page. */
// eslint-disable-next-line @typescript-eslint/explicit-module-boundary-types -- the inferred schema type is the point
export function pageOf<S extends z.ZodType>(item: S) {
  return z.object({ items: z.array(item), bookmark: z.string() });
}

/** `data:RegisterBatch`: the records are the items plus these fields and `status: active`. */
export const DataBatchReceipt = z
  .object({ collectorMsp: MspId, count: Count, createdAt: Timestamp, dataIds: z.array(Id) })
  .meta({ id: 'DataBatchReceipt' });
export type DataBatchReceipt = z.infer<typeof DataBatchReceipt>;

/** `providers:RegisterBatch`. */
export const ProviderBatchReceipt = z
  .object({ managingMsp: MspId, count: Count, createdAt: Timestamp, providerIds: z.array(Id) })
  .meta({ id: 'ProviderBatchReceipt' });
export type ProviderBatchReceipt = z.infer<typeof ProviderBatchReceipt>;

/** `data:PropagateFlags`: the models flagged by this call, and whether more remain. */
export const FlagPropagation = z
  .object({ dataId: Id, status: oneOf(DataStatuses), modelIds: z.array(Id), done: Count, pending: Bool })
  .meta({ id: 'FlagPropagation' });
export type FlagPropagation = z.infer<typeof FlagPropagation>;

/** `models:ListTrainingIds`: `startIndex` is the leaf index of `ids[0]`. */
export const TrainingIdsPage = z.object({
  modelId: Id,
  status: oneOf(ModelStatuses),
  trainingSize: Count,
  trainingRoot: Digest.optional(),
  startIndex: Count,
  ids: z.array(Id),
  bookmark: z.string(),
});
export type TrainingIdsPage = z.infer<typeof TrainingIdsPage>;

/** `models:VerifyInclusion` (with `index`) and `models:VerifyExclusion`: the peer's check of a proof. */
export const ProofCheck = z.object({
  modelId: Id,
  dataId: Id,
  index: Count.optional(),
  trainingSize: Count,
  trainingRoot: Digest.optional(),
  status: oneOf(ModelStatuses),
  valid: Bool,
});
export type ProofCheck = z.infer<typeof ProofCheck>;

/** `models:History`. */
export const ModelHistory = historyOf(ModelRecord, 'modelId').meta({ id: 'ModelHistory' });
export type ModelHistory = z.infer<typeof ModelHistory>;

/** `reviews:Summary`: the summary record, or zero counts (no stamp, no latest review) when the subject has no review. */
export const ReviewSummary = z
  .union([
    ReviewSummaryRecord,
    z.object({
      subjectType: oneOf(REVIEW_SUBJECT_TYPES),
      subjectId: Id,
      count: z.literal(0),
      accepted: z.literal(0),
      rejected: z.literal(0),
      flagged: z.literal(0),
    }),
  ])
  .meta({ id: 'ReviewSummary' });
export type ReviewSummary = z.infer<typeof ReviewSummary>;

/** `reviews:Submit`. */
export const ReviewSubmission = z.object({ review: ReviewRecord, summary: ReviewSummaryRecord }).meta({ id: 'ReviewSubmission' });
export type ReviewSubmission = z.infer<typeof ReviewSubmission>;

/** `reviews:IncludeInTraining`. */
export const TrainingInclusion = z.object({ dataId: Id, excluded: z.literal(false) }).meta({ id: 'TrainingInclusion' });
export type TrainingInclusion = z.infer<typeof TrainingInclusion>;

/** `rights:ExecuteTransfer`. */
export const TransferExecution = z.object({ transfer: RightsTransferRecord, rights: RightsRecord }).meta({ id: 'TransferExecution' });
export type TransferExecution = z.infer<typeof TransferExecution>;

/** `revenue:GetSubjectRevenue`: the record, or a zero total (no stamp) when none was recorded. */
export const SubjectRevenue = SubjectRevenueRecord.partial({ createdAt: true, createdBy: true }).meta({ id: 'SubjectRevenue' });
export type SubjectRevenue = z.infer<typeof SubjectRevenue>;

/** `access:Entitlement`: allowed under `rule`, or refused with `code` and `reason`. */
export const AccessEntitlement = z.object({
  assetType: oneOf(AccessAssetTypes),
  assetId: Id,
  holderMsp: MspId,
  requesterMsp: MspId,
  contentDigest: Digest.optional(),
  allowed: Bool,
  rule: oneOf(AccessRules).optional(),
  grantId: Id.optional(),
  code: z.string().optional(),
  reason: z.string().optional(),
});
export type AccessEntitlement = z.infer<typeof AccessEntitlement>;

export const AccessPage = pageOf(AccessRecord);
