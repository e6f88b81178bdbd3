import { parseCondition } from '../domain/conditions';
import { HOLDER_CREDIT_SHARDS } from '../domain/holder-shards';
import { shareIssues } from '../domain/shares';
import { SUBJECT_TYPES } from '../domain/subjects';
import {
  Amount,
  Bool,
  ClientRef,
  Count,
  Currency,
  Digest,
  Id,
  integer,
  list,
  idSet,
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
  Bps,
  z,
} from './schema';

/**
 * Every record kept on the ledger (DESIGN §3), one zod schema each; the TypeScript type of a record is
 * inferred from its schema, so a field is declared once and both the chaincode (write and read-back
 * validation) and the gateway (responses, OpenAPI) follow it. Each record carries `docType`, the
 * creating MSP (`createdBy`) and the transaction time (`createdAt`); records that change also carry
 * `updatedBy`/`updatedAt`. Stored as sorted-key JSON (shared/codec).
 */

/** Longest reason (revocation, dispute) a record keeps. */
export const MAX_REASON_LENGTH = 1024;
/** Most dataset grants one model's training may rest on. */
export const MAX_TRAINING_GRANTS = 16;
/** Most versions one model may have. */
export const MAX_MODEL_VERSIONS = 9999;
/** Longest version label (`v1.2-fp16`). */
export const MAX_VERSION_LABEL = 64;

/** Who wrote a record and when (transaction time, RFC 3339 UTC). */
export const StampFields = {
  createdBy: MspId,
  createdAt: Timestamp,
  updatedBy: MspId.optional(),
  updatedAt: Timestamp.optional(),
  /** The API client of the org that wrote this version (set by `writeRecord` from the transient map). */
  actingClient: ClientRef.optional(),
};
export const Stamp = z.object(StampFields);
export type Stamp = z.infer<typeof Stamp>;

/** `docType` of a record: exactly `name`. */
function docType<const T extends string>(name: T): z.ZodLiteral<T> {
  return z.literal(name, must(`must be one of ${name}`));
}

/** A record schema: its docType, its fields, then the stamp. */
function ledgerRecord<const T extends string, S extends z.ZodRawShape>(name: T, shape: S) {
  return record({ docType: docType(name), ...shape, ...StampFields }).meta({ id: `${name.charAt(0).toUpperCase()}${name.slice(1)}Record` });
}

const Reason = text(MAX_REASON_LENGTH);
const TxId = z.string(must('must be a transaction ID')).regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a transaction ID');
const SCALED_MESSAGE = 'must be a non-negative decimal string';
/** A decimal string of scaled units (royalty index and carry, 10^18 scale). */
const Scaled = z.string(must(SCALED_MESSAGE)).regex(/^(0|[1-9][0-9]{0,99})$/, SCALED_MESSAGE);
const ModelVersionNumber = integer(1, MAX_MODEL_VERSIONS);

// ---- provenance ----

export const TermsStatuses = ['active', 'withdrawn'] as const;
export const DataStatuses = ['active', 'consent-revoked', 'disputed'] as const;
export type DataStatus = (typeof DataStatuses)[number];
export const ModelStatuses = ['training', 'sealed', 'revoked'] as const;
export type ModelStatus = (typeof ModelStatuses)[number];
export const FlagStatuses = ['consent-revoked', 'disputed'] as const;
export type FlagStatus = (typeof FlagStatuses)[number];

/** Public part of licence terms. Confidential commercial details live in the `termsCommercial` collection. */
export const TermsRecord = ledgerRecord('terms', {
  termsId: Id,
  issuerMsp: MspId,
  aiTraining: Bool,
  commercialUse: Bool,
  derivatives: Bool,
  attribution: Bool,
  territory: text(64),
  /** Inclusive start of validity. */
  validFrom: Timestamp,
  /** Exclusive end of validity; absent: open-ended. */
  validUntil: Timestamp.optional(),
  /** Share of a model's revenue that goes to the data pool, in basis points. */
  dataPoolShareBps: Bps,
  /** SHA-256 of the full legal text kept in the vault. */
  legalTextDigest: Digest,
  /** SHA-256 of the canonical bytes of the private commercial details, when there are any. */
  commercialDigest: Digest.optional(),
  /** 1 for the published terms, +1 for each amendment; absent on records from before versions: 1. */
  version: Version.optional(),
  /** `withdrawn` terms allow no new use (training, registration, offers, grant uses); absent: active. */
  status: z.enum(TermsStatuses, must('must be active or withdrawn')).optional(),
  withdrawnReason: Reason.optional(),
});
export type TermsRecord = z.infer<typeof TermsRecord>;

