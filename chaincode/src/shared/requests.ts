import { isEventAmount, MAX_EVENT_AMOUNT } from '../domain/amounts';
import { MAX_APPROVALS, parseCondition } from '../domain/conditions';
import { reviewIssues } from '../domain/reviews';
import { BPS_TOTAL, MAX_HOLDERS, shareIssues } from '../domain/shares';
import { SUBJECT_TYPES } from '../domain/subjects';
import { validityProblem } from '../domain/terms';

import { MAX_ARTIFACT_FILES } from './artifacts';
import { KisekiError } from './errors';

import {
  AccessAssetTypes,
  MAX_MODEL_VERSIONS,
  MAX_REASON_LENGTH,
  MAX_VERSION_LABEL,
  OfferSubjectTypes,
  REVIEW_SUBJECT_TYPES,
  ReviewCategories,
  ReviewOutcomes,
} from './records';
import {
  Amount,
  Bool,
  Bps,
  Count,
  Currency,
  Digest,
  Id,
  idSet,
  integer,
  list,
  MediaType,
  MspId,
  must,
  oneOf,
  record,
  Size,
  Territory,
  text,
  Timestamp,
  Version,
  whenParsed,
  z,
} from './schema';

/**
 * The request of each write transaction (DESIGN §7), one zod schema each: the chaincode parses its
 * JSON argument with it (`parseRequest`) and the gateway builds its request bodies from it, so a
 * request field is declared once. Types by `z.infer`.
 */

/** Most items in one `data:RegisterBatch`. */
export const MAX_DATA_BATCH = 1000;
/** Most providers in one `providers:RegisterBatch`. */
export const MAX_PROVIDER_BATCH = 1000;
/** Most ids in one `models:AttestTrainingBatch`. */
export const MAX_TRAINING_BATCH = 1000;
/** Most rights records one output names. */
export const MAX_OUTPUT_RIGHTS = 100;

const Reason = text(MAX_REASON_LENGTH);

/** Longest bookmark a list query takes back. */
const MAX_BOOKMARK_LENGTH = 1024;
const BOOKMARK_MESSAGE = 'must be a bookmark returned by the previous page';

/**
 * The paging fields of a list query: `pageSize` (1..`maxSize`; the transaction's default when absent)
 * and `bookmark` ('' or absent for the first page).
 */
export function paging(maxSize: number): { pageSize: z.ZodOptional<z.ZodNumber>; bookmark: z.ZodOptional<z.ZodString> } {
  return {
    pageSize: integer(1, maxSize).optional(),
    bookmark: z.string(must(BOOKMARK_MESSAGE)).max(MAX_BOOKMARK_LENGTH, BOOKMARK_MESSAGE).optional(),
  };
}

/** The terms a licensor publishes, beside their id: `terms:Amend` replaces all of them as a new version. */
export const TermsFields = {
  aiTraining: Bool,
  commercialUse: Bool,
  derivatives: Bool,
  attribution: Bool,
  territory: Territory,
  /** Inclusive start of validity. */
  validFrom: Timestamp,
  /** Exclusive end of validity; absent: open-ended. */
  validUntil: Timestamp.optional(),
  /** Share of a model's revenue that goes to the data pool, in basis points. */
  dataPoolShareBps: Bps,
  /** SHA-256 of the full legal text. */
  legalTextDigest: Digest,
};

/** The validity window rule of terms (domain/terms) as a cross-field check. */
function checkTermsWindow(terms: { validFrom: string; validUntil?: string | undefined }, ctx: z.RefinementCtx): void {
  const problem = validityProblem(terms.validFrom, terms.validUntil);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['validUntil'], message: problem });
}
/** Adds the validity window rule to a schema of terms (the chaincode's request, the gateway's bodies). */
export function withTermsWindow<S extends z.ZodType<{ validFrom: string; validUntil?: string | undefined }>>(schema: S): S {
  return schema.superRefine(checkTermsWindow, whenParsed('validFrom', 'validUntil'));
}

