import { BPS_TOTAL, splitByShares, type ShareHolder } from './shares';

/**
 * Share of a fine-tuned model's data pool passed up to its base model's pool when the model record
 * does not carry its own `lineageShareBps`: 20 %.
 */
export const DEFAULT_LINEAGE_SHARE_BPS = 2_000;

/**
 * How many pools one revenue event may touch along a lineage (the subject's model and up to seven
 * ancestors). Bounds the write set; deeper ancestors receive nothing from this event, and the last
 * pool reached keeps what it would have passed up.
 */
export const MAX_POOL_LEVELS = 8;

/** One pool on the lineage path, starting with the subject's own model. */
export interface LineageLevel {
  readonly modelId: string;
  /** Items the model was trained on; a level must have at least one to receive pool money. */
  readonly trainingSize: bigint;
  /** Share of what reaches this level that passes on to the next level, when there is one. */
  readonly lineageShareBps: number;
}

/** Everything a revenue event needs to be split. */
export interface DistributionInput {
  readonly amount: bigint;
  /** The subject's rights holders (a valid set: shares sum to 10000). */
  readonly holders: readonly ShareHolder[];
  /** Share of the revenue that goes to the data pool; ignored when `lineage` is empty. */
  readonly dataPoolShareBps: number;
  /** Eligible pools (training size ≥ 1), subject's model first, then its base models in order. */
  readonly lineage: readonly LineageLevel[];
}

export interface HolderPayout {
  readonly holderId: string;
  readonly mspId: string;
  readonly amount: bigint;
}

export interface PoolAddition {
  readonly modelId: string;
  readonly amount: bigint;
}

/** The exact split: holder payouts + pool additions = amount, always. Zero amounts are left out. */
export interface DistributionPlan {
  readonly holderPayouts: readonly HolderPayout[];
  readonly poolAdditions: readonly PoolAddition[];
}

/**
 * Splits one revenue amount. The pool takes floor(amount × dataPoolShareBps / 10000) (rounding
 * favours holders); each lineage level keeps its part and passes floor(part × lineageShareBps /
 * 10000) to the next, the last level keeping all it receives; holders split the rest by largest
 * remainder. Pure and exact: Σ payouts + Σ additions = amount.
 * @throws RangeError for a negative amount, out-of-range basis points, or an ineligible or repeated lineage level.
 */
export function planDistribution(input: DistributionInput): DistributionPlan {
  const { amount, holders, dataPoolShareBps, lineage } = input;
  if (amount < 0n) throw new RangeError('amount must not be negative');
  checkBps(dataPoolShareBps, 'dataPoolShareBps');
  const levels = lineage.slice(0, MAX_POOL_LEVELS);
  const pool = levels.length === 0 ? 0n : (amount * BigInt(dataPoolShareBps)) / BigInt(BPS_TOTAL);
  const poolAdditions: PoolAddition[] = [];
  if (new Set(levels.map((level) => level.modelId)).size !== levels.length) throw new RangeError('lineage repeats a model');
  let reaching = pool;
  levels.forEach((level, i) => {
    if (level.trainingSize <= 0n) throw new RangeError(`pool ${level.modelId} has no training items`);
    checkBps(level.lineageShareBps, 'lineageShareBps');
    const passedUp = i + 1 < levels.length ? (reaching * BigInt(level.lineageShareBps)) / BigInt(BPS_TOTAL) : 0n;
    const kept = reaching - passedUp;
    if (kept > 0n) poolAdditions.push({ modelId: level.modelId, amount: kept });
    reaching = passedUp;
  });
  const holderPayouts = splitByShares(amount - pool, holders)
    .filter((part) => part.amount > 0n)
    .map((part) => ({ holderId: part.holder.holderId, mspId: part.holder.mspId, amount: part.amount }));
  return { holderPayouts, poolAdditions };
}

function checkBps(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > BPS_TOTAL) throw new RangeError(`${name} must be an integer in 0..${BPS_TOTAL}`);
}
