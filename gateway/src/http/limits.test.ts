/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument -- errors and response bodies are asserted as loose objects */
import { json, startHarness } from '../testing/harness';
import { DEFAULT_LIMITS, RequestLimiter } from './limits';

describe('request limits', () => {
  test('when a key spends its burst, then 429 with Retry-After until tokens refill; other keys are unaffected', () => {
    let now = 0;
    const limiter = new RequestLimiter({ ...DEFAULT_LIMITS, ratePerSecond: 10, burst: 3 }, () => now);
    for (let i = 0; i < 3; i += 1) limiter.acquire('a', 'request')();
    expect(() => limiter.acquire('a', 'request')).toThrow(
      expect.objectContaining({ code: 'TOO_MANY_REQUESTS', headers: { 'Retry-After': '1' } }),
    );
    limiter.acquire('b', 'request')();
    now += 100;
    limiter.acquire('a', 'request')();
  });

  test('when a key has its cap of requests in flight, then the next is refused until one ends', () => {
    const limiter = new RequestLimiter({ ...DEFAULT_LIMITS, concurrentPerKey: 2 });
    const first = limiter.acquire('a', 'request');
    limiter.acquire('a', 'request');
    expect(() => limiter.acquire('a', 'request')).toThrow(expect.objectContaining({ httpStatus: 429 }));
    first();
    first();
    limiter.acquire('a', 'request');
  });

  test('when uploads pass the per-key or per-gateway cap, then 429; with limits off the gateway cap still holds', () => {
    const limiter = new RequestLimiter({ ...DEFAULT_LIMITS, uploadsPerKey: 1, uploadsPerGateway: 2 });
    limiter.acquire('a', 'upload');
    expect(() => limiter.acquire('a', 'upload')).toThrow(expect.objectContaining({ message: 'at most 1 uploads at once per key' }));
    limiter.acquire('b', 'upload');
    expect(() => limiter.acquire('c', 'upload')).toThrow(expect.objectContaining({ httpStatus: 429 }));
    const off = new RequestLimiter({ ...DEFAULT_LIMITS, enabled: false, uploadsPerGateway: 1 });
    off.acquire('a', 'upload');
    expect(() => off.acquire('b', 'upload')).toThrow(expect.objectContaining({ httpStatus: 429 }));
    for (let i = 0; i < 1000; i += 1) off.acquire('a', 'request');
  });

  test('when event streams are open, then they count against the stream cap, not the in-flight cap', () => {
    const limiter = new RequestLimiter({ ...DEFAULT_LIMITS, concurrentPerKey: 1, streamsPerKey: 2 });
    limiter.acquire('a', 'stream');
    limiter.acquire('a', 'stream');
    expect(() => limiter.acquire('a', 'stream')).toThrow(expect.objectContaining({ message: 'at most 2 open event streams per key' }));
    limiter.acquire('a', 'request');
  });

  test('when a client passes its rate through the API, then 429 with Retry-After and the standard body; the honest client before it is served', async () => {
    // A refill too slow to matter however long the calls take on a loaded machine.
    const h = await startHarness({ limits: { ...DEFAULT_LIMITS, ratePerSecond: 0.001, burst: 5 } });
    try {
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < 8; i += 1) {
        const res = await h.call('GET', '/v1/webhooks', { role: 'auditor' });
        statuses.push(res.status);
        if (res.status === 429) limited = res;
        else await res.body?.cancel();
      }
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5)).toEqual([429, 429, 429]);
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await json(limited as Response)).error.code).toBe('TOO_MANY_REQUESTS');
      expect((await h.call('GET', '/v1/webhooks', { role: 'studio-operator' })).status).toBe(200);
      expect((await h.call('GET', '/healthz')).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});
