/**
 * Key layout of the provenance contracts. Every key is a Fabric composite key,
 * `U+0000 objectType U+0000 attr1 U+0000 attr2 U+0000 …`, built exactly as the Fabric shims build
 * them (so `getStateByPartialCompositeKey` finds them) but without a stub, so key logic stays pure.
 *
 * | objectType            | attributes              | value                                              |
 * | --------------------- | ----------------------- | -------------------------------------------------- |
 * | `terms`               | termsId                 | TermsRecord (public part)                          |
 * | `terms` (collection `termsCommercial`) | termsId | TermsCommercialRecord (private)                 |
 * | `provider`            | providerId              | ProviderRecord                                     |
 * | `data`                | dataId                  | DataRecord                                         |
 * | `dataDigest`          | contentDigest           | DataDigestRecord (same bytes twice → CONFLICT)     |
 * | `dataByProvider`      | providerId, dataId      | list marker, only with `listKeys` (see below)      |
 * | `dataByCollector`     | collectorMsp, dataId    | list marker, only with `listKeys`                  |
 * | `dataByTerms`         | termsId, dataId         | list marker, only with `listKeys`                  |
 * | `model`               | modelId                 | ModelRecord (status, frontier, last id, root)      |
 * | `trainingSet`         | modelId, dataId         | TrainingEntry `{ index }` — the model's leaves     |
 * | `usage`               | dataId, modelId         | UsageRecord — which models used a data item        |
 * | `modelProviderCount`  | modelId, providerId     | ModelProviderCountRecord `{ count }`               |
 * | `modelTermsCount`     | modelId, termsId        | ModelTermsCountRecord `{ count }`                  |
 * | `modelFlag`           | modelId, dataId         | ModelFlagRecord (revoked/disputed after training)  |
 * | `modelFlagCount`      | modelId                 | ModelFlagCountRecord `{ consentRevoked, disputed }`|
 * | `output`              | outputId                | OutputRecord                                       |
 * | `outputDigest`        | contentDigest           | OutputDigestRecord                                 |
 * | `dataset`             | datasetId               | DatasetRecord (owner, item count)                  |
 * | `datasetMember`       | datasetId, dataId       | index marker: the item belongs to the dataset      |
 * | `termsVersion`        | termsId, version (12 digits) | TermsRecord as it was at that version         |
 * | `flagSync`            | dataId                  | FlagSyncRecord: models still to flag after a status change |
 *
 * Rights, revenue and the licence market:
 *
 * | objectType           | attributes                                   | value                          |
 * | -------------------- | -------------------------------------------- | ------------------------------ |
 * | `rights`             | rightsId                                     | RightsRecord (key-level endorsement policy: holders' orgs + licensor) |
 * | `rightsSubject`      | subjectType, subjectId                       | RightsSubjectRecord (one rights record per subject) |
 * | `rightsTransfer`     | transferId                                   | RightsTransferRecord           |
 * | `pendingTransfer`    | subjectType, subjectId, currency, transferId | index marker: pending transfers with a revenue threshold on that subject |
 * | `subjectRevenue`     | subjectType, subjectId, currency             | SubjectRevenueRecord (cumulative revenue) |
 * | `revenue`            | recorderMsp, reference                       | RevenueRecord (a repeated reference → CONFLICT) |
 * | `royaltyPool`        | modelId, currency                            | RoyaltyPoolRecord (the per-model index) |
 * | `providerClaim`      | providerId, modelId, currency                | ProviderClaimRecord            |
 * | `providerModel`      | providerId, modelId                          | index marker: the models a provider's items trained |
 * | `holderCredit`       | mspId, holderId, currency, shard             | HolderCreditRecord (one of 16 shards of what revenue credited the holder) |
 * | `holderClaim`        | mspId, holderId, currency                    | HolderClaimRecord (what the holder claimed) |
 * | `settlement`         | settlementId                                 | SettlementRecord               |
 * | `offer`              | offerId                                      | OfferRecord                    |
 * | `grant`              | purchaseId                                   | GrantRecord                    |
 * | `access`             | holderMsp, assetType, assetId, accessId      | AccessRecord (a holder lists every access to its content by a partial key) |
 *
 * Model versions, quality reviews and training exclusions:
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
 *
 * Ordering: keys of one partial prefix come back in ascending byte order of their UTF-8 encoding.
 * For `trainingSet` (modelId) that is ascending dataId order, identical to the Merkle leaf order
 * (`compareIds`): every attribute is followed by U+0000, and an id never contains U+0000 (see
 * `ID_PATTERN`), so when one id is a prefix of another the shorter sorts first in both orders, and
 * otherwise the first differing byte decides in both. `ListTrainingIds` therefore pages the leaves in
 * order, and leaf i of a sealed model is the i-th key.
 *
 * List-only keys: a registered item writes its record and its digest key and nothing else, since no
 * rule reads a list of items; lists by provider, collector or terms come from each org's index of its
 * own blocks. The three `dataBy*` markers are written only by `data:RegisterBatch` with `listKeys: true`,
 * which keeps the earlier layout measurable beside the lean one (`npm run bench -- keys`).
 *
 * Hot keys: a data item's keys are written once at registration; the model record and its count
 * keys are written once per training batch (batches of one model are sequential by construction:
 * each continues after the previous one's last id). `modelFlagCount` changes only on revocations
 * and disputes.
 *
 * Write set of one revenue event: its revenue key, its subject's `subjectRevenue` key, one
 * `royaltyPool` key per lineage level (≤ 8), one `holderCredit` key per holder (≤ 32), and, for
 * each pending transfer that comes due (≤ 16), the transfer, its index marker and its rights key.
 * Nothing in it grows with the number of providers.
 *
 * A holder's balance in a currency is sharded: a revenue event credits each holder on the shard
 * `holderShard(txId)` (domain/holder-shards.ts: first byte of SHA-256 of the transaction ID, mod 16),
 * so reports on different subjects paying the same holder touch different keys (unless their
 * transaction IDs pick the same shard) and do not invalidate each other. The credited amount is the
 * sum of the shards, read with 16 point reads in one multi-key message; claims write only the
 * `holderClaim` key, never a shard, so a claim never invalidates a payout in flight (a payout
 * committed first does invalidate the claim, which read every shard).
 */

