import { parseRfc3339 } from '../shared/validate';

import type { GrantRecord, TermsRecord } from '../shared/records';

/**
 * The rules of licences, pure so they can be tested without a ledger: what a licence grant allows
 * and when, what terms allow, and where. Contracts read the grant, its terms (the current version)
 * and the transaction time, and refuse with the reason these functions give.
 */

/** What a grant is used for; each use is gated by one terms flag (training, fine-tuning, revenue). */
export const LicenceUses = ['training', 'output', 'fine-tune', 'revenue', 'access'] as const;
export type LicenceUse = (typeof LicenceUses)[number];

/** Territories that cover every place. */
const EVERYWHERE = new Set(['worldwide', 'world', 'global', 'all']);

/** The version of terms a record carries (records published before versions existed are version 1). */
export function termsVersion(terms: Pick<TermsRecord, 'version'>): number {
  return terms.version ?? 1;
}

/**
 * Whether terms cover a territory: `worldwide` (or world, global, all) covers every place;
 * otherwise the terms' territory is a comma-separated list of places, compared without case.
 */
export function territoryAllows(termsTerritory: string, territory: string): boolean {
  const places = termsTerritory
    .split(',')
    .map((place) => place.trim().toLowerCase())
    .filter((place) => place !== '');
  const wanted = territory.trim().toLowerCase();
  return places.some((place) => EVERYWHERE.has(place) || place === wanted);
}

/**
 * Why terms do not allow a use now, or `undefined` when they do: withdrawn terms allow nothing new;
 * the validity window (`validFrom` inclusive, `validUntil` exclusive) bounds every use; `aiTraining`
 * gates training, `derivatives` fine-tuning, `commercialUse` revenue and offers; a territory, when
 * the caller names one, must be covered.
 * @param atMs the transaction time in epoch milliseconds.
 */
export function termsRefusal(terms: TermsRecord, use: LicenceUse | 'offer', atMs: number, territory?: string): string | undefined {
  const name = `terms ${terms.termsId} (version ${termsVersion(terms)})`;
  if (terms.status === 'withdrawn') return `${name} were withdrawn`;
  const from = parseRfc3339(terms.validFrom);
  if (from === undefined || atMs < from) return `${name} are not valid before ${terms.validFrom}`;
  if (terms.validUntil !== undefined) {
    const until = parseRfc3339(terms.validUntil);
    if (until === undefined || atMs >= until) return `${name} expired at ${terms.validUntil}`;
  }
  if (use === 'training' && !terms.aiTraining) return `${name} do not allow AI training`;
  if (use === 'fine-tune' && !terms.derivatives) return `${name} do not allow derivatives (fine-tuning)`;
  if ((use === 'revenue' || use === 'offer') && !terms.commercialUse) return `${name} do not allow commercial use`;
  if (territory !== undefined && !territoryAllows(terms.territory, territory))
    return `${name} do not cover territory ${territory} (only ${terms.territory})`;
  return undefined;
}

/** What a grant is checked against. */
export interface GrantUseFacts {
  readonly grant: GrantRecord;
  /** The current version of the grant's terms. */
  readonly terms: TermsRecord;
  /** The calling org. */
  readonly callerMsp: string;
  /** What the grant is meant to cover. */
  readonly subject: { readonly subjectType: string; readonly subjectId: string };
  readonly use: LicenceUse;
  readonly atMs: number;
  readonly territory?: string;
}

/**
 * Why a grant does not allow a use now, or `undefined` when it does: it must belong to the caller,
 * cover the subject, not be withdrawn, and its terms (current version) must allow the use now.
 * An expired or withdrawn grant stops new uses only: what it allowed before stays on the ledger.
 */
export function grantRefusal(facts: GrantUseFacts): { code: 'FORBIDDEN' | 'STATE'; reason: string } | undefined {
  const { grant, terms, callerMsp, subject, use, atMs, territory } = facts;
  if (grant.buyerMsp !== callerMsp)
    return { code: 'FORBIDDEN', reason: `grant ${grant.purchaseId} belongs to ${grant.buyerMsp}, not ${callerMsp}` };
  if (grant.subjectType !== subject.subjectType || grant.subjectId !== subject.subjectId) {
    return {
      code: 'FORBIDDEN',
      reason: `grant ${grant.purchaseId} covers ${grant.subjectType} ${grant.subjectId}, not ${subject.subjectType} ${subject.subjectId}`,
    };
  }
  if (grant.status === 'withdrawn') return { code: 'STATE', reason: `grant ${grant.purchaseId} was withdrawn` };
  const why = termsRefusal(terms, use, atMs, territory);
  if (why !== undefined) return { code: 'STATE', reason: `grant ${grant.purchaseId}: ${why}` };
  return undefined;
}
