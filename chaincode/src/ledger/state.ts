import type { Iterators } from 'fabric-shim-api';

import type { RecordType } from './records';
import { fromBytes, toBytes } from '../shared/codec';
import { invalid, notFound } from '../shared/errors';
import { describeIssues, formatTime } from '../shared/validate';

import type { KisekiContext } from './context';
import { compositeKey } from './keys';
import { getStates } from './peer-batch';

/**
 * Ledger plumbing shared by every contract: typed record reads and writes through the one codec
 * (validated on the way in and on the way out), index markers, bounded paged queries, history and
 * private data. Semantics are the peer's: reads see the committed state only (never this
 * transaction's own writes), and a transaction that ran a paginated query may not write.
 */

/** Value of an index key whose meaning is all in the key (an empty value would be a delete). */
export const INDEX_MARKER: Uint8Array = Uint8Array.of(0);

/** A key as text fit for messages (composite-key separators shown as `/`). */
export function printableKey(key: string): string {
  return key
    .replace(/^\u0000/, '')
    .replace(/\u0000$/, '')
    .replaceAll('\u0000', '/');
}

function decode<T>(key: string, bytes: Uint8Array, type: RecordType<T>): T {
  let value: unknown;
  try {
    value = fromBytes<unknown>(bytes);
  } catch {
    throw new Error(`ledger value at ${printableKey(key)} is not JSON`);
  }
  const { record, issues } = type.parse(value);
  if (issues.length > 0) {
    throw new Error(`ledger value at ${printableKey(key)} is not a valid ${type.docType} record: ${describeIssues(issues)}`);
  }
  return record;
}

/**
 * Reads and validates a record; `undefined` when the key is absent. Each key is fetched from the peer
 * at most once per transaction (see {@link KisekiContext.reads}).
 * @throws Error when the stored value is not a valid record of `type` (a corrupt ledger, never input).
 */
export async function readRecord<T>(ctx: KisekiContext, key: string, type: RecordType<T>): Promise<T | undefined> {
  if (ctx.reads.has(key)) return (ctx.reads.get(key) ?? undefined) as T | undefined;
  const bytes = ctx.prefetched.get(key) ?? (await ctx.stub.getState(key));
  const record = bytes.length === 0 ? undefined : decode(key, bytes, type);
  ctx.reads.set(key, record ?? null);
  return record;
}

/**
 * Reads a record that must exist.
 * @param what how to name it in the refusal (`data item d-1`).
 * @throws KisekiError `NOT_FOUND` when absent.
 */
export async function requireRecord<T>(ctx: KisekiContext, key: string, type: RecordType<T>, what: string): Promise<T> {
  const record = await readRecord(ctx, key, type);
  if (record === undefined) throw notFound(`${what} does not exist`);
  return record;
}

/** True when the key holds a value in the committed state. */
export async function keyExists(ctx: KisekiContext, key: string): Promise<boolean> {
  const cached = ctx.reads.get(key);
  if (cached !== undefined) return cached !== null;
  return (ctx.prefetched.get(key) ?? (await ctx.stub.getState(key))).length > 0;
}

/**
 * Fetches many keys in one multi-key read (chunks of 1000 on a real peer) so that the reads that
 * follow are served locally; a batch of a thousand items then costs a few round trips, not thousands.
 * Reads are recorded in the read set exactly as individual reads would be.
 */
export async function prefetch(ctx: KisekiContext, keys: Iterable<string>): Promise<void> {
  const wanted = [...new Set(keys)].filter((key) => !ctx.reads.has(key) && !ctx.prefetched.has(key));
  if (wanted.length === 0) return;
  const values = await getStates(ctx.stub, wanted);
  wanted.forEach((key, i) => ctx.prefetched.set(key, values[i] ?? new Uint8Array(0)));
}

/**
 * Validates and writes a record as sorted-key JSON.
 * @throws Error when the record does not satisfy `type` (a programming error, caught before writing).
 */
export async function writeRecord<T>(ctx: KisekiContext, key: string, type: RecordType<T>, record: T): Promise<void> {
  const stamped = withActingClient(ctx, record);
  const { issues } = type.parse(stamped);
  if (issues.length > 0) {
    throw new Error(`refusing to write an invalid ${type.docType} record at ${printableKey(key)}: ${describeIssues(issues)}`);
  }
  await bufferWrite(ctx, key, toBytes(stamped));
}

/**
 * A stamped record (one with `createdBy`) as this transaction writes it: `actingClient` names the
 * API client that asked for this version, or is dropped when the caller sent none, so each version in
 * a key's history says who acted.
 */
function withActingClient<T>(ctx: KisekiContext, record: T): T {
  if (typeof record !== 'object' || record === null || !('createdBy' in record)) return record;
  const rest: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  delete rest.actingClient;
  const client = ctx.actingClient;
  return (client === undefined ? rest : { ...rest, actingClient: client }) as T;
}

/** Writes go to the transaction's buffer, flushed in batches when the function returns. */
function bufferWrite(ctx: KisekiContext, key: string, value: Uint8Array | undefined): Promise<void> {
  // Re-inserting keeps the peer's last-write-wins order for a key written twice.
  ctx.writes.delete(key);
  ctx.writes.set(key, value);
  return Promise.resolve();
}

