import { z } from 'zod';

import { isAmountString, isEventAmount } from '../domain/amounts';
import { invalid } from './errors';
import { isDigestHex } from './hex';
import {
  CLIENT_REF_PATTERN,
  describeIssues,
  ID_PATTERN,
  type Issue,
  isPlainObject,
  MAX_BPS,
  MEDIA_TYPE_PATTERN,
  MSP_ID_PATTERN,
  parseJsonObject,
  parseRfc3339,
  formatTime,
  TERRITORY_PATTERN,
} from './validate';

/**
 * The field schemas every record, request and event payload is built from, defined once and used by
 * the chaincode (requests, records read back) and the gateway (bodies, OpenAPI). zod is pure and
 * deterministic, so it runs the same on every peer. Each schema's refusal is one stable sentence
 * (`must be …`), and a missing value is `is required`, so a refusal reads the same whichever side
 * made it: `INVALID: request is invalid: size: must be a positive safe integer`.
 */

export { z };

/** The error option of a schema: `is required` for a missing value, else `message`. */
export function must(message: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? 'is required' : message) };
}

const CONTROL_OR_LONE_SURROGATE = /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const ID_MESSAGE = `must be an ID matching ${ID_PATTERN.source}`;
const MSP_MESSAGE = `must be an MSP ID matching ${MSP_ID_PATTERN.source}`;
const DIGEST_MESSAGE = 'must be a lowercase hex SHA-256 digest (64 characters)';

/** IDs (termsId, providerId, dataId, modelId, outputId, ...): ASCII, no separators that need escaping. */
export const Id = z.string(must(ID_MESSAGE)).regex(ID_PATTERN, ID_MESSAGE);
/** An MSP ID as Fabric configures it (`Studio1MSP`). */
export const MspId = z.string(must(MSP_MESSAGE)).regex(MSP_ID_PATTERN, MSP_MESSAGE);
/** A lowercase hex SHA-256 digest. */
export const Digest = z.string(must(DIGEST_MESSAGE)).refine(isDigestHex, DIGEST_MESSAGE).meta({ pattern: '^[0-9a-f]{64}$' });
const MEDIA_MESSAGE = 'must be a lowercase media type such as image/png, without parameters';
/** `type/subtype`, lowercase RFC 6838 restricted names, no parameters. */
export const MediaType = z.string(must(MEDIA_MESSAGE)).regex(MEDIA_TYPE_PATTERN, MEDIA_MESSAGE);
const CLIENT_MESSAGE = `must match ${CLIENT_REF_PATTERN.source}`;
/** An API client reference as gateways authenticate them. */
export const ClientRef = z.string(must(CLIENT_MESSAGE)).regex(CLIENT_REF_PATTERN, CLIENT_MESSAGE);
const TERRITORY_MESSAGE = 'must be a territory such as "JP" or "worldwide"';
/** `worldwide` or codes such as `JP`, `JP,US`, `EU`. */
export const Territory = z.string(must(TERRITORY_MESSAGE)).regex(TERRITORY_PATTERN, TERRITORY_MESSAGE);

/** A safe integer in [min, max]. */
export function integer(min: number, max: number, message = `must be an integer from ${min} to ${max}`): z.ZodNumber {
  return z.number(must(message)).int(message).min(min, message).max(max, message);
}
/** A positive safe integer (a size in bytes, a count ≥ 1). */
export const Size = integer(1, Number.MAX_SAFE_INTEGER, 'must be a positive safe integer');
/** A count: a safe integer ≥ 0. */
export const Count = integer(0, Number.MAX_SAFE_INTEGER, 'must be an integer ≥ 0');
/** A version number: 1, 2, …. */
export const Version = integer(1, Number.MAX_SAFE_INTEGER);
/** Basis points, an integer in 0..10000. */
export const Bps = integer(0, MAX_BPS, `must be an integer number of basis points from 0 to ${MAX_BPS}`);
const BOOLEAN_MESSAGE = 'must be true or false';
/** A boolean (no truthy strings). */
export const Bool = z.boolean(must(BOOLEAN_MESSAGE));

const TIME_MESSAGE = 'must be an RFC 3339 date-time such as 2025-04-01T00:00:00Z';
/**
 * An RFC 3339 date-time, parsed to the stored form (UTC with milliseconds, `2025-04-01T00:00:00.000Z`):
 * one instant has one spelling on the ledger.
 */
