import { mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { connectOrg } from '../src/client';
import { down, startNode, stopNode, up } from '../src/network';
import { REPO_ROOT } from '../src/paths';
import { errorText, runId, TEST_BASE_PORT } from './support/test-network';

/** The SmartBFT variant: its own network (4 orderers) beside the Raft one of the other tests. */
describe('the network on SmartBFT', () => {
  mkdirSync(path.join(REPO_ROOT, '.kiseki-scratch'), { recursive: true });
  const stateDir = mkdtempSync(path.join(REPO_ROOT, '.kiseki-scratch', 'bft-'));
  const opts = { stateDir };

  afterAll(async () => {
    await down({ ...opts, purge: true });
  });

  it('when up with --consensus bft, then 4 orderers order transactions, and still do with one of them stopped', async () => {
    const status = await up({ ...opts, consensus: 'bft', basePort: TEST_BASE_PORT + 700 });
    expect(status.orderers).toHaveLength(4);
    expect(status.running).toBe(true);
    const studio = connectOrg(status, 'Studio1MSP');
    try {
      const register = (n: number): Promise<Uint8Array> =>
        studio.contract.submitTransaction(
          'providers:Register',
          JSON.stringify({ providerId: `bft-${runId}-${n}`, payoutRefDigest: 'b'.repeat(64) }),
        );
      await register(1);
      await stopNode('orderer3', opts);
      try {
        await register(2).catch((error: unknown) => {
          throw new Error(`submit with one BFT orderer down failed: ${errorText(error)}`);
        });
      } finally {
        await startNode('orderer3', opts);
      }
      const read = JSON.parse(new TextDecoder().decode(await studio.contract.evaluateTransaction('providers:Get', `bft-${runId}-2`))) as {
        providerId: string;
      };
      expect(read.providerId).toBe(`bft-${runId}-2`);
    } finally {
      studio.close();
    }
  });
});
