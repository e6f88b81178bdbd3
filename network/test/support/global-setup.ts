import { consoleLogger } from '../../src/log';
import { down, up } from '../../src/network';
import { TEST_BASE_PORT, TEST_STATE_DIR } from './test-network';

/** Starts a fresh network for the integration tier (tools from the cache, state from nothing). */
export default async function globalSetup(): Promise<void> {
  const log = consoleLogger((line) => process.stderr.write(`${line}\n`));
  log.info(`\nintegration network: state ${TEST_STATE_DIR}, base port ${TEST_BASE_PORT}`);
  await down({ stateDir: TEST_STATE_DIR, purge: true });
  const started = Date.now();
  await up({ stateDir: TEST_STATE_DIR, basePort: TEST_BASE_PORT, consensus: 'raft', log });
  log.info(`integration network up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}
