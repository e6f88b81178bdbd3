import path from 'node:path';
import { HostsPlan, hostsPlan, namespaceOf, ordererOctet, peerOctet, VAULT_OCTET } from './hosts';

export type Consensus = 'raft' | 'bft';
export type OrgRole = 'studio' | 'licensor' | 'regulator';

export interface PeerOrg {
  readonly mspId: string;
  /** Short name used for folders, node names and CLI arguments. */
  readonly name: string;
  readonly domain: string;
  readonly role: OrgRole;
  /** Named in the chaincode endorsement policy; the regulator is not. */
  readonly endorsing: boolean;
  /** The org's own folder, relative to the state dir, for an org that joined later (`orgs/<name>`). */
  readonly home?: string;
}

export const PEER_ORGS: readonly PeerOrg[] = [
  { mspId: 'Studio1MSP', name: 'studio1', domain: 'studio1.kiseki.test', role: 'studio', endorsing: true },
  { mspId: 'Studio2MSP', name: 'studio2', domain: 'studio2.kiseki.test', role: 'studio', endorsing: true },
  { mspId: 'LicensorMSP', name: 'licensor', domain: 'licensor.kiseki.test', role: 'licensor', endorsing: true },
  { mspId: 'RegulatorMSP', name: 'regulator', domain: 'regulator.kiseki.test', role: 'regulator', endorsing: false },
];

export const ORDERER_MSP = 'OrdererMSP';
export const ORDERER_DOMAIN = 'orderer.kiseki.test';

export interface OrdererNode {
  readonly kind: 'orderer';
  readonly name: string;
  readonly host: string;
  /** Where it listens: loopback on one host, its own namespace's address in hosts mode. */
  readonly address: string;
  /** Its network namespace in hosts mode. */
  readonly namespace?: string;
  readonly port: number;
  readonly adminPort: number;
  readonly operationsPort: number;
}

export interface PeerNode {
  readonly kind: 'peer';
  readonly name: string;
  readonly org: PeerOrg;
  readonly host: string;
  /** Where it (and the org's gateway) listens: loopback on one host, the org's namespace address in hosts mode. */
  readonly address: string;
  /** The org's network namespace in hosts mode (its peer and its gateway run there). */
  readonly namespace?: string;
  readonly port: number;
  readonly chaincodePort: number;
  readonly operationsPort: number;
}

export interface VaultNode {
  readonly kind: 'vault';
  readonly name: 'vault';
  readonly address: string;
  readonly namespace?: string;
  readonly port: number;
  readonly consolePort: number;
}

export interface Topology {
  readonly consensus: Consensus;
  readonly basePort: number;
  readonly orderers: readonly OrdererNode[];
  readonly peers: readonly PeerNode[];
  readonly vault: VaultNode;
  /** Set in hosts mode: the namespaces, bridge and subnet the nodes live in. */
  readonly hosts?: HostsPlan;
  /** One gateway per org, in PEER_ORGS order. */
  readonly gatewayPorts: Readonly<Record<string, number>>;
}

export const DEFAULT_BASE_PORT = 20000;
export const LOOPBACK = '127.0.0.1';

/**
 * Every port derives from one base so two networks (a developer's and a test run's) never collide:
 * orderers at base+10·i (+1 admin, +2 operations), peers at base+100+10·j (+1 chaincode, +2 operations),
 * the vault at base+200, gateways at base+300+j.
 */
