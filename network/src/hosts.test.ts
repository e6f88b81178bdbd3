import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { channelTemplateValues, renderTemplate } from './bootstrap';
import { hostsPlan, namespaceOf } from './hosts';
import { networkTopology } from './members';
import { nodeProcess, ordererEnv, peerEnv } from './nodes';
import { CONFIG_DIR } from './paths';
import { buildTopology, cryptoPaths } from './topology';

describe('hosts plan', () => {
  it('when two networks have different base ports, then their subnets, namespaces, bridges and veths differ', () => {
    const a = hostsPlan(26000);
    const b = hostsPlan(26001);
    expect(a).toEqual({
      prefix: 'kiseki26000',
      bridge: 'ks26000br',
      vethPrefix: 'ks26000-',
      subnet: '10.101.144',
      gatewayAddress: '10.101.144.1',
    });
    expect(b.subnet).not.toBe(a.subnet);
    expect(namespaceOf(a, 'studio1')).toBe('kiseki26000-studio1');
    // Linux interface names hold 15 characters: the longest veth end is the inner one before its rename.
    expect(`${hostsPlan(65535).vethPrefix}255i`.length).toBeLessThanOrEqual(15);
    expect(hostsPlan(65535).bridge.length).toBeLessThanOrEqual(15);
  });

  it('when the base port is out of range, then the plan is refused', () => {
    expect(() => hostsPlan(80)).toThrow(RangeError);
  });
});

describe('topology in hosts mode', () => {
  const topology = buildTopology('raft', 26000, { hosts: true });

  it('when built, then every node has its own namespace and address in the subnet, and no node uses loopback', () => {
    const nodes = [...topology.orderers, ...topology.peers, topology.vault];
    expect(new Set(nodes.map((n) => n.address)).size).toBe(nodes.length);
    expect(new Set(nodes.map((n) => n.namespace)).size).toBe(nodes.length);
    for (const n of nodes) expect(n.address).toMatch(/^10\.101\.144\.\d+$/);
    expect(topology.peers.map((p) => [p.namespace, p.address])).toEqual([
      ['kiseki26000-studio1', '10.101.144.20'],
      ['kiseki26000-studio2', '10.101.144.21'],
      ['kiseki26000-licensor', '10.101.144.22'],
      ['kiseki26000-regulator', '10.101.144.23'],
    ]);
    const env = JSON.stringify([
      ...topology.orderers.map((o) => ordererEnv(o, '/s')),
      ...topology.peers.map((p) => peerEnv(p, topology, '/s')),
    ]);
    expect(env).not.toContain('127.0.0.1');
    expect(env).not.toContain('localhost');
  });

  it("when built, then each org's keys live in the org's own folder, apart from every other org's", () => {
    const paths = cryptoPaths('/s');
    const homes = topology.peers.map((p) => paths.orgAdmin(p.org));
    expect(homes[0]).toBe('/s/orgs/studio1/crypto/peerOrganizations/studio1.kiseki.test/users/Admin@studio1.kiseki.test');
    for (const [i, home] of homes.entries()) {
      for (const [j, other] of homes.entries()) if (i !== j) expect(home.startsWith(path.dirname(path.dirname(other)))).toBe(false);
    }
    // The single-host mode keeps its one cryptogen tree.
    const single = buildTopology('raft', 26000).peers[0];
    expect(single && cryptoPaths('/s').orgAdmin(single.org)).toContain('/s/crypto/peerOrganizations/');
  });

  it("when a node's process is described, then it runs inside the node's namespace", () => {
    const licensor = topology.peers[2];
    if (!licensor) throw new Error('no licensor peer');
    const spec = nodeProcess(licensor, topology, '/s', { fabricBin: '/bin', fabricConfig: '/cfg', minio: '/m' });
    expect(spec.namespace).toBe('kiseki26000-licensor');
  });

  it('when a member joins in hosts mode, then its peer gets the next address and a namespace of its own', () => {
    const t = networkTopology({
      consensus: 'raft',
      basePort: 26000,
      hosts: true,
      members: [{ mspId: 'Studio3MSP', name: 'studio3', domain: 'studio3.kiseki.test', role: 'studio', slot: 4 }],
    });
    expect(t.peers[4]).toMatchObject({ address: '10.101.144.24', namespace: 'kiseki26000-studio3' });
  });

  it('when the channel template is rendered, then endpoints, consenters and anchors carry namespace addresses and MSPs come from the exchanged files', () => {
    const template = readFileSync(path.join(CONFIG_DIR, 'configtx.yaml'), 'utf8');
    const doc = YAML.parse(renderTemplate(template, channelTemplateValues(topology, '/s'))) as {
      Profiles: Record<string, { Orderer: { EtcdRaft?: { Consenters: { Host: string; ClientTLSCert: string }[] } } }>;
      Organizations: { Name: string; MSPDir: string; OrdererEndpoints?: string[]; AnchorPeers?: { Host: string }[] }[];
    };
    const consenters = doc.Profiles.KisekiRaft?.Orderer.EtcdRaft?.Consenters ?? [];
    expect(consenters.map((c) => c.Host)).toEqual(['10.101.144.10', '10.101.144.11', '10.101.144.12']);
    expect(consenters[0]?.ClientTLSCert).toBe('/s/exchange/OrdererMSP/orderers/orderer0.orderer.kiseki.test/server.crt');
    expect(doc.Organizations.find((o) => o.Name === 'OrdererMSP')?.OrdererEndpoints).toEqual([
      '10.101.144.10:26000',
      '10.101.144.11:26010',
      '10.101.144.12:26020',
    ]);
    expect(doc.Organizations.map((o) => o.MSPDir)).toEqual(
      ['OrdererMSP', 'Studio1MSP', 'Studio2MSP', 'LicensorMSP', 'RegulatorMSP'].map((m) => `exchange/${m}/msp`),
    );
    expect(doc.Organizations.flatMap((o) => o.AnchorPeers ?? []).map((a) => a.Host)).toEqual([
      '10.101.144.20',
      '10.101.144.21',
      '10.101.144.22',
      '10.101.144.23',
    ]);
  });
});
