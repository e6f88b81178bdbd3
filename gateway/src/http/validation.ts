import { z } from 'zod';
import { AppError, type Issue } from '../errors';

/**
 * Schema validation at the edge: a failed parse becomes a 400 with one issue per bad field, rendered
 * from zod's issue list (path, code, message) and never from its raw error text.
 */

export function issuesOf(error: z.ZodError, prefix: string): Issue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.'),
    code: issue.code,
    message: issue.message,
  }));
}

/**
 * Parses `value` against `schema`.
 * @param where `body`, `query`, `params` or `header`: prefixes each issue's path.
 * @throws AppError `INVALID` with field-level issues.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = issuesOf(result.error, where);
    const first = issues[0];
    const summary = first === undefined ? `invalid ${where}` : `${first.path || where}: ${first.message}`;
    throw new AppError('INVALID', issues.length > 1 ? `${summary} (and ${issues.length - 1} more)` : summary, { issues });
  }
  return result.data;
}

// Shared field schemas, matching the chaincode's rules (shared/validate.ts) so bad input stops here.
export const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1–128 of A-Z a-z 0-9 . _ : - (starting alphanumeric)');
export const MspId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be an MSP ID');
export const DigestHex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256 digest');
export const MediaType = z
  .string()
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$/, 'must be a media type like image/png');
export const Rfc3339 = z.iso.datetime({ offset: true });
export const Bps = z.number().int().min(0).max(10_000);
/** Integer minor units as a decimal string. */
/** One event's amount (a revenue report, a price): 1 ≤ amount ≤ 10^18 − 1 minor units. */
export const EventAmount = z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be a positive integer of at most 18 digits in minor units, as a decimal string');
/** A territory such as "JP" or "worldwide". */
export const Territory = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ,._-]{0,63}$/, 'must be a territory like "JP" or "worldwide"');
export const Amount = z.string().regex(/^(0|[1-9][0-9]{0,30})$/, 'must be a non-negative integer in minor units, as a decimal string');
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like JPY');

/** Cursor paging for list endpoints. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2048).optional(),
});

/** A paged list response. */
