import { randomBytes } from 'node:crypto';
import { startTestGateway, type TestGateway } from './support/gateways';

/**
 * Measurement (`KISEKI_LIMITS_BENCH=1`): an honest client, 50 requests in flight on one key, through
 * two gateways of the same org in the same run, one with the default per-key limits and one with
 * them off. Rounds alternate (off, on, off, on) so drift on a shared machine falls on both sides.
 * Writes (a provider registered per request) and reads (a provider looked up per request).
 */

const bench = process.env.KISEKI_LIMITS_BENCH === '1' ? test : test.skip;
const IN_FLIGHT = 50;
const WRITES = Number(process.env.KISEKI_LIMITS_BENCH_WRITES ?? 300);
const READS = Number(process.env.KISEKI_LIMITS_BENCH_READS ?? 1500);
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

/** Runs `count` requests, `IN_FLIGHT` at a time; returns the rate of 2xx answers and the statuses seen. */
async function drive(
  count: number,
  send: (i: number) => Promise<Response>,
): Promise<{ perSecond: number; statuses: Record<string, number> }> {
  const statuses: Record<string, number> = {};
  let next = 0;
  let ok = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        const i = next++;
        const res = await send(i);
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status < 300) ok++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: ok / seconds, statuses };
}

bench(
  'measure: an honest client at 50 in flight, default limits on versus off',
  async () => {
    const gateways: Record<'on' | 'off', TestGateway> = {
      on: await startTestGateway('Studio1MSP'),
      off: await startTestGateway('Studio1MSP', (c) => ({ ...c, limits: { ...c.limits, perKey: false } })),
    };
    const totals = { on: { writes: 0, reads: 0 }, off: { writes: 0, reads: 0 } };
    const seen: Record<string, Record<string, number>> = {};
    const providers: string[] = [];
    try {
      for (const mode of ['off', 'on', 'off', 'on'] as const) {
        const gateway = gateways[mode];
        const round = `${run}-${mode}-${Object.keys(seen).length}`;
        const writes = await drive(WRITES, (i) => {
          const providerId = `lb-${round}-${i}`;
          providers.push(providerId);
          return gateway.call('POST', '/v1/providers', { role: 'provider-agent', body: { providerId, payoutRef: `ref-${i}` } });
        });
        const reads = await drive(READS, (i) =>
          gateway.call('GET', `/v1/providers/${providers[i % providers.length] ?? 'none'}`, { role: 'provider-agent' }),
        );
        totals[mode].writes += writes.perSecond / 2;
        totals[mode].reads += reads.perSecond / 2;
        seen[`${mode} round ${Object.keys(seen).length + 1}`] = {
          ...Object.fromEntries(Object.entries(writes.statuses).map(([s, n]) => [`write ${s}`, n])),
          ...Object.fromEntries(Object.entries(reads.statuses).map(([s, n]) => [`read ${s}`, n])),
        };
      }
    } finally {
      await Promise.all(Object.values(gateways).map((g) => g.stop()));
    }
    const ratio = (kind: 'writes' | 'reads'): string => (totals.on[kind] / totals.off[kind]).toFixed(3);
    process.stderr.write(
      `limits bench (${IN_FLIGHT} in flight, ${WRITES} writes + ${READS} reads per round, 2 rounds each):\n` +
        `  writes/s off ${totals.off.writes.toFixed(1)}, on ${totals.on.writes.toFixed(1)}, on/off ${ratio('writes')}\n` +
        `  reads/s  off ${totals.off.reads.toFixed(1)}, on ${totals.on.reads.toFixed(1)}, on/off ${ratio('reads')}\n` +
        `  statuses ${JSON.stringify(seen)}\n`,
    );
    expect(Object.values(seen).every((s) => Object.keys(s).every((k) => k.endsWith(' 200') || k.endsWith(' 201')))).toBe(true);
  },
  600_000,
);