/** Writes a small JSON value that is not a record (e.g. a training-set entry). */
export async function writeJson(ctx: KisekiContext, key: string, value: Readonly<Record<string, unknown>>): Promise<void> {
  await bufferWrite(ctx, key, toBytes(value));
}

/** Writes an index key (value {@link INDEX_MARKER}). */
export async function writeMarker(ctx: KisekiContext, key: string): Promise<void> {
  await bufferWrite(ctx, key, INDEX_MARKER);
}

/** Deletes a key. */
export async function deleteKey(ctx: KisekiContext, key: string): Promise<void> {
  await bufferWrite(ctx, key, undefined);
}

/** One key and value of a query result. */
export interface Entry {
  readonly key: string;
  readonly value: Uint8Array;
}

/** One page of a partial composite key query. */
export interface Page {
  readonly entries: readonly Entry[];
  /** Pass back to get the next page; empty when there is none. */
  readonly bookmark: string;
}

async function drain(iterator: Iterators.StateQueryIterator, limit: number): Promise<{ entries: Entry[]; more: boolean }> {
  const entries: Entry[] = [];
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return { entries, more: false };
      if (entries.length === limit) return { entries, more: true };
      entries.push({ key: next.value.key, value: next.value.value });
    }
  } finally {
    await iterator.close();
  }
}

/**
 * One page of the keys under `objectType` + `attributes`, in key order, through the peer's paginated
 * query. Evaluate-only transactions only: the peer refuses writes after a paginated query.
 * @param bookmark '' for the first page, else the bookmark of the previous page.
 * @throws KisekiError `INVALID` when the bookmark does not belong to this query.
 */
export async function readPage(
  ctx: KisekiContext,
  objectType: string,
  attributes: readonly string[],
  pageSize: number,
  bookmark: string,
): Promise<Page> {
  const prefix = compositeKey(objectType, attributes);
  // The peer starts the scan at the bookmark itself: one outside the prefix would read other keys.
  if (bookmark !== '' && !bookmark.startsWith(prefix)) throw invalid('bookmark does not belong to this query');
  const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
    objectType,
    [...attributes],
    pageSize,
    bookmark,
  );
  const { entries } = await drain(iterator, pageSize);
  // Over an empty range the peer sends no query metadata at all: that is the last (empty) page.
  const next = (metadata as { bookmark?: string } | undefined)?.bookmark ?? '';
  return { entries, bookmark: next };
}

/**
 * Up to `limit` keys under `objectType` + `attributes`, in key order, through an unpaginated query
 * (allowed in transactions that write). `more` tells whether further keys exist.
 */
export async function readAll(
  ctx: KisekiContext,
  objectType: string,
  attributes: readonly string[],
  limit: number,
): Promise<{ entries: readonly Entry[]; more: boolean }> {
  const iterator = await ctx.stub.getStateByPartialCompositeKey(objectType, [...attributes]);
  return drain(iterator, limit);
}

/** Decodes the values of query entries as records of `type`. */
export function decodeEntries<T>(entries: readonly Entry[], type: RecordType<T>): T[] {
  return entries.map((entry) => decode(entry.key, entry.value, type));
}

/** One modification of a key, newest first as the peer returns them. */
export interface HistoryEntry<T> {
  readonly txId: string;
  /** Transaction time, RFC 3339 UTC. */
  readonly timestamp: string;
  readonly isDelete: boolean;
  readonly record?: T;
}

/**
 * The history of a key, newest first, at most `limit` entries (`more` tells whether older ones exist).
 * Needs the peer's history database (`ledger.history.enableHistoryDatabase`, on by default).
 */
export async function readHistory<T>(
  ctx: KisekiContext,
  key: string,
  type: RecordType<T>,
  limit: number,
): Promise<{ entries: HistoryEntry<T>[]; more: boolean }> {
  const iterator = await ctx.stub.getHistoryForKey(key);
  const entries: HistoryEntry<T>[] = [];
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return { entries, more: false };
      if (entries.length === limit) return { entries, more: true };
      const { txId, timestamp, isDelete, value } = next.value;
      const ms = Number(timestamp.seconds.toString()) * 1000 + Math.floor(timestamp.nanos / 1_000_000);
      entries.push({
        txId,
        timestamp: formatTime(ms),
        isDelete,
        record: isDelete || value.length === 0 ? undefined : decode(key, value, type),
      });
    }
  } finally {
    await iterator.close();
  }
}

/** Reads and validates a private record; `undefined` when absent (or not held by this peer). */
export async function readPrivateRecord<T>(
  ctx: KisekiContext,
  collection: string,
  key: string,
  type: RecordType<T>,
): Promise<T | undefined> {
  const bytes = await ctx.stub.getPrivateData(collection, key);
  return bytes.length === 0 ? undefined : decode(key, bytes, type);
}

/** Validates and writes a private record as sorted-key JSON. */
export async function writePrivateRecord<T>(
  ctx: KisekiContext,
  collection: string,
  key: string,
  type: RecordType<T>,
  record: T,
): Promise<void> {
  const { issues } = type.parse(record);
  if (issues.length > 0) {
    throw new Error(`refusing to write an invalid ${type.docType} record at ${printableKey(key)}: ${describeIssues(issues)}`);
  }
  await ctx.stub.putPrivateData(collection, key, toBytes(record));
}
