/**
 * One way to wait and to retry, shared by the network tool, the gateway and the client: an abortable
 * sleep, backoff schedules, a retry loop with an attempt budget, a deadline and an AbortSignal, and a
 * poll for a condition. This module depends on nothing but Node's timers, so any package can import it
 * (`@kiseki/network/dist/retry`) without loading the network tool.
 */

/** The reason a wait ended early: the signal's own reason when it is an error, else an AbortError. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('The operation was aborted', { cause: reason });
  error.name = 'AbortError';
  return error;
}

/**
 * Resolves after `ms` (at least 0). With a `signal`, rejects with its reason as soon as it aborts.
 * `unref` lets the process exit while the sleep is pending (background loops).
 */
export function sleep(ms: number, signal?: AbortSignal, options: { unref?: boolean } = {}): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    if (options.unref === true) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A delay schedule: the wait in ms before retry number `attempt` (1 for the first retry). */
export type Backoff = (attempt: number) => number;

/**
 * Exponential backoff with full jitter: a random delay in [0, min(cap, base·2^attempt)), floored at
 * `minMs`. Jitter spreads retries of many callers that failed together.
 */
export function fullJitter(baseMs: number, capMs = 5_000, minMs = 0, random: () => number = Math.random): Backoff {
  return (attempt) => Math.max(minMs, Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt)));
}

/** Exponential backoff without jitter: `base·2^(attempt-1)`, capped (base, 2·base, 4·base, …). */
export function exponential(baseMs: number, capMs: number): Backoff {
  return (attempt) => Math.min(baseMs * 2 ** Math.max(0, attempt - 1), capMs);
}

/** The same delay before every retry. */
export const constant =
  (ms: number): Backoff =>
  () =>
    ms;

/**
 * The wait a `Retry-After` header asks for, in ms (seconds or an HTTP date; never negative), or
 * undefined when the header is absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.max(ms, 0) : undefined;
}

/** What one attempt gave: a value or an error. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface RetryOptions<T> {
  /** Attempts in all, the first included (default: unbounded, so give a deadline or a signal). */
  readonly attempts?: number;
  /** Wait before retry `attempt` (1 for the first retry); the outcome lets it honour e.g. Retry-After. */
  readonly delay: (attempt: number, outcome: Outcome<T>) => number;
  /** Whether this outcome is worth another attempt. Default: every error is, every value is not. */
  readonly retryIf?: (outcome: Outcome<T>, attempt: number) => boolean;
  /** Give up rather than start a wait that would end more than `deadlineMs` after the first attempt. */
  readonly deadlineMs?: number;
  /** Aborts the wait between attempts (and is passed to each attempt). */
  readonly signal?: AbortSignal;
  /** Called before each wait (logging, metrics). */
  readonly onRetry?: (outcome: Outcome<T>, attempt: number, delayMs: number) => void;
  /** Let the process exit during a wait (background loops). */
  readonly unref?: boolean;
}

/**
 * Runs `attempt` until its outcome is accepted, the attempt budget or the deadline is spent, or the
 * signal aborts. Returns the last value; rethrows the last error when the final outcome is one.
 * @throws the last attempt's error, or the signal's reason when aborted during a wait.
 */
export async function retry<T>(attempt: (n: number, signal?: AbortSignal) => Promise<T>, options: RetryOptions<T>): Promise<T> {
  const started = Date.now();
  const attempts = options.attempts ?? Number.POSITIVE_INFINITY;
  const retryIf = options.retryIf ?? ((outcome: Outcome<T>) => !outcome.ok);
  for (let n = 1; ; n += 1) {
    options.signal?.throwIfAborted();
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, value: await attempt(n, options.signal) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const settle = (): T => {
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    };
    if (n >= attempts || options.signal?.aborted === true || !retryIf(outcome, n)) return settle();
    const wait = options.delay(n, outcome);
    if (options.deadlineMs !== undefined && Date.now() + wait - started > options.deadlineMs) return settle();
    options.onRetry?.(outcome, n, wait);
    await sleep(wait, options.signal, { unref: options.unref === true });
  }
}

export interface PollOptions {
  /** Time between checks, in ms. */
  readonly everyMs: number;
  /** Give up after this long, in ms (default: never). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Checks `condition` every `everyMs` until it returns a value other than `undefined`/`false`; returns
 * that value, or undefined when `timeoutMs` passed first. A throwing check ends the poll (fail fast,
 * e.g. when the process being waited for died).
 * @throws what `condition` throws, or the signal's reason when aborted.
 */
export async function poll<T>(
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  options: PollOptions,
): Promise<T | undefined> {
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(Math.min(options.everyMs, Math.max(0, deadline - Date.now())), options.signal);
  }
}
