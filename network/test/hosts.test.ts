import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { launchGateways } from '../../gateway/src/launch';
import { fetchTrustingFiles } from '../../gateway/src/tls/trust';
import { run } from '../src/exec';
import { existingNamespaces, hostsPlan, namespaceOfPid } from '../src/hosts';
import { down, NetworkStatus, status, up } from '../src/network';
import { addOrg } from '../src/orgs';
import { REPO_ROOT } from '../src/paths';
import { consoleLogger, silentLogger } from '../src/log';
import { TEST_BASE_PORT } from './support/test-network';

/**
 * Hosts mode on a network of its own: four orgs, three orderers and the vault, each in a Linux network
 * namespace the tool creates, with its own address on a private bridge. The test reaches the gateways
 * through the bridge, as a client on the LAN would; the nodes reach each other only through it.
 */
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const stateDir = path.join(REPO_ROOT, '.kiseki-scratch', `hosts-${TEST_BASE_PORT}`);
const basePort = TEST_BASE_PORT + 800;
const plan = hostsPlan(basePort);
const log = process.env.KISEKI_TEST_VERBOSE === '1' ? consoleLogger((line) => process.stderr.write(`${line}\n`)) : silentLogger;

if (!isRoot) {
  process.stderr.write(
    'hosts.test.ts: SKIPPED — hosts mode creates Linux network namespaces (ip netns) and needs root; run the tests as root to include it.\n',
  );
}
const describeAsRoot = isRoot ? describe : describe.skip;

const ip = async (args: string[]): Promise<string> => (await run('ip', args)).stdout;

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(dir, f)).isFile());
}

let current: NetworkStatus;
let upSeconds = 0;

