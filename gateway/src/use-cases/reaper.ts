import { AppError } from '../errors';
import type { Ledger } from '../fabric/ledger';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { StagedRecord, StagingRef, Vault } from '../vault/vault';
import { ContractNames, Transactions } from '@kiseki/chaincode/shared/names';

/**
 * Settles staged uploads abandoned by a crash or left after an unknown ledger outcome: an upload whose
 * record is on the ledger with the same digest is promoted, any other is discarded. When the ledger
 * cannot be asked, nothing is decided (the upload waits for the next round).
 */

/** Where the digest of an uploaded object lives in its ledger record. */
const LOOKUPS: Readonly<Record<StagingRef['kind'], { contract: string; transaction: string; field: string }>> = {
  data: { contract: ContractNames.data, transaction: Transactions.data.Get, field: 'contentDigest' },
  output: { contract: ContractNames.outputs, transaction: Transactions.outputs.Get, field: 'contentDigest' },
  terms: { contract: ContractNames.terms, transaction: Transactions.terms.Get, field: 'legalTextDigest' },
};

/** Whether the ledger holds the record a staged upload was for, with the same digest. */
export async function isCommitted(ledger: Ledger, record: StagedRecord): Promise<boolean> {
  if (record.digest === undefined) return false;
  const lookup = LOOKUPS[record.ref.kind];
  try {
    const found = await ledger.evaluate(lookup.contract, lookup.transaction, [record.ref.id]);
    return found !== null && typeof found === 'object' && (found as Record<string, unknown>)[lookup.field] === record.digest;
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
