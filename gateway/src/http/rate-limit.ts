import { AppError } from '../errors';

/**
 * Token buckets keyed by client: each holds at most `burst` tokens and refills at `perSecond`. The
 * table is bounded: past `maxKeys` the least recently seen key is dropped (it then starts with a full
 * bucket, which errs on the side of answering). Both request limiters of the gateway count with it.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Spends one token of `key`.
   * @returns 0 when a token was spent; otherwise the seconds until one is available (nothing spent).
   */
  take(key: string): number {
    const now = this.now();
    const previous = this.#buckets.get(key);
    const tokens =
      previous === undefined ? this.burst : Math.min(this.burst, previous.tokens + ((now - previous.at) / 1000) * this.perSecond);
    // Re-inserted on every use, so the Map's order is least recently seen first.
    this.#buckets.delete(key);
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at: now });
      return (1 - tokens) / this.perSecond;
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    while (this.#buckets.size > this.maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string);
    return 0;
  }
}

/** Whole seconds for a `Retry-After` header: at least 1. */
export const retryAfterSeconds = (seconds: number): number => Math.max(1, Math.ceil(seconds));

/**
 * A token bucket per client address for the unauthenticated surface: `burst` requests at once, refilled
 * at `perMinute`, over a bounded table of `maxClients` addresses.
 */
export class RateLimiter {
  readonly #buckets: TokenBuckets;

  constructor(perMinute: number, burst: number, maxClients = 10_000, now: () => number = Date.now) {
    this.#buckets = new TokenBuckets(perMinute / 60, burst, maxClients, now);
  }

  /**
   * Takes one token for `client`.
   * @throws AppError `TOO_MANY_REQUESTS` (429, with Retry-After) when the bucket is empty.
   */
  take(client: string): void {
    const wait = this.#buckets.take(client);
    if (wait === 0) return;
    const retryAfter = retryAfterSeconds(wait);
    throw new AppError('TOO_MANY_REQUESTS', `too many requests; retry in ${retryAfter} s`, {
      headers: { 'Retry-After': String(retryAfter) },
    });
  }
}