/** Private commercial details of terms (collection `termsCommercial`, key = the terms key). */
export const TermsCommercialRecord = ledgerRecord('termsCommercial', {
  termsId: Id,
  details: z.record(z.string(), z.unknown(), must('must be a JSON object')),
});
export type TermsCommercialRecord = z.infer<typeof TermsCommercialRecord>;

/** A pseudonymous data provider; its real-world identity stays with its managing org. */
export const ProviderRecord = ledgerRecord('provider', { providerId: Id, managingMsp: MspId, payoutRefDigest: Digest });
export type ProviderRecord = z.infer<typeof ProviderRecord>;

/** One training-data item: identifiers and digests only, never the content. */
export const DataRecord = ledgerRecord('data', {
  dataId: Id,
  providerId: Id,
  collectorMsp: MspId,
  termsId: Id,
  contentDigest: Digest,
  mediaType: MediaType,
  size: Size,
  status: oneOf(DataStatuses),
  /** Why the status last changed (revocation or dispute reason). */
  statusReason: Reason.optional(),
});
export type DataRecord = z.infer<typeof DataRecord>;

/** Digest index entry: which data item holds these bytes. */
export const DataDigestRecord = ledgerRecord('dataDigest', { contentDigest: Digest, dataId: Id });
export type DataDigestRecord = z.infer<typeof DataDigestRecord>;

const FRONTIER_MESSAGE = 'must be a Merkle frontier { nodes, size }';
/** An RFC 6962 frontier: popcount(size) digests (shared/merkle). */
export const Frontier = z
  .object({ nodes: z.array(Digest, must(FRONTIER_MESSAGE)).readonly(), size: Count }, must(FRONTIER_MESSAGE))
  .refine((f) => f.nodes.length === popcount(f.size), FRONTIER_MESSAGE);

function popcount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}

const ascending = (values: readonly (string | number)[]): boolean => values.every((v, i) => i === 0 || (values[i - 1] as typeof v) < v);

/**
 * A model and its training manifest. While `training`, batches of strictly increasing dataIds are
 * folded into `frontier` (RFC 6962, see shared/merkle); `Seal` freezes `trainingRoot` (= root of the
 * frontier) and `trainingSize`. A revoked model keeps its root if it had been sealed (`sealedAt`).
 */
export const ModelRecord = ledgerRecord('model', {
  modelId: Id,
  ownerMsp: MspId,
  baseModelId: Id.optional(),
  /** Number of base models above this one (0 for a model without a base). */
  lineageDepth: Count,
  status: oneOf(ModelStatuses),
  frontier: Frontier,
  /** Number of training items attested so far (= frontier.size). */
  trainingSize: Count,
  /** The greatest dataId attested so far: the next batch must start after it. */
  lastDataId: Id.optional(),
  batchCount: Count,
  /** Number of distinct providers among the training items. */
  providerCount: Count,
  /**
   * The data-pool share royalties use for this model: the minimum `dataPoolShareBps` over the terms
   * of every attested item (the strictest terms bind the whole pool). Absent until the first batch.
   */
  dataPoolShareBps: Bps.optional(),
  /** Lowercase hex RFC 6962 root of the training set; set by `Seal`. */
  trainingRoot: Digest.optional(),
  sealedAt: Timestamp.optional(),
  revokedAt: Timestamp.optional(),
  revokedReason: Reason.optional(),
  /** The grant on another org's base model that allowed fine-tuning from it. */
  baseGrantId: Id.optional(),
  /** The dataset grants that allowed training on other orgs' data, sorted. */
  trainingGrantIds: z
    .array(Id, must(`must be 1..${MAX_TRAINING_GRANTS} distinct sorted IDs`))
    .min(1, `must be 1..${MAX_TRAINING_GRANTS} distinct sorted IDs`)
    .max(MAX_TRAINING_GRANTS, `must be 1..${MAX_TRAINING_GRANTS} distinct sorted IDs`)
    .refine(ascending, `must be 1..${MAX_TRAINING_GRANTS} distinct sorted IDs`)
    .optional(),
  /**
   * Whether every terms its training data (and its base model's) was used under allow commercial use /
   * derivatives: the strictest terms bind the model. Absent until something was attested.
   */
  commercialUse: Bool.optional(),
  derivatives: Bool.optional(),
  /** Number of versions (artifacts + recipe bound to the training root) registered; absent: none. */
  versionCount: Count.optional(),
});
export type ModelRecord = z.infer<typeof ModelRecord>;

