import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { hashApiKey, newApiKey } from '@kiseki/gateway/dist/auth';
import { parseConfig } from '@kiseki/gateway/dist/config';
import { gatewayConfigFor, type NetworkView } from '@kiseki/gateway/dist/launch';
import { formatTable, percentile, runLoad, type LoadResult } from '@kiseki/network/dist/bench/stats';
import { uploadBatch, type UploadItem } from './batch';
import { createKisekiClient } from './index';

/**
 * `npm run bench -- ingest [--scale s]`: bulk ingest end to end, in one run on one network.
 * - 100,000 items of 10 KiB (× scale) through `POST /v1/data/batch` with the typed client (bytes in
 *   the vault, digests on the ledger): items/s against the baseline one-key write of the same run
 *   (goal ≥ 10×) and against `data:RegisterBatch` called directly without content (goal ≥ 0.8×);
 *   vault bytes/s; the gateway's RSS sampled throughout.
 * - `POST /v1/providers` through the client versus the same call made directly at 1, 50 and 200 in
 *   flight, five runs each: min/median/max of the ratio and p99 beside p50.
 * The gateway runs as its own process with `--cpu-prof`; the profile's heaviest functions are listed.
 */

interface Context {
  readonly status: NetworkView;
  readonly tag: string;
  readonly scale: number;
  readonly baseline: { readonly writeTps: number };
  readonly log: { info(message: string): void };
  client(mspId: string): { contract: { submitTransaction(name: string, ...args: string[]): Promise<Uint8Array> } };
}

const ITEM_BYTES = 10 * 1024;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

async function waitHealthy(url: string, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) throw new Error(`the gateway exited; see ${log}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the gateway did not become healthy; see ${log}`);
}

/** Resident set size of a process in MiB (Linux). */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return line === undefined ? Number.NaN : Number(line.replace(/\D+/g, '')) / 1024;
}

/** The machine's load when a measurement starts (the machine may be shared). */
const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

