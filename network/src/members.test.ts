import { readFileSync } from 'node:fs';
import path from 'node:path';
import { environmentAt, formatEnvironment } from './env';
import { channelOrgs, majorityOf, networkTopology, newMember, packageOverrides, policyForOrgs, readCollections } from './members';
import { missingSignatures } from './channel-config';
import { CHAINCODE_DIR } from './paths';
import { MemberOrg } from './state';
import { allPorts, cryptoPaths } from './topology';

const base = { consensus: 'raft' as const, basePort: 26000 };

describe('members', () => {
  it('when an org joins, then it gets the next port slot, its own folder and a name from its MSP ID', () => {
    const studio3 = newMember({}, 'Studio3MSP', 'studio');
    expect(studio3).toEqual({ mspId: 'Studio3MSP', name: 'studio3', domain: 'studio3.kiseki.test', role: 'studio', slot: 4 });
    const topology = networkTopology({ ...base, members: [studio3] });
    const peer = topology.peers.at(-1);
    if (!peer) throw new Error('no peer');
    expect(peer).toMatchObject({ name: 'peer0.studio3', port: 26140, chaincodePort: 26141, operationsPort: 26142 });
    expect(topology.gatewayPorts.Studio3MSP).toBe(26304);
    const ports = [...allPorts(topology).map((p) => p.port)];
    expect(new Set(ports).size).toBe(ports.length);
    expect(cryptoPaths('/s').orgAdmin(peer.org)).toBe(
      '/s/orgs/studio3/crypto/peerOrganizations/studio3.kiseki.test/users/Admin@studio3.kiseki.test',
    );
    expect(newMember({ members: [studio3] }, 'Licensor2MSP', 'licensor').slot).toBe(5);
  });

  it('when an MSP ID is malformed or taken, then the join is refused', () => {
    expect(() => newMember({}, 'studio3', 'studio')).toThrow(/must look like Studio3MSP/);
    expect(() => newMember({}, 'Studio1MSP', 'studio')).toThrow(/already an org/);
    const removed: MemberOrg = { ...newMember({}, 'Studio3MSP', 'studio'), removed: true };
    expect(() => newMember({ members: [removed] }, 'Studio3MSP', 'studio')).toThrow(/already a removed org/);
  });

  it('when an org is removed, then it leaves the channel orgs and the topology, but can still be named to stop it', () => {
    const removed: MemberOrg = { ...newMember({}, 'Studio3MSP', 'studio'), removed: true };
    expect(channelOrgs({ members: [removed] }).map((o) => o.mspId)).toEqual(['Studio1MSP', 'Studio2MSP', 'LicensorMSP', 'RegulatorMSP']);
    expect(networkTopology({ ...base, members: [removed] }).peers).toHaveLength(4);
    expect(networkTopology({ ...base, members: [removed] }, { includeRemoved: true }).peers).toHaveLength(5);
  });

  it('when the membership changes, then an OutOf policy keeps its threshold and follows the endorsing orgs', () => {
    const policy = "OutOf(2, 'Studio1MSP.peer', 'Studio2MSP.peer', 'LicensorMSP.peer')";
    expect(policyForOrgs(policy, ['Studio1MSP', 'Studio2MSP', 'LicensorMSP', 'Licensor2MSP'])).toBe(
      "OutOf(2, 'Studio1MSP.peer', 'Studio2MSP.peer', 'LicensorMSP.peer', 'Licensor2MSP.peer')",
    );
    expect(() => policyForOrgs("AND('LicensorMSP.peer', 'Studio1MSP.peer')", ['Studio1MSP'])).toThrow(/pass --policy/);
    expect([1, 2, 3, 4, 5].map(majorityOf)).toEqual([1, 2, 2, 3, 3]);
  });

  it('when orgs joined, then the package carries their roles and shared collections name them; the founding collections are untouched', () => {
    const collections = readCollections(CHAINCODE_DIR);
    const founding = packageOverrides({}, collections);
    expect(Object.keys(founding)).toEqual(['consortium.json']);
    expect(JSON.parse(founding['consortium.json'] ?? '{}')).toEqual(
      JSON.parse(readFileSync(path.join(CHAINCODE_DIR, 'consortium.json'), 'utf8')),
    );
    const overrides = packageOverrides({ members: [newMember({}, 'Licensor2MSP', 'licensor')] }, collections);
    expect(JSON.parse(overrides['consortium.json'] ?? '{}')).toEqual({
      orgs: [
        { mspId: 'Studio1MSP', role: 'studio' },
        { mspId: 'Studio2MSP', role: 'studio' },
        { mspId: 'LicensorMSP', role: 'licensor' },
        { mspId: 'RegulatorMSP', role: 'regulator' },
        { mspId: 'Licensor2MSP', role: 'licensor' },
      ],
    });
    const [terms] = JSON.parse(overrides['collections_config.json'] ?? '[]') as { policy: string }[];
    expect(terms?.policy).toBe("OR('Studio1MSP.member', 'Studio2MSP.member', 'LicensorMSP.member', 'Licensor2MSP.member')");
    // The repository's own table is the founding consortium.
    const repoTable = JSON.parse(readFileSync(path.join(CHAINCODE_DIR, 'consortium.json'), 'utf8')) as { orgs: unknown[] };
    expect(repoTable.orgs).toHaveLength(4);
  });

  it('when a config update is short of signatures, then the message names who signed and who could still sign', () => {
    expect(
      missingSignatures({ eligible: ['LicensorMSP', 'RegulatorMSP', 'Studio1MSP', 'Studio2MSP'], required: 3, signed: ['Studio1MSP'] }),
    ).toBe(
      "the channel's Admins policy (MAJORITY of 4 org admins) needs 3 signatures; signed: Studio1MSP; missing: 2 more from LicensorMSP, RegulatorMSP, Studio2MSP",
    );
  });
});

