import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiKeyStore } from './auth';
import { ConfigError, loadConfig, type GatewayConfig } from './config';
import { connectFabric, readKeyFile } from './fabric/connection';
import { QsccChainReader } from './fabric/chain';
import { FabricLedger } from './fabric/fabric-ledger';
import { exchangeFromConfig } from './exchange/exchange';
import { openDatabase, schemaForMsp, type Database } from './db/database';
import { createApp } from './http/app';
import { AuditReader } from './indexer/audit';
import { BlockIndexer } from './indexer/listener';
import { IndexStore } from './indexer/store';
import { allRoutes } from './http/routes';
import { createLogger, errorFields, type Logger } from './logger';
import { Metrics } from './metrics';
import { PostgresStore } from './store/postgres-store';
import { FileStore } from './store/store';
import { reapBatches } from './use-cases/batch-register';
import { SessionService } from './use-cases/batch-sessions';
import { loadContentSigner } from './credentials/c2pa';
import { BlockBrowser } from './use-cases/blocks';
import { Attestor, EvidenceService } from './use-cases/evidence';
import { reapStaging } from './use-cases/reaper';
import { buildServices, limitsFrom, settingsFrom, webhookOptionsFrom } from './use-cases/services';
import { MinioVault } from './vault/minio-vault';
import { fetchTrustingFiles } from './tls/trust';

/**
 * One gateway process for one org: config → adapters (Fabric, vault, state store) → use cases → HTTP.
 * Exits cleanly on SIGTERM/SIGINT after draining in-flight requests.
 */

export interface RunningGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The console built in this repo (`npm run build`), if it was built: gateway/dist → console/dist. */
function builtConsoleDir(): string | undefined {
  const dir = resolve(__dirname, '..', '..', 'console', 'dist');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

/**
 * Starts a gateway from a parsed config.
 * @throws Error when the vault refuses server-side encryption or the port is taken.
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger = createLogger(config.logLevel, { mspId: config.mspId }),
): Promise<RunningGateway> {
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  const keys = ApiKeyStore.fromFile(config.apiKeysFile);
  const metrics = new Metrics();
  const vault = new MinioVault({ ...config.vault, logger });
  try {
    await vault.ensureReady();
  } catch (error) {
    if (error instanceof Error && error.message.includes('server-side encryption')) throw error;
    // The vault may come up after the gateway; /readyz says so meanwhile.
    logger.warn('vault not reachable at start', errorFields(error));
  }
  const database: Database | undefined =
    config.database === undefined
      ? undefined
      : await openDatabase(
          {
            url: config.database.url,
            schema: config.database.schema ?? schemaForMsp(config.mspId),
            poolSize: config.database.poolSize,
          },
          logger,
        );
  const connection = connectFabric(config);
  const ledger = new FabricLedger({
    network: connection.gateway.getNetwork(config.channel),
    chaincode: config.chaincode,
    retry: config.retry,
    timeouts: config.timeouts,
    logger,
    close: () => {
      connection.close();
    },
  });
  // With a database, the gateway's own state is shared by every replica of the org; else local files.
  const shared = database === undefined ? undefined : new PostgresStore(database.pool);
  const store = shared ?? new FileStore(join(config.stateDir, 'store'));
  const services = buildServices({
    settings: settingsFrom(config),
    ledger,
    vault,
    store,
    ...(shared === undefined ? {} : { leases: shared }),
    metrics,
    logger,
    publicVerification: config.publicVerification,
    webhookOptions: webhookOptionsFrom(config),
  });
  const chain = new QsccChainReader(connection.gateway.getNetwork(config.channel), config.chaincode);
  services.blocks = new BlockBrowser(ledger, chain);
  services.evidence = new EvidenceService({
    ledger,
    chain,
    manifests: services.manifests,
    attestor: new Attestor(config.mspId, readFileSync(config.identity.certPath, 'utf8'), readKeyFile(config.identity.keyPath)),
    attestors: config.publicVerification.attestors,
    logger,
    fetch: fetchTrustingFiles(config.gatewayCAPaths),
  });
  if (database !== undefined) {
    services.audit = new AuditReader(database.pool);
    if (config.database?.index !== false) {
      services.indexer = new BlockIndexer({
        pool: database.pool,
        schema: database.schema,
        network: connection.gateway.getNetwork(config.channel),
        chaincode: config.chaincode,
        store: new IndexStore(database.pool, config.channel),
        logger: logger.child({ component: 'indexer' }),
      });
      services.indexer.start();
    }
  }
  if (config.contentCredentials !== undefined) services.contentSigner = loadContentSigner(config.contentCredentials);
  const exchange = exchangeFromConfig(config, services);
  if (exchange !== undefined) services.exchange = exchange;
  const consoleDir = config.consoleDir ?? builtConsoleDir();
  const app = createApp({
    services,
    keys,
    routes: allRoutes().routes,
    shutdownMs: config.timeouts.shutdownMs,
    limits: limitsFrom(config),
    ...(consoleDir === undefined ? {} : { consoleDir }),
    ...(config.tls === undefined
      ? {}
      : {
          tls: {
            cert: readFileSync(config.tls.certPath, 'utf8'),
            key: readFileSync(config.tls.keyPath, 'utf8'),
            clientCAs: config.tls.clientCAPaths.map((path) => readFileSync(path, 'utf8')),
          },
        }),
  });
  const { url, port } = await app.start(config.listen.port, config.listen.host);
  await services.webhooks.startAll();

  // The pass in progress, awaited at stop so that it never meets a closed database.
  let reaping: Promise<void> | undefined;
  const reaper = setInterval(() => {
    if (reaping !== undefined) return;
    reaping = (async () => {
      try {
        await reapStaging({ vault, ledger, metrics, logger, maxAgeMs: config.vault.stagingMaxAgeMs });
        await reapBatches({ vault, packs: services.packs, ledger, metrics, logger, maxAgeMs: config.vault.stagingMaxAgeMs });
        await new SessionService(store, vault).expire();
        await services.idempotency.sweep();
      } catch (error) {
        logger.warn('reaper pass failed', errorFields(error));
      } finally {
        reaping = undefined;
      }
    })();
  }, config.vault.reapIntervalMs);
  reaper.unref();

  logger.info('gateway listening', {
    url,
    mutualTls: (config.tls?.clientCAPaths.length ?? 0) > 0,
    peer: config.peer.endpoint,
    channel: config.channel,
    chaincode: config.chaincode,
  });
  return {
    url,
    port,
    stop: async () => {
      clearInterval(reaper);
      await app.stop();
      await reaping;
      await services.transactor.settle();
      await services.indexer?.stop();
      ledger.close();
      await database?.close();
      logger.info('gateway stopped');
    },
  };
}

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel, { mspId: config.mspId });
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection', errorFields(reason));
  });
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(config, logger);
  } catch (error) {
    logger.error('gateway failed to start', errorFields(error));
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', errorFields(error));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  process.on('SIGINT', () => {
    shutdown('SIGINT');
  });
}

if (require.main === module) void main();