/** `terms:Publish` and `terms:Amend`: `validUntil`, when given, after `validFrom`. */
export const TermsRequest = withTermsWindow(record({ termsId: Id, ...TermsFields }));
export type TermsRequest = z.infer<typeof TermsRequest>;
/** `terms:Withdraw`. */
export const TermsWithdrawRequest = record({ termsId: Id, reason: Reason });
export type TermsWithdrawRequest = z.infer<typeof TermsWithdrawRequest>;
/** `terms:GetVersion` query. */
export const TermsVersionQuery = record({ termsId: Id, version: Version });
export type TermsVersionQuery = z.infer<typeof TermsVersionQuery>;

/** `providers:Register` / `providers:UpdatePayoutRef`. */
export const ProviderRequest = record({ providerId: Id, payoutRefDigest: Digest });
export type ProviderRequest = z.infer<typeof ProviderRequest>;
/** `providers:RegisterBatch`. */
export const ProviderBatchRequest = record({ items: list(ProviderRequest, 1, MAX_PROVIDER_BATCH) });
export type ProviderBatchRequest = z.infer<typeof ProviderBatchRequest>;

/** `data:Register`, and one item of `data:RegisterBatch`. */
export const DataRegisterRequest = record({
  dataId: Id,
  providerId: Id,
  termsId: Id,
  contentDigest: Digest,
  mediaType: MediaType,
  size: Size,
});
export type DataRegisterRequest = z.infer<typeof DataRegisterRequest>;
/**
 * `data:RegisterBatch`. `listKeys: true` also writes the three list-only marker keys earlier versions
 * wrote per item (by provider, collector, terms); no rule reads them, and lists come from each org's
 * index. It exists so that `npm run bench -- keys` measures both key layouts in one run.
 */
export const DataBatchRequest = record({ items: list(DataRegisterRequest, 1, MAX_DATA_BATCH), listKeys: Bool.optional() });
export type DataBatchRequest = z.infer<typeof DataBatchRequest>;
/** `data:RevokeConsent`. */
export const RevokeConsentRequest = record({ dataId: Id, reason: Reason });
export type RevokeConsentRequest = z.infer<typeof RevokeConsentRequest>;
/** `data:SetDisputed`. */
export const SetDisputedRequest = record({ dataId: Id, disputed: Bool, reason: Reason });
export type SetDisputedRequest = z.infer<typeof SetDisputedRequest>;

/** `data:PropagateFlags`. */
export const PropagateFlagsRequest = record({ dataId: Id });
export type PropagateFlagsRequest = z.infer<typeof PropagateFlagsRequest>;
/** `data:RegisterDataset`: optionally with its first items (distinct). */
export const DatasetRegisterRequest = record({ datasetId: Id, dataIds: idSet(0, MAX_DATA_BATCH).optional() });
export type DatasetRegisterRequest = z.infer<typeof DatasetRegisterRequest>;
/** `data:AddToDataset` (distinct items). */
export const DatasetAddRequest = record({ datasetId: Id, dataIds: idSet(1, MAX_DATA_BATCH) });
export type DatasetAddRequest = z.infer<typeof DatasetAddRequest>;
/** `data:IsDatasetMember` query. */
export const DatasetMemberQuery = record({ datasetId: Id, dataId: Id });
export type DatasetMemberQuery = z.infer<typeof DatasetMemberQuery>;
/** Largest page of `data:ListUsage`. */
export const MAX_DATA_PAGE = 200;
/** `data:ListUsage` query: where an item went, a page at a time. */
export const UsageQuery = record({ dataId: Id, ...paging(MAX_DATA_PAGE) });
export type UsageQuery = z.infer<typeof UsageQuery>;

/** `models:Register`: a grant only with a base model (fine-tuning from another org's model). */
export const ModelRegisterRequest = record({ modelId: Id, baseModelId: Id.optional(), grantId: Id.optional() }).superRefine(
  (request, ctx) => {
    if (request.grantId !== undefined && request.baseModelId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['grantId'], message: "applies only to fine-tuning from another org's base model" });
    }
  },
);
export type ModelRegisterRequest = z.infer<typeof ModelRegisterRequest>;
/** `models:AttestTrainingBatch`: ids strictly increasing, continuing the previous batch (checked against the model). */
export const AttestTrainingBatchRequest = record({ modelId: Id, dataIds: list(Id, 1, MAX_TRAINING_BATCH), grantId: Id.optional() });
export type AttestTrainingBatchRequest = z.infer<typeof AttestTrainingBatchRequest>;
/** `models:Revoke`. */
export const ModelRevokeRequest = record({ modelId: Id, reason: Reason });
export type ModelRevokeRequest = z.infer<typeof ModelRevokeRequest>;

