import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { migrate } from '../src/db/database';
import { IdempotencyGuard, requestFingerprint } from '../src/http/idempotency';
import { PostgresStore } from '../src/store/postgres-store';
import { networkView } from './support/gateways';

/**
 * The shared store on the test network's real PostgreSQL, as two replicas see it: two pools (two
 * processes' worth of connections) over one schema of its own.
 */

const schema = `it_store_${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
let pools: [Pool, Pool];
let a: PostgresStore;
let b: PostgresStore;

beforeAll(async () => {
  const url = (await networkView()).database?.url;
  if (url === undefined) throw new Error('the test network has no database');
  const open = (): Pool => new Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
  pools = [open(), open()];
  // Both "replicas" migrate at once: each migration is applied exactly once.
  await Promise.all(pools.map((pool) => migrate(pool, schema)));
  [a, b] = pools.map((pool) => new PostgresStore(pool)) as [PostgresStore, PostgresStore];
});

afterAll(async () => {
  await pools[0].query(`DROP SCHEMA ${schema} CASCADE`);
  await Promise.all(pools.map((pool) => pool.end()));
});

test('when both replicas create one key at once, then exactly one wins, and documents round-trip byte for byte in key order', async () => {
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).create('ns', 'same key', { i })));
  expect(results.filter(Boolean)).toHaveLength(1);
  await a.put('ns', 'b/1\nx', { z: 1, a: 2 });
  await b.put('ns', 'B', { v: 0 });
  expect(JSON.stringify(await b.get('ns', 'b/1\nx'))).toBe('{"z":1,"a":2}');
  expect((await b.list('ns')).map((e) => e.key)).toEqual(['B', 'b/1\nx', 'same key']);
  await b.delete('ns', 'B');
  expect(await a.get('ns', 'B')).toBeUndefined();
  expect(await a.list('other')).toEqual([]);
});

test('when a retry lands on the other replica, then it replays the first answer without running again', async () => {
  const fingerprint = requestFingerprint('POST', '/v1/providers', { providerId: 'p1' });
  let runs = 0;
  const execute = (): Promise<{ status: number; body: unknown }> => {
    runs += 1;
    return Promise.resolve({ status: 201, body: { transactionId: `tx-${runs}` } });
  };
  const first = await new IdempotencyGuard(a).run('client', 'key-1', fingerprint, execute);
  const retry = await new IdempotencyGuard(b).run('client', 'key-1', fingerprint, execute);
  expect(runs).toBe(1);
  expect(retry).toEqual({ response: first.response, replayed: true });
});

test('when a lease is held, then the other replica is refused until it expires or is released, by the database clock', async () => {
  expect(await a.acquire('webhook:w1', 'replica-a', 1_500)).toBe(true);
  expect(await b.acquire('webhook:w1', 'replica-b', 1_500)).toBe(false);
  expect(await a.acquire('webhook:w1', 'replica-a', 1_500)).toBe(true);
  await new Promise((r) => setTimeout(r, 1_700));
  expect(await b.acquire('webhook:w1', 'replica-b', 60_000)).toBe(true);
  expect(await a.acquire('webhook:w1', 'replica-a', 1_500)).toBe(false);
  await a.release('webhook:w1', 'replica-a');
  expect(await a.acquire('webhook:w1', 'replica-a', 1_500)).toBe(false);
  await b.release('webhook:w1', 'replica-b');
  expect(await a.acquire('webhook:w1', 'replica-a', 1_500)).toBe(true);
});
