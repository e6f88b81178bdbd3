import { invalid } from '../shared/errors';

/**
 * Money on the ledger: integer minor units as decimal strings (no sign, no leading zeros, no
 * fraction), BigInt inside. 36 digits bounds every amount far above any real revenue while keeping
 * products with the royalty scale (10^18) and item counts comfortably exact in BigInt.
 */
export const MAX_AMOUNT_DIGITS = 36;

/**
 * Largest amount one event (a revenue report, an offer's price) may carry: 10^18 − 1 minor units,
 * far above any real sale. Stored sums have {@link MAX_AMOUNT_DIGITS} digits, so a key would need
 * more than 10^18 events at the bound to overflow: no report, however large, can make a later report,
 * claim or total fail (docs/royalties.md).
 */
export const MAX_EVENT_AMOUNT = 10n ** 18n - 1n;

const AMOUNT_PATTERN = /^(0|[1-9][0-9]*)$/;
const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** True for a canonical decimal string of minor units. */
export function isAmountString(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_AMOUNT_DIGITS && AMOUNT_PATTERN.test(value);
}

/** True for a canonical decimal string of minor units in 1..{@link MAX_EVENT_AMOUNT}. */
export function isEventAmount(value: unknown): value is string {
  return isAmountString(value) && value !== '0' && BigInt(value) <= MAX_EVENT_AMOUNT;
}

/**
 * Parses a decimal string of minor units.
 * @param positive when true (the default), zero is refused too.
 * @throws KisekiError `INVALID` when the value is not a canonical, in-range decimal string.
 */
export function parseAmount(value: unknown, field: string, positive = true): bigint {
  if (!isAmountString(value)) {
    throw invalid(`${field} must be a decimal string of minor units (digits only, no leading zeros, at most ${MAX_AMOUNT_DIGITS} digits)`);
  }
  const amount = BigInt(value);
  if (positive && amount === 0n) throw invalid(`${field} must be greater than zero`);
  return amount;
}

/**
 * Formats minor units as the ledger's decimal string.
 * @throws RangeError for a negative amount: balances never go below zero, so one is a bug.
 */
export function formatAmount(amount: bigint): string {
  if (amount < 0n) throw new RangeError(`negative amount ${amount.toString()}`);
  return amount.toString(10);
}

/** True for an ISO-4217-shaped currency code (three upper-case letters). */
export function isCurrency(value: unknown): value is string {
  return typeof value === 'string' && CURRENCY_PATTERN.test(value);
}

/**
 * @throws KisekiError `INVALID` when the value is not three upper-case letters.
 */
export function parseCurrency(value: unknown, field = 'currency'): string {
  if (!isCurrency(value)) throw invalid(`${field} must be a three-letter upper-case currency code`);
  return value;
}