/**
 * The fields of a model version in a request (`models:Seal` with artifacts, `models:AddVersion`):
 * `artifactDigest` is the SHA-256 of the canonical artifact manifest (shared/artifacts), `recipeDigest`
 * that of the training recipe text; both texts stay in the owner's vault.
 */
export const VersionFields = {
  artifactDigest: Digest,
  artifactFileCount: integer(1, MAX_ARTIFACT_FILES),
  artifactBytes: Count,
  recipeDigest: Digest,
  label: text(MAX_VERSION_LABEL).optional(),
};
export interface VersionFields {
  readonly artifactDigest: string;
  readonly artifactFileCount: number;
  readonly artifactBytes: number;
  readonly recipeDigest: string;
  readonly label?: string | undefined;
  readonly parentVersion?: number | undefined;
}
const REQUIRED_VERSION_FIELDS = ['artifactDigest', 'artifactFileCount', 'artifactBytes', 'recipeDigest'] as const;
/** A model version number in a request. */
const ModelVersionNumber = integer(1, MAX_MODEL_VERSIONS);

/**
 * `models:Seal`: `{ modelId }`, or with the version fields of its first version (all of them, or
 * none: a label alone is not a version).
 */
export const SealRequest = record({
  modelId: Id,
  artifactDigest: VersionFields.artifactDigest.optional(),
  artifactFileCount: VersionFields.artifactFileCount.optional(),
  artifactBytes: VersionFields.artifactBytes.optional(),
  recipeDigest: VersionFields.recipeDigest.optional(),
  label: VersionFields.label,
}).superRefine(
  (request, ctx) => {
    const given = REQUIRED_VERSION_FIELDS.some((name) => request[name] !== undefined) || request.label !== undefined;
    if (!given) return;
    for (const name of REQUIRED_VERSION_FIELDS) {
      if (request[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'is required' });
    }
  },
  whenParsed(...REQUIRED_VERSION_FIELDS, 'label'),
);
export type SealRequest = z.infer<typeof SealRequest>;

/** The version a `models:Seal` request carries, or `undefined` for a seal without artifacts. */
export function sealVersion(request: SealRequest): VersionFields | undefined {
  const { artifactDigest, artifactFileCount, artifactBytes, recipeDigest, label } = request;
  if (artifactDigest === undefined || artifactFileCount === undefined || artifactBytes === undefined || recipeDigest === undefined) {
    return undefined;
  }
  return { artifactDigest, artifactFileCount, artifactBytes, recipeDigest, label };
}

/** `models:AddVersion`: new weights of a sealed model, optionally derived from an earlier version. */
export const AddVersionRequest = record({ modelId: Id, ...VersionFields, parentVersion: ModelVersionNumber.optional() });
export type AddVersionRequest = z.infer<typeof AddVersionRequest>;
/** `models:RevokeVersion`. */
export const RevokeVersionRequest = record({ modelId: Id, version: ModelVersionNumber, reason: Reason });
export type RevokeVersionRequest = z.infer<typeof RevokeVersionRequest>;
/** `models:GetVersion` query. */
export const ModelVersionQuery = record({ modelId: Id, version: ModelVersionNumber });
export type ModelVersionQuery = z.infer<typeof ModelVersionQuery>;
/** Largest page of `models:ListVersions`. */
export const MAX_VERSIONS_PAGE = 200;
/** `models:ListVersions` query. */
export const ModelVersionsQuery = record({ modelId: Id, ...paging(MAX_VERSIONS_PAGE) });
export type ModelVersionsQuery = z.infer<typeof ModelVersionsQuery>;
/** Largest page of `models:ListTrainingIds`, and its default. */
export const MAX_TRAINING_IDS_PAGE = 1000;
/** `models:ListTrainingIds` query. */
export const TrainingIdsQuery = record({ modelId: Id, ...paging(MAX_TRAINING_IDS_PAGE) });
export type TrainingIdsQuery = z.infer<typeof TrainingIdsQuery>;
/** Largest page of `models:ListProviderCounts`, and its default. */
export const MAX_PROVIDER_COUNTS_PAGE = 200;
/** `models:ListProviderCounts` query. */
export const ProviderCountsQuery = record({ modelId: Id, ...paging(MAX_PROVIDER_COUNTS_PAGE) });
export type ProviderCountsQuery = z.infer<typeof ProviderCountsQuery>;
/** Longest audit path accepted (a tree of 2^64 leaves would need 64). */
export const MAX_PROOF_LENGTH = 64;
/** `models:VerifyInclusion` query: an RFC 6962 audit path of the dataId at leaf `index`. */
export const InclusionProofQuery = record({ modelId: Id, dataId: Id, index: Count, path: list(Digest, 0, MAX_PROOF_LENGTH) });
export type InclusionProofQuery = z.infer<typeof InclusionProofQuery>;
const PROOF_MESSAGE = 'must be an exclusion proof { size, predecessor?, successor? }';
/** A training-set leaf next to an excluded id: its index, id and audit path. */
const Neighbour = z.object({ index: Count, id: Id, path: list(Digest, 0, MAX_PROOF_LENGTH) }, must(PROOF_MESSAGE));
/** An exclusion proof (shared/merkle `ExclusionProof`): the neighbours that enclose an id in the sorted training set. */
export const ExclusionProof = z.object(
  { size: Count, predecessor: Neighbour.optional(), successor: Neighbour.optional() },
  must(PROOF_MESSAGE),
);
/** `models:VerifyExclusion` query. */
export const ExclusionProofQuery = record({ modelId: Id, dataId: Id, proof: ExclusionProof });
export type ExclusionProofQuery = z.infer<typeof ExclusionProofQuery>;

