import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ordererHeight as heightOn } from '../src/channel';
import { deploy, startNode, status, stopNode } from '../src/network';
import { REPO_ROOT } from '../src/paths';
import { buildTopology } from '../src/topology';
import { ensureTools } from '../src/tools';
import { silentLogger } from '../src/log';
import { Clients, errorText, evaluateJson, runId, submitJson, submitJsonRetrying, TEST_STATE_DIR } from './support/test-network';

interface Provider {
  providerId: string;
  managingMsp: string;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');
const opts = { stateDir: TEST_STATE_DIR };
let clients: Clients;
let seq = 0;
const nextProvider = (): { providerId: string; payoutRefDigest: string } => {
  seq += 1;
  return { providerId: `net-${runId}-${seq}`, payoutRefDigest: digest(`payout-${seq}`) };
};

async function ordererHeight(name: string): Promise<number> {
  const s = await status(opts);
  const orderer = buildTopology(s.consensus, s.basePort).orderers.find((o) => o.name === name);
  if (!orderer) throw new Error(`no ${name}`);
  return heightOn(orderer, s.channel, TEST_STATE_DIR, await ensureTools(silentLogger));
}

/** Polls until `check` holds; a check that throws (a node still opening its ports) counts as not yet. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('condition not met in time');
}

beforeAll(async () => {
  clients = await Clients.create();
});
afterAll(() => {
  clients.closeAll();
});

describe('the consortium network', () => {
  it('when every node is up, then status reports each healthy with what a client needs to connect', async () => {
    const s = await status(opts);
    expect(s.running).toBe(true);
    expect(s.orderers).toHaveLength(3);
    expect(s.peers.map((p) => p.mspId)).toEqual(['Studio1MSP', 'Studio2MSP', 'LicensorMSP', 'RegulatorMSP']);
    for (const node of [...s.orderers, ...s.peers]) {
      expect(node.healthy).toBe(true);
      expect(node.pid).toBeGreaterThan(0);
    }
    expect(s.vault.healthy).toBe(true);
    expect(s.vault.bucket).not.toBe('');
    expect(s.vault.accessKey).not.toBe('');
    for (const org of s.orgs) expect(readFileSync(org.tlsCACertPath, 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(s.chaincode.sequence).toBeGreaterThanOrEqual(1);
  });

  it('when Studio1 submits a transaction, then the regulator reads it back through its own peer', async () => {
    const request = nextProvider();
    const written = await submitJson<Provider>(clients.org('Studio1MSP'), 'providers:Register', request);
    expect(written).toMatchObject({ providerId: request.providerId, managingMsp: 'Studio1MSP' });
    const regulator = clients.org('RegulatorMSP');
    await eventually(async () => {
      try {
        return (await evaluateJson<Provider>(regulator, 'providers:Get', request.providerId)).providerId === request.providerId;
      } catch {
        return false;
      }
    });
  });

  it('when the regulator submits a write, then it is refused with FORBIDDEN and nothing is written', async () => {
    const request = nextProvider();
    const regulator = clients.org('RegulatorMSP');
    const failure = await submitJson(regulator, 'providers:Register', request).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(errorText(failure)).toMatch(/FORBIDDEN/);
    const read = await evaluateJson(regulator, 'providers:Get', request.providerId).then(
      () => 'found',
      (e: unknown) => errorText(e),
    );
    expect(read).toMatch(/NOT_FOUND/);
  });

  it('when one of three Raft orderers stops, then transactions still commit, and on restart it catches up', async () => {
    await stopNode('orderer1', opts);
    try {
      const studio1 = clients.org('Studio1MSP');
      for (let i = 0; i < 3; i++) await submitJsonRetrying(studio1, 'providers:Register', nextProvider);
    } finally {
      await startNode('orderer1', opts);
    }
    await eventually(async () => (await ordererHeight('orderer1')) === (await ordererHeight('orderer0')), 60_000);
    expect(await ordererHeight('orderer1')).toBe(await ordererHeight('orderer0'));
  });

  it('when one endorsing peer stops, then transactions endorse and commit with the other two', async () => {
    await stopNode('peer0.studio2', opts);
    try {
      const written = await submitJsonRetrying<Provider>(clients.org('Studio1MSP'), 'providers:Register', nextProvider);
      expect(written.managingMsp).toBe('Studio1MSP');
      const read = await evaluateJson<Provider>(clients.org('LicensorMSP'), 'providers:Get', written.providerId);
      expect(read.managingMsp).toBe('Studio1MSP');
    } finally {
      await startNode('peer0.studio2', opts);
    }
    expect((await status(opts)).peers.every((p) => p.healthy)).toBe(true);
  });

  it('when a changed chaincode is deployed, then it becomes the next sequence and existing state survives', async () => {
    const request = nextProvider();
    await submitJson(clients.org('Studio1MSP'), 'providers:Register', request);
    const before = (await status(opts)).chaincode.sequence ?? 0;

    // A copy of the built chaincode with a new version is a different package: an upgrade.
    // Inside the repository, so the package's dependencies resolve from its node_modules.
    mkdirSync(path.join(REPO_ROOT, '.kiseki-scratch'), { recursive: true });
    const copy = mkdtempSync(path.join(REPO_ROOT, '.kiseki-scratch', 'upgrade-'));
    try {
      cpSync(path.join(REPO_ROOT, 'chaincode', 'dist'), path.join(copy, 'dist'), { recursive: true });
      const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'chaincode', 'package.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ ...manifest, version: `0.0.0-upgrade.${runId}` }));
      cpSync(path.join(REPO_ROOT, 'chaincode', 'collections_config.json'), path.join(copy, 'collections_config.json'));
      await deploy({ ...opts, env: { ...process.env, KISEKI_CHAINCODE_DIR: copy } });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
    expect((await status(opts)).chaincode.sequence).toBe(before + 1);
    const read = await evaluateJson<Provider>(clients.org('Studio2MSP'), 'providers:Get', request.providerId);
    expect(read.providerId).toBe(request.providerId);
  });
});
