import pino, { type DestinationStream, type LevelWithSilent } from 'pino';

/**
 * Structured JSON logs through pino, one object per line on stdout: `{ level, time, ...fields, msg }`
 * with the level as its name and the time in ISO 8601. Request-scoped and component loggers are pino
 * child loggers carrying their fields (the request id, the component) on every line.
 *
 * Secrets never reach a line: before pino serializes a line, the fields that hold secrets (API keys,
 * Authorization headers, vault and database secrets) are censored at any depth, and every string
 * (message and field values) is scrubbed of bearer tokens and presigned-URL signatures. This walk
 * replaces pino's `redact`: its wildcard paths cost several times the line's own serialization, only
 * reach fixed depths, and cannot see inside a string.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines also carry `fields`. */
  child(fields: Record<string, unknown>): Logger;
}

/** Field names (compared in lower case) whose values are secrets, wherever they sit in a line's fields. */
const SECRET_FIELDS = new Set([
  'authorization',
  'proxy-authorization',
  'apikey',
  'x-api-key',
  'secretkey',
  'accesskey',
  'sessiontoken',
  'password',
  'kmssecretkey',
  'privatekey',
  'cookie',
  'set-cookie',
]);
export const REDACTED = '[redacted]';

/** Query parameters of presigned URLs (S3 v4 and v2) that let their bearer read or write. */
const SIGNED_PARAM = /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=)[^&\s"']+/gi;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;

/** A string with bearer tokens and presigned-URL signatures replaced. */
export function scrub(text: string): string {
  // Most strings hold neither a query string nor a bearer token: skip the regular expressions for them.
  const signed = text.includes('=');
  const bearer = text.includes('earer');
  if (!signed && !bearer) return text;
  const unsigned = signed ? text.replace(SIGNED_PARAM, `$1${REDACTED}`) : text;
  return bearer ? unsigned.replace(BEARER, `$1${REDACTED}`) : unsigned;
}

/** A copy of `value` with secret fields censored and every string scrubbed (bounded depth). */
function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  if (value instanceof Error) return scrubDeep(errorFields(value), depth);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELDS.has(k.toLowerCase()) ? REDACTED : scrubDeep(v, depth + 1);
  return out;
}

/** Renders an error (and its cause chain) as plain data for a log line. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const out: Record<string, unknown> = { error: error.message, errorName: error.name };
  if (error.cause !== undefined) out.cause = errorFields(error.cause);
  return out;
}

/** Wraps a pino logger in the gateway's `(msg, fields)` call shape. */
function wrap(log: pino.Logger): Logger {
  const emit =
    (level: LogLevel) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (!log.isLevelEnabled(level)) return;
      if (fields === undefined) log[level](scrub(msg));
      else log[level](scrubDeep(fields) as Record<string, unknown>, scrub(msg));
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => wrap(log.child(scrubDeep(fields) as Record<string, unknown>)),
  };
}

/**
 * The gateway's logger at `level`, with `base` on every line, writing each line (without its newline)
 * to `write`, or to stdout.
 */
export function createLogger(
  level: LogLevel | 'silent' = 'info',
  base: Record<string, unknown> = {},
  write?: (line: string) => void,
): Logger {
  const destination: DestinationStream =
    write === undefined
      ? pino.destination({ dest: 1, sync: true })
      : {
          write: (line: string) => {
            write(line.endsWith('\n') ? line.slice(0, -1) : line);
          },
        };
  const log = pino(
    {
      level: level satisfies LevelWithSilent,
      base: scrubDeep(base) as Record<string, unknown>,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(log);
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger('silent', {}, () => undefined);
