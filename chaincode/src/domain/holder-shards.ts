import { createHash } from 'node:crypto';

/**
 * A rights holder's credited amount in a currency is spread over a fixed number of shard keys, so that
 * revenue reports on different subjects paying the same holder (a studio paid on many of its own
 * outputs) write different keys and commit side by side instead of serialising on one balance key.
 * The shard of a payout comes from the transaction ID alone: every endorser computes the same shard,
 * and a retried proposal (a new transaction ID) may land on another one.
 */

/** Shards per (org, holder, currency). Reads of a balance cost this many point reads (one message). */
export const HOLDER_CREDIT_SHARDS = 16;

/** The shard a transaction's holder payouts go to: first byte of SHA-256(txId) mod {@link HOLDER_CREDIT_SHARDS}. */
export function holderShard(txId: string): number {
  const first = createHash('sha256').update(txId, 'utf8').digest()[0] as number;
  return first % HOLDER_CREDIT_SHARDS;
}

/** The shard as a key attribute: two decimal digits, so keys sort in shard order. */
export function shardAttribute(shard: number): string {
  if (!Number.isInteger(shard) || shard < 0 || shard >= HOLDER_CREDIT_SHARDS)
    throw new Error(`holder shard out of range: ${String(shard)}`);
  return String(shard).padStart(2, '0');
}

/** Every shard number, in order. */
export function allShards(): number[] {
  return Array.from({ length: HOLDER_CREDIT_SHARDS }, (_, shard) => shard);
}
