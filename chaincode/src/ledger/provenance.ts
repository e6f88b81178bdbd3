import type { ModelFacts } from '../domain/lineage';
import {
  FlagSyncType,
  ModelFlagType,
  type ModelFlagCountRecord,
  ModelFlagCountType,
  type ModelProviderCountRecord,
  ModelProviderCountType,
  type ModelRecord,
  ModelType,
} from './records';

import type { KisekiContext } from './context';
import { Keys, KeyTypes } from './keys';
import { decodeEntries, keyExists, readAll, readRecord, requireRecord } from './state';

/**
 * Reads of provenance state that several contracts need (outputs, and the royalty contracts that
 * weigh providers by their items in a model). Each read goes through the per-transaction cache.
 */

/** Longest lineage chain: a model and at most this many base models above it. */
export const MAX_LINEAGE_DEPTH = 15;

/**
 * The model record.
 * @throws KisekiError `NOT_FOUND` when there is no such model.
 */
export function requireModel(ctx: KisekiContext, modelId: string): Promise<ModelRecord> {
  return requireRecord(ctx, Keys.model(modelId), ModelType, `model ${modelId}`);
}

/** The model record, or `undefined`. */
export function readModel(ctx: KisekiContext, modelId: string): Promise<ModelRecord | undefined> {
  return readRecord(ctx, Keys.model(modelId), ModelType);
}

/**
 * How many of a model's training items come from a provider (0 when none). Written by
 * `models:AttestTrainingBatch` under `modelProviderCount` (modelId, providerId); final once the model
 * is sealed, when the counts of all providers add up to the model's `trainingSize`.
 */
export async function modelProviderCount(ctx: KisekiContext, modelId: string, providerId: string): Promise<number> {
  const record = await readModelProviderCount(ctx, modelId, providerId);
  return record?.count ?? 0;
}

/** The `modelProviderCount` record of (model, provider), or `undefined`. */
export function readModelProviderCount(
  ctx: KisekiContext,
  modelId: string,
  providerId: string,
): Promise<ModelProviderCountRecord | undefined> {
  return readRecord(ctx, Keys.modelProviderCount(modelId, providerId), ModelProviderCountType);
}

/** The flag counts of a model (zeros when none was ever flagged). */
export async function modelFlagCounts(
  ctx: KisekiContext,
  modelId: string,
): Promise<{ consentRevoked: number; disputed: number; record: ModelFlagCountRecord | undefined }> {
  const record = await readRecord(ctx, Keys.modelFlagCount(modelId), ModelFlagCountType);
  return { consentRevoked: record?.consentRevoked ?? 0, disputed: record?.disputed ?? 0, record };
}

/** One model of a lineage chain: its record (when it exists) and its facts for the judgement. */
export interface LineageLink {
  readonly facts: ModelFacts;
  readonly model: ModelRecord | undefined;
}

/**
 * The lineage chain of a model: the model, then its base, its base's base, … (at most
 * {@link MAX_LINEAGE_DEPTH} + 1 links, which registration guarantees). A missing record ends the
 * chain with a link whose status is `undefined`.
 */
export async function readLineage(ctx: KisekiContext, modelId: string): Promise<LineageLink[]> {
  const chain: LineageLink[] = [];
  // Status changes whose flags are not all written yet count here, for the models that used the item.
  const { entries, more } = await readAll(ctx, KeyTypes.flagSync, [], MAX_PENDING_FLAG_SYNCS);
  const pending = decodeEntries(entries, FlagSyncType);
  let next: string | undefined = modelId;
  while (next !== undefined && chain.length <= MAX_LINEAGE_DEPTH) {
    const model = await readModel(ctx, next);
    const flags = await modelFlagCounts(ctx, next);
    let { consentRevoked, disputed } = flags;
    for (const sync of pending) {
      if (!(await keyExists(ctx, Keys.trainingSet(next, sync.dataId)))) continue;
      const written = (await readRecord(ctx, Keys.modelFlag(next, sync.dataId), ModelFlagType))?.status;
      if (written === 'consent-revoked') consentRevoked -= 1;
      if (written === 'disputed') disputed -= 1;
      if (sync.status === 'consent-revoked') consentRevoked += 1;
      if (sync.status === 'disputed') disputed += 1;
    }
    chain.push({
      model,
      facts: { modelId: next, status: model?.status, consentRevoked, disputed, ...(more && { flagsUnknown: true }) },
    });
    next = model?.baseModelId;
  }
  return chain;
}

/**
 * Most pending flag propagations the lineage judgement reads; beyond it a lineage is judged
 * `flagged` (unknown) until `data:PropagateFlags` has caught up.
 */
export const MAX_PENDING_FLAG_SYNCS = 256;