/** Usage of one data item by one model (key: dataId, modelId). */
export const UsageRecord = ledgerRecord('usage', {
  dataId: Id,
  modelId: Id,
  providerId: Id,
  termsId: Id,
  /** Zero-based leaf index of the dataId in the model's training tree. */
  index: Count,
  /** The version of the terms in force when the item was attested. */
  termsVersion: Version.optional(),
  /** The dataset grant that allowed the use, when another org collected the item. */
  grantId: Id.optional(),
});
export type UsageRecord = z.infer<typeof UsageRecord>;

/** Number of a model's training items that come from one provider (royalties weigh by it). */
export const ModelProviderCountRecord = ledgerRecord('modelProviderCount', { modelId: Id, providerId: Id, count: Count });
export type ModelProviderCountRecord = z.infer<typeof ModelProviderCountRecord>;

/** Number of a model's training items under one licence terms. */
export const ModelTermsCountRecord = ledgerRecord('modelTermsCount', {
  modelId: Id,
  termsId: Id,
  count: Count,
  /** The versions of the terms the items were attested under, ascending. */
  versions: list(Version, 0, 1000).refine(ascending, 'must be ascending versions').optional(),
});
export type ModelTermsCountRecord = z.infer<typeof ModelTermsCountRecord>;

/** A training item of a model whose consent was revoked, or which is disputed, after it was attested. */
export const ModelFlagRecord = ledgerRecord('modelFlag', {
  modelId: Id,
  dataId: Id,
  providerId: Id,
  status: oneOf(FlagStatuses),
  reason: Reason,
});
export type ModelFlagRecord = z.infer<typeof ModelFlagRecord>;

/** Counts of a model's flagged training items, kept so verification never scans the flags. */
export const ModelFlagCountRecord = ledgerRecord('modelFlagCount', { modelId: Id, consentRevoked: Count, disputed: Count });
export type ModelFlagCountRecord = z.infer<typeof ModelFlagCountRecord>;

/** A generated output: minimal on chain, details in the vault. */
export const OutputRecord = ledgerRecord('output', {
  outputId: Id,
  modelId: Id,
  ownerMsp: MspId,
  contentDigest: Digest,
  mediaType: MediaType,
  rightsIds: idSet(0, 100),
  /** The grant on another org's model this output rests on. */
  grantId: Id.optional(),
  /** The model version that generated it (required once the model has versions). */
  modelVersion: Version.optional(),
  /** SHA-256 of the canonical generation record kept in the owner's vault (shared/generation). */
  generationDigest: Digest.optional(),
  /** Where the output is used, as registered (checked against the terms of its grant). */
  territory: Territory.optional(),
});
export type OutputRecord = z.infer<typeof OutputRecord>;

/** Output digest index entry. */
export const OutputDigestRecord = ledgerRecord('outputDigest', { contentDigest: Digest, outputId: Id });
export type OutputDigestRecord = z.infer<typeof OutputDigestRecord>;

/**
 * A dataset: a named set of data items whose membership the chaincode checks (`datasetMember` keys).
 * Owned by the org that registered it: a studio groups items it collected, a licensor items
 * collected under its terms. Licences on a dataset cover its members.
 */
export const DatasetRecord = ledgerRecord('dataset', { datasetId: Id, ownerMsp: MspId, itemCount: Count });
export type DatasetRecord = z.infer<typeof DatasetRecord>;

/**
 * Flags still to write after a data item's status changed: the models past the first `done` that used
 * it (in modelId order) have not been reconciled with `status` yet (`data:PropagateFlags` continues).
 */
export const FlagSyncRecord = ledgerRecord('flagSync', { dataId: Id, status: oneOf(DataStatuses), reason: Reason, done: Count });
export type FlagSyncRecord = z.infer<typeof FlagSyncRecord>;

// ---- reproducibility and reviews ----

export const VersionStatuses = ['active', 'revoked'] as const;
export type VersionStatus = (typeof VersionStatuses)[number];
export const REVIEW_SUBJECT_TYPES = ['output', 'data'] as const;
export type ReviewSubjectType = (typeof REVIEW_SUBJECT_TYPES)[number];
export const ReviewOutcomes = ['accepted', 'rejected', 'flagged'] as const;
export type ReviewOutcome = (typeof ReviewOutcomes)[number];
/** What a `flagged` review is about. */
export const ReviewCategories = ['style', 'consistency'] as const;
export type ReviewCategory = (typeof ReviewCategories)[number];

