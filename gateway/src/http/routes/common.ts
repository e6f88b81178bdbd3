import { z } from 'zod';
import type { Role } from '../../auth';
import { AppError } from '../../errors';
import type { RouteContext, RouteResult, ResponseSpec } from '../route';
import { decodeCursor, encodeCursor } from '../../use-cases/paging';

/** Shared pieces of the resource routes: role groups, response shapes and the write/read helpers. */

export const STUDIO: readonly Role[] = ['studio-operator'];
export const LICENSOR: readonly Role[] = ['licensor-operator'];
export const STUDIO_OR_LICENSOR: readonly Role[] = ['studio-operator', 'licensor-operator'];
export const STUDIO_OR_PROVIDER: readonly Role[] = ['studio-operator', 'provider-agent'];

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })).optional(),
      transactionId: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

export const WriteResult = z
  .object({ record: z.unknown(), transactionId: z.string(), blockNumber: z.string() })
  .meta({ id: 'WriteResult', description: 'The record as written and the committed transaction' });

export const Content = z.object({ key: z.string(), digest: z.string(), size: z.number().int() }).meta({ id: 'Content' });

export const UploadResult = z
  .object({ record: z.unknown(), transactionId: z.string(), blockNumber: z.string(), content: Content })
  .meta({ id: 'UploadResult' });

export const Download = z.object({ url: z.url(), expiresAt: z.string() }).meta({ id: 'Download' });

export const Page = z
  .object({ items: z.array(z.unknown()), nextCursor: z.string().optional() })
  .meta({ id: 'Page', description: 'One page; pass nextCursor as cursor for the next (absent on the last page)' });

const errorResponse = (description: string): ResponseSpec => ({ description, schema: ErrorBody });

/** The error responses every authenticated route can give, plus the listed ones. */
export function errors(...extra: (400 | 403 | 404 | 409 | 413 | 415 | 422 | 502 | 503 | 504)[]): Record<number, ResponseSpec> {
  const descriptions: Record<number, string> = {
    400: 'Invalid input (field-level issues)',
    401: 'Missing or unknown API key',
    403: 'The role or org may not do this',
    404: 'Not found',
    409: 'Conflict or wrong state (or the same Idempotency-Key is in progress)',
    413: 'Upload larger than the limit; nothing kept',
    415: 'Wrong Content-Type',
    422: 'Idempotency-Key reused for a different request',
    429: 'Over a rate, concurrency or upload limit of the key, address or gateway (see Retry-After)',
    500: 'Internal error',
    502: 'Endorsement or commit failed (transactionId included)',
    503: 'Peer or vault unavailable',
    504: 'Timed out; the transaction may still commit (transactionId included)',
  };
  const codes = [400, 401, 403, 429, 500, ...extra];
  return Object.fromEntries(codes.map((code) => [code, errorResponse(descriptions[code] ?? 'Error')]));
}

/** The error responses of the unauthenticated verification surface, plus the listed ones. */
export function publicErrors(...extra: (404 | 409 | 413 | 415 | 503)[]): Record<number, ResponseSpec> {
  const descriptions: Record<number, string> = {
    400: 'Invalid input (field-level issues)',
    404: 'Not registered, not found, or the public surface is off',
    409: 'Wrong state (e.g. the model is not sealed)',
    413: 'Upload larger than the limit; nothing kept',
    415: 'Wrong Content-Type',
    429: 'Too many requests from this address (Retry-After says when to retry)',
    500: 'Internal error',
    503: 'Peer unavailable',
  };
  return Object.fromEntries([400, 429, 500, ...extra].map((code) => [code, errorResponse(descriptions[code] ?? 'Error')]));
}

/** Writes for all: submit, then answer with the record and transaction. */
export async function submitWrite(
  ctx: RouteContext<unknown, unknown, unknown>,
  contract: string,
  transaction: string,
  request: Record<string, unknown>,
  options: { status?: number; transient?: Record<string, string> } = {},
): Promise<RouteResult> {
  const submitted = await ctx.services.transactor.submit(ctx.principal, ctx.requestId, contract, transaction, request, options.transient);
  return {
    status: options.status ?? 200,
    body: { record: submitted.result, transactionId: submitted.transactionId, blockNumber: submitted.blockNumber },
    headers: { 'Kiseki-Transaction-Id': submitted.transactionId },
  };
}

/** Reads: evaluate and answer with the result. */
export async function evaluateRead(
  ctx: RouteContext<unknown, unknown, unknown>,
  contract: string,
  transaction: string,
  args: readonly string[],
): Promise<RouteResult> {
  const result = await ctx.services.ledger.evaluate(contract, transaction, args);
  if (result === undefined) throw new AppError('NOT_FOUND', 'not found');
  return { status: 200, body: result };
}

/**
 * A paged list: the chaincode takes one JSON query with `pageSize` and `bookmark` and answers
 * `{ items, bookmark }`; the REST cursor is the bookmark, opaque.
 */
export async function pagedRead(
  ctx: RouteContext<unknown, unknown, unknown>,
  contract: string,
  transaction: string,
  query: Record<string, unknown>,
  page: { limit: number; cursor?: string | undefined },
): Promise<RouteResult> {
  const result = (await ctx.services.ledger.evaluate(contract, transaction, [
    JSON.stringify({ ...query, pageSize: page.limit, bookmark: decodeCursor(page.cursor) }),
  ])) as { items?: unknown[]; ids?: unknown[]; bookmark?: string } | undefined;
  const nextCursor = encodeCursor(result?.bookmark ?? '');
  return { status: 200, body: { items: result?.items ?? result?.ids ?? [], ...(nextCursor === undefined ? {} : { nextCursor }) } };
}

/** The media type of a request without parameters, e.g. `image/png`. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const base = contentType?.split(';')[0]?.trim().toLowerCase();
  return base === undefined || base === '' ? undefined : base;
}