describeAsRoot('hosts mode: each org on a host of its own', () => {
  beforeAll(async () => {
    await down({ stateDir, purge: true });
    mkdirSync(path.dirname(stateDir), { recursive: true });
    // What a crash leaves behind: a namespace and a veth of the same prefix, which `up` must clear.
    await ip(['netns', 'add', `${plan.prefix}-stale`]);
    await ip(['link', 'add', `${plan.vethPrefix}99`, 'type', 'veth', 'peer', 'name', `${plan.vethPrefix}99i`]);
    const started = Date.now();
    current = await up({ stateDir, basePort, hosts: true, log });
    upSeconds = (Date.now() - started) / 1000;
    await launchGateways(current, path.join(REPO_ROOT, 'gateway', 'dist', 'main.js'));
    current = await status({ stateDir });
  }, 600_000);

  afterAll(async () => {
    await down({ stateDir, purge: process.env.KISEKI_TEST_KEEP !== '1' });
  }, 120_000);

  it('when the network is up, then every orderer, peer, gateway and the vault runs in its own namespace at its own address', async () => {
    process.stderr.write(`hosts.test.ts: network up --hosts took ${upSeconds.toFixed(1)} s\n`);
    const namespaces = (await existingNamespaces(plan)).sort();
    expect(namespaces).toEqual(
      ['licensor', 'orderer0', 'orderer1', 'orderer2', 'regulator', 'studio1', 'studio2', 'vault'].map((h) => `${plan.prefix}-${h}`),
    );
    const where = async (pid: number | null): Promise<string> => (pid === null ? 'not running' : namespaceOfPid(pid));
    for (const o of current.orderers) expect([o.name, await where(o.pid), o.healthy]).toEqual([o.name, `${plan.prefix}-${o.name}`, true]);
    for (const p of current.peers)
      expect([p.name, await where(p.pid), p.healthy]).toEqual([p.name, `${plan.prefix}-${p.name.replace('peer0.', '')}`, true]);
    expect(await where(current.vault.pid)).toBe(`${plan.prefix}-vault`);
    expect(current.gateways).toHaveLength(4);
    for (const g of current.gateways) {
      const org = current.orgs.find((o) => o.mspId === g.mspId);
      expect([g.mspId, await where(g.pid), g.healthy, new URL(g.url).hostname]).toEqual([g.mspId, org?.namespace, true, org?.address]);
    }
    const addresses = [...current.orderers, ...current.peers].map((n) => n.endpoint.split(':')[0]);
    expect(new Set(addresses).size).toBe(addresses.length);
    for (const a of addresses) expect(a?.startsWith(`${plan.subnet}.`)).toBe(true);
    expect(current.vault.endpoint).toBe(`http://${plan.subnet}.5:${basePort + 200}`);
  });

  it("when one org's host connects to another's, then it does so across the bridge, and nothing listens on anyone's loopback", async () => {
    const studio1 = current.orgs.find((o) => o.mspId === 'Studio1MSP');
    const licensorPeer = current.peers.find((p) => p.mspId === 'LicensorMSP')?.endpoint ?? '';
    const [host, port] = licensorPeer.split(':');
    const probe = (target: string, p: string): Promise<boolean> =>
      run('ip', ['netns', 'exec', studio1?.namespace ?? '', 'bash', '-c', `exec 3<>/dev/tcp/${target}/${p}`]).then(
        () => true,
        () => false,
      );
    expect(await probe(host ?? '', port ?? '')).toBe(true);
    expect(await probe(current.vault.endpoint.split('//')[1]?.split(':')[0] ?? '', String(basePort + 200))).toBe(true);
    // Its own peer is not on its loopback either: only on its address.
    expect(await probe('127.0.0.1', String(basePort + 100))).toBe(false);
  });

  it("when the files are inspected, then each org's private keys are only in its own folder, and only public certificates were exchanged", () => {
    const keys = filesUnder(stateDir).filter((f) => f.endsWith('_sk') || f.endsWith('.key'));
    expect(keys.length).toBeGreaterThan(0);
    // The vault's KMS master key belongs to the vault's host (its operator), like an orderer's keys to the ordering org.
    const owner = (f: string): string =>
      f === 'secrets/vault-kms.key'
        ? 'vault'
        : f.startsWith('crypto/ordererOrganizations/')
          ? 'orderer'
          : (/^orgs\/([^/]+)\/crypto\/peerOrganizations\/\1\.kiseki\.test\//.exec(f)?.[1] ?? `stray: ${f}`);
    expect([...new Set(keys.map(owner))].sort()).toEqual(['licensor', 'orderer', 'regulator', 'studio1', 'studio2', 'vault']);
    expect(readdirSync(path.join(stateDir, 'crypto'))).toEqual(['ordererOrganizations']);
    const exchanged = filesUnder(path.join(stateDir, 'exchange'));
    expect(exchanged.every((f) => f.endsWith('.pem') || f.endsWith('.crt') || f.endsWith('config.yaml'))).toBe(true);
    // Each peer process is configured with its own org's folder only (other orgs' material reaches it through the channel config).
    for (const p of current.peers) {
      const environ = readFileSync(`/proc/${String(p.pid)}/environ`, 'utf8');
      const orgsNamed = new Set([...environ.matchAll(/\/orgs\/([a-z0-9]+)\//g)].map((m) => m[1]));
      expect([p.name, [...orgsNamed]]).toEqual([p.name, [p.name.replace('peer0.', '')]]);
    }
  });

  it("when a node's TLS certificate is read, then it names the node's namespace address", () => {
    const certOf = (org: string): X509Certificate =>
      new X509Certificate(
        readFileSync(
          path.join(
            stateDir,
            'orgs',
            org,
            'crypto',
            'peerOrganizations',
            `${org}.kiseki.test`,
            'peers',
            `peer0.${org}.kiseki.test`,
            'tls',
            'server.crt',
          ),
        ),
      );
    for (const p of current.peers) {
      const org = p.name.replace('peer0.', '');
      expect(certOf(org).subjectAltName).toContain(`IP Address:${p.endpoint.split(':')[0] ?? ''}`);
      expect(certOf(org).subjectAltName).not.toContain('127.0.0.1');
    }
  });

  it('when the demo story runs through the four gateways in their namespaces, then it completes end to end', async () => {
    const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'gateway', 'dist', 'demo.js')], {
      env: { ...process.env, NODE_OPTIONS: '', KISEKI_STATE_DIR: stateDir },
      timeoutMs: 120_000,
    });
    expect(stdout).toMatch(/inclusion\s+\S+ is leaf 0 of 6: verified/);
    expect(stdout).toMatch(/exclusion\s+\S+ was not used: verified/);
    expect(stdout).toMatch(/verdict\s+authorized/);
    expect(stdout).toMatch(/transfer\s+executed/);
    expect(stdout).toMatch(/accrued\s+¥22000 \(expected ¥22000\)/);
    expect(stdout).toContain('Done.');
    expect(stdout).not.toContain('NOT VERIFIED');
  });

  it('when a fifth org (a second licensor) joins, then its peer and gateway run in a namespace of their own, it endorses, and the others read what it wrote', async () => {
    const started = Date.now();
    const added = await addOrg({ stateDir, log, mspId: 'Licensor2MSP', role: 'licensor' });
    process.stderr.write(
      `hosts.test.ts: Licensor2MSP joined; its peer endorses ${(added.timings.endorses / 1000).toFixed(1)} s after the start (${((Date.now() - started) / 1000).toFixed(1)} s with gossip)\n`,
    );
    const launched = await launchGateways(await status({ stateDir }), path.join(REPO_ROOT, 'gateway', 'dist', 'main.js'));
    current = await status({ stateDir });
    const peer = current.peers.find((p) => p.mspId === 'Licensor2MSP');
    const gateway = current.gateways.find((g) => g.mspId === 'Licensor2MSP');
    expect(peer?.endpoint).toBe(`${plan.subnet}.24:${basePort + 140}`);
    expect(await namespaceOfPid(peer?.pid ?? 0)).toBe(`${plan.prefix}-licensor2`);
    expect(await namespaceOfPid(gateway?.pid ?? 0)).toBe(`${plan.prefix}-licensor2`);
    expect(existsSync(path.join(stateDir, 'exchange', 'Licensor2MSP', 'msp', 'cacerts'))).toBe(true);
    const key = (mspId: string, role: string): string =>
      launched.find((g) => g.mspId === mspId)?.keys.find((k) => k.role === role)?.key ?? '';
    // Each gateway serves HTTPS with its org's TLS CA: the client trusts exactly those CAs.
    const fetchOrgs = fetchTrustingFiles(launched.map((g) => g.caCertPath));
    const termsId = `l2-hosts-terms-${String(Date.now())}`;
    const published = await fetchOrgs(`${gateway?.url ?? ''}/v1/terms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key('Licensor2MSP', 'licensor-operator')}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        termsId,
        aiTraining: true,
        commercialUse: false,
        derivatives: true,
        attribution: true,
        territory: 'JP',
        validFrom: '2024-01-01T00:00:00Z',
        dataPoolShareBps: 1000,
        legalText: 'second licensor, own host',
      }),
    });
    expect(published.status).toBe(201);
    const studio1 = current.gateways.find((g) => g.mspId === 'Studio1MSP');
    const read = await fetchOrgs(`${studio1?.url ?? ''}/v1/terms/${termsId}`, {
      headers: { authorization: `Bearer ${key('Studio1MSP', 'auditor')}` },
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ termsId, issuerMsp: 'Licensor2MSP' });
  });

  it('when the network goes down, then no namespace, veth or bridge of it is left', async () => {
    await down({ stateDir });
    expect(await existingNamespaces(plan)).toEqual([]);
    const links = (await ip(['-o', 'link', 'show'])).split('\n').filter((l) => l.includes(plan.bridge) || l.includes(plan.vethPrefix));
    expect(links).toEqual([]);
  });
});
