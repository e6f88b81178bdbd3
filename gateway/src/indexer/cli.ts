import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { common } from '@hyperledger/fabric-protos';
import { poll } from '@kiseki/network/dist/retry';
import { loadConfig } from '../config';
import { openDatabase, schemaForMsp } from '../db/database';
import { connectFabric } from '../fabric/connection';
import { createLogger } from '../logger';
import { BlockIndexer } from './listener';
import { reconcile } from './reconcile';
import { IndexStore } from './store';

const USAGE = `Usage: npm run index -- <command> [--msp MSP | --config gateway.json] [options]

  status                   index height beside the ledger height of the org's peer
  reconcile [--sample N]   compare indexed records with ledger reads (all keys, or N random per type);
                           exit 4 when any differ
  rebuild                  empty the org's index and index again from block 0 (records/s printed)

The org's gateway config is <state dir>/gateways/<MSP>/gateway.json (npm start writes it), or --config.`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { msp: { type: 'string' }, config: { type: 'string' }, sample: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0];
  if (values.help === true || command === undefined) {
    console.log(USAGE);
    return;
  }
  const stateDir = resolve(process.env.KISEKI_STATE_DIR ?? join(__dirname, '..', '..', '..', '.kiseki'));
  const file = values.config ?? join(stateDir, 'gateways', values.msp ?? 'Studio1MSP', 'gateway.json');
  if (!existsSync(file)) throw new Error(`no gateway config at ${file}; start the system (npm start) or give --config`);
  const config = loadConfig({ ...process.env }, file);
  if (config.database === undefined) throw new Error(`${file} has no database section`);
  const logger = createLogger('warn', { mspId: config.mspId });
  const database = await openDatabase(
    { url: config.database.url, schema: config.database.schema ?? schemaForMsp(config.mspId), poolSize: 4 },
    logger,
  );
  const connection = connectFabric(config);
  const network = connection.gateway.getNetwork(config.channel);
  const store = new IndexStore(database.pool, config.channel);
  const ledgerHeight = async (): Promise<bigint> =>
    BigInt(
      common.BlockchainInfo.deserializeBinary(
        await network.getContract('qscc').evaluateTransaction('GetChainInfo', config.channel),
      ).getHeight(),
    );
  try {
    switch (command) {
      case 'status': {
        console.log(
          JSON.stringify(
            {
              mspId: config.mspId,
              schema: database.schema,
              indexHeight: (await store.height()).toString(),
              ledgerHeight: (await ledgerHeight()).toString(),
            },
            null,
            2,
          ),
        );
        return;
      }
      case 'reconcile': {
        const contract = network.getContract(config.chaincode);
        const sample = values.sample === undefined ? undefined : Number(values.sample);
        const report = await reconcile(
          database.pool,
          async (fn, id) => {
            try {
              return JSON.parse(Buffer.from(await contract.evaluateTransaction(fn, id)).toString('utf8')) as unknown;
            } catch (error) {
              if (/NOT_FOUND/.test(JSON.stringify(error, Object.getOwnPropertyNames(error)))) return undefined;
              throw error;
            }
          },
          sample === undefined ? {} : { sample },
        );
        console.log(JSON.stringify(report, null, 2));
        if (report.differences.length > 0) process.exitCode = 4;
        return;
      }
      case 'rebuild': {
        const target = await ledgerHeight();
        const started = Date.now();
        await store.reset();
        const indexer = new BlockIndexer({
          pool: database.pool,
          schema: database.schema,
          network,
          chaincode: config.chaincode,
          store,
          logger,
          retryMs: 500,
        });
        indexer.start();
        await poll(async () => (await store.height()) >= target, { everyMs: 200 });
        await indexer.stop();
        const seconds = (Date.now() - started) / 1000;
        const versions =
          (
            await database.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM index_versions WHERE block_number < $1', [
              target.toString(),
            ])
          ).rows[0]?.n ?? '0';
        console.log(
          JSON.stringify(
            { blocks: target.toString(), records: versions, seconds, recordsPerSecond: Math.round(Number(versions) / seconds) },
            null,
            2,
          ),
        );
        return;
      }
      default:
        throw new Error(`unknown command ${command}\n\n${USAGE}`);
    }
  } finally {
    connection.close();
    await database.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
