import { createHash } from 'node:crypto';
import { AppError, toAppError } from '../errors';
import type { DocumentStore } from '../store/store';

/**
 * `Idempotency-Key` for POSTs: the first request with a key runs; a retry with the same key (same client,
 * same request) gets the stored result back instead of running again; a retry while the first is still
 * running gets 409; the same key reused for a different request gets 422. Final outcomes (2xx and 4xx)
 * are stored; a 5xx releases the key so the client may retry (client-chosen IDs plus the chaincode's
 * uniqueness checks keep such a retry from registering twice).
 */

export interface StoredResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface IdempotencyRecord {
  state: 'in-progress' | 'done';
  fingerprint: string;
  startedAt: string;
  response?: StoredResponse;
  /** SHA-256 of the streamed content the first request carried (uploads), once it was read. */
  contentDigest?: string;
}

/** For uploads, whose bytes are not in the fingerprint (they are not read until the request runs). */
export interface ContentCheck {
  /** The digest of the content the first request carried, once it ran (undefined if never read). */
  digest(): string | undefined;
  /** Reads and digests this request's content: called only to compare with a stored outcome's digest. */
  digestIncoming(): Promise<string>;
}

const NAMESPACE = 'idempotency';
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Digest identifying a request: method, path with query, and body. */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n`)
    .update(body === undefined ? '' : JSON.stringify(body))
    .digest('hex');
}

export interface IdempotencyOptions {
  /** An in-progress record older than this belongs to a crashed process and may be taken over. */
  staleAfterMs: number;
  /** Records older than this are swept. */
  retainMs: number;
}

export class IdempotencyGuard {
  constructor(
    private readonly store: DocumentStore,
    private readonly options: IdempotencyOptions = { staleAfterMs: 10 * 60_000, retainMs: 24 * 3_600_000 },
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Runs `execute` once per (client, key, request).
   * With `content`, a stored outcome of an upload is replayed only for the same bytes.
   * @throws AppError `IDEMPOTENCY_IN_PROGRESS` (409) or `IDEMPOTENCY_MISMATCH` (422); rethrows what
   * `execute` throws after storing it when it is a final (4xx) outcome.
   */
  async run(
    clientId: string,
    key: string,
    fingerprint: string,
    execute: () => Promise<StoredResponse>,
    content?: ContentCheck,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new AppError('INVALID', 'Idempotency-Key must be 1–255 visible ASCII characters', {
        issues: [{ path: 'header.Idempotency-Key', code: 'invalid_format', message: 'must be 1–255 visible ASCII characters' }],
      });
    }
    const id = `${clientId}\n${key}`;
    const fresh: IdempotencyRecord = { state: 'in-progress', fingerprint, startedAt: new Date(this.now()).toISOString() };
    if (!(await this.store.create(NAMESPACE, id, fresh))) {
      const existing = await this.store.get<IdempotencyRecord>(NAMESPACE, id);
      if (existing !== undefined) {
        if (existing.fingerprint !== fingerprint) {
          throw new AppError('IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was already used for a different request');
        }
        if (existing.state === 'done' && existing.response !== undefined) {
          if (
            existing.contentDigest !== undefined &&
            content !== undefined &&
            (await content.digestIncoming()) !== existing.contentDigest
          ) {
            throw new AppError('IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was already used for different content');
          }
          return { response: existing.response, replayed: true };
        }
        if (this.now() - Date.parse(existing.startedAt) < this.options.staleAfterMs) {
          throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'a request with this Idempotency-Key is still in progress', {
            headers: { 'Retry-After': '1' },
          });
        }
      }
      await this.store.put(NAMESPACE, id, fresh);
    }
    let response: StoredResponse;
    try {
      response = await execute();
    } catch (error) {
      const appError = toAppError(error);
      if (appError.httpStatus >= 400 && appError.httpStatus < 500) {
        const digest = content?.digest();
        await this.store.put(NAMESPACE, id, {
          ...fresh,
          state: 'done',
          response: { status: appError.httpStatus, body: appError.toBody(), headers: { ...appError.headers } },
          ...(digest === undefined ? {} : { contentDigest: digest }),
        } satisfies IdempotencyRecord);
      } else {
        await this.store.delete(NAMESPACE, id);
      }
      throw error;
    }
    const digest = content?.digest();
    await this.store.put(NAMESPACE, id, {
      ...fresh,
      state: 'done',
      response,
      ...(digest === undefined ? {} : { contentDigest: digest }),
    } satisfies IdempotencyRecord);
    return { response, replayed: false };
  }

  /** Deletes records older than the retention period; returns how many. */
  async sweep(): Promise<number> {
    // A shared database deletes by the row's write time itself; replicas sweeping at once do no harm.
    if (this.store.deleteOlderThan !== undefined) return this.store.deleteOlderThan(NAMESPACE, this.options.retainMs);
    let removed = 0;
    for (const { key, value } of await this.store.list<IdempotencyRecord>(NAMESPACE)) {
      if (this.now() - Date.parse(value.startedAt) > this.options.retainMs) {
        await this.store.delete(NAMESPACE, key);
        removed += 1;
      }
    }
    return removed;
  }
}
