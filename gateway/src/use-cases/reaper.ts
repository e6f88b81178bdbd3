import { AppError } from '../errors';
import type { Ledger } from '../fabric/ledger';
import { ledgerReader, type LedgerReader } from '../ledger/client';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { StagedRecord, StagingRef, Vault } from '../vault/vault';

/**
 * Settles staged uploads abandoned by a crash or left after an unknown ledger outcome: an upload whose
 * record is on the ledger with the same digest is promoted, any other is discarded. When the ledger
 * cannot be asked, nothing is decided (the upload waits for the next round).
 */

/** The digest of an uploaded object as its ledger record holds it. */
const DIGEST_ON_LEDGER: Readonly<Record<StagingRef['kind'], (reader: LedgerReader, id: string) => Promise<string>>> = {
  data: async (reader, id) => (await reader.data.get(id)).contentDigest,
  output: async (reader, id) => (await reader.outputs.get(id)).contentDigest,
  terms: async (reader, id) => (await reader.terms.get(id)).legalTextDigest,
};

/** Whether the ledger holds the record a staged upload was for, with the same digest. */
export async function isCommitted(ledger: Ledger, record: StagedRecord): Promise<boolean> {
  if (record.digest === undefined) return false;
  try {
    return (await DIGEST_ON_LEDGER[record.ref.kind](ledgerReader(ledger), record.ref.id)) === record.digest;
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return false;
    throw error;
  }
}

export interface ReaperDeps {
  vault: Vault;
  ledger: Ledger;
  metrics: Metrics;
  logger: Logger;
  maxAgeMs: number;
}

/** One pass of the reaper; returns how many uploads it promoted and discarded. */
export async function reapStaging(deps: ReaperDeps, now = Date.now()): Promise<{ promoted: number; discarded: number; skipped: number }> {
  const counts = { promoted: 0, discarded: 0, skipped: 0 };
  for (const record of await deps.vault.listStaged(new Date(now - deps.maxAgeMs))) {
    let committed: boolean;
    try {
      committed = await isCommitted(deps.ledger, record);
    } catch (error) {
      counts.skipped += 1;
      deps.logger.warn('reaper: ledger unavailable, upload left for the next round', { key: record.key, error: String(error) });
      continue;
    }
    await deps.vault.settleStaged(record, committed);
    const outcome = committed ? 'promoted' : 'discarded';
    counts[outcome] += 1;
    deps.metrics.reaped.inc({ outcome });
    deps.logger.info(`reaper: staged upload ${outcome}`, { key: record.key, ref: record.ref });
  }
  return counts;
}
