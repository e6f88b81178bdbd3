import { MAX_REASON_LENGTH, recordType, stamp, type RecordType, type Stamp } from './records';
import { isNonNegativeInteger, isPositiveInteger } from '../shared/validate';

/**
 * Records that make models and outputs reproducible and reviewable: model versions (artifact and
 * recipe digests bound to the training root), the artifact-digest index, quality reviews of outputs and
 * data items, their per-subject summaries, and training exclusions. Validated on write and on read like
 * every record. Key layout: ledger/repro-keys.ts.
 */

export const ReproDocTypes = {
  modelVersion: 'modelVersion',
  modelArtifact: 'modelArtifact',
  review: 'review',
  reviewSummary: 'reviewSummary',
  trainingExclusion: 'trainingExclusion',
} as const;

/** Most versions one model may have. */
export const MAX_MODEL_VERSIONS = 9999;
/** Longest version label (`v1.2-fp16`). */
export const MAX_VERSION_LABEL = 64;

export const VersionStatuses = ['active', 'revoked'] as const;
export type VersionStatus = (typeof VersionStatuses)[number];

/**
 * One version of a sealed model: a set of weights (its artifact manifest digest) and the recipe that
 * produced it, bound to the model's training root by `bindingDigest` (shared/artifacts
 * `versionBindingDigest`). All versions of a model share its training set, lineage and royalty pool.
 */
export interface ModelVersionRecord extends Stamp {
  readonly docType: 'modelVersion';
  readonly modelId: string;
  /** 1, 2, … in order of registration. */
  readonly version: number;
  readonly ownerMsp: string;
  readonly trainingRoot: string;
  readonly trainingSize: number;
  /** SHA-256 of the canonical artifact manifest (kept in the owner's vault). */
  readonly artifactDigest: string;
  readonly artifactFileCount: number;
  readonly artifactBytes: number;
  /** SHA-256 of the training recipe text (kept in the owner's vault). */
  readonly recipeDigest: string;
  readonly bindingDigest: string;
  readonly label?: string;
  /** The version this one was derived from (a conversion, a re-run with other hyperparameters, …). */
  readonly parentVersion?: number;
  readonly status: VersionStatus;
  readonly revokedAt?: string;
  readonly revokedReason?: string;
}

/** Artifact-digest index: which model version these weights are (the same weights twice → CONFLICT). */
export interface ModelArtifactRecord extends Stamp {
  readonly docType: 'modelArtifact';
  readonly artifactDigest: string;
  readonly modelId: string;
  readonly version: number;
}

export const REVIEW_SUBJECT_TYPES = ['output', 'data'] as const;
export type ReviewSubjectType = (typeof REVIEW_SUBJECT_TYPES)[number];
export const ReviewOutcomes = ['accepted', 'rejected', 'flagged'] as const;
export type ReviewOutcome = (typeof ReviewOutcomes)[number];
/** What a `flagged` review is about. */
export const ReviewCategories = ['style', 'consistency'] as const;
export type ReviewCategory = (typeof ReviewCategories)[number];

/** A quality review of an output or a data item, attested by the reviewing org. */
export interface ReviewRecord extends Stamp {
  readonly docType: 'review';
  readonly reviewId: string;
  readonly subjectType: ReviewSubjectType;
  readonly subjectId: string;
  readonly reviewerMsp: string;
  /** Why the reviewer's org may review this subject (`owner`, `rights-holder`, `licensor`, …). */
  readonly reviewerRole: string;
  readonly outcome: ReviewOutcome;
  /** Required for `rejected` and `flagged`. */
  readonly reason?: string;
  /** Required for `flagged`. */
  readonly category?: ReviewCategory;
  /** SHA-256 of a fuller review report kept off chain. */
  readonly reportDigest?: string;
}

/** Per-subject review counts and the latest review, so verification reads one key. */
export interface ReviewSummaryRecord extends Stamp {
  readonly docType: 'reviewSummary';
  readonly subjectType: ReviewSubjectType;
  readonly subjectId: string;
  readonly count: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly flagged: number;
  readonly latestReviewId: string;
  readonly latestOutcome: ReviewOutcome;
  readonly latestReviewerMsp: string;
  readonly latestAt: string;
}

