/**
 * The distribution rules of docs/royalties.md §1–2 written out again, apart from the chaincode's own
 * domain modules, so that tests on the real network compare the ledger with an independent
 * computation rather than with itself.
 */

const BPS = 10_000n;
/** Fixed-point scale of the per-item index (docs/royalties.md §2). */
export const INDEX_SCALE = 10n ** 18n;

/** A holder as the rights record lists it. */
export interface ExpectedHolder {
  readonly holderId: string;
  readonly mspId: string;
  readonly shareBps: number;
}

/** The data pool's cut of a revenue amount: floor(amount × share / 10000). */
export function poolCut(amount: bigint, dataPoolShareBps: number): bigint {
  return (amount * BigInt(dataPoolShareBps)) / BPS;
}

/**
 * Splits `rest` over holders by largest remainder: floor shares first, then one unit each to the
 * largest remainders, ties by ascending holderId. Returns holderId → amount.
 */
export function splitByShares(rest: bigint, holders: readonly ExpectedHolder[]): Map<string, bigint> {
  const rows = holders.map((holder) => {
    const exact = rest * BigInt(holder.shareBps);
    return { holderId: holder.holderId, amount: exact / BPS, remainder: exact % BPS };
  });
  let left = rest - rows.reduce((sum, row) => sum + row.amount, 0n);
  const order = [...rows].sort((a, b) =>
    a.remainder !== b.remainder ? (a.remainder > b.remainder ? -1 : 1) : a.holderId < b.holderId ? -1 : a.holderId > b.holderId ? 1 : 0,
  );
  for (const row of order) {
    if (left === 0n) break;
    row.amount += 1n;
    left -= 1n;
  }
  return new Map(rows.map((row) => [row.holderId, row.amount]));
}

/** A model's data pool: the cumulative index per training item with its carried remainder. */
export class ExpectedPool {
  poolIn = 0n;
  index = 0n;
  carry = 0n;

  constructor(readonly trainingSize: bigint) {}

  add(units: bigint): void {
    const q = units * INDEX_SCALE + this.carry;
    this.index += q / this.trainingSize;
    this.carry = q % this.trainingSize;
    this.poolIn += units;
  }

  /** What a provider with `items` training items has accrued in total: floor(items × index / S). */
  accrued(items: number): bigint {
    return (BigInt(items) * this.index) / INDEX_SCALE;
  }
}
