import { EMPTY_FRONTIER, type Frontier, isValidFrontier } from '../shared/merkle';
import { CLIENT_REF_PATTERN, Fields, type Issue, isId, isNonNegativeInteger, isPlainObject } from '../shared/validate';

/**
 * The provenance records kept on the ledger (DESIGN §3), their JSON shapes and their validators.
 * Every record carries `docType`, the creating MSP (`createdBy`) and the transaction time
 * (`createdAt`); records that change also carry `updatedBy`/`updatedAt`. All are stored as sorted-key
 * JSON (shared/codec) and validated both before they are written and when they are read back.
 * Key layout: ledger/keys.ts.
 */

/** Longest reason (revocation, dispute) a record keeps. */
export const MAX_REASON_LENGTH = 1024;

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
} as const;

/** Who wrote a record and when (transaction time, RFC 3339 UTC). */
export interface Stamp {
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedBy?: string;
  readonly updatedAt?: string;
  /** The API client of the org that wrote this version (set by `writeRecord` from the transient map). */
  readonly actingClient?: string;
}

/** Public part of licence terms. Confidential commercial details live in the `termsCommercial` collection. */
export interface TermsRecord extends Stamp {
  readonly docType: 'terms';
  readonly termsId: string;
  readonly issuerMsp: string;
  readonly aiTraining: boolean;
  readonly commercialUse: boolean;
  readonly derivatives: boolean;
  readonly attribution: boolean;
  readonly territory: string;
  /** Inclusive start of validity. */
  readonly validFrom: string;
  /** Exclusive end of validity; absent: open-ended. */
  readonly validUntil?: string;
  /** Share of a model's revenue that goes to the data pool, in basis points. */
  readonly dataPoolShareBps: number;
  /** SHA-256 of the full legal text kept in the vault. */
  readonly legalTextDigest: string;
  /** SHA-256 of the canonical bytes of the private commercial details, when there are any. */
  readonly commercialDigest?: string;
  /** 1 for the published terms, +1 for each amendment; absent on records from before versions: 1. */
  readonly version?: number;
  /** `withdrawn` terms allow no new use (training, registration, offers, grant uses); absent: active. */
  readonly status?: (typeof TermsStatuses)[number];
  readonly withdrawnReason?: string;
}

export const TermsStatuses = ['active', 'withdrawn'] as const;

