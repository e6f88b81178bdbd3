import * as R from '../shared/records';
import { check, type z } from '../shared/schema';
import type { Issue } from '../shared/validate';

/**
 * The docType table: every record kept on the ledger (DESIGN §3) — provenance, rights and royalties,
 * the licence market, access, model versions and reviews — bound to its docType for ledger/state.
 * Schemas and types live in shared/records. Every record carries `docType`, the creating MSP (`createdBy`) and the transaction time
 * (`createdAt`); records that change also carry `updatedBy`/`updatedAt`. All are stored as sorted-key
 * JSON (shared/codec) and validated both before they are written and when they are read back.
 * Key layout: ledger/keys.ts.
 */

export const DocTypes = {
  terms: 'terms',
  provider: 'provider',
  data: 'data',
  dataDigest: 'dataDigest',
  model: 'model',
  usage: 'usage',
  modelProviderCount: 'modelProviderCount',
  modelTermsCount: 'modelTermsCount',
  modelFlag: 'modelFlag',
  modelFlagCount: 'modelFlagCount',
  output: 'output',
  outputDigest: 'outputDigest',
  dataset: 'dataset',
  flagSync: 'flagSync',
  termsCommercial: 'termsCommercial',
  rights: 'rights',
  rightsSubject: 'rightsSubject',
  rightsTransfer: 'rightsTransfer',
  subjectRevenue: 'subjectRevenue',
  revenue: 'revenue',
  royaltyPool: 'royaltyPool',
  providerClaim: 'providerClaim',
  holderCredit: 'holderCredit',
  holderClaim: 'holderClaim',
  settlement: 'settlement',
  offer: 'offer',
  grant: 'grant',
  access: 'access',
  modelVersion: 'modelVersion',
  modelArtifact: 'modelArtifact',
  review: 'review',
  reviewSummary: 'reviewSummary',
  trainingExclusion: 'trainingExclusion',
} as const;

export {
  AccessAssetTypes,
  AccessRules,
  GrantStatuses,
  MAX_MODEL_VERSIONS,
  MAX_VERSION_LABEL,
  OfferStatuses,
  OfferSubjectTypes,
  REVIEW_SUBJECT_TYPES,
  RevenueSources,
  ReviewCategories,
  ReviewOutcomes,
  RightsStatuses,
  SettlementKinds,
  SettlementStatuses,
  TransferStatuses,
  VersionStatuses,
  type AccessAssetType,
  type AccessRecord,
  type AccessRule,
  type GrantRecord,
  type HolderClaimRecord,
  type HolderCreditRecord,
  type ModelArtifactRecord,
  type ModelVersionRecord,
  type OfferRecord,
  type OfferSubjectType,
  type PayoutJson,
  type PoolAdditionJson,
  type ProviderClaimRecord,
  type RevenueRecord,
  type ReviewCategory,
  type ReviewOutcome,
  type ReviewRecord,
  type ReviewSubjectType,
  type ReviewSummaryRecord,
  type RightsRecord,
  type RightsSubjectRecord,
  type RightsTransferRecord,
  type RoyaltyPoolRecord,
  type SettlementRecord,
  type SubjectRevenueRecord,
  type TrainingExclusionRecord,
  type TransferStatus,
  type VersionStatus,
  DataStatuses,
  FlagStatuses,
  MAX_REASON_LENGTH,
  MAX_TRAINING_GRANTS,
  ModelStatuses,
  TermsStatuses,
  type DataDigestRecord,
  type DataRecord,
  type DataStatus,
  type DatasetRecord,
  type FlagStatus,
  type FlagSyncRecord,
  type ModelFlagCountRecord,
  type ModelFlagRecord,
  type ModelProviderCountRecord,
  type ModelRecord,
  type ModelStatus,
  type ModelTermsCountRecord,
  type OutputDigestRecord,
  type OutputRecord,
  type ProviderRecord,
  type Stamp,
  type TermsCommercialRecord,
  type TermsRecord,
  type UsageRecord,
} from '../shared/records';

