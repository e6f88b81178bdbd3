import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { freePort } from './bench-gateway';
import { hashApiKey, newApiKey } from './auth';
import type { GatewayConfigInput } from './config';
import { migrate, schemaForMsp } from './db/database';
import { IdempotencyGuard, requestFingerprint } from './http/idempotency';
import { GATEWAY_NODE_FLAGS, gatewayConfigFor, type NetworkView } from './launch';
import { PostgresStore } from './store/postgres-store';
import { FileStore, type DocumentStore } from './store/store';
import { formatTable, percentile, runLoad, type LoadResult } from '@kiseki/network/dist/bench/stats';

/**
 * `npm run bench -- scaleout`: gateway replicas sharing the org's PostgreSQL. REST throughput of
 * idempotent registrations (`POST /v1/providers` with an `Idempotency-Key`) through two replicas of
 * Studio1's gateway, requests alternating between them, against one replica, in the same run (goal:
 * no loss, ≥ 0.95×: on two shared cores the peers are the ceiling); and what the shared store adds per
 * request: the store work of one idempotent request (claim the key, store the answer, log the
 * transaction) on PostgreSQL against the file store it replaces, p50 of each.
 */

async function waitHealthy(url: string, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) throw new Error(`the gateway exited; see ${log}`);
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the gateway did not become healthy; see ${log}`);
}

interface Context {
  readonly status: NetworkView & { database?: { url: string } | null };
  readonly tag: string;
  readonly scale: number;
}

/** The store operations of one idempotent request that committed, timed one after another. */
async function storeWork(store: DocumentStore, rounds: number, tag: string): Promise<number[]> {
  const guard = new IdempotencyGuard(store);
  const times: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const t0 = performance.now();
    const body = { providerId: `${tag}-${i}` };
    await guard.run('bench-client', `${tag}-key-${i}`, requestFingerprint('POST', '/v1/providers', body), async () => {
      const response = { status: 201, body: { record: body, transactionId: `${tag}-tx-${i}` } };
      return Promise.resolve(response);
    });
    await store.put('transactions', `${tag}-tx-${i}`, {
      transactionId: `${tag}-tx-${i}`,
      operation: 'providers:Register',
      state: 'committed',
    });
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

export const suite = {
  name: 'scaleout',
  description: 'two gateway replicas over one PostgreSQL against one; the shared store against the file store',
  async run(ctx: Context): Promise<{ text: string; data: Record<string, unknown> }> {
    const view = ctx.status;
    if (!view.database) throw new Error('the network has no database (PostgreSQL); the replicas need one');
    const index = view.orgs.findIndex((o) => o.mspId === 'Studio1MSP');
    const dir = mkdtempSync(join(tmpdir(), 'kiseki-bench-scaleout-'));
    const key = newApiKey();
    writeFileSync(
      join(dir, 'keys.json'),
      JSON.stringify({ keys: [{ keyHash: hashApiKey(key), clientId: 'bench', role: 'studio-operator' }] }),
    );
    const children: ChildProcess[] = [];
    const start = async (name: string): Promise<number> => {
      const port = await freePort();
      const input: GatewayConfigInput = {
        ...gatewayConfigFor(view, index),
        listen: { host: '127.0.0.1', port },
        apiKeysFile: join(dir, 'keys.json'),
        stateDir: join(dir, `state-${name}`),
        logLevel: 'warn',
        limits: { perKey: false },
      };
      writeFileSync(join(dir, `${name}.json`), JSON.stringify(input));
      const logFile = join(dir, `${name}.log`);
      const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, join(__dirname, 'main.js')], {
        stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')],
        env: { ...process.env, KISEKI_GATEWAY_CONFIG: join(dir, `${name}.json`) },
      });
      children.push(child);
      await waitHealthy(`http://127.0.0.1:${port}`, child, logFile);
      return port;
    };
    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    const payoutRefDigest = createHash('sha256').update('bench').digest('hex');
    const post = (port: number, providerId: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/v1/providers',
            agent,
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': providerId },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              if (res.statusCode === 201) resolve();
              else reject(new Error(`POST /v1/providers → ${String(res.statusCode)} ${Buffer.concat(chunks).toString()}`));
            });
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ providerId, payoutRefDigest }));
      });
    const pool = new Pool({ connectionString: view.database.url, max: 2, options: `-c search_path=${schemaForMsp('Studio1MSP')}` });
    try {
      const [one, two] = [await start('replica-1'), await start('replica-2')];
      const inFlight = 50;
      const count = Math.max(200, Math.round(600 * ctx.scale));
      const loads: LoadResult[] = [];
      // Alternate the order of the two measurements over two rounds, so neither always runs on a warmer ledger.
      for (const round of [0, 1]) {
        const single = (): Promise<LoadResult> =>
          runLoad('REST idempotent POST, one replica', inFlight, count, (i) => post(one, `${ctx.tag}-one-${round}-${i}`));
        const pair = (): Promise<LoadResult> =>
          runLoad('REST idempotent POST, two replicas', inFlight, count, (i) =>
            post(i % 2 === 0 ? one : two, `${ctx.tag}-two-${round}-${i}`),
          );
        if (round === 0) loads.push(await single(), await pair());
        else loads.push(await pair(), await single());
      }
      const rate = (label: string): number => {
        const runs = loads.filter((l) => l.label.endsWith(label));
        return runs.reduce((sum, l) => sum + l.perSecond, 0) / runs.length;
      };
      const ratio = rate('two replicas') / rate('one replica');

      const rounds = Math.max(300, Math.round(1000 * ctx.scale));
      await migrate(pool, schemaForMsp('Studio1MSP'));
      const shared = await storeWork(new PostgresStore(pool), rounds, `${ctx.tag}-pg`);
      const file = await storeWork(new FileStore(join(dir, 'file-store')), rounds, `${ctx.tag}-file`);
      const sharedP50 = percentile(shared, 50);
      const fileP50 = percentile(file, 50);
      const text = [
        formatTable(loads, 'tx/s'),
        `  two replicas / one replica: ${ratio.toFixed(2)} (mean of two rounds each; goal ≥ 0.95)`,
        `  store work of one idempotent request (claim key, store answer, log transaction), ${rounds} requests:`,
        `    PostgreSQL p50 ${sharedP50.toFixed(2)} ms, p99 ${percentile(shared, 99).toFixed(2)} ms; file store p50 ${fileP50.toFixed(2)} ms, p99 ${percentile(file, 99).toFixed(2)} ms;` +
          ` added per request by the shared store: ${(sharedP50 - fileP50).toFixed(2)} ms (p50)`,
      ].join('\n');
      return { text, data: { loads, ratio, storeP50Ms: { postgres: sharedP50, file: fileP50, added: sharedP50 - fileP50 } } };
    } finally {
      agent.destroy();
      await pool.end();
      for (const child of children) child.kill('SIGTERM');
    }
  },
};
