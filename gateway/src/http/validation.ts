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

// The field schemas are the chaincode's own (shared/schema): one definition, so bad input stops here
// with the very rule the chaincode applies.
export {
  Amount,
  Bps,
  Currency,
  Digest as DigestHex,
  EventAmount,
  Id,
  MediaType,
  MspId,
  Territory,
  Timestamp as Rfc3339,
} from '@kiseki/chaincode/shared/schema';

/** Cursor paging for list endpoints. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2048).optional(),
});

/** A paged list response. */