/** `outputs:Register`. */
export const OutputRegisterRequest = record({
  outputId: Id,
  modelId: Id,
  contentDigest: Digest,
  mediaType: MediaType,
  rightsIds: idSet(0, MAX_OUTPUT_RIGHTS),
  /** The grant on another org's model the output rests on. */
  grantId: Id.optional(),
  /** Where the output will be used; checked against the terms of its training data. */
  territory: Territory.optional(),
  /** Required once the model has versions. */
  modelVersion: integer(1, MAX_MODEL_VERSIONS).optional(),
  /** SHA-256 of the canonical generation record kept in the owner's vault (shared/generation). */
  generationDigest: Digest.optional(),
});
export type OutputRegisterRequest = z.infer<typeof OutputRegisterRequest>;

/** A holder a request names: who (pseudonymous id within its org), which org, what share (1..10000 bps). */
export const HolderRequest = record({ holderId: Id, mspId: MspId, shareBps: integer(1, BPS_TOTAL) });
/** A complete holder set: at most {@link MAX_HOLDERS}, ids unique, shares summing to exactly 10000. */
export const HoldersRequest = list(HolderRequest, 1, MAX_HOLDERS).superRefine((holders, ctx) => {
  for (const issue of shareIssues(holders)) ctx.addIssue({ code: 'custom', message: issue });
});

/** `rights:Create`: a studio names the licensor that co-signs (`licensorMsp`), a licensor is its own. */
export const RightsCreateRequest = record({
  rightsId: Id,
  subjectType: oneOf(SUBJECT_TYPES),
  subjectId: Id,
  holders: HoldersRequest,
  licensorMsp: MspId.optional(),
});
export type RightsCreateRequest = z.infer<typeof RightsCreateRequest>;
/** `rights:GetBySubject` query. */
export const RightsSubjectQuery = record({ subjectType: oneOf(SUBJECT_TYPES), subjectId: Id });
export type RightsSubjectQuery = z.infer<typeof RightsSubjectQuery>;

/**
 * The condition of a rights transfer, at least one clause, all of which must hold: cumulative revenue
 * of a subject ≥ an amount, a moment, approvals of orgs. domain/conditions reads it (`parseCondition`),
 * and its refusal is this schema's.
 */
