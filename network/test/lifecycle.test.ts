import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { down, status, up } from '../src/network';
import { portFree } from '../src/processes';
import { allPorts, buildTopology } from '../src/topology';
import { REPO_ROOT } from '../src/paths';
import { Clients, submitJson, TEST_BASE_PORT, TEST_STATE_DIR, runId } from './support/test-network';

const opts = { stateDir: TEST_STATE_DIR };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('network lifecycle', () => {
  it('when a port the network needs is taken, then up fails naming the port and its node, and starts nothing', async () => {
    mkdirSync(path.join(REPO_ROOT, '.kiseki-scratch'), { recursive: true });
    const stateDir = mkdtempSync(path.join(REPO_ROOT, '.kiseki-scratch', 'busy-'));
    const basePort = TEST_BASE_PORT + 500;
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(basePort + 110, '127.0.0.1', resolve)); // peer0.studio2
    try {
      const failure = await up({ stateDir, basePort }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(String(failure)).toContain(`already in use: ${basePort + 110} (for peer0.studio2)`);
      expect(existsSync(path.join(stateDir, 'pids'))).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      await down({ stateDir, purge: true });
    }
  });

  it('when up runs on a running network, then it says so and changes nothing', async () => {
    const before = await status(opts);
    const lines: string[] = [];
    const after = await up({ ...opts, log: { info: (m) => lines.push(m), step: (_t, fn) => fn() } });
    expect(lines.join('\n')).toMatch(/already running/);
    expect(after.peers.map((p) => p.pid)).toEqual(before.peers.map((p) => p.pid));
    expect(after.chaincode.sequence).toBe(before.chaincode.sequence);
  });

  it('when down runs, then no process of ours is left and every port is free; up after down --purge works again', async () => {
    const before = await status(opts);
    const pids = [...before.orderers, ...before.peers]
      .map((n) => n.pid)
      .concat(before.vault.pid, before.database?.pid ?? null)
      .filter((p): p is number => p !== null);
    // 3 orderers, 4 peers, the vault and (unless KISEKI_DATABASE_URL names an external one) PostgreSQL.
    expect(pids.length).toBe(before.database?.external === true ? 8 : 9);

    await down(opts);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    for (const { port } of allPorts(buildTopology(before.consensus, before.basePort))) expect(await portFree(port)).toBe(true);
    if (before.database?.external === false) expect(await portFree(Number(new URL(before.database.url).port))).toBe(true);

    await down({ ...opts, purge: true });
    expect(existsSync(path.join(TEST_STATE_DIR, 'network.json'))).toBe(false);

    const again = await up({ ...opts, basePort: TEST_BASE_PORT });
    expect(again.running).toBe(true);
    const clients = await Clients.create();
    try {
      const written = await submitJson<{ providerId: string }>(clients.org('Studio1MSP'), 'providers:Register', {
        providerId: `again-${runId}`,
        payoutRefDigest: 'a'.repeat(64),
      });
      expect(written.providerId).toBe(`again-${runId}`);
    } finally {
      clients.closeAll();
    }
  });
});
