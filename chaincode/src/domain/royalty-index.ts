/**
 * The per-model data pool as a cumulative index (revenue per training item), so adding revenue costs
 * O(1) however many providers trained the model, and a provider's earnings are read in O(1) too.
 *
 * Fixed point with scale S = 10^18. For a model of N training items (frozen at seal) the pool keeps
 *   poolIn — every minor unit ever added,
 *   index  — cumulative minor units per item, times S,
 *   carry  — the scaled remainder not yet spread over the items, 0 ≤ carry < N.
 * Adding P: q = P·S + carry; index += floor(q / N); carry = q mod N. Hence, always and exactly,
 *   N·index + carry = S·poolIn.                                                    (identity)
 * A provider with c items is entitled to floor(c·index / S) and has accrued that minus what it claimed.
 * Because Σc = N, the units not yet attributed to anyone (the carried remainder) are
 *   poolIn − Σ floor(c·index / S) = (carry + Σ (c·index mod S)) / S,
 * a non-negative integer below (number of providers + 1): nothing is lost, it only waits in
 * fractions until later revenue lifts each provider's entitlement over the next whole unit.
 * Entitlements never decrease, since the index only grows.
 */
export const ROYALTY_SCALE = 10n ** 18n;

/** The pool's state for one (model, currency). All fields are exact BigInt minor units or scaled units. */
export interface PoolIndex {
  readonly poolIn: bigint;
  readonly index: bigint;
  readonly carry: bigint;
}

/** The state of a pool that has received nothing yet. */
export const EMPTY_POOL: PoolIndex = Object.freeze({ poolIn: 0n, index: 0n, carry: 0n });

/**
 * Adds `amount` to a pool spread over `trainingSize` items.
 * @throws RangeError when the amount is negative or the model has no training items (a pool with
 *   nobody to pay must not receive money; callers route it elsewhere).
 */
export function addToPool(pool: PoolIndex, amount: bigint, trainingSize: bigint): PoolIndex {
  if (amount < 0n) throw new RangeError('amount must not be negative');
  if (trainingSize <= 0n) throw new RangeError('a pool needs at least one training item');
  const scaled = amount * ROYALTY_SCALE + pool.carry;
  return {
    poolIn: pool.poolIn + amount,
    index: pool.index + scaled / trainingSize,
    carry: scaled % trainingSize,
  };
}

/** What `itemCount` items have earned in total from a pool at `index`: floor(count·index / S). */
export function entitlement(index: bigint, itemCount: bigint): bigint {
  if (itemCount < 0n || index < 0n) throw new RangeError('index and item count must not be negative');
  return (itemCount * index) / ROYALTY_SCALE;
}

/**
 * A provider's accrued, unclaimed amount: its entitlement minus what it has already claimed.
 * @throws RangeError when `claimed` exceeds the entitlement (state corruption, never a user error).
 */
export function accrued(index: bigint, itemCount: bigint, claimed: bigint): bigint {
  const due = entitlement(index, itemCount) - claimed;
  if (due < 0n) throw new RangeError('claimed more than entitled');
  return due;
}

/** Checks the pool identity N·index + carry = S·poolIn and 0 ≤ carry < N (or an untouched pool for N = 0). */
export function poolIdentityHolds(pool: PoolIndex, trainingSize: bigint): boolean {
  if (trainingSize <= 0n) return pool.poolIn === 0n && pool.index === 0n && pool.carry === 0n;
  return pool.carry >= 0n && pool.carry < trainingSize && trainingSize * pool.index + pool.carry === ROYALTY_SCALE * pool.poolIn;
}

/**
 * The carried remainder given every provider's item count (an audit: O(providers), never on the
 * write path): poolIn − Σ floor(c·index / S).
 */
export function carriedRemainder(pool: PoolIndex, itemCounts: readonly bigint[]): bigint {
  return itemCounts.reduce((left, count) => left - entitlement(pool.index, count), pool.poolIn);
}

/** Ledger form of a pool: decimal strings. */
export interface PoolIndexJson {
  readonly poolIn: string;
  readonly index: string;
  readonly carry: string;
}

const UINT = /^(0|[1-9][0-9]*)$/;

/** @throws RangeError when a stored pool is not three non-negative decimal strings. */
export function poolFromJson(json: PoolIndexJson): PoolIndex {
  for (const [name, value] of Object.entries({ poolIn: json.poolIn, index: json.index, carry: json.carry })) {
    if (typeof value !== 'string' || !UINT.test(value)) throw new RangeError(`stored pool field ${name} is malformed`);
  }
  return { poolIn: BigInt(json.poolIn), index: BigInt(json.index), carry: BigInt(json.carry) };
}

export function poolToJson(pool: PoolIndex): PoolIndexJson {
  return { poolIn: pool.poolIn.toString(), index: pool.index.toString(), carry: pool.carry.toString() };
}
