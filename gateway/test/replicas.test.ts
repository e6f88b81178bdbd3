import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_BASE_PORT } from '../../network/test/support/test-network';
import { hashApiKey, newApiKey } from '../src/auth';
import { parseConfig, type GatewayConfigInput } from '../src/config';
import { createLogger } from '../src/logger';
import { gatewayConfigFor } from '../src/launch';
import { MinioVault } from '../src/vault/minio-vault';
import { eventually, networkView, startTestGateway, unsettledUploads, type TestGateway } from './support/gateways';

/**
 * Two gateway processes of Studio1 over one PostgreSQL: requests spread over both, every request
 * retried on the other replica with its Idempotency-Key, and the replica delivering the webhook killed
 * (SIGKILL) in the middle of the load. No key is answered twice with different results, no retry
 * registers again, and the survivor takes the webhook over and delivers every event, in order.
 */

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const id = (name: string): string => `rp-${name}-${run}`;
const TOTAL = 36;
const IN_FLIGHT = 4;
const KILL_AFTER = 12;
const MAIN = resolve(__dirname, '..', 'dist', 'main.js');

interface Replica {
  name: string;
  url: string;
  child: ChildProcess;
  alive: boolean;
}

interface Answer {
  status: number;
  body: string;
}

let licensor: TestGateway;
let studioKey: string;
let receiver: Server;
let receiverUrl: string;
const replicas: Replica[] = [];
const termsId = id('terms');
const providerId = id('provider');
/** Deliveries as they arrived: event id, position and the data ids they carry. */
const deliveries: { eventId: string; block: bigint; tx: string; dataIds: string[] }[] = [];
let replicaConfig: GatewayConfigInput;
let replicaDir: string;
/** Studio1's bucket, to check what the killed replica left behind. */
let vault: MinioVault;
/** Every data id the load tried, and those the ledger answered 201 for. */
const tried: string[] = [];
const registered: string[] = [];

