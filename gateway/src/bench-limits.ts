import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { formatTable, runLoad, type LoadResult } from '@kiseki/network/dist/bench/stats';
import { freePort } from './bench-gateway';
import { hashApiKey, newApiKey } from './auth';
import type { GatewayConfigInput } from './config';
import { gatewayConfigFor, issueGatewayTls, type NetworkView } from './launch';

/**
 * `npm run bench -- limits`: what the per-key rate limits and concurrency caps cost an honest client.
 * Two gateway processes of the same org, one with the default limits and one with them off, each
 * serving HTTPS with the org's certificate as `npm start` runs them; one client key, 50 requests in
 * flight. Rounds alternate (off, on, off, on) so drift on a shared machine falls on both sides. Writes
 * (`POST /v1/providers`) and reads (`GET /v1/providers/{id}`). Goal: on/off ≥ 0.95.
 */

const IN_FLIGHT = 50;

interface Context {
  readonly status: NetworkView;
  readonly tag: string;
  readonly scale: number;
  readonly log: { info(message: string): void };
}

interface Running {
  url: string;
  child: ChildProcess;
}

async function startGatewayProcess(input: GatewayConfigInput, dir: string, name: string, fetchImpl: typeof fetch): Promise<Running> {
  const file = join(dir, `gateway-${name}.json`);
  writeFileSync(file, JSON.stringify(input), { mode: 0o600 });
  const logFile = join(dir, `gateway-${name}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(__dirname, 'main.js')], {
    stdio: ['ignore', log, log],
    env: { ...process.env, KISEKI_GATEWAY_CONFIG: file },
  });
  const url = `https://127.0.0.1:${String(input.listen.port)}`;
  for (let i = 0; i < 150; i += 1) {
    if (child.exitCode !== null) throw new Error(`the gateway exited; see ${logFile}`);
    try {
      if ((await fetchImpl(`${url}/healthz`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGTERM');
  throw new Error(`the gateway did not become healthy; see ${logFile}`);
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
    const dispatcher = new Agent({ connect: { ca: readFileSync(tls.caCertPath, 'utf8') }, connections: 64, keepAliveTimeout: 30_000 });
    const fetchImpl: typeof fetch = (input, init) => fetch(input, Object.assign({ dispatcher }, init));
    const configFor = async (perKey: boolean): Promise<GatewayConfigInput> => {
      const base = gatewayConfigFor(view, index, tls);
      delete base.plainHttp;
      return {
        ...base,
        listen: { host: '127.0.0.1', port: await freePort() },
        apiKeysFile: join(dir, 'keys.json'),
        stateDir: join(dir, `state-${perKey ? 'on' : 'off'}`),
        logLevel: 'warn',
        limits: { perKey },
      };
    };
    const gateways = {
      on: await startGatewayProcess(await configFor(true), dir, 'on', fetchImpl),
      off: await startGatewayProcess(await configFor(false), dir, 'off', fetchImpl),
    };
    const writes = Math.max(20, Math.round(300 * ctx.scale));
    const reads = Math.max(100, Math.round(1500 * ctx.scale));
    const results: Record<'on' | 'off', { writes: LoadResult[]; reads: LoadResult[] }> = {
      on: { writes: [], reads: [] },
      off: { writes: [], reads: [] },
    };
    const statuses: Record<string, number> = {};
    const call = async (url: string, init: RequestInit): Promise<void> => {
      const res = await fetchImpl(url, init);
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status >= 300) throw new Error(`${init.method ?? 'GET'} ${url} → ${String(res.status)}`);
    };
    const headers = { authorization: `Bearer ${key}` };
    try {
      let round = 0;
      for (const mode of ['off', 'on', 'off', 'on'] as const) {
        round += 1;
        const { url } = gateways[mode];
        const ids: string[] = [];
        const prefix = `${ctx.tag}-lim-${String(round)}-${randomBytes(2).toString('hex')}`;
        results[mode].writes.push(
          await runLoad(`writes, limits ${mode}, round ${String(round)}`, IN_FLIGHT, writes, (i) => {
            const providerId = `${prefix}-${String(i)}`;
            ids.push(providerId);
            return call(`${url}/v1/providers`, {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': `${providerId}-k` },
              body: JSON.stringify({ providerId, payoutRef: `ref-${String(i)}` }),
            });
          }),
        );
        results[mode].reads.push(
          await runLoad(`reads, limits ${mode}, round ${String(round)}`, IN_FLIGHT, reads, (i) =>
            call(`${url}/v1/providers/${ids[i % ids.length] ?? 'none'}`, { headers }),
          ),
        );
      }
    } finally {
      for (const g of Object.values(gateways)) g.child.kill('SIGTERM');
      await dispatcher.close();
    }
    const mean = (list: readonly LoadResult[]): number => list.reduce((sum, r) => sum + r.perSecond, 0) / list.length;
    const ratio = {
      writes: mean(results.on.writes) / mean(results.off.writes),
      reads: mean(results.on.reads) / mean(results.off.reads),
    };
    const all = [...results.off.writes, ...results.on.writes, ...results.off.reads, ...results.on.reads];
    const text = [
      formatTable(all, 'req/s'),
      `  writes/s: off ${mean(results.off.writes).toFixed(1)}, on ${mean(results.on.writes).toFixed(1)}, on/off ${ratio.writes.toFixed(3)} (goal ≥ 0.95)`,
      `  reads/s:  off ${mean(results.off.reads).toFixed(1)}, on ${mean(results.on.reads).toFixed(1)}, on/off ${ratio.reads.toFixed(3)} (goal ≥ 0.95)`,
      `  statuses: ${JSON.stringify(statuses)}`,
      '  reproduce: npm run bench -- limits',
    ].join('\n');
    return { text, data: { inFlight: IN_FLIGHT, results, ratio, statuses } };
  },
};
