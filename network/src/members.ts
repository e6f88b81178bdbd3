import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NetworkError } from './errors';
import { MemberOrg, NetworkState } from './state';
import { HostsPlan, namespaceOf, peerOctet } from './hosts';
import { buildTopology, LOOPBACK, PEER_ORGS, PeerNode, PeerOrg, Topology } from './topology';

/** Peers occupy base+100 … base+199 in steps of 10: ten orgs in all, the founding four included. */
export const MAX_SLOTS = 10;

export const MSP_ID_PATTERN = /^[A-Z][A-Za-z0-9]{0,30}MSP$/;

/** The folder (relative to the state dir) where an org that joined later keeps everything of its own. */
export const memberHome = (name: string): string => `orgs/${name}`;

export function memberPeerOrg(member: MemberOrg): PeerOrg {
  return {
    mspId: member.mspId,
    name: member.name,
    domain: member.domain,
    role: member.role,
    endorsing: true,
    home: memberHome(member.name),
  };
}

function memberPeer(member: MemberOrg, basePort: number, plan: HostsPlan | undefined): PeerNode {
  const org = memberPeerOrg(member);
  const port = basePort + 100 + member.slot * 10;
  const place =
    plan === undefined
      ? { address: LOOPBACK }
      : { address: `${plan.subnet}.${peerOctet(member.slot)}`, namespace: namespaceOf(plan, org.name) };
  return {
    kind: 'peer',
    name: `peer0.${org.name}`,
    org,
    host: `peer0.${org.domain}`,
    ...place,
    port,
    chaincodePort: port + 1,
    operationsPort: port + 2,
  };
}

type TopologyState = Pick<NetworkState, 'consensus' | 'basePort' | 'members' | 'hosts'>;

/**
 * The network as it stands: the founding orgs plus every org that joined since. Removed orgs are left
 * out unless asked for (their processes are theirs; the tool can still stop them by name).
 */
export function networkTopology(state: TopologyState, options: { includeRemoved?: boolean } = {}): Topology {
  const base = buildTopology(state.consensus, state.basePort, { hosts: state.hosts === true });
  const members = (state.members ?? []).filter((m) => options.includeRemoved === true || m.removed !== true);
  return {
    ...base,
    peers: [...base.peers, ...members.map((m) => memberPeer(m, state.basePort, base.hosts))],
    gatewayPorts: { ...base.gatewayPorts, ...Object.fromEntries(members.map((m) => [m.mspId, state.basePort + 300 + m.slot])) },
  };
}

/** Every org now in the channel's application group. */
export function channelOrgs(state: Pick<NetworkState, 'members'>): PeerOrg[] {
  return [...PEER_ORGS, ...(state.members ?? []).filter((m) => m.removed !== true).map(memberPeerOrg)];
}

/** A new member's record: its short name and domain from its MSP ID, the next free port slot. */
export function newMember(state: Pick<NetworkState, 'members'>, mspId: string, role: MemberOrg['role']): MemberOrg {
  if (!MSP_ID_PATTERN.test(mspId))
    throw new NetworkError(`--msp must look like Studio3MSP (letters and digits ending in MSP), got ${mspId}`);
  const members = state.members ?? [];
  const taken = [...PEER_ORGS.map((o) => o.mspId), ...members.map((m) => m.mspId)];
  if (taken.includes(mspId))
    throw new NetworkError(
      `${mspId} is already${members.some((m) => m.mspId === mspId && m.removed === true) ? ' a removed' : ' an'} org of this network`,
    );
  const slot = PEER_ORGS.length + members.length;
  if (slot >= MAX_SLOTS) throw new NetworkError(`this network has room for ${MAX_SLOTS} orgs (ports base+100…base+199)`);
  const name = mspId.slice(0, -3).toLowerCase();
  return { mspId, name, domain: `${name}.kiseki.test`, role, slot };
}

/** `Majority` as Fabric's ImplicitMeta policies count it: more than half. */
export const majorityOf = (n: number): number => Math.floor(n / 2) + 1;

const OUT_OF = /^OutOf\(\s*(\d+)\s*,((?:\s*'[A-Za-z0-9._-]+\.peer'\s*,?)+)\)$/;

/**
 * The endorsement policy with the set of endorsing orgs changed, for the `OutOf(n, 'A.peer', …)`
 * form Kiseki uses: the threshold stays, the list follows the membership.
 * @throws NetworkError for any other form (the caller must then say the policy it wants).
 */
export function policyForOrgs(policy: string, endorsing: readonly string[]): string {
  const match = OUT_OF.exec(policy.trim());
  if (!match) throw new NetworkError(`the endorsement policy ${policy} is not of the form OutOf(n, 'Org.peer', …); pass --policy`);
  const threshold = Math.min(Number(match[1]), endorsing.length);
  return `OutOf(${threshold}, ${endorsing.map((msp) => `'${msp}.peer'`).join(', ')})`;
}

/**
 * What the chaincode package carries as data for this membership: the role table (always written by
 * the tool, so a package built from any chaincode folder names exactly the channel's orgs), and, once
 * orgs have joined, the member list of every collection shared by all studios and licensors.
 */
export function packageOverrides(state: Pick<NetworkState, 'members'>, collectionsJson: string | undefined): Record<string, string> {
  const orgs = channelOrgs(state);
  const out: Record<string, string> = {
    'consortium.json': `${JSON.stringify({ orgs: orgs.map((o) => ({ mspId: o.mspId, role: o.role })) }, null, 2)}\n`,
  };
  if ((state.members ?? []).length === 0) return out;
  if (collectionsJson !== undefined) {
    const founders = PEER_ORGS.filter((o) => o.role !== 'regulator')
      .map((o) => `${o.mspId}.member`)
      .sort();
    const writers = orgs.filter((o) => o.role !== 'regulator').map((o) => `'${o.mspId}.member'`);
    const collections = JSON.parse(collectionsJson) as { policy: string }[];
    for (const c of collections) {
      const named = [...c.policy.matchAll(/'([^']+)'/g)].map((m) => m[1] ?? '').sort();
      if (c.policy.startsWith('OR(') && JSON.stringify(named) === JSON.stringify(founders)) c.policy = `OR(${writers.join(', ')})`;
    }
    out['collections_config.json'] = `${JSON.stringify(collections, null, 2)}\n`;
  }
  return out;
}

/** The repository's collection config, if the chaincode has one. */
export function readCollections(chaincodeDir: string): string | undefined {
  const file = path.join(chaincodeDir, 'collections_config.json');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
