import { common } from '@hyperledger/fabric-protos';
import type { Pool } from 'pg';
import { suite as royalties } from '../../network/src/bench/royalties';
import type { LoadResult } from '../../network/src/bench/stats';
import { silentLogger } from '../../network/src/log';
import { Clients, runId } from '../../network/test/support/test-network';
import { createPool, migrate } from '../src/db/database';
import { BlockIndexer } from '../src/indexer/listener';
import { reconcile } from '../src/indexer/reconcile';
import { IndexStore } from '../src/indexer/store';
import { createLogger } from '../src/logger';

/**
 * The index against the ledger after the royalty benchmark's workload (providers, data, two sealed
 * models with outputs, revenue reports, statements, claims and rights), run at its smallest size on
 * the test network (scale 0: every kind of work, a few times each): reconciliation of every record readable by ID finds no difference.
 */

let clients: Clients;
let pool: Pool;
const schema = `it_ixr_${runId}`.toLowerCase();

const noLoad: LoadResult = { label: '-', inFlight: 1, operations: 0, errors: 0, seconds: 1, perSecond: 1, p50Ms: 1, p99Ms: 1 };

beforeAll(async () => {
  clients = await Clients.create();
  const url = clients.status.database?.url;
  if (url === undefined) throw new Error('the test network has no database');
  pool = createPool({ url, schema, poolSize: 4 });
  await migrate(pool, schema);
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
  clients.closeAll();
});

test('when the royalty benchmark workload has run, then the index equals the ledger (reconciliation reports zero differences)', async () => {
  const tag = `ixr${runId}`;
  await royalties.run({
    status: clients.status,
    stateDir: '',
    baseline: { writes: [noLoad], evaluate: noLoad, writeTps: 1 },
    tag,
    log: silentLogger,
    scale: 0,
    client: (mspId) => clients.org(mspId),
  });

  const studio = clients.org('Studio1MSP');
  const height = BigInt(
    common.BlockchainInfo.deserializeBinary(
      await studio.network.getContract('qscc').evaluateTransaction('GetChainInfo', clients.status.channel),
    ).getHeight(),
  );
  const store = new IndexStore(pool, clients.status.channel);
  const indexer = new BlockIndexer({
    pool,
    schema,
    network: studio.network,
    chaincode: clients.status.chaincode.name,
    store,
    logger: createLogger('error'),
    retryMs: 200,
  });
  indexer.start();
  try {
    const deadline = Date.now() + 300_000;
    while ((await store.height()) < height) {
      if (Date.now() > deadline) throw new Error(`index at ${await store.height()} blocks, expected ${height}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await indexer.stop();
  }

  const report = await reconcile(pool, async (fn, id) => {
    try {
      return JSON.parse(Buffer.from(await studio.contract.evaluateTransaction(fn, id)).toString('utf8')) as unknown;
    } catch (error) {
      if (/NOT_FOUND/.test(String(error))) return undefined;
      throw error;
    }
  });
  expect(report.differences).toEqual([]);
  // The workload's own records are among those compared: 111 providers, 210 data items, its models and outputs.
  const mine = async (keyType: string): Promise<number> =>
    Number(
      (
        await pool.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM index_state WHERE key_type = $1 AND key_attrs[array_length(key_attrs, 1)] LIKE $2`,
          [keyType, `${tag}-%`],
        )
      ).rows[0]?.n ?? '0',
    );
  expect(await mine('provider')).toBeGreaterThanOrEqual(111);
  expect(await mine('data')).toBeGreaterThanOrEqual(210);
  expect(await mine('model')).toBeGreaterThanOrEqual(2);
  expect(await mine('output')).toBeGreaterThanOrEqual(2);
  expect(report.perType.data).toBeGreaterThanOrEqual(210);
}, 600_000);
