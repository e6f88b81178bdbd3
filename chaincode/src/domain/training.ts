import { compareIds } from '../shared/merkle';

import type { DataRecord, TermsRecord } from '../shared/records';
import { trainingRefusal } from './terms';

/**
 * Rules of training batches (`models:AttestTrainingBatch`), pure so they can be tested without a
 * ledger: ordering across batches, the per-item checks, and the per-provider / per-terms tallies.
 */

/** Most dataIds in one training batch. */
export { MAX_TRAINING_BATCH } from '../shared/requests';

/**
 * Every id that breaks the strict increase in UTF-8 byte order (the Merkle leaf order), within the
 * batch and relative to the last id of the previous batches.
 * @returns one message per offending id, empty when the order is right.
 */
export function orderingProblems(dataIds: readonly string[], lastDataId: string | undefined): string[] {
  const problems: string[] = [];
  let previous = lastDataId;
  dataIds.forEach((id, i) => {
    if (previous !== undefined && compareIds(previous, id) >= 0) {
      const where = i === 0 ? 'the last id of the previous batches' : `dataIds[${i - 1}]`;
      problems.push(`dataIds[${i}] ${id} does not sort after ${where} ${previous}`);
    }
    previous = id;
  });
  return problems;
}

/** What the ledger holds about one id of a batch. */
export interface BatchItem {
  readonly dataId: string;
  readonly data: DataRecord | undefined;
  /** The data item's terms; `undefined` when the item is missing or its terms are. */
  readonly terms: TermsRecord | undefined;
  /** The rejected review on whose strength the owner excluded the item from training, if it did. */
  readonly excludedAfterReview?: string;
}

/** The problems of a batch, by kind; every offending id appears. */
export interface BatchProblems {
  /** dataIds that are not registered. */
  readonly missing: readonly string[];
  /** `dataId: why`, for items that exist but may not be trained on now. */
  readonly refused: readonly string[];
}

/**
 * Checks every item: it exists, its status is `active`, its owner has not excluded it from training,
 * and its terms allow AI training at `atMs`.
 */
export function checkBatchItems(items: readonly BatchItem[], atMs: number): BatchProblems {
  const missing: string[] = [];
  const refused: string[] = [];
  for (const { dataId, data, terms, excludedAfterReview } of items) {
    if (data === undefined) {
      missing.push(dataId);
    } else if (data.status !== 'active') {
      refused.push(`${dataId}: status is ${data.status}`);
    } else if (excludedAfterReview !== undefined) {
      refused.push(`${dataId}: excluded from training by its owner after review ${excludedAfterReview}`);
    } else if (terms === undefined) {
      refused.push(`${dataId}: terms ${data.termsId} do not exist`);
    } else {
      const why = trainingRefusal(terms, atMs);
      if (why !== undefined) refused.push(`${dataId}: ${why}`);
    }
  }
  return { missing, refused };
}

/**
 * Counts occurrences of each key, returned in ascending key order (so writes and event payloads
 * are produced in one deterministic order).
 */
export function tally(keys: Iterable<string>): [string, number][] {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => compareIds(a, b));
}

/**
 * The data-pool share a model's royalties use: the minimum over the terms of all its items (the
 * strictest terms bind the pool), folding a batch's terms into the model's current value.
 */
export function poolShareBps(current: number | undefined, termsShares: Iterable<number>): number | undefined {
  let result = current;
  for (const bps of termsShares) result = result === undefined ? bps : Math.min(result, bps);
  return result;
}
