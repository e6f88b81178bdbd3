import type { Context } from 'fabric-contract-api';

import { formatTime } from '../shared/validate';

/**
 * Transaction time. Every endorsing peer sees the same proposal timestamp, so records built from it
 * are byte-identical across peers; the wall clock is never read.
 */

/** The transaction's timestamp (from the proposal header) in epoch milliseconds. */
export function txTimeMs(ctx: Context): number {
  const { seconds, nanos } = ctx.stub.getTxTimestamp();
  return Number(seconds.toString()) * 1000 + Math.floor(nanos / 1_000_000);
}

/** The transaction's timestamp as stored on the ledger: RFC 3339, UTC, milliseconds. */
export function txTime(ctx: Context): string {
  return formatTime(txTimeMs(ctx));
}