async function startReplica(name: string, config: GatewayConfigInput, port: number, dir: string): Promise<Replica> {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...config, listen: { host: '127.0.0.1', port }, stateDir: join(dir, `state-${name}`) }));
  const log = openSync(join(dir, `${name}.log`), 'a');
  const child = spawn(process.execPath, [MAIN], { stdio: ['ignore', log, log], env: { ...process.env, KISEKI_GATEWAY_CONFIG: file } });
  const replica: Replica = { name, url: `http://127.0.0.1:${port}`, child, alive: true };
  child.on('exit', () => {
    replica.alive = false;
  });
  await eventually(
    async () =>
      (await fetch(`${replica.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )) || !replica.alive,
    60_000,
    200,
  );
  if (!replica.alive) throw new Error(`replica ${name} exited at start; see ${join(dir, `${name}.log`)}`);
  return replica;
}

function call(
  replica: Replica,
  method: string,
  path: string,
  options: { body?: unknown; raw?: Buffer; key?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${studioKey}` };
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  let body: RequestInit['body'];
  if (options.raw !== undefined) {
    body = options.raw;
    headers['content-type'] = 'application/octet-stream';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  return fetch(`${replica.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
}

beforeAll(async () => {
  const view = await networkView();
  const index = view.orgs.findIndex((o) => o.mspId === 'Studio1MSP');
  const base = gatewayConfigFor(view, index);
  if (base.database === undefined) throw new Error('the test network has no database; the replicas need one');
  const dir = mkdtempSync(join(tmpdir(), 'kiseki-replicas-'));
  studioKey = newApiKey();
  writeFileSync(
    join(dir, 'api-keys.json'),
    JSON.stringify({ keys: [{ keyHash: hashApiKey(studioKey), clientId: `it-replicas-${run}`, role: 'studio-operator' }] }),
  );

  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const event = JSON.parse(body) as { blockNumber: string; transactionId: string; payload: { dataIds?: string[] } };
      deliveries.push({
        eventId: String(req.headers['kiseki-event-id']),
        block: BigInt(event.blockNumber),
        tx: event.transactionId,
        dataIds: event.payload.dataIds ?? [],
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const config: GatewayConfigInput = {
    ...base,
    apiKeysFile: join(dir, 'api-keys.json'),
    logLevel: 'warn',
    // Short leases, so that the takeover after the kill is quick; the receiver is on loopback.
    webhooks: { allowTargets: ['127.0.0.1'], leaseTtlMs: 4_000, leaseRenewMs: 1_000, retryBaseMs: 100, retryCapMs: 1_000 },
  };
  replicaConfig = config;
  replicaDir = dir;
  vault = new MinioVault({
    ...parseConfig({ ...config, stateDir: join(dir, 'inspect') }).vault,
    logger: createLogger('warn', { test: true }),
  });
  replicas.push(await startReplica('a', config, TEST_BASE_PORT + 880, dir));
  replicas.push(await startReplica('b', config, TEST_BASE_PORT + 881, dir));

  licensor = await startTestGateway('LicensorMSP');
  const terms = await licensor.call('POST', '/v1/terms', {
    role: 'licensor-operator',
    body: {
      termsId,
      aiTraining: true,
      commercialUse: true,
      derivatives: true,
      attribution: true,
      territory: 'JP',
      validFrom: '2024-01-01T00:00:00Z',
      dataPoolShareBps: 1000,
      legalTextDigest: 'a'.repeat(64),
    },
  });
  expect(terms.status).toBe(201);
  expect(
    (await call(replicas[1] as Replica, 'POST', '/v1/providers', { body: { providerId, payoutRefDigest: 'b'.repeat(64) } })).status,
  ).toBe(201);
}, 180_000);

afterAll(async () => {
  for (const replica of replicas) if (replica.alive) replica.child.kill('SIGTERM');
  await licensor.stop();
  await new Promise<void>((r) =>
    receiver.close(() => {
      r();
    }),
  );
});

test('when one of two replicas is killed under load, then no key is answered twice differently, nothing registers twice, and every webhook event arrives in order', async () => {
  const [a, b] = replicas as [Replica, Replica];
  // Registered through A: A takes the webhook's lease at once, so A is the replica that dies delivering.
  const webhook = await call(a, 'POST', '/v1/webhooks', { body: { url: receiverUrl, events: ['DataRegistered'] } });
  expect(webhook.status).toBe(201);
  const webhookId = ((await webhook.json()) as { id: string }).id;

  const answers = new Map<string, Answer[]>();
  const unknown: string[] = [];
  let next = 0;
  let completed = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < TOTAL; i = next++) {
      const dataId = id(`d${i}`);
      tried.push(dataId);
      const key = `k-${dataId}`;
      const content = randomBytes(2048);
      const path = `/v1/data?dataId=${dataId}&providerId=${providerId}&termsId=${termsId}`;
      const order = i % 2 === 0 ? [a, b] : [b, a];
      const got: Answer[] = [];
      // The request on one replica, then the same request (same key, same bytes) on the other.
      for (const replica of order) {
        if (!replica.alive) continue;
        try {
          const res = await call(replica, 'POST', path, { raw: content, key });
          got.push({ status: res.status, body: await res.text() });
        } catch {
          // Killed while answering: the client does not know the outcome, and retries on the other.
        }
      }
      answers.set(dataId, got);
      if (!got.some((g) => g.status === 201)) unknown.push(dataId);
      completed += 1;
      if (completed === KILL_AFTER) a.child.kill('SIGKILL');
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  expect(a.alive).toBe(false);

  // Every key: all final answers it got are the same answer (replays carry the first's bytes).
  const differing: string[] = [];
  for (const [dataId, got] of answers) {
    const final = got.filter((g) => g.status !== 409 || !g.body.includes('IDEMPOTENCY_IN_PROGRESS'));
    if (new Set(final.map((g) => `${g.status} ${g.body}`)).size > 1) differing.push(dataId);
    if (final.some((g) => g.status === 201)) registered.push(dataId);
  }
  expect(differing).toEqual([]);
  expect(registered.length).toBeGreaterThanOrEqual(TOTAL - IN_FLIGHT);

  // Nothing registered twice: each item has one version on the ledger, written by one transaction.
  for (const dataId of registered) {
    const history = (await (await call(b, 'GET', `/v1/data/${dataId}/history`)).json()) as { entries: unknown[] };
    expect(history.entries).toHaveLength(1);
  }

  // The survivor takes the webhook over: every registration's event arrives, in ledger order.
  const wanted = new Set([...registered, ...unknown]);
  const seen = (): Set<string> => new Set(deliveries.flatMap((d) => d.dataIds));
  await eventually(() => Promise.resolve(registered.every((d) => seen().has(d))), 60_000, 250);
  const firstArrivals = deliveries.filter((d, i) => deliveries.findIndex((e) => e.eventId === d.eventId) === i);
  for (let i = 1; i < firstArrivals.length; i += 1) {
    const [prev, cur] = [firstArrivals[i - 1], firstArrivals[i]] as [(typeof firstArrivals)[number], (typeof firstArrivals)[number]];
    expect(cur.block >= prev.block).toBe(true);
  }
  // At-least-once: an event may arrive twice only around the kill, never out of order after the takeover.
  const duplicates = deliveries.length - firstArrivals.length;
  expect(duplicates).toBeLessThanOrEqual(1);
  for (const d of seen()) if (d.startsWith(id(''))) expect(wanted.has(d)).toBe(true);

  const replayed = [...answers.values()].filter((got) => got.length === 2 && got[0]?.body === got[1]?.body).length;
  const inProgress = [...answers.values()].filter((got) => got.some((g) => g.body.includes('IDEMPOTENCY_IN_PROGRESS'))).length;
  process.stderr.write(
    `replicas: ${TOTAL} uploads, replica a killed after ${KILL_AFTER}; ${registered.length} registered once each, ${replayed} answered twice identically ` +
      `(first + replay on the other replica), ${inProgress} left in progress by the killed replica, ${unknown.length} without a 201; ` +
      `webhook: ${firstArrivals.length} events delivered in order, ${duplicates} delivered twice\n`,
  );

  const view = (await (await call(b, 'GET', `/v1/webhooks/${webhookId}`)).json()) as {
    state: string;
    checkpoint?: { blockNumber: string };
  };
  expect(view.state).toBe('active');
  expect(view.checkpoint).toBeDefined();
  expect((await call(b, 'DELETE', `/v1/webhooks/${webhookId}`)).status).toBe(204);
}, 300_000);

test('when the killed replica left an upload half done, then the survivor settles it: bytes kept for what the ledger holds, dropped otherwise', async () => {
  const survivor = replicas[1] as Replica;
  const exited = new Promise((r) => survivor.child.once('exit', r));
  survivor.child.kill('SIGTERM');
  await exited;
  // The survivor again, now reaping every half-done upload at once instead of after its usual age.
  const reaping = { ...replicaConfig, vault: { ...replicaConfig.vault, stagingMaxAgeMs: 1, reapIntervalMs: 500 } };
  replicas[1] = await startReplica('b', reaping, TEST_BASE_PORT + 881, replicaDir);
  await eventually(async () => (await unsettledUploads(vault, run)).length === 0, 60_000, 500);
  for (const dataId of tried) {
    const onLedger = (await call(replicas[1], 'GET', `/v1/data/${dataId}`)).status === 200;
    if (registered.includes(dataId)) expect(onLedger).toBe(true);
    expect({ dataId, bytes: await vault.exists(`data/${dataId}`) }).toEqual({ dataId, bytes: onLedger });
  }
}, 120_000);