import { allShards, shardAttribute } from '../domain/holder-shards';

const SEPARATOR = '\u0000';
const MAX_RUNE = '\u{10FFFF}';

/** Object types of every key, one per row of the tables above. */
export const KeyTypes = {
  terms: 'terms',
  provider: 'provider',
  data: 'data',
  dataDigest: 'dataDigest',
  dataByProvider: 'dataByProvider',
  dataByCollector: 'dataByCollector',
  dataByTerms: 'dataByTerms',
  model: 'model',
  trainingSet: 'trainingSet',
  usage: 'usage',
  modelProviderCount: 'modelProviderCount',
  modelTermsCount: 'modelTermsCount',
  modelFlag: 'modelFlag',
  modelFlagCount: 'modelFlagCount',
  output: 'output',
  outputDigest: 'outputDigest',
  dataset: 'dataset',
  datasetMember: 'datasetMember',
  termsVersion: 'termsVersion',
  flagSync: 'flagSync',
  rights: 'rights',
  rightsSubject: 'rightsSubject',
  rightsTransfer: 'rightsTransfer',
  pendingTransfer: 'pendingTransfer',
  subjectRevenue: 'subjectRevenue',
  revenue: 'revenue',
  royaltyPool: 'royaltyPool',
  providerClaim: 'providerClaim',
  providerModel: 'providerModel',
  holderCredit: 'holderCredit',
  holderClaim: 'holderClaim',
  settlement: 'settlement',
  offer: 'offer',
  grant: 'grant',
  access: 'access',
  modelVersion: 'modelVersion',
  modelArtifact: 'modelArtifact',
  review: 'review',
  reviewBySubject: 'reviewBySubject',
  reviewSummary: 'reviewSummary',
  trainingExclusion: 'trainingExclusion',
} as const;
export type KeyType = (typeof KeyTypes)[keyof typeof KeyTypes];

