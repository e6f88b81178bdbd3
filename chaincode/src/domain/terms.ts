import { parseRfc3339 } from '../shared/validate';

import type { TermsRecord } from '../shared/records';

/**
 * Whether licence terms allow AI training at a moment: the `aiTraining` flag, and the moment inside
 * the validity window, `validFrom` inclusive, `validUntil` exclusive (absent: open-ended).
 * @param atMs the transaction time in epoch milliseconds.
 * @returns why training is not allowed, or `undefined` when it is.
 */
export function trainingRefusal(terms: TermsRecord, atMs: number): string | undefined {
  if (terms.status === 'withdrawn') return `terms ${terms.termsId} were withdrawn`;
  if (!terms.aiTraining) return `terms ${terms.termsId} do not allow AI training`;
  const from = parseRfc3339(terms.validFrom);
  if (from === undefined || atMs < from) return `terms ${terms.termsId} are not valid before ${terms.validFrom}`;
  if (terms.validUntil !== undefined) {
    const until = parseRfc3339(terms.validUntil);
    if (until === undefined || atMs >= until) return `terms ${terms.termsId} expired at ${terms.validUntil}`;
  }
  return undefined;
}

/** True when the terms allow AI training at `atMs` (see {@link trainingRefusal}). */
export function allowsTrainingAt(terms: TermsRecord, atMs: number): boolean {
  return trainingRefusal(terms, atMs) === undefined;
}

/**
 * Checks a terms window: `validUntil`, when given, must come after `validFrom`.
 * @returns the problem, or `undefined`.
 */
export function validityProblem(validFrom: string, validUntil: string | undefined): string | undefined {
  if (validUntil === undefined) return undefined;
  const from = parseRfc3339(validFrom);
  const until = parseRfc3339(validUntil);
  if (from !== undefined && until !== undefined && until <= from) return 'must be later than validFrom';
  return undefined;
}