/**
 * One version of a sealed model: a set of weights (its artifact manifest digest) and the recipe that
 * produced it, bound to the model's training root by `bindingDigest` (shared/artifacts
 * `versionBindingDigest`). All versions of a model share its training set, lineage and royalty pool.
 */
export const ModelVersionRecord = ledgerRecord('modelVersion', {
  modelId: Id,
  /** 1, 2, … in order of registration. */
  version: ModelVersionNumber,
  ownerMsp: MspId,
  trainingRoot: Digest,
  trainingSize: Size,
  /** SHA-256 of the canonical artifact manifest (kept in the owner's vault). */
  artifactDigest: Digest,
  artifactFileCount: Size,
  artifactBytes: Count,
  /** SHA-256 of the training recipe text (kept in the owner's vault). */
  recipeDigest: Digest,
  bindingDigest: Digest,
  label: text(MAX_VERSION_LABEL).optional(),
  /** The version this one was derived from (a conversion, a re-run with other hyperparameters, …). */
  parentVersion: ModelVersionNumber.optional(),
  status: oneOf(VersionStatuses),
  revokedAt: Timestamp.optional(),
  revokedReason: Reason.optional(),
});
export type ModelVersionRecord = z.infer<typeof ModelVersionRecord>;

/** Artifact-digest index: which model version these weights are (the same weights twice → CONFLICT). */
export const ModelArtifactRecord = ledgerRecord('modelArtifact', { artifactDigest: Digest, modelId: Id, version: ModelVersionNumber });
export type ModelArtifactRecord = z.infer<typeof ModelArtifactRecord>;

/** A quality review of an output or a data item, attested by the reviewing org. */
export const ReviewRecord = ledgerRecord('review', {
  reviewId: Id,
  subjectType: oneOf(REVIEW_SUBJECT_TYPES),
  subjectId: Id,
  reviewerMsp: MspId,
  /** Why the reviewer's org may review this subject (`owner`, `rights-holder`, `licensor`, …). */
  reviewerRole: text(64),
  outcome: oneOf(ReviewOutcomes),
  /** Required for `rejected` and `flagged`. */
  reason: Reason.optional(),
  /** Required for `flagged`. */
  category: oneOf(ReviewCategories).optional(),
  /** SHA-256 of a fuller review report kept off chain. */
  reportDigest: Digest.optional(),
});
export type ReviewRecord = z.infer<typeof ReviewRecord>;

/** Per-subject review counts and the latest review, so verification reads one key. */
export const ReviewSummaryRecord = ledgerRecord('reviewSummary', {
  subjectType: oneOf(REVIEW_SUBJECT_TYPES),
  subjectId: Id,
  count: Size,
  accepted: Count,
  rejected: Count,
  flagged: Count,
  latestReviewId: Id,
  latestOutcome: oneOf(ReviewOutcomes),
  latestReviewerMsp: MspId,
  latestAt: Timestamp,
});
export type ReviewSummaryRecord = z.infer<typeof ReviewSummaryRecord>;

/** A data item its owner excluded from future training batches after a rejected review. */
export const TrainingExclusionRecord = ledgerRecord('trainingExclusion', { dataId: Id, reviewId: Id, ownerMsp: MspId });
export type TrainingExclusionRecord = z.infer<typeof TrainingExclusionRecord>;

// ---- rights, revenue, royalties and the market ----

export const RightsStatuses = ['active'] as const;
export const TransferStatuses = ['pending', 'executed', 'cancelled', 'void'] as const;
export type TransferStatus = (typeof TransferStatuses)[number];
export const RevenueSources = ['report', 'purchase'] as const;
export const SettlementKinds = ['provider', 'holder'] as const;
export const SettlementStatuses = ['requested', 'settled'] as const;
export const OfferSubjectTypes = ['model', 'dataset'] as const;
export type OfferSubjectType = (typeof OfferSubjectTypes)[number];
export const OfferStatuses = ['open', 'withdrawn'] as const;
export const GrantStatuses = ['active', 'withdrawn'] as const;

export const SubjectType = oneOf(SUBJECT_TYPES);

/** One holder of a rights record: who (pseudonymous id within its org), which org, what share. */
export const ShareHolder = record({ holderId: Id, mspId: MspId, shareBps: Bps });
/** A complete holder set: ids unique, shares summing to exactly 10000 (domain/shares). */
export const Holders = list(ShareHolder, 1, 1000).superRefine((holders, ctx) => {
  for (const issue of shareIssues(holders)) ctx.addIssue({ code: 'custom', message: issue });
});

