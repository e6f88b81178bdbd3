import { constant, exponential, fullJitter, poll, retry, retryAfterMs, sleep, type Outcome } from './retry';

describe('sleep', () => {
  test('when the signal aborts during the wait, then it rejects with the reason at once', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('when the signal is already aborted, then it rejects without waiting', async () => {
    await expect(sleep(60_000, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('backoff schedules', () => {
  test('when full jitter draws its extremes, then delays stay within [min, min(cap, base·2^attempt)) (or at min when that is lower)', () => {
    for (const draw of [0, 0.5, 0.999999]) {
      const delay = fullJitter(50, 2_000, 100, () => draw);
      for (let attempt = 1; attempt <= 12; attempt += 1) {
        const ms = delay(attempt);
        expect(ms).toBeGreaterThanOrEqual(100);
        expect(ms).toBeLessThanOrEqual(Math.max(100, Math.min(2_000, 50 * 2 ** attempt) - 1));
      }
    }
    expect(fullJitter(100, 5_000, 0, () => 0.5)(3)).toBe(400);
  });

  test('when exponential backoff grows, then it doubles from the base and stops at the cap', () => {
    const delay = exponential(250, 1_500);
    expect([1, 2, 3, 4, 5].map(delay)).toEqual([250, 500, 1000, 1500, 1500]);
    expect(constant(7)(9)).toBe(7);
  });
});

describe('retryAfterMs', () => {
  test('when the header gives seconds or an HTTP date, then it is the wait in ms; otherwise undefined', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2_000);
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs(new Date(now + 3_000).toUTCString(), now)).toBe(3_000);
    expect(retryAfterMs(new Date(now - 3_000).toUTCString(), now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});

describe('retry', () => {
  test('when every attempt fails, then it stops at the attempt budget and throws the last error', async () => {
    const waits: number[] = [];
    let calls = 0;
    await expect(
      retry(
        (n) => {
          calls += 1;
          return Promise.reject(new Error(`failure ${n}`));
        },
        { attempts: 4, delay: exponential(1, 4), onRetry: (_o, _n, ms) => waits.push(ms) },
      ),
    ).rejects.toThrow('failure 4');
    expect(calls).toBe(4);
    expect(waits).toEqual([1, 2, 4]);
  });

  test('when an attempt succeeds after failures, then its value is returned', async () => {
    await expect(retry((n) => (n < 3 ? Promise.reject(new Error('not yet')) : Promise.resolve(n)), { delay: constant(1) })).resolves.toBe(
      3,
    );
  });

  test('when an error is not retryable, then it is thrown after one attempt', async () => {
    let calls = 0;
    const fatal = new Error('INVALID: no');
    await expect(
      retry(
        () => {
          calls += 1;
          return Promise.reject(fatal);
        },
        { attempts: 5, delay: constant(1), retryIf: (o) => !o.ok && o.error !== fatal },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  test('when values ask for a retry, then the delay sees them (Retry-After) and the last value is returned once the budget is spent', async () => {
    const waits: number[] = [];
    const answers = [
      { status: 503, retryAfter: '0.003' },
      { status: 503, retryAfter: null },
      { status: 503, retryAfter: '0.001' },
    ];
    const result = await retry((n) => Promise.resolve(answers[n - 1] ?? { status: 200, retryAfter: null }), {
      attempts: 3,
      retryIf: (o) => o.ok && o.value.status === 503,
      delay: (n, o: Outcome<{ retryAfter: string | null }>) => (o.ok ? (retryAfterMs(o.value.retryAfter) ?? n * 2) : 0),
      onRetry: (_o, _n, ms) => waits.push(ms),
    });
    expect(waits).toEqual([3, 4]);
    expect(result).toEqual({ status: 503, retryAfter: '0.001' });
  });

  test('when the next wait would pass the deadline, then it gives up with the last error', async () => {
    let calls = 0;
    await expect(
      retry(
        () => {
          calls += 1;
          return Promise.reject(new Error('down'));
        },
        { delay: constant(10_000), deadlineMs: 5_000 },
      ),
    ).rejects.toThrow('down');
    expect(calls).toBe(1);
  });

  test('when the signal aborts during a wait, then it rejects with the reason and makes no further attempt', async () => {
    const controller = new AbortController();
    let calls = 0;
    const running = retry(
      (_n, signal) => {
        calls += 1;
        expect(signal).toBe(controller.signal);
        return Promise.reject(new Error('down'));
      },
      {
        delay: constant(60_000),
        signal: controller.signal,
        onRetry: () => {
          controller.abort(new Error('shutdown'));
        },
      },
    );
    await expect(running).rejects.toThrow('shutdown');
    expect(calls).toBe(1);
  });
});

describe('poll', () => {
  test('when the condition holds on the third check, then its value is returned', async () => {
    let checks = 0;
    await expect(poll(() => (++checks >= 3 ? 'ready' : undefined), { everyMs: 1 })).resolves.toBe('ready');
    expect(checks).toBe(3);
  });

  test('when the timeout passes first, then it returns undefined; when the check throws, then the poll ends with it', async () => {
    await expect(poll(() => false, { everyMs: 1, timeoutMs: 5 })).resolves.toBeUndefined();
    await expect(poll(() => Promise.reject(new Error('process died')), { everyMs: 1 })).rejects.toThrow('process died');
  });
});