function checkPart(part: string): void {
  if (typeof part !== 'string' || part.length === 0 || part.includes(SEPARATOR) || part.includes(MAX_RUNE)) {
    throw new Error(`composite key parts must be non-empty strings without U+0000 or U+10FFFF: ${JSON.stringify(part)}`);
  }
}

/**
 * A Fabric composite key, byte-identical to `stub.createCompositeKey(objectType, attributes)`.
 * @throws Error for an empty part or one holding U+0000 / U+10FFFF (never a valid ID).
 */
export function compositeKey(objectType: string, attributes: readonly string[]): string {
  checkPart(objectType);
  let key = SEPARATOR + objectType + SEPARATOR;
  for (const attribute of attributes) {
    checkPart(attribute);
    key += attribute + SEPARATOR;
  }
  return key;
}

/** Splits a composite key, like `stub.splitCompositeKey`. */
export function splitCompositeKey(key: string): { objectType: string; attributes: string[] } {
  if (key.length < 2 || !key.startsWith(SEPARATOR)) return { objectType: '', attributes: [] };
  const parts = key.slice(1).split(SEPARATOR);
  parts.pop();
  const [objectType = '', ...attributes] = parts;
  return { objectType, attributes };
}

/** The last attribute of a composite key (the id that a partial-key query enumerates). */
export function lastAttribute(key: string): string {
  const { attributes } = splitCompositeKey(key);
  const last = attributes[attributes.length - 1];
  if (last === undefined) throw new Error(`not a composite key with attributes: ${JSON.stringify(key)}`);
  return last;
}

