import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { formatTable, runLoadFor, spread, type LoadResult } from '@kiseki/network/dist/bench/stats';
import { freePort, waitGatewayHealthy, type GatewayBenchContext } from './bench-gateway';
import { hashApiKey, newApiKey } from './auth';
import type { GatewayConfigInput } from './config';
import { GATEWAY_NODE_FLAGS, gatewayConfigFor, issueGatewayTls } from './launch';

/**
 * `npm run bench -- limits`: what the per-key rate limits and concurrency caps cost an honest client.
 * Gateway processes of the same org, one with the default limits and one with them off, each serving
 * HTTPS with the org's certificate as `npm start` runs them; one client key, 50 requests in flight to
 * each, both at once for the same span of time: drift in machine load falls on both sides alike, and
 * each round gives one on/off ratio. Writes (`POST /v1/providers`), then reads
 * (`GET /v1/providers/{id}`). Goal: on/off ≥ 0.95, and not one 429.
 */

const IN_FLIGHT = 50;
const ROUNDS = 8;

type Context = Omit<GatewayBenchContext, 'client'>;

interface Running {
  url: string;
  child: ChildProcess;
}

async function startGatewayProcess(input: GatewayConfigInput, dir: string, name: string, fetchImpl: typeof fetch): Promise<Running> {
  const file = join(dir, `gateway-${name}.json`);
  writeFileSync(file, JSON.stringify(input), { mode: 0o600 });
  const logFile = join(dir, `gateway-${name}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, join(__dirname, 'main.js')], {
    stdio: ['ignore', log, log],
    env: { ...process.env, KISEKI_GATEWAY_CONFIG: file },
  });
  const url = `https://127.0.0.1:${String(input.listen.port)}`;
  try {
    await waitGatewayHealthy(url, child, logFile, { timeoutMs: 30_000, fetchImpl });
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
  return { url, child };
}

export const suite = {
  name: 'limits',
  description: 'an honest client at 50 in flight over HTTPS, default per-key limits on versus off',
  async run(ctx: Context): Promise<{ text: string; data: Record<string, unknown> }> {
    const view = ctx.status;
    const index = view.orgs.findIndex((o) => o.mspId === 'Studio1MSP');
    const tls = await issueGatewayTls(view, index);
    const dir = mkdtempSync(join(tmpdir(), 'kiseki-bench-limits-'));
    const key = newApiKey();
    writeFileSync(
      join(dir, 'keys.json'),
      JSON.stringify({ keys: [{ keyHash: hashApiKey(key), clientId: 'bench', role: 'provider-agent' }] }),
    );
    // The client trusts the org's TLS CA only, over keep-alive connections (enough for 50 in flight).
    // 50 handshakes at once on a loaded 2-core machine outlast undici's 10 s connect timeout; the
    // suite measures requests, not connection set-up, so it waits longer.
    const dispatcher = new Agent({
      connect: { ca: readFileSync(tls.caCertPath, 'utf8'), timeout: 60_000 },
      connections: 64,
      keepAliveTimeout: 30_000,
    });
    const fetchImpl: typeof fetch = (input, init) => fetch(input, Object.assign({ dispatcher }, init));
    const configFor = async (perKey: boolean, pair: string): Promise<GatewayConfigInput> => {
      const base = gatewayConfigFor(view, index, tls);
      delete base.plainHttp;
      return {
        ...base,
        listen: { host: '127.0.0.1', port: await freePort() },
        apiKeysFile: join(dir, 'keys.json'),
        stateDir: join(dir, `state-${perKey ? 'on' : 'off'}-${pair}`),
        logLevel: 'warn',
        limits: { perKey },
      };
    };
    // Two pairs of processes, started in opposite order; rounds alternate between the pairs, so that
    // neither setting always runs in the process that happened to start first.
    const processes = [
      {
        on: await startGatewayProcess(await configFor(true, 'a'), dir, 'on-a', fetchImpl),
        off: await startGatewayProcess(await configFor(false, 'a'), dir, 'off-a', fetchImpl),
      },
      {
        off: await startGatewayProcess(await configFor(false, 'b'), dir, 'off-b', fetchImpl),
        on: await startGatewayProcess(await configFor(true, 'b'), dir, 'on-b', fetchImpl),
      },
    ];
    const spanMs = Math.max(3000, Math.round(10_000 * ctx.scale));
    const results: Record<'on' | 'off', { writes: LoadResult[]; reads: LoadResult[] }> = {
      on: { writes: [], reads: [] },
      off: { writes: [], reads: [] },
    };
    const statuses: Record<string, number> = {};
    const call = async (url: string, init: RequestInit): Promise<void> => {
      const res = await fetchImpl(url, init);
      const text = await res.text();
      const label = res.status === 429 ? `429 ${text.slice(0, 120)}` : String(res.status);
      statuses[label] = (statuses[label] ?? 0) + 1;
      if (res.status >= 300) throw new Error(`${init.method ?? 'GET'} ${url} → ${String(res.status)}`);
    };
    const headers = { authorization: `Bearer ${key}` };
    try {
      for (let round = 1; round <= ROUNDS; round += 1) {
        const gateways = processes[Math.floor((round - 1) / 2) % 2] as (typeof processes)[number];
        const ids = { on: [] as string[], off: [] as string[] };
        const writes = (mode: 'on' | 'off'): Promise<LoadResult> => {
          const prefix = `${ctx.tag}-lim-${mode}-${String(round)}-${randomBytes(2).toString('hex')}`;
          return runLoadFor(`writes, limits ${mode}, round ${String(round)}`, IN_FLIGHT, spanMs, (i) => {
            const providerId = `${prefix}-${String(i)}`;
            // Reads ask only for providers whose registration was answered 201.
            return call(`${gateways[mode].url}/v1/providers`, {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': `${providerId}-k` },
              body: JSON.stringify({ providerId, payoutRef: `ref-${String(i)}` }),
            }).then(() => {
              ids[mode].push(providerId);
            });
          });
        };
        const reads = (mode: 'on' | 'off'): Promise<LoadResult> =>
          runLoadFor(`reads, limits ${mode}, round ${String(round)}`, IN_FLIGHT, spanMs, (i) =>
            call(`${gateways[mode].url}/v1/providers/${ids[mode][i % ids[mode].length] ?? 'none'}`, { headers }),
          );
        // Which side starts first alternates, so neither always gets its connections in first.
        const both = async (kind: (mode: 'on' | 'off') => Promise<LoadResult>): Promise<{ on: LoadResult; off: LoadResult }> => {
          if (round % 2 === 1) {
            const [on, off] = await Promise.all([kind('on'), kind('off')]);
            return { on, off };
          }
          const [off, on] = await Promise.all([kind('off'), kind('on')]);
          return { on, off };
        };
        const w = await both(writes);
        results.on.writes.push(w.on);
        results.off.writes.push(w.off);
        const r = await both(reads);
        results.on.reads.push(r.on);
        results.off.reads.push(r.off);
      }
    } finally {
      for (const g of processes.flatMap((p) => [p.on, p.off])) g.child.kill('SIGTERM');
      await dispatcher.close();
    }
    const mean = (list: readonly LoadResult[]): number => list.reduce((sum, r) => sum + r.perSecond, 0) / list.length;
    const errors = [...results.on.writes, ...results.on.reads, ...results.off.writes, ...results.off.reads].reduce(
      (n, r) => n + r.errors,
      0,
    );
    const ratio = {
      writes: mean(results.on.writes) / mean(results.off.writes),
      reads: mean(results.on.reads) / mean(results.off.reads),
    };
    // Round k of one mode ran beside round k of the other: one ratio per round.
    const pairRatios = (kind: 'writes' | 'reads'): number[] =>
      results.on[kind].map((r, k) => r.perSecond / (results.off[kind][k]?.perSecond ?? Number.NaN));
    const describe = (list: number[]): string => {
      const s = spread(list);
      return `rounds min ${s.min.toFixed(3)}, median ${s.median.toFixed(3)}, max ${s.max.toFixed(3)}`;
    };
    const pairs = { writes: pairRatios('writes'), reads: pairRatios('reads') };
    const all = [...results.off.writes, ...results.on.writes, ...results.off.reads, ...results.on.reads];
    const text = [
      formatTable(all, 'req/s'),
      `  writes/s: off ${mean(results.off.writes).toFixed(1)}, on ${mean(results.on.writes).toFixed(1)}, on/off ${ratio.writes.toFixed(3)} (goal ≥ 0.95); ${describe(pairs.writes)}`,
      `  reads/s:  off ${mean(results.off.reads).toFixed(1)}, on ${mean(results.on.reads).toFixed(1)}, on/off ${ratio.reads.toFixed(3)} (goal ≥ 0.95); ${describe(pairs.reads)}`,
      `  statuses: ${JSON.stringify(statuses)}; failed requests: ${String(errors)} (goal 0)`,
      '  reproduce: npm run bench -- limits',
    ].join('\n');
    return { text, data: { inFlight: IN_FLIGHT, spanMs, results, ratio, perRound: pairs, statuses, errors } };
  },
};