const CONDITION_MESSAGE = 'must be a valid transfer condition';
/** Ledger form of a transfer condition (domain/conditions checks the clauses). */
export const TransferCondition = z
  .object(
    {
      revenueThreshold: z.object({ subjectType: z.string(), subjectId: z.string(), currency: z.string(), amount: z.string() }).optional(),
      notBefore: z.string().optional(),
      approvals: z.array(z.string()).readonly().optional(),
    },
    must(CONDITION_MESSAGE),
  )
  .refine((value) => {
    try {
      parseCondition(value);
      return true;
    } catch {
      return false;
    }
  }, CONDITION_MESSAGE);

/**
 * Rights on a subject: who holds what share. The key carries a key-level endorsement policy naming
 * every holder's org and the licensor, so Fabric refuses any change they did not all endorse.
 */
export const RightsRecord = ledgerRecord('rights', {
  rightsId: Id,
  subjectType: SubjectType,
  subjectId: Id,
  /** Sorted by holderId; shares sum to exactly 10000. */
  holders: Holders,
  licensorMsp: MspId,
  status: oneOf(RightsStatuses),
  /** Number of transfers executed on these rights. */
  transferCount: Count,
});
export type RightsRecord = z.infer<typeof RightsRecord>;

/** Which rights record covers a subject (one per subject). */
export const RightsSubjectRecord = ledgerRecord('rightsSubject', { subjectType: SubjectType, subjectId: Id, rightsId: Id });
export type RightsSubjectRecord = z.infer<typeof RightsSubjectRecord>;

/** A conditional move of `shareBps` from one holder to another. */
export const RightsTransferRecord = ledgerRecord('rightsTransfer', {
  transferId: Id,
  rightsId: Id,
  fromHolderId: Id,
  toHolderId: Id,
  toMspId: MspId,
  shareBps: integer(1, 10_000),
  condition: TransferCondition,
  status: oneOf(TransferStatuses),
  /** Orgs that approved so far, sorted. */
  approvedBy: z.array(MspId, must('must be a list of MSP IDs')),
  /** Transaction that executed, cancelled or voided the transfer. */
  closedTxId: TxId.optional(),
  /** Why a transfer became void (its sender no longer held the share when it came due). */
  reason: text(256).optional(),
});
export type RightsTransferRecord = z.infer<typeof RightsTransferRecord>;

/** Cumulative revenue of one subject in one currency (what revenue thresholds compare against). */
export const SubjectRevenueRecord = ledgerRecord('subjectRevenue', {
  subjectType: SubjectType,
  subjectId: Id,
  currency: Currency,
  total: Amount,
  events: Count,
});
export type SubjectRevenueRecord = z.infer<typeof SubjectRevenueRecord>;

/** One holder's part of a revenue event. */
export const Payout = record({ holderId: Id, mspId: MspId, amount: Amount });
export type PayoutJson = z.infer<typeof Payout>;
/** One pool's part of a revenue event. */
export const PoolAddition = record({ modelId: Id, amount: Amount });
export type PoolAdditionJson = z.infer<typeof PoolAddition>;

/**
 * One revenue event and its exact distribution; its key is (recording org, reference), which makes a
 * repeated report a conflict.
 */
export const RevenueRecord = ledgerRecord('revenue', {
  reference: Id,
  txId: TxId,
  source: oneOf(RevenueSources),
  subjectType: SubjectType,
  subjectId: Id,
  currency: Currency,
  amount: Amount,
  /** The model whose data pool took a share, when the subject has one. */
  modelId: Id.optional(),
  /** The rights record whose holders were paid; absent when the subject's owner was paid. */
  rightsId: Id.optional(),
  dataPoolShareBps: Bps,
  holderPayouts: list(Payout, 0, 1000),
  poolAdditions: list(PoolAddition, 0, 1000),
  /** Pending transfers on this subject that this event executed, in execution order. */
  executedTransfers: list(Id, 0, 1000),
  /** Pending transfers that came due but could no longer execute. */
  voidedTransfers: list(Id, 0, 1000),
});
export type RevenueRecord = z.infer<typeof RevenueRecord>;

