import { AppError } from '../errors';
import { retryAfterSeconds, TokenBuckets } from './rate-limit';

/**
 * Per-key request limits: a token bucket for the request rate and a cap on requests in flight, plus caps
 * on concurrent uploads per key and per gateway (each upload holds buffers of about two multipart
 * parts). Past a limit the answer is 429 with `Retry-After`; nothing runs. Keys are API client ids.
 */

export interface LimitSettings {
  /** Off: no rate or concurrency limit (uploads stay capped per gateway). */
  enabled: boolean;
  /** Sustained requests per second per key, and the burst a key may spend at once. */
  ratePerSecond: number;
  burst: number;
  /** Requests in flight per key (event streams excluded: they have their own cap). */
  concurrentPerKey: number;
  /** Open event streams per key. */
  streamsPerKey: number;
  uploadsPerKey: number;
  uploadsPerGateway: number;
}

export const DEFAULT_LIMITS: LimitSettings = {
  enabled: true,
  ratePerSecond: 1000,
  burst: 2000,
  concurrentPerKey: 64,
  streamsPerKey: 16,
  uploadsPerKey: 8,
  uploadsPerGateway: 32,
};

const tooMany = (message: string, seconds: number): AppError =>
  new AppError('TOO_MANY_REQUESTS', message, { headers: { 'Retry-After': String(retryAfterSeconds(seconds)) } });

/** What kind of slot a request takes. */
export type RequestKind = 'request' | 'stream' | 'upload';

export class RequestLimiter {
  readonly #buckets: TokenBuckets;
  readonly #inFlight = new Map<string, number>();
  readonly #streams = new Map<string, number>();
  readonly #uploads = new Map<string, number>();
  #uploadsTotal = 0;

  constructor(
    private readonly settings: LimitSettings,
    now: () => number = Date.now,
  ) {
    this.#buckets = new TokenBuckets(settings.ratePerSecond, settings.burst, 10_000, now);
  }

  /**
   * Takes a slot for one request of `key`, or refuses it.
   * @returns the release function, to call exactly once when the response ends.
   * @throws AppError `TOO_MANY_REQUESTS` (429) with Retry-After.
   */
  acquire(key: string, kind: RequestKind): () => void {
    const s = this.settings;
    if (kind === 'upload' && this.#uploadsTotal >= s.uploadsPerGateway) {
      throw tooMany(`this gateway is receiving ${s.uploadsPerGateway} uploads already; retry shortly`, 2);
    }
    if (s.enabled) {
      this.#spendToken(key);
      const counter = kind === 'stream' ? this.#streams : this.#inFlight;
      const cap = kind === 'stream' ? s.streamsPerKey : s.concurrentPerKey;
      if ((counter.get(key) ?? 0) >= cap) {
        throw tooMany(kind === 'stream' ? `at most ${cap} open event streams per key` : `at most ${cap} requests in flight per key`, 1);
      }
      if (kind === 'upload' && (this.#uploads.get(key) ?? 0) >= s.uploadsPerKey)
        throw tooMany(`at most ${s.uploadsPerKey} uploads at once per key`, 2);
    }
    const taken: [Map<string, number>, string][] = [];
    const take = (map: Map<string, number>): void => {
      map.set(key, (map.get(key) ?? 0) + 1);
      taken.push([map, key]);
    };
    if (s.enabled) take(kind === 'stream' ? this.#streams : this.#inFlight);
    if (kind === 'upload') {
      this.#uploadsTotal += 1;
      if (s.enabled) take(this.#uploads);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const [map, k] of taken) {
        const left = (map.get(k) ?? 1) - 1;
        if (left <= 0) map.delete(k);
        else map.set(k, left);
      }
      if (kind === 'upload') this.#uploadsTotal -= 1;
    };
  }

  #spendToken(key: string): void {
    const wait = this.#buckets.take(key);
    if (wait > 0) throw tooMany(`more than ${this.settings.ratePerSecond} requests per second for this key`, wait);
  }
}