export const TransferConditionRequest = record({
  revenueThreshold: record({ subjectType: oneOf(SUBJECT_TYPES), subjectId: Id, currency: Currency, amount: Amount }).optional(),
  notBefore: Timestamp.optional(),
  approvals: list(MspId, 1, MAX_APPROVALS).optional(),
}).superRefine(
  (condition, ctx) => {
    try {
      parseCondition(condition);
    } catch (error) {
      if (!(error instanceof KisekiError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message.replace(/^INVALID: condition\.?\s*/, '') });
    }
  },
  { when: (payload) => payload.issues.length === 0 },
);
/** `rights:ProposeTransfer`. */
export const ProposeTransferRequest = record({
  transferId: Id,
  rightsId: Id,
  fromHolderId: Id,
  toHolderId: Id,
  toMspId: MspId,
  shareBps: integer(1, BPS_TOTAL),
  condition: TransferConditionRequest,
});
export type ProposeTransferRequest = z.infer<typeof ProposeTransferRequest>;
/** `rights:ApproveTransfer` and `rights:ExecuteTransfer`. */
export const TransferRequest = record({ transferId: Id });
export type TransferRequest = z.infer<typeof TransferRequest>;
/** `rights:CancelTransfer`. */
export const CancelTransferRequest = record({ transferId: Id, reason: text(256).optional() });
export type CancelTransferRequest = z.infer<typeof CancelTransferRequest>;

const REPORTED_AMOUNT_MESSAGE = `must be a positive decimal string of minor units (digits only, no leading zeros, at most ${MAX_EVENT_AMOUNT})`;
/** A reported revenue amount or an offer's price: 1..10^18 − 1 minor units; the refusal names the bound. */
const ReportedAmount = z.string(must(REPORTED_AMOUNT_MESSAGE)).refine(isEventAmount, REPORTED_AMOUNT_MESSAGE);

/** `market:Offer` (price at most 10^18 − 1 minor units). */
export const OfferRequest = record({
  offerId: Id,
  subjectType: oneOf(OfferSubjectTypes),
  subjectId: Id,
  termsId: Id,
  price: ReportedAmount,
  currency: Currency,
});
export type OfferRequest = z.infer<typeof OfferRequest>;
/** `market:WithdrawOffer`. */
export const WithdrawOfferRequest = record({ offerId: Id });
export type WithdrawOfferRequest = z.infer<typeof WithdrawOfferRequest>;
/** Revenue references of licence purchases: `purchase:<purchaseId>`, reserved for the market. */
export const PURCHASE_REFERENCE_PREFIX = 'purchase:';
/** Longest purchaseId: the revenue reference `purchase:<purchaseId>` must stay an ID. */
export const MAX_PURCHASE_ID = 128 - PURCHASE_REFERENCE_PREFIX.length;
/** `market:Purchase`. */
export const PurchaseRequest = record({
  offerId: Id,
  purchaseId: Id.max(MAX_PURCHASE_ID, `must be at most ${MAX_PURCHASE_ID} characters`),
});
export type PurchaseRequest = z.infer<typeof PurchaseRequest>;
/** `market:WithdrawGrant`. */
export const WithdrawGrantRequest = record({ purchaseId: Id, reason: text(256) });
export type WithdrawGrantRequest = z.infer<typeof WithdrawGrantRequest>;

/** `reviews:Submit`: `reason` required for `rejected` and `flagged`, `category` for `flagged` only. */
export const ReviewSubmitRequest = record({
  reviewId: Id,
  subjectType: oneOf(REVIEW_SUBJECT_TYPES),
  subjectId: Id,
  outcome: oneOf(ReviewOutcomes),
  reason: Reason.optional(),
  category: oneOf(ReviewCategories).optional(),
  reportDigest: Digest.optional(),
}).superRefine((request, ctx) => {
  for (const issue of reviewIssues(request.outcome, request.reason, request.category)) {
    ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
  }
});
export type ReviewSubmitRequest = z.infer<typeof ReviewSubmitRequest>;
/** Most reviews on one page of `reviews:History`. */
export const MAX_REVIEW_PAGE = 100;
/** `reviews:History` query. */
export const ReviewHistoryQuery = record({ subjectType: oneOf(REVIEW_SUBJECT_TYPES), subjectId: Id, ...paging(MAX_REVIEW_PAGE) });
export type ReviewHistoryQuery = z.infer<typeof ReviewHistoryQuery>;
/** `reviews:Summary` query. */
export const ReviewSummaryQuery = record({ subjectType: oneOf(REVIEW_SUBJECT_TYPES), subjectId: Id });
export type ReviewSummaryQuery = z.infer<typeof ReviewSummaryQuery>;
/** `reviews:ExcludeFromTraining`. */
export const ExcludeFromTrainingRequest = record({ dataId: Id, reviewId: Id });
export type ExcludeFromTrainingRequest = z.infer<typeof ExcludeFromTrainingRequest>;
/** `reviews:IncludeInTraining`. */
export const IncludeInTrainingRequest = record({ dataId: Id, reason: Reason });
export type IncludeInTrainingRequest = z.infer<typeof IncludeInTrainingRequest>;

