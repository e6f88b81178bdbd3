import { invalid } from './errors';
import { isDigestHex } from './hex';

/**
 * Input validation for requests (and for records read back from the ledger), with errors as data:
 * every problem is collected as an {@link Issue} so one refusal names them all, instead of stopping
 * at the first. Pure: no ledger, no clock.
 *
 * Typical use:
 * ```ts
 * const f = Fields.parse(requestJson);
 * const request = { dataId: f.id('dataId'), size: f.size('size') };
 * f.finish(); // throws INVALID listing every problem, including unknown fields
 * ```
 * Accessors return a placeholder ('' / 0 / false / []) for a bad value, so values must not be used
 * before {@link Fields.finish} (or {@link Fields.issues} is checked).
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
// Control characters (C0, DEL, C1) and lone surrogates are refused in free text.
const CONTROL_OR_LONE_SURROGATE = /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `value` is an ID matching {@link ID_PATTERN}. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** True when `value` is an MSP ID matching {@link MSP_ID_PATTERN}. */
export function isMspId(value: unknown): value is string {
  return typeof value === 'string' && MSP_ID_PATTERN.test(value);
}

/** True when `value` is a positive safe integer (sizes, counts ≥ 1). */
export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** True when `value` is a safe integer ≥ 0. */
export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** True when `value` is an integer in 0..10000. */
export function isBps(value: unknown): value is number {
  return isNonNegativeInteger(value) && value <= MAX_BPS;
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

/** State shared by a root {@link Fields} and the nested ones it hands out; not used on its own. */
export class IssueCollector {
  readonly issues: Issue[] = [];
  /** Every object read so far, checked for unknown fields by {@link Fields.collect}. */
  readonly scopes: { readonly fields: Fields; readonly source: Record<string, unknown> | undefined }[] = [];
}

type Optional = { optional: true };

/**
 * Typed, issue-collecting accessors over one JSON object. Nested objects and arrays of objects get
 * their own `Fields` sharing the same issue list; {@link finish} also reports unknown fields at every
 * level, so a misspelt optional field (`baseModelID`) is an error rather than silently ignored.
 */
export class Fields {
  readonly #collector: IssueCollector;
  readonly #source: Record<string, unknown> | undefined;
  readonly #path: string;
  readonly #seen = new Set<string>();

  /**
   * @param value the object to read; anything else is reported as an issue at `path`.
   * @param path prefix of issue paths (empty for the root).
   * @param collector the issue list of the enclosing `Fields` (nested objects only).
   */
  constructor(value: unknown, path = '', collector: IssueCollector = new IssueCollector()) {
    this.#collector = collector;
    this.#path = path;
    if (isPlainObject(value)) {
      this.#source = value;
    } else {
      this.#source = undefined;
      this.#collector.issues.push({ path, message: 'must be a JSON object' });
    }
    this.#collector.scopes.push({ fields: this, source: this.#source });
  }

  /**
   * Parses a transaction's JSON argument into `Fields`.
   * @throws KisekiError `INVALID` when it is not a JSON object.
   */
  static parse(text: unknown, what = 'request'): Fields {
    return new Fields(parseJsonObject(text, what));
  }

  /** Every issue found so far, at every level. */
  get issues(): readonly Issue[] {
    return this.#collector.issues;
  }

  /** True when `name` is present (not `undefined`). */
  has(name: string): boolean {
    return this.#source !== undefined && this.#source[name] !== undefined;
  }

  /** The raw value of `name`, marking it as known. */
  raw(name: string): unknown {
    this.#seen.add(name);
    return this.#source?.[name];
  }

  /** Records an issue on `name` (for rules that span fields). */
  addIssue(name: string, message: string): void {
    this.#collector.issues.push({ path: this.#childPath(name), message });
  }

  /**
   * A value that `guard` accepts; `message` describes what was expected.
   * Missing values are reported as `is required` unless `optional`.
   */
  check<T>(name: string, guard: (value: unknown) => value is T, message: string, placeholder: T): T;
  check<T>(name: string, guard: (value: unknown) => value is T, message: string, placeholder: T, opts: Optional): T | undefined;
  check<T>(name: string, guard: (value: unknown) => value is T, message: string, placeholder: T, opts?: Optional): T | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      if (opts?.optional) return undefined;
      if (this.#source !== undefined) this.addIssue(name, 'is required');
      return placeholder;
    }
    if (!guard(value)) {
      this.addIssue(name, message);
      return placeholder;
    }
    return value;
  }

  /** An ID matching {@link ID_PATTERN}. */
  id(name: string): string;
  id(name: string, opts: Optional): string | undefined;
  id(name: string, opts?: Optional): string | undefined {
    return this.check(name, isId, `must be an ID matching ${ID_PATTERN.source}`, '', opts as Optional);
  }

  /** An MSP ID. */
  mspId(name: string): string;
  mspId(name: string, opts: Optional): string | undefined;
  mspId(name: string, opts?: Optional): string | undefined {
    return this.check(name, isMspId, `must be an MSP ID matching ${MSP_ID_PATTERN.source}`, '', opts as Optional);
  }

  /** A lowercase hex SHA-256 digest (64 characters). */
  digest(name: string): string;
  digest(name: string, opts: Optional): string | undefined;
  digest(name: string, opts?: Optional): string | undefined {
    return this.check(name, isDigestHex, 'must be a lowercase hex SHA-256 digest (64 characters)', '', opts as Optional);
  }

  /** A media type such as `image/png`. */
  mediaType(name: string): string {
    const guard = (v: unknown): v is string => typeof v === 'string' && MEDIA_TYPE_PATTERN.test(v);
    return this.check(name, guard, 'must be a lowercase media type such as image/png, without parameters', '');
  }

  /** A positive safe integer (a size in bytes, a count). */
  size(name: string): number {
    return this.check(name, isPositiveInteger, 'must be a positive safe integer', 0);
  }

  /** A safe integer in [min, max]. */
  integer(name: string, min: number, max: number): number;
  integer(name: string, min: number, max: number, opts: Optional): number | undefined;
  integer(name: string, min: number, max: number, opts?: Optional): number | undefined {
    const inRange = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
    return this.check(name, inRange, `must be an integer from ${min} to ${max}`, min, opts as Optional);
  }

  /** Basis points, an integer in 0..10000. */
  bps(name: string): number;
  bps(name: string, opts: Optional): number | undefined;
  bps(name: string, opts?: Optional): number | undefined {
    return this.check(name, isBps, `must be an integer number of basis points from 0 to ${MAX_BPS}`, 0, opts as Optional);
  }

  /** A boolean (no truthy strings). */
  boolean(name: string): boolean;
  boolean(name: string, opts: Optional): boolean | undefined;
  boolean(name: string, opts?: Optional): boolean | undefined {
    const guard = (v: unknown): v is boolean => typeof v === 'boolean';
    return this.check(name, guard, 'must be true or false', false, opts as Optional);
  }

  /**
   * An RFC 3339 date-time, returned in the stored form (UTC, milliseconds; see {@link formatTime}).
   */
  timestamp(name: string): string;
  timestamp(name: string, opts: Optional): string | undefined;
  timestamp(name: string, opts?: Optional): string | undefined {
    const guard = (v: unknown): v is string => parseRfc3339(v) !== undefined;
    const value = this.check(name, guard, 'must be an RFC 3339 date-time such as 2025-04-01T00:00:00Z', '', opts as Optional);
    const ms = parseRfc3339(value);
    return ms === undefined ? value : formatTime(ms);
  }

  /** Free text of 1..max characters without control characters. */
  text(name: string, max: number): string;
  text(name: string, max: number, opts: Optional): string | undefined;
  text(name: string, max: number, opts?: Optional): string | undefined {
    const guard = (v: unknown): v is string =>
      typeof v === 'string' && v.length > 0 && v.length <= max && !CONTROL_OR_LONE_SURROGATE.test(v);
    return this.check(name, guard, `must be text of 1 to ${max} characters without control characters`, '', opts as Optional);
  }

  /** A string matching `pattern`. */
  matching(name: string, pattern: RegExp, what: string): string;
  matching(name: string, pattern: RegExp, what: string, opts: Optional): string | undefined;
  matching(name: string, pattern: RegExp, what: string, opts?: Optional): string | undefined {
    const guard = (v: unknown): v is string => typeof v === 'string' && pattern.test(v);
    return this.check(name, guard, `must be ${what}`, '', opts as Optional);
  }

  /** One of `allowed`. */
  oneOf<const T extends string>(name: string, allowed: readonly T[]): T {
    const guard = (v: unknown): v is T => typeof v === 'string' && (allowed as readonly string[]).includes(v);
    return this.check(name, guard, `must be one of ${allowed.join(', ')}`, allowed[0] as T);
  }

  /** An array of `min`..`max` items (not checked further). */
  array(name: string, min: number, max: number): unknown[];
  array(name: string, min: number, max: number, opts: Optional): unknown[] | undefined;
  array(name: string, min: number, max: number, opts?: Optional): unknown[] | undefined {
    const guard = (v: unknown): v is unknown[] => Array.isArray(v) && v.length >= min && v.length <= max;
    return this.check(name, guard, `must be an array of ${min} to ${max} items`, [], opts as Optional);
  }

  /**
   * An array of IDs, `min`..`max` of them; with `unique`, duplicates are issues too. Every bad element
   * is reported with its position.
   */
  idList(name: string, min: number, max: number, opts: { unique?: boolean; optional?: boolean } = {}): string[] {
    const items = opts.optional ? this.array(name, min, max, { optional: true }) : this.array(name, min, max);
    if (items === undefined) return [];
    const seen = new Set<string>();
    const out: string[] = [];
    items.forEach((item, i) => {
      if (!isId(item)) {
        this.#collector.issues.push({ path: `${this.#childPath(name)}[${i}]`, message: `must be an ID matching ${ID_PATTERN.source}` });
        return;
      }
      if (opts.unique && seen.has(item)) {
        this.#collector.issues.push({ path: `${this.#childPath(name)}[${i}]`, message: `duplicates ${item}` });
      }
      seen.add(item);
      out.push(item);
    });
    return out;
  }

  /** A nested object, read through its own `Fields` (sharing this issue list). */
  object(name: string): Fields {
    const value = this.raw(name);
    if (value === undefined && this.#source !== undefined) {
      this.addIssue(name, 'is required');
      return new Fields({}, this.#childPath(name), this.#collector);
    }
    return new Fields(value, this.#childPath(name), this.#collector);
  }

  /** An array of `min`..`max` objects, each read through its own `Fields`. */
  objects(name: string, min: number, max: number): Fields[] {
    return this.array(name, min, max).map((item, i) => new Fields(item, `${this.#childPath(name)}[${i}]`, this.#collector));
  }

  /**
   * Reports unknown fields at every level, then throws if any issue was found.
   * @throws KisekiError `INVALID` whose message lists every issue (`path: message; ...`).
   */
  finish(what = 'request'): void {
    const issues = this.collect();
    if (issues.length > 0) {
      throw invalid(
        `${what} is invalid: ${describeIssues(issues)}`,
        issues.map((issue) => describeIssues([issue])),
      );
    }
  }

  /** Reports unknown fields at every level and returns every issue, without throwing. */
  collect(): readonly Issue[] {
    for (const scope of this.#collector.scopes) scope.fields.#reportUnknown(scope.source);
    this.#collector.scopes.length = 0;
    return this.#collector.issues;
  }

  #reportUnknown(source: Record<string, unknown> | undefined): void {
    if (source === undefined) return;
    for (const key of Object.keys(source).sort()) {
      if (!this.#seen.has(key)) this.#collector.issues.push({ path: this.#childPath(key), message: 'is not a known field' });
    }
  }

  #childPath(name: string): string {
    return this.#path ? `${this.#path}.${name}` : name;
  }
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
