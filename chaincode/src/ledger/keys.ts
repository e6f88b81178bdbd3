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
 */

const SEPARATOR = '\u0000';
const MAX_RUNE = '\u{10FFFF}';

/** Object types of the provenance keys. */
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
} as const;
