import * as R from '../shared/records';
import { recordType } from './records';

/**
 * Records that make models and outputs reproducible and reviewable: model versions (artifact and
 * recipe digests bound to the training root), the artifact-digest index, quality reviews of outputs and
 * data items, their per-subject summaries, and training exclusions. Validated on write and on read like
 * every record; schemas and types in shared/records. Key layout: ledger/repro-keys.ts.
 */

export const ReproDocTypes = {
  modelVersion: 'modelVersion',
  modelArtifact: 'modelArtifact',
  review: 'review',
  reviewSummary: 'reviewSummary',
  trainingExclusion: 'trainingExclusion',
} as const;

export {
  MAX_MODEL_VERSIONS,
  MAX_VERSION_LABEL,
  REVIEW_SUBJECT_TYPES,
  ReviewCategories,
  ReviewOutcomes,
  VersionStatuses,
  type ModelArtifactRecord,
  type ModelVersionRecord,
  type ReviewCategory,
  type ReviewOutcome,
  type ReviewRecord,
  type ReviewSubjectType,
  type ReviewSummaryRecord,
  type TrainingExclusionRecord,
  type VersionStatus,
} from '../shared/records';

export const ModelVersionType = recordType(ReproDocTypes.modelVersion, R.ModelVersionRecord);
export const ModelArtifactType = recordType(ReproDocTypes.modelArtifact, R.ModelArtifactRecord);
export const ReviewType = recordType(ReproDocTypes.review, R.ReviewRecord);
export const ReviewSummaryType = recordType(ReproDocTypes.reviewSummary, R.ReviewSummaryRecord);
export const TrainingExclusionType = recordType(ReproDocTypes.trainingExclusion, R.TrainingExclusionRecord);
