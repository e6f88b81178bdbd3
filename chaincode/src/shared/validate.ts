import { invalid } from './errors';
import { isDigestHex } from './hex';

/**
 * The building blocks of input validation, pure (no ledger, no clock): the patterns of IDs, MSP IDs,
 * media types and territories, RFC 3339 times and their one stored form, a transaction's JSON argument,
 * and problems as data ({@link Issue}). Requests and records are zod schemas built on these
 * (shared/schema, shared/requests, shared/records), so one refusal names every problem.
 */

/** One problem with one field: `path` like `items[3].size`, `message` like `must be a positive integer`. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** IDs (termsId, providerId, dataId, modelId, outputId, ...): ASCII, no separators that need escaping. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** MSP IDs as Fabric configures them. */
export const MSP_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** `type/subtype`, lowercase RFC 6838 restricted names, no parameters. */
export const MEDIA_TYPE_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$/;
/** Territory: `worldwide` or codes such as `JP`, `JP,US`, `EU`. */
/** An API client reference as gateways authenticate them (`clientRef` in the transient map). */
export const CLIENT_REF_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

export const TERRITORY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ,._-]{0,63}$/;
/** Largest request argument accepted, in UTF-16 code units (a 1000-item batch is ~300 KB). */
export const MAX_REQUEST_LENGTH = 2 * 1024 * 1024;
/** Basis points: a share of 10000. */
export const MAX_BPS = 10_000;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

/** True when `value` is an ID matching {@link ID_PATTERN}. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** True when `value` is an MSP ID matching {@link MSP_ID_PATTERN}. */
export function isMspId(value: unknown): value is string {
  return typeof value === 'string' && MSP_ID_PATTERN.test(value);
}

/** True when `value` is a safe integer ≥ 0. */
export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses an RFC 3339 date-time (`2025-04-01T09:00:00Z`, `2025-04-01T18:00:00.5+09:00`) to epoch
 * milliseconds, sub-millisecond digits truncated. Years 1970–9999; leap seconds (`:60`) are refused
 * because JavaScript time cannot represent them.
 * @returns the epoch milliseconds, or `undefined` when `value` is not such a date-time.
 */
export function parseRfc3339(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] !== 'Z') {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

/** The one stored form of a time: RFC 3339 in UTC with milliseconds, e.g. `2025-04-01T00:00:00.000Z`. */
export function formatTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * Parses the single JSON argument of a transaction.
 * @throws KisekiError `INVALID` when it is too long, not JSON, or not a JSON object.
 */
export function parseJsonObject(text: unknown, what = 'request'): Record<string, unknown> {
  if (typeof text !== 'string') throw invalid(`${what} must be a JSON object string`);
  if (text.length > MAX_REQUEST_LENGTH) throw invalid(`${what} exceeds ${MAX_REQUEST_LENGTH} characters`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(`${what} is not valid JSON`);
  }
  if (!isPlainObject(value)) throw invalid(`${what} must be a JSON object`);
  return value;
}

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Formats issues as `path: message; path: message`. */
export function describeIssues(issues: readonly Issue[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
}

/**
 * Reads the ID argument of a read transaction (`data:Get d-1`).
 * @throws KisekiError `INVALID` when it is not an ID.
 */
export function parseIdArgument(value: unknown, name: string): string {
  if (!isId(value)) throw invalid(`${name} must be an ID matching ${ID_PATTERN.source}`);
  return value;
}

/**
 * Checks a content digest given as a bare argument (a read's only parameter).
 * @throws `INVALID` unless a lowercase hex SHA-256 digest.
 */
export function parseDigestArgument(value: unknown, name: string): string {
  if (!isDigestHex(value)) throw invalid(`${name} must be a lowercase hex SHA-256 digest (64 characters)`);
  return value;
}
