import { compositeKey } from './keys';

/**
 * Keys of model versions, quality reviews and training exclusions (records in domain/repro-records).
 *
 * | objectType          | attributes                                  | value                                  |
 * | ------------------- | ------------------------------------------- | -------------------------------------- |
 * | `modelVersion`      | modelId, version (4 digits, zero-padded)    | ModelVersionRecord                     |
 * | `modelArtifact`     | artifactDigest                              | ModelArtifactRecord (same weights → CONFLICT) |
 * | `review`            | reviewId                                    | ReviewRecord                           |
 * | `reviewBySubject`   | subjectType, subjectId, createdAt, reviewId | index marker — history in time order   |
 * | `reviewSummary`     | subjectType, subjectId                      | ReviewSummaryRecord (counts, latest)   |
 * | `trainingExclusion` | dataId                                      | TrainingExclusionRecord                |
 *
 * Versions are zero-padded so that a partial-key query lists them in version order; review history is
 * keyed by transaction time (RFC 3339 with milliseconds, which sorts as text) then reviewId.
 */
export const ReproKeyTypes = {
  modelVersion: 'modelVersion',
  modelArtifact: 'modelArtifact',
  review: 'review',
  reviewBySubject: 'reviewBySubject',
  reviewSummary: 'reviewSummary',
  trainingExclusion: 'trainingExclusion',
} as const;

/** The key attribute of a version number (1 → `0001`). */
export const versionAttribute = (version: number): string => String(version).padStart(4, '0');

export const ReproKeys = {
  modelVersion: (modelId: string, version: number): string =>
    compositeKey(ReproKeyTypes.modelVersion, [modelId, versionAttribute(version)]),
  modelArtifact: (artifactDigest: string): string => compositeKey(ReproKeyTypes.modelArtifact, [artifactDigest]),
  review: (reviewId: string): string => compositeKey(ReproKeyTypes.review, [reviewId]),
  reviewBySubject: (subjectType: string, subjectId: string, createdAt: string, reviewId: string): string =>
    compositeKey(ReproKeyTypes.reviewBySubject, [subjectType, subjectId, createdAt, reviewId]),
  reviewSummary: (subjectType: string, subjectId: string): string => compositeKey(ReproKeyTypes.reviewSummary, [subjectType, subjectId]),
  trainingExclusion: (dataId: string): string => compositeKey(ReproKeyTypes.trainingExclusion, [dataId]),
} as const;
