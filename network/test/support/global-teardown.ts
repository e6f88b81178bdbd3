import { down } from '../../src/network';
import { TEST_STATE_DIR } from './test-network';

/** Stops every process the integration tier started; keeps the state only when KISEKI_TEST_KEEP=1 (for diagnosis). */
export default async function globalTeardown(): Promise<void> {
  await down({ stateDir: TEST_STATE_DIR, purge: process.env.KISEKI_TEST_KEEP !== '1' });
}