/** Private commercial details of terms (collection `termsCommercial`, key = the terms key). */
export interface TermsCommercialRecord extends Stamp {
  readonly docType: 'termsCommercial';
  readonly termsId: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** A pseudonymous data provider; its real-world identity stays with its managing org. */
export interface ProviderRecord extends Stamp {
  readonly docType: 'provider';
  readonly providerId: string;
  readonly managingMsp: string;
  readonly payoutRefDigest: string;
}

export const DataStatuses = ['active', 'consent-revoked', 'disputed'] as const;
export type DataStatus = (typeof DataStatuses)[number];

/** One training-data item: identifiers and digests only, never the content. */
export interface DataRecord extends Stamp {
  readonly docType: 'data';
  readonly dataId: string;
  readonly providerId: string;
  readonly collectorMsp: string;
  readonly termsId: string;
  readonly contentDigest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly status: DataStatus;
  /** Why the status last changed (revocation or dispute reason). */
  readonly statusReason?: string;
}

/** Digest index entry: which data item holds these bytes. */
export interface DataDigestRecord extends Stamp {
  readonly docType: 'dataDigest';
  readonly contentDigest: string;
  readonly dataId: string;
}

export const ModelStatuses = ['training', 'sealed', 'revoked'] as const;
export type ModelStatus = (typeof ModelStatuses)[number];

/**
 * A model and its training manifest. While `training`, batches of strictly increasing dataIds are
 * folded into `frontier` (RFC 6962, see shared/merkle); `Seal` freezes `trainingRoot` (= root of the
 * frontier) and `trainingSize`. A revoked model keeps its root if it had been sealed (`sealedAt`).
 */
export interface ModelRecord extends Stamp {
  readonly docType: 'model';
  readonly modelId: string;
  readonly ownerMsp: string;
  readonly baseModelId?: string;
  /** Number of base models above this one (0 for a model without a base). */
  readonly lineageDepth: number;
  readonly status: ModelStatus;
  readonly frontier: Frontier;
  /** Number of training items attested so far (= frontier.size). */
  readonly trainingSize: number;
  /** The greatest dataId attested so far: the next batch must start after it. */
  readonly lastDataId?: string;
  readonly batchCount: number;
  /** Number of distinct providers among the training items. */
  readonly providerCount: number;
  /**
   * The data-pool share royalties use for this model: the minimum `dataPoolShareBps` over the terms
   * of every attested item (the strictest terms bind the whole pool). Absent until the first batch.
   */
  readonly dataPoolShareBps?: number;
  /** Lowercase hex RFC 6962 root of the training set; set by `Seal`. */
  readonly trainingRoot?: string;
  readonly sealedAt?: string;
  readonly revokedAt?: string;
  readonly revokedReason?: string;
  /** The grant on another org's base model that allowed fine-tuning from it. */
  readonly baseGrantId?: string;
  /** The dataset grants that allowed training on other orgs' data, sorted. */
  readonly trainingGrantIds?: readonly string[];
  /**
   * Whether every terms its training data (and its base model's) was used under allow commercial use /
   * derivatives: the strictest terms bind the model. Absent until something was attested.
   */
  readonly commercialUse?: boolean;
  readonly derivatives?: boolean;
  /** Number of versions (artifacts + recipe bound to the training root) registered; absent: none. */
  readonly versionCount?: number;
}

/** Usage of one data item by one model (key: dataId, modelId). */
export interface UsageRecord extends Stamp {
  readonly docType: 'usage';
  readonly dataId: string;
  readonly modelId: string;
  readonly providerId: string;
  readonly termsId: string;
  /** Zero-based leaf index of the dataId in the model's training tree. */
  readonly index: number;
  /** The version of the terms in force when the item was attested. */
  readonly termsVersion?: number;
  /** The dataset grant that allowed the use, when another org collected the item. */
  readonly grantId?: string;
}

/** Value of a training-set entry (key: modelId, dataId): the leaf index. An index entry, not a record. */
export interface TrainingEntry {
  readonly index: number;
}

/** Number of a model's training items that come from one provider (royalties weigh by it). */
export interface ModelProviderCountRecord extends Stamp {
  readonly docType: 'modelProviderCount';
  readonly modelId: string;
  readonly providerId: string;
  readonly count: number;
}

/** Number of a model's training items under one licence terms. */
export interface ModelTermsCountRecord extends Stamp {
  readonly docType: 'modelTermsCount';
  readonly modelId: string;
  readonly termsId: string;
  readonly count: number;
  /** The versions of the terms the items were attested under, ascending. */
  readonly versions?: readonly number[];
}

export const FlagStatuses = ['consent-revoked', 'disputed'] as const;
export type FlagStatus = (typeof FlagStatuses)[number];

/** A training item of a model whose consent was revoked, or which is disputed, after it was attested. */
export interface ModelFlagRecord extends Stamp {
  readonly docType: 'modelFlag';
  readonly modelId: string;
  readonly dataId: string;
  readonly providerId: string;
  readonly status: FlagStatus;
  readonly reason: string;
}

/** Counts of a model's flagged training items, kept so verification never scans the flags. */
export interface ModelFlagCountRecord extends Stamp {
  readonly docType: 'modelFlagCount';
  readonly modelId: string;
  readonly consentRevoked: number;
  readonly disputed: number;
}

/** A generated output: minimal on chain, details in the vault. */
export interface OutputRecord extends Stamp {
  readonly docType: 'output';
  readonly outputId: string;
  readonly modelId: string;
  readonly ownerMsp: string;
  readonly contentDigest: string;
  readonly mediaType: string;
  readonly rightsIds: readonly string[];
  /** The grant on another org's model this output rests on. */
  readonly grantId?: string;
  /** The model version that generated it (required once the model has versions). */
  readonly modelVersion?: number;
  /** SHA-256 of the canonical generation record kept in the owner's vault (shared/generation). */
  readonly generationDigest?: string;
}

/**
 * A dataset: a named set of data items whose membership the chaincode checks (`datasetMember` keys).
 * Owned by the org that registered it: a studio groups items it collected, a licensor items
 * collected under its terms. Licences on a dataset cover its members.
 */
export interface DatasetRecord extends Stamp {
  readonly docType: 'dataset';
  readonly datasetId: string;
  readonly ownerMsp: string;
  readonly itemCount: number;
}

/**
 * Flags still to write after a data item's status changed: the models past the first `done` that used
 * it (in modelId order) have not been reconciled with `status` yet (`data:PropagateFlags` continues).
 */
export interface FlagSyncRecord extends Stamp {
  readonly docType: 'flagSync';
  readonly dataId: string;
  readonly status: DataStatus;
  readonly reason: string;
  readonly done: number;
}

/** Output digest index entry. */
export interface OutputDigestRecord extends Stamp {
  readonly docType: 'outputDigest';
  readonly contentDigest: string;
  readonly outputId: string;
}

/**
 * How to validate one kind of record: `parse` returns the record typed, plus every issue found
 * (an empty list means valid).
 */
export interface RecordType<T> {
  readonly docType: string;
  parse(value: unknown): { readonly record: T; readonly issues: readonly Issue[] };
}

/** A record type whose reader checks `docType` and collects every field issue (shared by all record families). */
export function recordType<T>(docType: string, read: (f: Fields) => T): RecordType<T> {
  return {
    docType,
    parse(value: unknown) {
      const f = new Fields(value);
      f.oneOf('docType', [docType]);
      const record = read(f);
      return { record, issues: f.collect() };
    },
  };
}

const isClientRef = (v: unknown): v is string => typeof v === 'string' && CLIENT_REF_PATTERN.test(v);

/** Reads the creating/updating MSP and transaction times every record carries. */
export function stamp(f: Fields): Stamp {
  return {
    createdBy: f.mspId('createdBy'),
    createdAt: f.timestamp('createdAt'),
    updatedBy: f.mspId('updatedBy', { optional: true }),
    updatedAt: f.timestamp('updatedAt', { optional: true }),
    actingClient: f.check('actingClient', isClientRef, `must match ${CLIENT_REF_PATTERN.source}`, '', { optional: true }),
  };
}

const isCount = (v: unknown): v is number => isNonNegativeInteger(v);
const isTermsStatus = (v: unknown): v is (typeof TermsStatuses)[number] => v === 'active' || v === 'withdrawn';
const isVersionList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length <= 1000 && v.every((n, i) => Number.isSafeInteger(n) && (n as number) >= 1 && (i === 0 || (n as number) > (v[i - 1] as number)));

/** Most dataset grants one model's training may rest on. */
export const MAX_TRAINING_GRANTS = 16;
const isGrantIdList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length >= 1 && v.length <= MAX_TRAINING_GRANTS && v.every((id, i) => isId(id) && (i === 0 || (v[i - 1] as string) < id));

export const TermsType: RecordType<TermsRecord> = recordType('terms', (f) => ({
  docType: 'terms',
  termsId: f.id('termsId'),
  issuerMsp: f.mspId('issuerMsp'),
  aiTraining: f.boolean('aiTraining'),
  commercialUse: f.boolean('commercialUse'),
  derivatives: f.boolean('derivatives'),
  attribution: f.boolean('attribution'),
  territory: f.text('territory', 64),
  validFrom: f.timestamp('validFrom'),
  validUntil: f.timestamp('validUntil', { optional: true }),
  dataPoolShareBps: f.bps('dataPoolShareBps'),
  legalTextDigest: f.digest('legalTextDigest'),
  commercialDigest: f.digest('commercialDigest', { optional: true }),
  version: f.integer('version', 1, Number.MAX_SAFE_INTEGER, { optional: true }),
  status: f.check('status', isTermsStatus, 'must be active or withdrawn', 'active', { optional: true }),
  withdrawnReason: f.text('withdrawnReason', MAX_REASON_LENGTH, { optional: true }),
  ...stamp(f),
}));

export const TermsCommercialType: RecordType<TermsCommercialRecord> = recordType('termsCommercial', (f) => ({
  docType: 'termsCommercial',
  termsId: f.id('termsId'),
  details: f.check('details', isPlainObject, 'must be a JSON object', {}),
  ...stamp(f),
}));

export const ProviderType: RecordType<ProviderRecord> = recordType('provider', (f) => ({
  docType: 'provider',
  providerId: f.id('providerId'),
  managingMsp: f.mspId('managingMsp'),
  payoutRefDigest: f.digest('payoutRefDigest'),
  ...stamp(f),
}));

export const DataType: RecordType<DataRecord> = recordType('data', (f) => ({
  docType: 'data',
  dataId: f.id('dataId'),
  providerId: f.id('providerId'),
  collectorMsp: f.mspId('collectorMsp'),
  termsId: f.id('termsId'),
  contentDigest: f.digest('contentDigest'),
  mediaType: f.mediaType('mediaType'),
  size: f.size('size'),
  status: f.oneOf('status', DataStatuses),
  statusReason: f.text('statusReason', MAX_REASON_LENGTH, { optional: true }),
  ...stamp(f),
}));

export const DataDigestType: RecordType<DataDigestRecord> = recordType('dataDigest', (f) => ({
  docType: 'dataDigest',
  contentDigest: f.digest('contentDigest'),
  dataId: f.id('dataId'),
  ...stamp(f),
}));

export const ModelType: RecordType<ModelRecord> = recordType('model', (f) => ({
  docType: 'model',
  modelId: f.id('modelId'),
  ownerMsp: f.mspId('ownerMsp'),
  baseModelId: f.id('baseModelId', { optional: true }),
  lineageDepth: f.check('lineageDepth', isCount, 'must be an integer ≥ 0', 0),
  status: f.oneOf('status', ModelStatuses),
  frontier: f.check('frontier', isValidFrontier, 'must be a Merkle frontier { nodes, size }', EMPTY_FRONTIER),
  trainingSize: f.check('trainingSize', isCount, 'must be an integer ≥ 0', 0),
  lastDataId: f.id('lastDataId', { optional: true }),
  batchCount: f.check('batchCount', isCount, 'must be an integer ≥ 0', 0),
  providerCount: f.check('providerCount', isCount, 'must be an integer ≥ 0', 0),
  dataPoolShareBps: f.bps('dataPoolShareBps', { optional: true }),
  trainingRoot: f.digest('trainingRoot', { optional: true }),
  sealedAt: f.timestamp('sealedAt', { optional: true }),
  revokedAt: f.timestamp('revokedAt', { optional: true }),
  revokedReason: f.text('revokedReason', MAX_REASON_LENGTH, { optional: true }),
  baseGrantId: f.id('baseGrantId', { optional: true }),
  trainingGrantIds: f.check('trainingGrantIds', isGrantIdList, `must be 1..${MAX_TRAINING_GRANTS} distinct sorted IDs`, [], { optional: true }),
  commercialUse: f.boolean('commercialUse', { optional: true }),
  derivatives: f.boolean('derivatives', { optional: true }),
  versionCount: f.check('versionCount', isCount, 'must be an integer ≥ 0', 0, { optional: true }),
  ...stamp(f),
}));

export const UsageType: RecordType<UsageRecord> = recordType('usage', (f) => ({
  docType: 'usage',
  dataId: f.id('dataId'),
  modelId: f.id('modelId'),
  providerId: f.id('providerId'),
  termsId: f.id('termsId'),
  index: f.check('index', isCount, 'must be an integer ≥ 0', 0),
  termsVersion: f.integer('termsVersion', 1, Number.MAX_SAFE_INTEGER, { optional: true }),
  grantId: f.id('grantId', { optional: true }),
  ...stamp(f),
}));

export const ModelProviderCountType: RecordType<ModelProviderCountRecord> = recordType('modelProviderCount', (f) => ({
  docType: 'modelProviderCount',
  modelId: f.id('modelId'),
  providerId: f.id('providerId'),
  count: f.check('count', isCount, 'must be an integer ≥ 0', 0),
  ...stamp(f),
}));

export const ModelTermsCountType: RecordType<ModelTermsCountRecord> = recordType('modelTermsCount', (f) => ({
  docType: 'modelTermsCount',
  modelId: f.id('modelId'),
  termsId: f.id('termsId'),
  count: f.check('count', isCount, 'must be an integer ≥ 0', 0),
  versions: f.check('versions', isVersionList, 'must be ascending versions', [], { optional: true }),
  ...stamp(f),
}));

export const ModelFlagType: RecordType<ModelFlagRecord> = recordType('modelFlag', (f) => ({
  docType: 'modelFlag',
  modelId: f.id('modelId'),
  dataId: f.id('dataId'),
  providerId: f.id('providerId'),
  status: f.oneOf('status', FlagStatuses),
  reason: f.text('reason', MAX_REASON_LENGTH),
  ...stamp(f),
}));

export const ModelFlagCountType: RecordType<ModelFlagCountRecord> = recordType('modelFlagCount', (f) => ({
  docType: 'modelFlagCount',
  modelId: f.id('modelId'),
  consentRevoked: f.check('consentRevoked', isCount, 'must be an integer ≥ 0', 0),
  disputed: f.check('disputed', isCount, 'must be an integer ≥ 0', 0),
  ...stamp(f),
}));

export const OutputType: RecordType<OutputRecord> = recordType('output', (f) => ({
  docType: 'output',
  outputId: f.id('outputId'),
  modelId: f.id('modelId'),
  ownerMsp: f.mspId('ownerMsp'),
  contentDigest: f.digest('contentDigest'),
  mediaType: f.mediaType('mediaType'),
  rightsIds: f.idList('rightsIds', 0, 100, { unique: true }),
  grantId: f.id('grantId', { optional: true }),
  modelVersion: f.integer('modelVersion', 1, Number.MAX_SAFE_INTEGER, { optional: true }),
  generationDigest: f.digest('generationDigest', { optional: true }),
  ...stamp(f),
}));

export const OutputDigestType: RecordType<OutputDigestRecord> = recordType('outputDigest', (f) => ({
  docType: 'outputDigest',
  contentDigest: f.digest('contentDigest'),
  outputId: f.id('outputId'),
  ...stamp(f),
}));

export const DatasetType: RecordType<DatasetRecord> = recordType('dataset', (f) => ({
  docType: 'dataset',
  datasetId: f.id('datasetId'),
  ownerMsp: f.mspId('ownerMsp'),
  itemCount: f.check('itemCount', isCount, 'must be an integer ≥ 0', 0),
  ...stamp(f),
}));

export const FlagSyncType: RecordType<FlagSyncRecord> = recordType('flagSync', (f) => ({
  docType: 'flagSync',
  dataId: f.id('dataId'),
  status: f.oneOf('status', DataStatuses),
  reason: f.text('reason', MAX_REASON_LENGTH),
  done: f.check('done', isCount, 'must be an integer ≥ 0', 0),
  ...stamp(f),
}));