/** Self time per function of a V8 CPU profile, heaviest first. */
export function heaviestFunctions(
  profile: {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  },
  top = 12,
): { name: string; ms: number; share: number }[] {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byName = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    total += us;
    const where = node.callFrame.url === '' ? '' : ` ${path.basename(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    const name = `${node.callFrame.functionName || '(anonymous)'}${where}`;
    byName.set(name, (byName.get(name) ?? 0) + us);
  }
  return [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: us / 1000, share: total === 0 ? 0 : us / total }));
}

/** Items of 10 KiB with distinct bytes (the ledger refuses the same digest twice). */
function* itemsFor(prefix: string, from: number, count: number, block: Buffer): Generator<UploadItem> {
  for (let i = from; i < from + count; i += 1) {
    const bytes = Buffer.from(block);
    bytes.write(`${prefix}-${i}`.padEnd(64, '.'), 0);
    yield { dataId: `${prefix}-${String(i).padStart(7, '0')}`, mediaType: 'image/png', bytes };
  }
}

const median = (values: number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

export const suite = {
  name: 'ingest',
  description: 'bulk ingest through the REST batch route with the typed client, versus the baseline and direct RegisterBatch',
  async run(ctx: Context): Promise<{ text: string; data: Record<string, unknown> }> {
    const view = ctx.status;
    const index = view.orgs.findIndex((o) => o.mspId === 'Studio1MSP');
    const dir = mkdtempSync(path.join(tmpdir(), 'kiseki-bench-ingest-'));
    const key = newApiKey();
    writeFileSync(
      path.join(dir, 'keys.json'),
      JSON.stringify({ keys: [{ keyHash: hashApiKey(key), clientId: 'bench', role: 'studio-operator' }] }),
    );
    const port = await freePort();
    const input = {
      ...gatewayConfigFor(view, index),
      listen: { host: '127.0.0.1', port },
      apiKeysFile: path.join(dir, 'keys.json'),
      stateDir: path.join(dir, 'state'),
      logLevel: 'warn' as const,
      // The same deadlines as the direct client (network/src/client.ts: 60 s per endorse, submit and
      // commit-status call, so up to 180 s for one write), so that under load both wait alike instead
      // of the gateway answering 504 where the direct call would still succeed.
      timeouts: { evaluateMs: 10_000, endorseMs: 60_000, submitMs: 60_000, commitStatusMs: 60_000, writeMs: 180_000 },
      // The bench's one API key is a studio backend sending 200 requests at once: its per-key limits
      // are sized for that load (the defaults, 64 in flight and 200/s, would answer most of them 429).
      limits: { concurrentPerKey: 512, ratePerSecond: 10_000, burst: 20_000 },
    };
    parseConfig(input);
    writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify(input));
    const logFile = path.join(dir, 'gateway.log');
    const profileDir = path.join(dir, 'cpu-profile');
    mkdirSync(profileDir);
    const out = openSync(logFile, 'a');
    const gatewayMain = require.resolve('@kiseki/gateway/dist/main.js');
    const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, gatewayMain], {
      stdio: ['ignore', out, out],
      env: { ...process.env, KISEKI_GATEWAY_CONFIG: path.join(dir, 'gateway.json') },
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitHealthy(baseUrl, child, logFile);
    const pid = child.pid as number;
    const client = createKisekiClient({ baseUrl, apiKey: key });
    const bare = createKisekiClient({ baseUrl, apiKey: key, idempotencyKeys: false });
    const direct = ctx.client('Studio1MSP');
    const payoutRefDigest = createHash('sha256').update('bench').digest('hex');
    const providerId = `${ctx.tag}-provider`;
    const termsId = `${ctx.tag}-terms`;
    await direct.contract.submitTransaction('providers:Register', JSON.stringify({ providerId, payoutRefDigest }));
    await ctx.client('LicensorMSP').contract.submitTransaction(
      'terms:Publish',
      JSON.stringify({
        termsId,
        aiTraining: true,
        commercialUse: true,
        derivatives: true,
        attribution: true,
        territory: 'worldwide',
        validFrom: '2020-01-01T00:00:00Z',
        dataPoolShareBps: 1000,
        legalTextDigest: payoutRefDigest,
      }),
    );
    const block = randomBytes(ITEM_BYTES);
    const lines: string[] = [];
    try {
      // 1. Bulk ingest through REST: several streamed requests at once, each of many chunks.
      const total = Math.max(2000, Math.round(100_000 * ctx.scale));
      const streams = 4;
      const per = Math.ceil(total / streams);
      const rss: number[] = [rssMiB(pid)];
      const sampler = setInterval(() => rss.push(rssMiB(pid)), 1000);
      const loadAtRest = load();
      const restStarted = performance.now();
      const summaries = await Promise.all(
        Array.from({ length: streams }, (_, s) =>
          uploadBatch(client, itemsFor(`${ctx.tag}-rest`, s * per, Math.min(per, total - s * per), block), { providerId, termsId }),
        ),
      );
      const restSeconds = (performance.now() - restStarted) / 1000;
      clearInterval(sampler);
      rss.push(rssMiB(pid));
      const registered = summaries.reduce((n, s) => n + s.registered, 0);
      const outcomes = JSON.stringify(summaries);
      const restRate = registered / restSeconds;

      // 2. The same registrations made directly, without content: 1,000-item RegisterBatch, 4 in flight.
      const directItems = Math.max(2000, Math.round(Math.min(total, 40_000)));
      const batches = Math.ceil(directItems / 1000);
      const loadAtDirect = load();
      const directRun = await runLoad('direct data:RegisterBatch ×1000 (no content)', 4, batches, async (b) => {
        const items = Array.from({ length: 1000 }, (_, i) => {
          const n = b * 1000 + i;
          return {
            dataId: `${ctx.tag}-direct-${String(n).padStart(7, '0')}`,
            providerId,
            termsId,
            contentDigest: createHash('sha256').update(`${ctx.tag}-direct-${n}`).digest('hex'),
            mediaType: 'image/png',
            size: ITEM_BYTES,
          };
        });
        await direct.contract.submitTransaction('data:RegisterBatch', JSON.stringify({ items }));
      });
      const directRate = directRun.perSecond * 1000;
      lines.push(
        `  REST batch: ${registered} of ${total} items of 10 KiB in ${restSeconds.toFixed(1)} s with ${streams} streamed requests → ${restRate.toFixed(0)} items/s, vault ${((restRate * ITEM_BYTES) / 2 ** 20).toFixed(1)} MiB/s (load ${loadAtRest})`,
        `  REST batch answers per request: ${outcomes}`,
        `  direct data:RegisterBatch without content: ${directItems} items → ${directRate.toFixed(0)} items/s (load ${loadAtDirect})`,
        `  baseline one-key write (same run): ${ctx.baseline.writeTps.toFixed(1)} tx/s`,
        `  REST batch / baseline: ${(restRate / ctx.baseline.writeTps).toFixed(1)}× (goal ≥ 10×); REST batch / direct RegisterBatch: ${(restRate / directRate).toFixed(2)} (goal ≥ 0.8)`,
        `  gateway RSS: start ${(rss[0] as number).toFixed(0)} MiB, max ${Math.max(...rss).toFixed(0)} MiB, end ${(rss[rss.length - 1] as number).toFixed(0)} MiB (${rss.length} samples)`,
      );

      // 3. Single registrations, REST (typed client) versus direct, five runs at each concurrency.
      const runs = 5;
      const table: LoadResult[] = [];
      const ratios: Record<string, { min: number; median: number; max: number; restP99: number[]; directP99: number[] }> = {};
      for (const [inFlight, count] of [
        [1, Math.max(10, Math.ceil(30 * ctx.scale))],
        [50, Math.max(100, Math.ceil(500 * ctx.scale))],
        [200, Math.max(200, Math.ceil(1000 * ctx.scale))],
      ] as const) {
        const values: number[] = [];
        const restP99: number[] = [];
        const directP99: number[] = [];
        for (let r = 0; r < runs; r += 1) {
          const viaRest = await runLoad(`REST POST /v1/providers (client) run ${r + 1}`, inFlight, count, async (i) => {
            const { response } = await bare.POST('/v1/providers', {
              body: { providerId: `${ctx.tag}-r-${inFlight}-${r}-${i}`, payoutRefDigest },
            });
            if (response.status !== 201) throw new Error(`POST /v1/providers → ${response.status}`);
          });
          const viaSdk = await runLoad(`direct providers:Register run ${r + 1}`, inFlight, count, async (i) => {
            await direct.contract.submitTransaction(
              'providers:Register',
              JSON.stringify({ providerId: `${ctx.tag}-d-${inFlight}-${r}-${i}`, payoutRefDigest }),
            );
          });
          table.push(viaRest, viaSdk);
          values.push(viaRest.perSecond / viaSdk.perSecond);
          restP99.push(viaRest.p99Ms);
          directP99.push(viaSdk.p99Ms);
        }
        ratios[`inFlight${inFlight}`] = { min: Math.min(...values), median: median(values), max: Math.max(...values), restP99, directP99 };
      }
      lines.push('', formatTable(table, 'tx/s'), '');
      for (const [name, r] of Object.entries(ratios)) {
        lines.push(
          `  ${name}: REST/direct ratio min ${r.min.toFixed(2)} / median ${r.median.toFixed(2)} / max ${r.max.toFixed(2)} (goal min ≥ 0.9); ` +
            `p99 median REST ${median(r.restP99).toFixed(0)} ms vs direct ${median(r.directP99).toFixed(0)} ms (goal ≤ 1.5×)`,
        );
      }
      lines.push(`  machine load at the end: ${load()} (1/5/15 min); ${os.cpus().length} cores`);

      // 4. Where the gateway spent its CPU.
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      const profiles = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
      let heaviest: ReturnType<typeof heaviestFunctions> = [];
      if (profiles[0] !== undefined) {
        heaviest = heaviestFunctions(
          JSON.parse(readFileSync(path.join(profileDir, profiles[0]), 'utf8')) as Parameters<typeof heaviestFunctions>[0],
        );
        lines.push('', `  gateway CPU profile (${path.join(profileDir, profiles[0])}), self time:`);
        for (const f of heaviest)
          lines.push(`    ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}`);
      }
      return {
        text: lines.join('\n'),
        data: { total, registered, restSeconds, restRate, directRate, baselineTps: ctx.baseline.writeTps, rss, ratios, table, heaviest },
      };
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  },
};