/** Value of a training-set entry (key: modelId, dataId): the leaf index. An index entry, not a record. */
export interface TrainingEntry {
  readonly index: number;
}

/**
 * How to validate one kind of record: `parse` returns the record typed, plus every issue found
 * (an empty list means valid).
 */
export interface RecordType<T> {
  readonly docType: string;
  parse(value: unknown): { readonly record: T; readonly issues: readonly Issue[] };
}

/** A record type checked by its schema (shared by all record families). */
export function recordType<S extends z.ZodType>(docType: string, schema: S): RecordType<z.output<S>> {
  return {
    docType,
    parse(value: unknown) {
      const result = check(schema, value);
      return result.ok ? { record: result.value, issues: [] } : { record: value as z.output<S>, issues: result.issues };
    },
  };
}

export const TermsType = recordType(DocTypes.terms, R.TermsRecord);
export const TermsCommercialType = recordType(DocTypes.termsCommercial, R.TermsCommercialRecord);
export const ProviderType = recordType(DocTypes.provider, R.ProviderRecord);
export const DataType = recordType(DocTypes.data, R.DataRecord);
export const DataDigestType = recordType(DocTypes.dataDigest, R.DataDigestRecord);
export const ModelType = recordType(DocTypes.model, R.ModelRecord);
export const UsageType = recordType(DocTypes.usage, R.UsageRecord);
export const ModelProviderCountType = recordType(DocTypes.modelProviderCount, R.ModelProviderCountRecord);
export const ModelTermsCountType = recordType(DocTypes.modelTermsCount, R.ModelTermsCountRecord);
export const ModelFlagType = recordType(DocTypes.modelFlag, R.ModelFlagRecord);
export const ModelFlagCountType = recordType(DocTypes.modelFlagCount, R.ModelFlagCountRecord);
export const OutputType = recordType(DocTypes.output, R.OutputRecord);
export const OutputDigestType = recordType(DocTypes.outputDigest, R.OutputDigestRecord);
export const DatasetType = recordType(DocTypes.dataset, R.DatasetRecord);
export const FlagSyncType = recordType(DocTypes.flagSync, R.FlagSyncRecord);
export const RightsType = recordType(DocTypes.rights, R.RightsRecord);
export const RightsSubjectType = recordType(DocTypes.rightsSubject, R.RightsSubjectRecord);
export const RightsTransferType = recordType(DocTypes.rightsTransfer, R.RightsTransferRecord);
export const SubjectRevenueType = recordType(DocTypes.subjectRevenue, R.SubjectRevenueRecord);
export const RevenueType = recordType(DocTypes.revenue, R.RevenueRecord);
export const RoyaltyPoolType = recordType(DocTypes.royaltyPool, R.RoyaltyPoolRecord);
export const ProviderClaimType = recordType(DocTypes.providerClaim, R.ProviderClaimRecord);
export const HolderCreditType = recordType(DocTypes.holderCredit, R.HolderCreditRecord);
export const HolderClaimType = recordType(DocTypes.holderClaim, R.HolderClaimRecord);
export const SettlementType = recordType(DocTypes.settlement, R.SettlementRecord);
export const OfferType = recordType(DocTypes.offer, R.OfferRecord);
export const GrantType = recordType(DocTypes.grant, R.GrantRecord);
export const AccessType = recordType(DocTypes.access, R.AccessRecord);
export const ModelVersionType = recordType(DocTypes.modelVersion, R.ModelVersionRecord);
export const ModelArtifactType = recordType(DocTypes.modelArtifact, R.ModelArtifactRecord);
export const ReviewType = recordType(DocTypes.review, R.ReviewRecord);
export const ReviewSummaryType = recordType(DocTypes.reviewSummary, R.ReviewSummaryRecord);
export const TrainingExclusionType = recordType(DocTypes.trainingExclusion, R.TrainingExclusionRecord);
