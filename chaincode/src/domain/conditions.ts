import { invalid } from '../shared/errors';
import { isMspId, parseRfc3339 } from '../shared/validate';

import { parseAmount, parseCurrency } from './amounts';
import { parseSubject, type Subject } from './subjects';

/** Upper bound on the orgs a transfer can wait for. */
export const MAX_APPROVALS = 8;

/** Cumulative revenue of a subject in one currency reaching an amount. */
export interface RevenueThreshold extends Subject {
  readonly currency: string;
  readonly amount: bigint;
}

/**
 * When a rights transfer may execute: every clause present must hold (a conjunction). At least
 * one clause is required; a transfer with no condition is simply a rights change.
 */
export interface TransferCondition {
  readonly revenueThreshold?: RevenueThreshold;
  /** Epoch milliseconds; the transfer may execute at or after this transaction time. */
  readonly notBefore?: number;
  /** MSP ids that must each approve, sorted and unique. */
  readonly approvals?: readonly string[];
}

/** What the ledger knows when a condition is evaluated. */
export interface ConditionFacts {
  /** The transaction's timestamp in epoch milliseconds (never the wall clock). */
  readonly nowMs: number;
  /** Cumulative revenue of the threshold's subject in the threshold's currency. */
  readonly revenueTotal: bigint;
  /** MSP ids that have approved so far. */
  readonly approvedBy: readonly string[];
}

/** Outcome of an evaluation: met, or which clauses still fail. */
export interface ConditionResult {
  readonly met: boolean;
  readonly unmet: readonly ('revenueThreshold' | 'notBefore' | 'approvals')[];
}

/** Ledger form of a condition. */
export interface TransferConditionJson {
  readonly revenueThreshold?: { subjectType: string; subjectId: string; currency: string; amount: string };
  readonly notBefore?: string;
  readonly approvals?: readonly string[];
}

/**
 * Parses an untrusted condition.
 * @throws KisekiError `INVALID` for a missing or malformed clause, an empty condition, or more than
 *   {@link MAX_APPROVALS} approvals.
 */
export function parseCondition(value: unknown): TransferCondition {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('condition must be an object');
  const raw = value as Record<string, unknown>;
  const unknownKeys = Object.keys(raw).filter((key) => !['revenueThreshold', 'notBefore', 'approvals'].includes(key));
  if (unknownKeys.length > 0) throw invalid(`condition has unknown clauses: ${unknownKeys.join(', ')}`);
  const condition: { revenueThreshold?: RevenueThreshold; notBefore?: number; approvals?: string[] } = {};
  if (raw.revenueThreshold !== undefined) {
    if (typeof raw.revenueThreshold !== 'object' || raw.revenueThreshold === null) {
      throw invalid('condition.revenueThreshold must be an object');
    }
    const threshold = raw.revenueThreshold as Record<string, unknown>;
    condition.revenueThreshold = {
      ...parseSubject(threshold.subjectType, threshold.subjectId, 'condition.revenueThreshold.subject'),
      currency: parseCurrency(threshold.currency, 'condition.revenueThreshold.currency'),
      amount: parseAmount(threshold.amount, 'condition.revenueThreshold.amount'),
    };
  }
  if (raw.notBefore !== undefined) {
    const at = parseRfc3339(raw.notBefore);
    if (at === undefined) throw invalid('condition.notBefore must be an RFC 3339 timestamp');
    condition.notBefore = at;
  }
  if (raw.approvals !== undefined) {
    if (!Array.isArray(raw.approvals) || raw.approvals.length === 0 || raw.approvals.length > MAX_APPROVALS) {
      throw invalid(`condition.approvals must list 1..${MAX_APPROVALS} MSP ids`);
    }
    for (const msp of raw.approvals as unknown[]) {
      if (!isMspId(msp)) throw invalid('condition.approvals holds a malformed MSP id');
    }
    const unique = [...new Set(raw.approvals as string[])].sort();
    if (unique.length !== raw.approvals.length) throw invalid('condition.approvals repeats an MSP id');
    condition.approvals = unique;
  }
  if (!condition.revenueThreshold && condition.notBefore === undefined && !condition.approvals) {
    throw invalid('condition needs at least one of revenueThreshold, notBefore, approvals');
  }
  return condition;
}

/** Evaluates every clause against the facts; the condition is met when none fails. */
export function evaluateCondition(condition: TransferCondition, facts: ConditionFacts): ConditionResult {
  const unmet: ('revenueThreshold' | 'notBefore' | 'approvals')[] = [];
  if (condition.revenueThreshold && facts.revenueTotal < condition.revenueThreshold.amount) unmet.push('revenueThreshold');
  if (condition.notBefore !== undefined && facts.nowMs < condition.notBefore) unmet.push('notBefore');
  if (condition.approvals && !condition.approvals.every((msp) => facts.approvedBy.includes(msp))) unmet.push('approvals');
  return { met: unmet.length === 0, unmet };
}

/**
 * True when `revenueBefore` did not meet the threshold and `revenueAfter` does: the revenue event
 * between them is the one that crossed it.
 */
export function crossesThreshold(condition: TransferCondition, revenueBefore: bigint, revenueAfter: bigint): boolean {
  const threshold = condition.revenueThreshold;
  return threshold !== undefined && revenueBefore < threshold.amount && revenueAfter >= threshold.amount;
}

export function conditionToJson(condition: TransferCondition): TransferConditionJson {
  return {
    ...(condition.revenueThreshold && {
      revenueThreshold: {
        subjectType: condition.revenueThreshold.subjectType,
        subjectId: condition.revenueThreshold.subjectId,
        currency: condition.revenueThreshold.currency,
        amount: condition.revenueThreshold.amount.toString(),
      },
    }),
    ...(condition.notBefore !== undefined && { notBefore: new Date(condition.notBefore).toISOString() }),
    ...(condition.approvals && { approvals: [...condition.approvals] }),
  };
}

/** Reads a stored condition back, validating it like a request. */
export function conditionFromJson(json: TransferConditionJson): TransferCondition {
  return parseCondition(json);
}