/** A data item its owner excluded from future training batches after a rejected review. */
export interface TrainingExclusionRecord extends Stamp {
  readonly docType: 'trainingExclusion';
  readonly dataId: string;
  readonly reviewId: string;
  readonly ownerMsp: string;
}

const isVersion = (v: unknown): v is number => isPositiveInteger(v) && v <= MAX_MODEL_VERSIONS;
const isCount = (v: unknown): v is number => isNonNegativeInteger(v);

export const ModelVersionType: RecordType<ModelVersionRecord> = recordType('modelVersion', (f) => ({
  docType: 'modelVersion',
  modelId: f.id('modelId'),
  version: f.check('version', isVersion, `must be an integer from 1 to ${MAX_MODEL_VERSIONS}`, 1),
  ownerMsp: f.mspId('ownerMsp'),
  trainingRoot: f.digest('trainingRoot'),
  trainingSize: f.size('trainingSize'),
  artifactDigest: f.digest('artifactDigest'),
  artifactFileCount: f.size('artifactFileCount'),
  artifactBytes: f.check('artifactBytes', isCount, 'must be an integer ≥ 0', 0),
  recipeDigest: f.digest('recipeDigest'),
  bindingDigest: f.digest('bindingDigest'),
  label: f.text('label', MAX_VERSION_LABEL, { optional: true }),
  parentVersion: f.check('parentVersion', isVersion, `must be an integer from 1 to ${MAX_MODEL_VERSIONS}`, 1, { optional: true }),
  status: f.oneOf('status', VersionStatuses),
  revokedAt: f.timestamp('revokedAt', { optional: true }),
  revokedReason: f.text('revokedReason', MAX_REASON_LENGTH, { optional: true }),
  ...stamp(f),
}));

export const ModelArtifactType: RecordType<ModelArtifactRecord> = recordType('modelArtifact', (f) => ({
  docType: 'modelArtifact',
  artifactDigest: f.digest('artifactDigest'),
  modelId: f.id('modelId'),
  version: f.check('version', isVersion, `must be an integer from 1 to ${MAX_MODEL_VERSIONS}`, 1),
  ...stamp(f),
}));

export const ReviewType: RecordType<ReviewRecord> = recordType('review', (f) => ({
  docType: 'review',
  reviewId: f.id('reviewId'),
  subjectType: f.oneOf('subjectType', REVIEW_SUBJECT_TYPES),
  subjectId: f.id('subjectId'),
  reviewerMsp: f.mspId('reviewerMsp'),
  reviewerRole: f.text('reviewerRole', 64),
  outcome: f.oneOf('outcome', ReviewOutcomes),
  reason: f.text('reason', MAX_REASON_LENGTH, { optional: true }),
  category: f.has('category') ? f.oneOf('category', ReviewCategories) : (f.raw('category') as undefined),
  reportDigest: f.digest('reportDigest', { optional: true }),
  ...stamp(f),
}));

export const ReviewSummaryType: RecordType<ReviewSummaryRecord> = recordType('reviewSummary', (f) => ({
  docType: 'reviewSummary',
  subjectType: f.oneOf('subjectType', REVIEW_SUBJECT_TYPES),
  subjectId: f.id('subjectId'),
  count: f.size('count'),
  accepted: f.check('accepted', isCount, 'must be an integer ≥ 0', 0),
  rejected: f.check('rejected', isCount, 'must be an integer ≥ 0', 0),
  flagged: f.check('flagged', isCount, 'must be an integer ≥ 0', 0),
  latestReviewId: f.id('latestReviewId'),
  latestOutcome: f.oneOf('latestOutcome', ReviewOutcomes),
  latestReviewerMsp: f.mspId('latestReviewerMsp'),
  latestAt: f.timestamp('latestAt'),
  ...stamp(f),
}));

export const TrainingExclusionType: RecordType<TrainingExclusionRecord> = recordType('trainingExclusion', (f) => ({
  docType: 'trainingExclusion',
  dataId: f.id('dataId'),
  reviewId: f.id('reviewId'),
  ownerMsp: f.mspId('ownerMsp'),
  ...stamp(f),
}));
