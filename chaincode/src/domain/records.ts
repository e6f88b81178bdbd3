import * as R from '../shared/records';
import { check, type z } from '../shared/schema';
import type { Issue } from '../shared/validate';

/**
 * The provenance records kept on the ledger (DESIGN §3): their schemas and types live in
 * shared/records; this module binds each to its docType for ledger/state.
 * Every record carries `docType`, the creating MSP (`createdBy`) and the transaction time
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
} as const;

export {
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
export const TermsCommercialType = recordType('termsCommercial', R.TermsCommercialRecord);
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
