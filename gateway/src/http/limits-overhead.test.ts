import { startHarness, type Harness } from '../testing/harness';
import { DEFAULT_LIMITS, RequestLimiter } from './limits';

/**
 * Measurement (`KISEKI_LIMITS_BENCH=1`): what the per-key limiter itself costs, apart from the ledger.
 * (1) acquire + release of one request on the limiter alone; (2) the gateway app over the fakes, one
 * key at 50 in flight, limits on versus off, rounds alternating. The rate is raised for (2) so that
 * the fakes' throughput (far above a peer's) measures the code path, not the 1000/s default refusing.
 * `gateway/test/limits-bench.test.ts` and `npm run bench -- limits` measure the same on the real network.
 */

const bench = process.env.KISEKI_LIMITS_BENCH === '1' ? test : test.skip;
const IN_FLIGHT = 50;

async function drive(h: Harness, count: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        next += 1;
        const res = await h.call('GET', '/v1/webhooks', { role: 'auditor' });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`status ${String(res.status)}`);
      }
    }),
  );
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

bench(
  'measure: the limiter alone, and the gateway over the fakes at 50 in flight with limits on versus off',
  async () => {
    const limiter = new RequestLimiter({ ...DEFAULT_LIMITS, ratePerSecond: 1e9, burst: 1e9 });
    const n = 1_000_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) limiter.acquire('client', 'request')();
    const nsPerRequest = Number(process.hrtime.bigint() - t0) / n;

    const on = await startHarness({ limits: { ...DEFAULT_LIMITS, ratePerSecond: 1e6, burst: 1e6 } });
    const off = await startHarness({ limits: { ...DEFAULT_LIMITS, enabled: false } });
    const totals = { on: 0, off: 0 };
    try {
      await drive(on, 500);
      await drive(off, 500);
      for (const mode of ['off', 'on', 'off', 'on', 'off', 'on'] as const)
        totals[mode] += (await drive(mode === 'on' ? on : off, 1000)) / 3;
    } finally {
      await Promise.all([on.close(), off.close()]);
    }
    process.stderr.write(
      `limiter alone: ${nsPerRequest.toFixed(0)} ns per request (acquire + release)\n` +
        `gateway over fakes, ${IN_FLIGHT} in flight, GET /v1/webhooks: off ${totals.off.toFixed(0)}/s, on ${totals.on.toFixed(0)}/s, ` +
        `on/off ${(totals.on / totals.off).toFixed(3)}\n`,
    );
    expect(nsPerRequest).toBeLessThan(20_000);
  },
  600_000,
);
