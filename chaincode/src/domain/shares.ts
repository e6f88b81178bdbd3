import { invalid } from '../shared/errors';
import { isId, isMspId } from '../shared/validate';

/** Shares are basis points; a complete set of holders always sums to exactly this. */
export const BPS_TOTAL = 10_000;

/** Upper bound on holders per rights record: keeps every distribution a small, bounded write set. */
export const MAX_HOLDERS = 32;

/** One holder of a rights record: who (pseudonymous id within its org), which org, what share. */
export interface ShareHolder {
  readonly holderId: string;
  readonly mspId: string;
  readonly shareBps: number;
}

/** A weighted part of an amount; `id` is the deterministic tie-break. */
export interface WeightedPart {
  readonly id: string;
  readonly weight: number;
}

/**
 * Lists what is wrong with a holder set (empty when it is valid): ids well-formed and unique, each
 * share an integer in 1..10000, at most {@link MAX_HOLDERS} holders, shares summing to exactly 10000.
 */
export function shareIssues(holders: readonly ShareHolder[]): string[] {
  const issues: string[] = [];
  if (holders.length === 0) issues.push('holders must not be empty');
  if (holders.length > MAX_HOLDERS) issues.push(`at most ${MAX_HOLDERS} holders`);
  const seen = new Set<string>();
  let sum = 0;
  holders.forEach((holder, i) => {
    if (!isId(holder.holderId)) {
      issues.push(`holders[${i}].holderId is malformed`);
    } else if (seen.has(holder.holderId)) {
      issues.push(`holders[${i}].holderId ${holder.holderId} is repeated`);
    } else {
      seen.add(holder.holderId);
    }
    if (!isMspId(holder.mspId)) issues.push(`holders[${i}].mspId is malformed`);
    if (!Number.isInteger(holder.shareBps) || holder.shareBps < 1 || holder.shareBps > BPS_TOTAL) {
      issues.push(`holders[${i}].shareBps must be an integer in 1..${BPS_TOTAL}`);
    } else {
      sum += holder.shareBps;
    }
  });
  if (issues.length === 0 && sum !== BPS_TOTAL) issues.push(`shares sum to ${sum}, not ${BPS_TOTAL}`);
  return issues;
}

/** Holders in ascending holderId order (code-unit order, the same on every peer). */
export function sortHolders(holders: readonly ShareHolder[]): ShareHolder[] {
  return [...holders].sort((a, b) => compareIds(a.holderId, b.holderId));
}

/** Plain code-unit comparison: locale-independent, so deterministic across peers. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Splits `amount` across parts in proportion to their weights by the largest-remainder method.
 * Each part first gets floor(amount × weight / total); the units left over (fewer than the number of
 * parts) go one each to the parts with the largest remainders, ties broken by ascending id.
 * The parts always sum to `amount` exactly, and each is within one unit of its exact share.
 * @param total the weight the parts are measured against; defaults to their sum.
 * @returns the amount for each part, in the order given.
 * @throws RangeError for a negative amount, negative or non-integer weights, or a total that is
 *   not positive or not equal to the weights' sum.
 */
export function splitByWeights(amount: bigint, parts: readonly WeightedPart[], total?: number): bigint[] {
  if (amount < 0n) throw new RangeError('amount must not be negative');
  const sum = parts.reduce((acc, part) => {
    if (!Number.isSafeInteger(part.weight) || part.weight < 0) throw new RangeError(`bad weight for ${part.id}`);
    return acc + part.weight;
  }, 0);
  const denominator = total ?? sum;
  if (denominator <= 0 || sum !== denominator) throw new RangeError(`weights sum to ${sum}, expected ${denominator}`);
  const big = BigInt(denominator);
  const base = parts.map((part) => (amount * BigInt(part.weight)) / big);
  const remainders = parts.map((part) => (amount * BigInt(part.weight)) % big);
  let leftover = amount - base.reduce((acc, value) => acc + value, 0n);
  const order = parts
    .map((part, i) => i)
    .sort((i, j) => {
      const ri = remainders[i] as bigint;
      const rj = remainders[j] as bigint;
      if (ri !== rj) return ri > rj ? -1 : 1;
      return compareIds((parts[i] as WeightedPart).id, (parts[j] as WeightedPart).id);
    });
  for (const i of order) {
    if (leftover === 0n) break;
    base[i] = (base[i] as bigint) + 1n;
    leftover -= 1n;
  }
  return base;
}

/**
 * Splits an amount across a valid holder set by their basis points (largest remainder, ties by
 * holderId ascending).
 * @returns one entry per holder, in the order given, summing to `amount`.
 */
export function splitByShares(amount: bigint, holders: readonly ShareHolder[]): { holder: ShareHolder; amount: bigint }[] {
  const amounts = splitByWeights(
    amount,
    holders.map((holder) => ({ id: holder.holderId, weight: holder.shareBps })),
    BPS_TOTAL,
  );
  return holders.map((holder, i) => ({ holder, amount: amounts[i] as bigint }));
}

/**
 * Moves `shareBps` from one holder to another, merging into the receiver when it already holds a
 * share and dropping the sender when its share reaches zero. The result still sums to 10000.
 * @throws KisekiError `INVALID` when the sender is unknown, is the receiver, or holds less than
 *   `shareBps`, when the receiver's holderId exists under another org, or when the result would exceed {@link MAX_HOLDERS}.
 */
export function moveShare(
  holders: readonly ShareHolder[],
  fromHolderId: string,
  to: { holderId: string; mspId: string },
  shareBps: number,
): ShareHolder[] {
  const from = holders.find((holder) => holder.holderId === fromHolderId);
  if (!from) throw invalid(`holder ${fromHolderId} is not a holder of these rights`);
  if (!Number.isInteger(shareBps) || shareBps < 1) throw invalid('shareBps must be a positive integer');
  if (to.holderId === fromHolderId) throw invalid('a holder cannot transfer a share to itself');
  if (from.shareBps < shareBps) throw invalid(`holder ${fromHolderId} holds ${from.shareBps} bps, fewer than ${shareBps}`);
  const existing = holders.find((holder) => holder.holderId === to.holderId);
  if (existing && existing.mspId !== to.mspId) throw invalid(`holder ${to.holderId} belongs to ${existing.mspId}, not ${to.mspId}`);
  const next: ShareHolder[] = [];
  for (const holder of holders) {
    let share = holder.shareBps;
    if (holder.holderId === fromHolderId) share -= shareBps;
    if (holder.holderId === to.holderId) share += shareBps;
    if (share > 0) next.push({ holderId: holder.holderId, mspId: holder.mspId, shareBps: share });
  }
  if (!existing) next.push({ holderId: to.holderId, mspId: to.mspId, shareBps });
  const issues = shareIssues(next);
  if (issues.length > 0) throw invalid(`transfer would leave invalid shares: ${issues.join('; ')}`, issues);
  return sortHolders(next);
}
