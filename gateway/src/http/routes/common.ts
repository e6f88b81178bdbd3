import { z } from 'zod';
import type { Role } from '../../auth';
import type { LedgerClient, LedgerReader, Written } from '../../ledger/client';
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

/** The typed ledger client acting for the route's caller: writes are logged with who asked. */
export function ledgerOf(ctx: RouteContext<unknown, unknown, unknown>): LedgerClient {
  return ctx.services.transactor.client(ctx.principal, ctx.requestId);
}

/** Writes for all: submit through the typed client, then answer with the parsed record and the transaction. */
export async function submitWrite(
  ctx: RouteContext<unknown, unknown, unknown>,
  write: (ledger: LedgerClient) => Promise<Written<unknown>>,
  options: { status?: number } = {},
): Promise<RouteResult> {
  const submitted = await write(ledgerOf(ctx));
  return {
    status: options.status ?? 200,
    body: { record: submitted.result, transactionId: submitted.transactionId, blockNumber: submitted.blockNumber },
    headers: { 'Kiseki-Transaction-Id': submitted.transactionId },
  };
}

/** Reads: evaluate through the typed reader and answer with the parsed result. */
export async function evaluateRead(
  ctx: RouteContext<unknown, unknown, unknown>,
  read: (reader: LedgerReader) => Promise<unknown>,
): Promise<RouteResult> {
  return { status: 200, body: await read(ctx.services.reader) };
}

/**
 * A paged list: the chaincode takes one JSON query with `pageSize` and `bookmark` and answers a page
 * with a `bookmark` ('' after the last page); the REST cursor is the bookmark, opaque.
 */
export async function pagedRead<Q extends object>(
  ctx: RouteContext<unknown, unknown, unknown>,
  read: (
    reader: LedgerReader,
    query: Q & { pageSize: number; bookmark: string },
  ) => Promise<{ items: readonly unknown[]; bookmark: string }>,
  query: Q,
  page: { limit: number; cursor?: string | undefined },
): Promise<RouteResult> {
  const result = await read(ctx.services.reader, { ...query, pageSize: page.limit, bookmark: decodeCursor(page.cursor) });
  const nextCursor = encodeCursor(result.bookmark);
  return { status: 200, body: { items: result.items, ...(nextCursor === undefined ? {} : { nextCursor }) } };
}

/** The media type of a request without parameters, e.g. `image/png`. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const base = contentType?.split(';')[0]?.trim().toLowerCase();
  return base === undefined || base === '' ? undefined : base;
}