/** The data pool of one model in one currency: the cumulative index (domain/royalty-index). */
export const RoyaltyPoolRecord = ledgerRecord('royaltyPool', {
  modelId: Id,
  currency: Currency,
  /** The model's frozen training size, copied so the identity can be checked from this record alone. */
  trainingSize: Size,
  poolIn: Amount,
  index: Scaled,
  carry: Scaled,
  events: Count,
});
export type RoyaltyPoolRecord = z.infer<typeof RoyaltyPoolRecord>;

/** What a provider has claimed from one model's pool in one currency. */
export const ProviderClaimRecord = ledgerRecord('providerClaim', { providerId: Id, modelId: Id, currency: Currency, claimed: Amount });
export type ProviderClaimRecord = z.infer<typeof ProviderClaimRecord>;

/**
 * One shard of what revenue has credited to a rights holder in one currency (domain/holder-shards): the
 * holder's credited amount is the sum over its shards. Written by revenue events only.
 */
export const HolderCreditRecord = ledgerRecord('holderCredit', {
  holderId: Id,
  mspId: MspId,
  currency: Currency,
  /** 0 ≤ shard < HOLDER_CREDIT_SHARDS, as in the key. */
  shard: integer(0, HOLDER_CREDIT_SHARDS - 1),
  credited: Amount,
});
export type HolderCreditRecord = z.infer<typeof HolderCreditRecord>;

/** What a rights holder has claimed in one currency (moved to payable). Written by claims only. */
export const HolderClaimRecord = ledgerRecord('holderClaim', { holderId: Id, mspId: MspId, currency: Currency, claimed: Amount });
export type HolderClaimRecord = z.infer<typeof HolderClaimRecord>;

/** A claimed amount awaiting (or having received) an off-chain payment. */
export const SettlementRecord = ledgerRecord('settlement', {
  settlementId: Id,
  kind: oneOf(SettlementKinds),
  /** providerId or holderId. */
  payeeId: Id,
  /** The org that pays and marks the settlement: the provider's managing org, or the holder's org. */
  managingMsp: MspId,
  currency: Currency,
  amount: Amount,
  /** Per model, for provider settlements. */
  items: list(PoolAddition, 0, 1000),
  status: oneOf(SettlementStatuses),
  paymentReference: text(256).optional(),
});
export type SettlementRecord = z.infer<typeof SettlementRecord>;

/** A licence offer on a model or a dataset. */
export const OfferRecord = ledgerRecord('offer', {
  offerId: Id,
  subjectType: oneOf(OfferSubjectTypes),
  subjectId: Id,
  termsId: Id,
  price: Amount,
  currency: Currency,
  sellerMsp: MspId,
  status: oneOf(OfferStatuses),
});
export type OfferRecord = z.infer<typeof OfferRecord>;

/** A licence bought through an offer. */
export const GrantRecord = ledgerRecord('grant', {
  purchaseId: Id,
  offerId: Id,
  subjectType: oneOf(OfferSubjectTypes),
  subjectId: Id,
  termsId: Id,
  price: Amount,
  currency: Currency,
  sellerMsp: MspId,
  buyerMsp: MspId,
  /** Reference of the revenue event the purchase recorded (under the buyer's org). */
  revenueReference: Id,
  /** `active` until the seller withdraws it (`market:WithdrawGrant`); absent on older grants: active. */
  status: z.enum(GrantStatuses, must('must be active or withdrawn')).optional(),
  withdrawnReason: text(256).optional(),
});
export type GrantRecord = z.infer<typeof GrantRecord>;

// ---- content access ----

/** Assets whose content an org may ask another org's gateway for. `model` is its training manifest. */
export const AccessAssetTypes = ['data', 'output', 'terms', 'model'] as const;
export type AccessAssetType = (typeof AccessAssetTypes)[number];
/** Why access is allowed. */
export const AccessRules = ['owner', 'grant', 'regulator', 'public'] as const;
export type AccessRule = (typeof AccessRules)[number];

/** One cross-org access: who obtained what from whom, under which rule or grant. Never the content. */
export const AccessRecord = ledgerRecord('access', {
  /** The transaction that recorded it. */
  accessId: z.string(must('must be a transaction ID')).regex(/^[A-Za-z0-9]{1,128}$/, 'must be a transaction ID'),
  assetType: oneOf(AccessAssetTypes),
  assetId: Id,
  /** The org that served the content (its holder). */
  holderMsp: MspId,
  requesterMsp: MspId,
  rule: oneOf(AccessRules),
  grantId: Id.optional(),
  contentDigest: Digest.optional(),
});
export type AccessRecord = z.infer<typeof AccessRecord>;