/** Key builders, one per row of the layout table above. */
export const Keys = {
  terms: (termsId: string): string => compositeKey(KeyTypes.terms, [termsId]),
  provider: (providerId: string): string => compositeKey(KeyTypes.provider, [providerId]),
  data: (dataId: string): string => compositeKey(KeyTypes.data, [dataId]),
  dataDigest: (contentDigest: string): string => compositeKey(KeyTypes.dataDigest, [contentDigest]),
  dataByProvider: (providerId: string, dataId: string): string => compositeKey(KeyTypes.dataByProvider, [providerId, dataId]),
  dataByCollector: (mspId: string, dataId: string): string => compositeKey(KeyTypes.dataByCollector, [mspId, dataId]),
  dataByTerms: (termsId: string, dataId: string): string => compositeKey(KeyTypes.dataByTerms, [termsId, dataId]),
  model: (modelId: string): string => compositeKey(KeyTypes.model, [modelId]),
  trainingSet: (modelId: string, dataId: string): string => compositeKey(KeyTypes.trainingSet, [modelId, dataId]),
  usage: (dataId: string, modelId: string): string => compositeKey(KeyTypes.usage, [dataId, modelId]),
  /**
   * Per-(model, provider) training item count: `U+0000 modelProviderCount U+0000 modelId U+0000
   * providerId U+0000` → `ModelProviderCountRecord { count }`. Written by `models:AttestTrainingBatch`
   * (one read-modify-write per distinct provider per batch); frozen once the model is sealed. The
   * partial key (modelId) enumerates every provider of a model. Royalties weigh a provider's share of a
   * model's data pool by `count` out of the model's `trainingSize`.
   */
  modelProviderCount: (modelId: string, providerId: string): string => compositeKey(KeyTypes.modelProviderCount, [modelId, providerId]),
  modelTermsCount: (modelId: string, termsId: string): string => compositeKey(KeyTypes.modelTermsCount, [modelId, termsId]),
  modelFlag: (modelId: string, dataId: string): string => compositeKey(KeyTypes.modelFlag, [modelId, dataId]),
  modelFlagCount: (modelId: string): string => compositeKey(KeyTypes.modelFlagCount, [modelId]),
  output: (outputId: string): string => compositeKey(KeyTypes.output, [outputId]),
  outputDigest: (contentDigest: string): string => compositeKey(KeyTypes.outputDigest, [contentDigest]),
  dataset: (datasetId: string): string => compositeKey(KeyTypes.dataset, [datasetId]),
  datasetMember: (datasetId: string, dataId: string): string => compositeKey(KeyTypes.datasetMember, [datasetId, dataId]),
  flagSync: (dataId: string): string => compositeKey(KeyTypes.flagSync, [dataId]),
  /** Zero-padded so versions sort numerically. */
  termsVersion: (termsId: string, version: number): string =>
    compositeKey(KeyTypes.termsVersion, [termsId, String(version).padStart(12, '0')]),
  rights: (rightsId: string): string => compositeKey(KeyTypes.rights, [rightsId]),
  rightsSubject: (subjectType: string, subjectId: string): string => compositeKey(KeyTypes.rightsSubject, [subjectType, subjectId]),
  rightsTransfer: (transferId: string): string => compositeKey(KeyTypes.rightsTransfer, [transferId]),
  pendingTransfer: (subjectType: string, subjectId: string, currency: string, transferId: string): string =>
    compositeKey(KeyTypes.pendingTransfer, [subjectType, subjectId, currency, transferId]),
  subjectRevenue: (subjectType: string, subjectId: string, currency: string): string =>
    compositeKey(KeyTypes.subjectRevenue, [subjectType, subjectId, currency]),
  revenue: (recorderMsp: string, reference: string): string => compositeKey(KeyTypes.revenue, [recorderMsp, reference]),
  royaltyPool: (modelId: string, currency: string): string => compositeKey(KeyTypes.royaltyPool, [modelId, currency]),
  providerClaim: (providerId: string, modelId: string, currency: string): string =>
    compositeKey(KeyTypes.providerClaim, [providerId, modelId, currency]),
  providerModel: (providerId: string, modelId: string): string => compositeKey(KeyTypes.providerModel, [providerId, modelId]),
  holderCredit: (mspId: string, holderId: string, currency: string, shard: number): string =>
    compositeKey(KeyTypes.holderCredit, [mspId, holderId, currency, shardAttribute(shard)]),
  /** Every shard key of a holder's credit in a currency, in shard order. */
  holderCredits: (mspId: string, holderId: string, currency: string): string[] =>
    allShards().map((shard) => compositeKey(KeyTypes.holderCredit, [mspId, holderId, currency, shardAttribute(shard)])),
  holderClaim: (mspId: string, holderId: string, currency: string): string =>
    compositeKey(KeyTypes.holderClaim, [mspId, holderId, currency]),
  settlement: (settlementId: string): string => compositeKey(KeyTypes.settlement, [settlementId]),
  offer: (offerId: string): string => compositeKey(KeyTypes.offer, [offerId]),
  grant: (purchaseId: string): string => compositeKey(KeyTypes.grant, [purchaseId]),
  access: (holderMsp: string, assetType: string, assetId: string, accessId: string): string =>
    compositeKey(KeyTypes.access, [holderMsp, assetType, assetId, accessId]),
  modelVersion: (modelId: string, version: number): string => compositeKey(KeyTypes.modelVersion, [modelId, versionAttribute(version)]),
  modelArtifact: (artifactDigest: string): string => compositeKey(KeyTypes.modelArtifact, [artifactDigest]),
  review: (reviewId: string): string => compositeKey(KeyTypes.review, [reviewId]),
  reviewBySubject: (subjectType: string, subjectId: string, createdAt: string, reviewId: string): string =>
    compositeKey(KeyTypes.reviewBySubject, [subjectType, subjectId, createdAt, reviewId]),
  reviewSummary: (subjectType: string, subjectId: string): string => compositeKey(KeyTypes.reviewSummary, [subjectType, subjectId]),
  trainingExclusion: (dataId: string): string => compositeKey(KeyTypes.trainingExclusion, [dataId]),
} as const;

/** The key attribute of a model version number (1 → `0001`). */
export function versionAttribute(version: number): string {
  return String(version).padStart(4, '0');
}