export const Timestamp = z
  .string(must(TIME_MESSAGE))
  .refine((v) => parseRfc3339(v) !== undefined, TIME_MESSAGE)
  .overwrite((v) => formatTime(parseRfc3339(v) ?? 0))
  .meta({ format: 'date-time' });

/** Free text of 1..max characters without control characters. */
export function text(max: number): z.ZodString {
  const message = `must be text of 1 to ${max} characters without control characters`;
  return z
    .string(must(message))
    .min(1, { message, abort: true })
    .max(max, { message, abort: true })
    .refine((v) => !CONTROL_OR_LONE_SURROGATE.test(v), message);
}

/** One of `values`. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, must(`must be one of ${values.join(', ')}`));
}

/** An array of `min`..`max` items of `item`. */
export function list<T extends z.ZodType>(item: T, min: number, max: number): z.ZodArray<T> {
  const message = `must be an array of ${min} to ${max} items`;
  return z.array(item, must(message)).min(min, message).max(max, message);
}

/** An array of `min`..`max` IDs without repeats (each repeat is reported at its position). */
export function idSet(min: number, max: number): z.ZodArray<typeof Id> {
  return list(Id, min, max).superRefine((ids, ctx) => {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicates ${id}` });
      seen.add(id);
    });
  });
}

/** An object with exactly these fields: any other field is refused (`is not a known field`). */
export function record<S extends z.ZodRawShape>(shape: S): z.ZodObject<S, z.core.$strict> {
  return z.strictObject(shape, must('must be a JSON object'));
}

/**
 * The option of a cross-field rule (`superRefine`) that runs whenever the fields it reads parsed,
 * whatever else failed, so one refusal names every problem (by default zod skips it after any issue).
 */
export function whenParsed(...fields: readonly string[]): { when: (payload: z.core.ParsePayload) => boolean } {
  return {
    when: (payload) => isPlainObject(payload.value) && !payload.issues.some((issue) => fields.includes(String(issue.path?.[0]))),
  };
}

/** Formats a zod issue path the way refusals print it: `items[3].size`. */
function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** zod's issues as the chaincode's: one per field, unknown fields one by one. */
export function issuesOf(error: z.ZodError): Issue[] {
  const out: Issue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of [...issue.keys].sort()) out.push({ path: pathOf([...issue.path, key]), message: 'is not a known field' });
    } else {
      out.push({ path: pathOf(issue.path), message: issue.message });
    }
  }
  return out;
}

/** Parses `value`: the typed value, or every issue found. */
export function check<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { readonly ok: true; readonly value: z.output<S> } | { readonly ok: false; readonly issues: readonly Issue[] } {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: issuesOf(result.error) };
}

/**
 * Parses a transaction's JSON argument against its request schema.
 * @param what how the refusal names the argument (`request`, `query`).
 * @throws KisekiError `INVALID: request is invalid: path: message; …` listing every issue.
 */
export function parseRequest<S extends z.ZodType>(schema: S, text: unknown, what = 'request'): z.output<S> {
  return parseValue(schema, parseJsonObject(text, what), what);
}

/**
 * Checks an already-parsed value against a schema.
 * @throws KisekiError `INVALID: <what> is invalid: path: message; …` listing every issue.
 */
export function parseValue<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.output<S> {
  const result = check(schema, value);
  if (!result.ok) {
    throw invalid(
      `${what} is invalid: ${describeIssues(result.issues)}`,
      result.issues.map((issue) => describeIssues([issue])),
    );
  }
  return result.value;
}

const AMOUNT_MESSAGE = 'must be a decimal string of minor units';
/** Integer minor units as a canonical decimal string of at most 36 digits (stored sums and balances). */
export const Amount = z.string(must(AMOUNT_MESSAGE)).refine(isAmountString, AMOUNT_MESSAGE).meta({ pattern: '^(0|[1-9][0-9]{0,35})$' });
const EVENT_AMOUNT_MESSAGE = 'must be a positive decimal string of minor units of at most 18 digits';
/** One event's amount (a revenue report, a price): 1 ≤ amount ≤ 10^18 − 1 minor units. */
export const EventAmount = z
  .string(must(EVENT_AMOUNT_MESSAGE))
  .refine(isEventAmount, EVENT_AMOUNT_MESSAGE)
  .meta({ pattern: '^[1-9][0-9]{0,17}$' });
const CURRENCY_MESSAGE = 'must be a three-letter upper-case currency code';
/** An ISO-4217-shaped currency code. */
export const Currency = z.string(must(CURRENCY_MESSAGE)).regex(/^[A-Z]{3}$/, CURRENCY_MESSAGE);