describe('network env', () => {
  const where = { stateDir: '/s', fabricBin: '/fabric/bin', topology: networkTopology(base), channel: 'kiseki', chaincode: 'kiseki' };

  it("when asked for an org, then it names that org's admin, its peer and an orderer for peer CLI calls", () => {
    const env = environmentAt(where, 'Studio2MSP');
    const vars = Object.fromEntries(env.vars.map((v) => [v.name, v.value]));
    expect(vars).toMatchObject({
      FABRIC_CFG_PATH: '/s/config',
      CORE_PEER_LOCALMSPID: 'Studio2MSP',
      CORE_PEER_ADDRESS: '127.0.0.1:26110',
      CORE_PEER_MSPCONFIGPATH: '/s/crypto/peerOrganizations/studio2.kiseki.test/users/Admin@studio2.kiseki.test/msp',
      ORDERER_ADDRESS: '127.0.0.1:26000',
    });
    expect(vars.PATH?.startsWith('/fabric/bin:')).toBe(true);
    expect(JSON.stringify(vars)).not.toMatch(/studio1|licensor|ordererOrganizations\/[^"]*users/);
    expect(environmentAt(where, 'studio2', { identity: 'user' }).vars.find((v) => v.name === 'CORE_PEER_MSPCONFIGPATH')?.value).toContain(
      'User1@',
    );
  });

  it('when asked for the orderer org, then it names the admin endpoint and the orderer admin TLS client pair for osnadmin', () => {
    const env = environmentAt(where, 'orderer1');
    const vars = Object.fromEntries(env.vars.map((v) => [v.name, v.value]));
    expect(vars.ORDERER_ADMIN_ADDRESS).toBe('127.0.0.1:26011');
    expect(vars.ORDERER_ADMIN_TLS_KEY).toMatch(/users\/Admin@orderer.kiseki.test\/tls\/client.key$/);
    expect(formatEnvironment(env)).toMatch(/^export PATH='\/fabric\/bin:.*\n[\s\S]*# {3}osnadmin channel list/);
  });

  it('when the org is unknown, then it lists the orgs', () => {
    expect(() => environmentAt(where, 'nobody')).toThrow(/no org nobody; orgs: studio1, studio2, licensor, regulator, orderer/);
  });
});
