import { AppError } from '../errors';

/**
 * A token bucket per client address for the unauthenticated surface: `burst` requests at once, refilled
 * at `perMinute`. The table is bounded: past `maxClients` the least recently seen address is dropped
 * (it then starts with a full bucket, which errs on the side of answering).
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly maxClients = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes one token for `client`.
   * @throws AppError `TOO_MANY_REQUESTS` (429, with Retry-After) when the bucket is empty.
   */
  take(client: string): void {
    const now = this.now();
    const refill = this.perMinute / 60_000;
    const previous = this.#buckets.get(client);
    const tokens = previous === undefined ? this.burst : Math.min(this.burst, previous.tokens + (now - previous.at) * refill);
    this.#buckets.delete(client);
    if (tokens < 1) {
      this.#buckets.set(client, { tokens, at: now });
      const retryAfter = Math.max(1, Math.ceil((1 - tokens) / refill / 1000));
      throw new AppError('TOO_MANY_REQUESTS', `too many requests; retry in ${retryAfter} s`, {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    this.#buckets.set(client, { tokens: tokens - 1, at: now });
    while (this.#buckets.size > this.maxClients) this.#buckets.delete(this.#buckets.keys().next().value as string);
  }
}