export function buildTopology(consensus: Consensus, basePort: number, options: { hosts?: boolean } = {}): Topology {
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65535 - 400) {
    throw new RangeError(`base port must be an integer in 1024..${65535 - 400}, got ${basePort}`);
  }
  const plan = options.hosts === true ? hostsPlan(basePort) : undefined;
  /** Loopback on one host; in hosts mode the host's own address and namespace. */
  const place = (host: string, octet: number): { address: string; namespace?: string } =>
    plan === undefined ? { address: LOOPBACK } : { address: `${plan.subnet}.${octet}`, namespace: namespaceOf(plan, host) };
  const ordererCount = consensus === 'bft' ? 4 : 3;
  const orderers = Array.from({ length: ordererCount }, (_, i): OrdererNode => ({
    kind: 'orderer',
    name: `orderer${i}`,
    host: `orderer${i}.${ORDERER_DOMAIN}`,
    ...place(`orderer${i}`, ordererOctet(i)),
    port: basePort + i * 10,
    adminPort: basePort + i * 10 + 1,
    operationsPort: basePort + i * 10 + 2,
  }));
  const peers = PEER_ORGS.map((org, j): PeerNode => ({
    kind: 'peer',
    name: `peer0.${org.name}`,
    // In hosts mode each org keeps its keys in its own folder, as a member that joined later does.
    org: plan === undefined ? org : { ...org, home: `orgs/${org.name}` },
    host: `peer0.${org.domain}`,
    ...place(org.name, peerOctet(j)),
    port: basePort + 100 + j * 10,
    chaincodePort: basePort + 100 + j * 10 + 1,
    operationsPort: basePort + 100 + j * 10 + 2,
  }));
  const gatewayPorts = Object.fromEntries(PEER_ORGS.map((org, j) => [org.mspId, basePort + 300 + j]));
  return {
    consensus,
    basePort,
    orderers,
    peers,
    vault: { kind: 'vault', name: 'vault', ...place('vault', VAULT_OCTET), port: basePort + 200, consolePort: basePort + 201 },
    gatewayPorts,
    ...(plan === undefined ? {} : { hosts: plan }),
  };
}

/** Every port the network listens on, with the node that owns it (to name the culprit of a clash). */
export function allPorts(topology: Topology): { port: number; owner: string }[] {
  return [
    ...topology.orderers.flatMap((o) => [o.port, o.adminPort, o.operationsPort].map((port) => ({ port, owner: o.name }))),
    ...topology.peers.flatMap((p) => [p.port, p.chaincodePort, p.operationsPort].map((port) => ({ port, owner: p.name }))),
    { port: topology.vault.port, owner: 'vault' },
    { port: topology.vault.consolePort, owner: 'vault' },
  ];
}

export interface CryptoPaths {
  readonly root: string;
  readonly ordererTlsCa: string;
  readonly ordererAdmin: string;
  ordererNode(o: OrdererNode): string;
  peerNode(p: PeerNode): string;
  peerTlsCa(org: PeerOrg): string;
  orgAdmin(org: PeerOrg): string;
  orgUser(org: PeerOrg): string;
}

/** Paths inside the state dir's `crypto/` tree, as cryptogen lays it out. */
export function cryptoPaths(stateDir: string): CryptoPaths {
  const crypto = path.join(stateDir, 'crypto');
  const ordererOrg = path.join(crypto, 'ordererOrganizations', ORDERER_DOMAIN);
  const peerOrg = (org: PeerOrg): string =>
    path.join(org.home === undefined ? crypto : path.join(stateDir, org.home, 'crypto'), 'peerOrganizations', org.domain);
  return {
    root: crypto,
    ordererTlsCa: path.join(ordererOrg, 'tlsca', `tlsca.${ORDERER_DOMAIN}-cert.pem`),
    ordererNode: (o: OrdererNode): string => path.join(ordererOrg, 'orderers', o.host),
    ordererAdmin: path.join(ordererOrg, 'users', `Admin@${ORDERER_DOMAIN}`),
    peerNode: (p: PeerNode): string => path.join(peerOrg(p.org), 'peers', p.host),
    peerTlsCa: (org: PeerOrg): string => path.join(peerOrg(org), 'tlsca', `tlsca.${org.domain}-cert.pem`),
    orgAdmin: (org: PeerOrg): string => path.join(peerOrg(org), 'users', `Admin@${org.domain}`),
    orgUser: (org: PeerOrg): string => path.join(peerOrg(org), 'users', `User1@${org.domain}`),
  };
}