/** `access:Entitlement` query and `access:Record` request. */
export const AccessRequest = record({ requesterMsp: MspId, assetType: oneOf(AccessAssetTypes), assetId: Id, grantId: Id.optional() });
export type AccessRequest = z.infer<typeof AccessRequest>;
/** Most access records on one page of `access:List`. */
export const MAX_ACCESS_PAGE = 200;
/** `access:List` query: an assetId only with its assetType. */
export const AccessListQuery = record({
  holderMsp: MspId,
  assetType: oneOf(AccessAssetTypes).optional(),
  assetId: Id.optional(),
  ...paging(MAX_ACCESS_PAGE),
}).superRefine((query, ctx) => {
  if (query.assetId !== undefined && query.assetType === undefined) {
    ctx.addIssue({ code: 'custom', path: ['assetType'], message: 'is required with assetId' });
  }
});
export type AccessListQuery = z.infer<typeof AccessListQuery>;

/** `revenue:Record`: the subject type may be left out when the subjectId names one subject only. */
export const RevenueRecordRequest = record({
  subjectType: oneOf(SUBJECT_TYPES).optional(),
  subjectId: Id,
  amount: ReportedAmount,
  currency: Currency,
  reference: Id.refine(
    (reference) => !reference.startsWith(PURCHASE_REFERENCE_PREFIX),
    `must not start with ${PURCHASE_REFERENCE_PREFIX} (reserved for licence purchases)`,
  ),
  grantId: Id.optional(),
  territory: Territory.optional(),
});
export type RevenueRecordRequest = z.infer<typeof RevenueRecordRequest>;
/** `revenue:Get` query. */
export const RevenueQuery = record({ recorderMsp: MspId, reference: Id });
export type RevenueQuery = z.infer<typeof RevenueQuery>;
/** `revenue:GetSubjectRevenue` query. */
export const SubjectRevenueQuery = record({ subjectType: oneOf(SUBJECT_TYPES), subjectId: Id, currency: Currency });
export type SubjectRevenueQuery = z.infer<typeof SubjectRevenueQuery>;
/** `revenue:GetPool` query. */
export const PoolQuery = record({ modelId: Id, currency: Currency });
export type PoolQuery = z.infer<typeof PoolQuery>;
/** Most models one statement or claim covers (name `modelIds` / `modelId` beyond that). */
export const MAX_STATEMENT_MODELS = 200;
/** `revenue:Statement` query. */
export const StatementQuery = record({
  providerId: Id,
  currency: Currency.optional(),
  modelIds: idSet(1, MAX_STATEMENT_MODELS).optional(),
});
export type StatementQuery = z.infer<typeof StatementQuery>;
/** `revenue:HolderBalance` query. */
export const HolderBalanceQuery = record({ holderId: Id, mspId: MspId, currency: Currency.optional() });
export type HolderBalanceQuery = z.infer<typeof HolderBalanceQuery>;
/** `revenue:Claim`: exactly one of providerId and holderId; a modelId only for a provider. */
export const ClaimRequest = record({
  providerId: Id.optional(),
  holderId: Id.optional(),
  currency: Currency,
  modelId: Id.optional(),
  settlementId: Id.optional(),
}).superRefine((request, ctx) => {
  if ((request.providerId === undefined) === (request.holderId === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['providerId'], message: 'give exactly one of providerId and holderId' });
  }
  if (request.holderId !== undefined && request.modelId !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['modelId'], message: 'applies to provider claims only' });
  }
});
export type ClaimRequest = z.infer<typeof ClaimRequest>;
/** `revenue:MarkSettled`. */
export const MarkSettledRequest = record({ settlementId: Id, paymentReference: text(256) });
export type MarkSettledRequest = z.infer<typeof MarkSettledRequest>;
/** `revenue:Totals` query. */
export const RevenueTotalsQuery = record({ currency: Currency });
export type RevenueTotalsQuery = z.infer<typeof RevenueTotalsQuery>;
