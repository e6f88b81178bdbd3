import { copyFileSync, cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import {
  applicationOrgs,
  computeUpdate,
  fetchConfig,
  readJson,
  signersOf,
  signUpdate,
  submitUpdate,
  withApplicationOrg,
} from './channel-config';
import { waitForMembership } from './channel';
import { NetworkError } from './errors';
import { run } from './exec';
import {
  approveDefinition,
  commitDefinition,
  GovernanceOptions,
  isLive,
  liveOrderer,
  openNetwork,
  OpenNetwork,
  peerOfOrg,
  proposeDefinition,
} from './governance';
import { channelOrgs, majorityOf, memberHome, memberPeerOrg, networkTopology, newMember, policyForOrgs } from './members';
import { healthUrl, nodeProcess, peerAdminEnv } from './nodes';
import { portFree, startProcess, waitHealthy } from './processes';
import { constant, poll, retry } from './retry';
import { MemberOrg, NetworkState, writeState } from './state';
import { Tools } from './tools';
import { exchangeDir } from './bootstrap';
import { addHost } from './hosts';
import { cryptoPaths, LOOPBACK, PeerNode } from './topology';
import { ensureOrgVaults } from './vault';

/**
 * Membership of the running channel. A joining org makes its own keys in its own folder and hands
 * over only public material (its MSP definition: CA and TLS CA certificates, anchor peer endpoint);
 * an existing admin turns that into a channel config update, the channel admins sign it, and the
 * ordering service applies it. The chaincode definition then changes by vote so that the
 * endorsement policy and the chaincode's role table name the new org.
 */

/** The new org's own folder, and the files in it that it may hand to others. */
export function orgFolder(
  stateDir: string,
  member: Pick<MemberOrg, 'name' | 'mspId'>,
): { home: string; exportDir: string; definition: string; tlsCa: string } {
  const home = path.join(stateDir, memberHome(member.name));
  const exportDir = path.join(home, 'export');
  return { home, exportDir, definition: path.join(exportDir, `${member.mspId}.json`), tlsCa: path.join(exportDir, 'tlsca.pem') };
}

/**
 * Run on the joining org's side: its identities (cryptogen, as in the founding network; a Fabric CA in
 * production) and the public org definition it hands over (`configtxgen -printOrg`).
 */
export async function prepareOrgMaterial(
  stateDir: string,
  member: MemberOrg,
  peer: Pick<PeerNode, 'address' | 'port' | 'namespace'>,
  tools: Tools,
): Promise<string> {
  const folder = orgFolder(stateDir, member);
  const org = memberPeerOrg(member);
  mkdirSync(folder.exportDir, { recursive: true });
  const orgLabel = member.mspId.slice(0, -3);
  writeFileSync(
    path.join(folder.home, 'crypto-config.yaml'),
    YAML.stringify({
      PeerOrgs: [
        {
          Name: orgLabel,
          Domain: member.domain,
          EnableNodeOUs: true,
          Specs: [{ Hostname: 'peer0', SANS: peer.address === LOOPBACK ? ['localhost', LOOPBACK] : [peer.address] }],
          Users: { Count: 1 },
        },
      ],
    }),
  );
  if (!existsSync(path.join(folder.home, 'crypto'))) {
    await run(path.join(tools.fabricBin, 'cryptogen'), [
      'generate',
      '--config',
      path.join(folder.home, 'crypto-config.yaml'),
      '--output',
      path.join(folder.home, 'crypto'),
    ]);
  }
  const rule = (who: string): string =>
    `OR(${who
      .split(',')
      .map((r) => `'${member.mspId}.${r}'`)
      .join(', ')})`;
  writeFileSync(
    path.join(folder.home, 'configtx.yaml'),
    YAML.stringify({
      Organizations: [
        {
          Name: member.mspId,
          ID: member.mspId,
          MSPDir: path.relative(folder.home, path.join(path.dirname(cryptoPaths(stateDir).peerTlsCa(org)), '..', 'msp')),
          Policies: {
            Readers: { Type: 'Signature', Rule: rule('admin,peer,client') },
            Writers: { Type: 'Signature', Rule: rule('admin,client') },
            Admins: { Type: 'Signature', Rule: rule('admin') },
            Endorsement: { Type: 'Signature', Rule: rule('peer') },
          },
          AnchorPeers: [{ Host: peer.address, Port: peer.port }],
        },
      ],
    }),
  );
  const { stdout } = await run(path.join(tools.fabricBin, 'configtxgen'), ['-configPath', folder.home, '-printOrg', member.mspId], {
    env: { ...process.env, FABRIC_CFG_PATH: folder.home, FABRIC_LOGGING_SPEC: 'WARN' },
  });
  writeFileSync(folder.definition, stdout);
  copyFileSync(cryptoPaths(stateDir).peerTlsCa(org), folder.tlsCa);
  if (peer.namespace !== undefined) {
    // Hosts mode: its public MSP beside the founding orgs' in the exchange, where the others' gateways read its CA.
    cpSync(
      path.join(path.dirname(cryptoPaths(stateDir).peerTlsCa(org)), '..', 'msp'),
      path.join(exchangeDir(stateDir), member.mspId, 'msp'),
      { recursive: true },
    );
  }
  return folder.definition;
}

export interface ConfigChangeOptions extends GovernanceOptions {
  /** Org admins who sign besides the submitter; default: just enough for the channel's MAJORITY Admins. */
  readonly signers?: readonly string[];
  /** The org whose admin builds and submits the update; default: the first founding org. */
  readonly submitter?: string;
}

/** Builds, signs (as the named org admins, each on the file in turn) and submits one application-org change. */
async function changeApplicationOrgs(
  net: OpenNetwork,
  change: Parameters<typeof withApplicationOrg>[1],
  label: string,
  options: ConfigChangeOptions,
): Promise<string[]> {
  const candidates = net.topology.peers.filter((p) => isLive(net, p.name) && !('remove' in change && p.org.mspId === change.remove));
  const submitter = options.submitter === undefined ? candidates[0] : peerOfOrg(net.topology, options.submitter);
  if (!submitter) throw new NetworkError('no org admin with a running peer can submit the update');
  const orderer = liveOrderer(net);
  const workDir = path.join(net.stateDir, 'governance', label);
  const config = await fetchConfig(submitter, orderer, net.state.channel, workDir, net.stateDir, net.tools);
  const inChannel = applicationOrgs(config);
  const updateFile = await computeUpdate(config, withApplicationOrg(config, change), net.state.channel, workDir, net.tools);
  const required = majorityOf(inChannel.length);
  const signers =
    options.signers ??
    candidates
      .filter((p) => p !== submitter)
      .slice(0, Math.max(0, required - 1))
      .map((p) => p.org.mspId);
  for (const msp of signers) await signUpdate(updateFile, peerOfOrg(net.topology, msp), net.stateDir, net.tools);
  await submitUpdate(updateFile, submitter, orderer, net.state.channel, net.stateDir, net.tools, { eligible: inChannel, required });
  return [...new Set([...(await signersOf(updateFile, net.tools)), submitter.org.mspId])].sort();
}

async function startPeer(net: OpenNetwork, peer: PeerNode): Promise<void> {
  const plan = net.topology.hosts;
  if (plan !== undefined && peer.namespace !== undefined) {
    // Its own host: a namespace of its own on the consortium's bridge, next to the others.
    await addHost(plan, { host: peer.org.name, address: peer.address });
  } else {
    for (const port of [peer.port, peer.chaincodePort, peer.operationsPort]) {
      if (!(await portFree(port))) throw new NetworkError(`port ${port} (for ${peer.name}) is already in use`);
    }
  }
  const spec = nodeProcess(peer, net.topology, net.stateDir, net.tools);
  startProcess(spec);
  await waitHealthy(peer.name, healthUrl(peer), spec.pidFile, spec.logFile);
}

async function peerHeight(peer: PeerNode, channel: string, stateDir: string, tools: Tools): Promise<number> {
  const { stdout } = await run(path.join(tools.fabricBin, 'peer'), ['channel', 'getinfo', '-c', channel], {
    env: peerAdminEnv(peer, stateDir),
  });
  return (JSON.parse(stdout.slice(stdout.indexOf('{'))) as { height: number }).height;
}

/**
 * The new org's side: fetch the channel's genesis block from the ordering service as its own admin
 * (possible once the config update made it a reader), join its peer, and wait until the peer has
 * caught up to `height`. A peer joins from the genesis block (or a snapshot) and replays the channel,
 * applying every config update on the way.
 */
async function joinNewPeer(net: OpenNetwork, peer: PeerNode, height: number): Promise<number> {
  const block = path.join(orgFolder(net.stateDir, { name: peer.org.name, mspId: peer.org.mspId }).home, 'channel', 'genesis.block');
  mkdirSync(path.dirname(block), { recursive: true });
  const env = peerAdminEnv(peer, net.stateDir);
  const peerBin = path.join(net.tools.fabricBin, 'peer');
  const orderer = liveOrderer(net);
  const fetchArgs = [
    'channel',
    'fetch',
    '0',
    block,
    '-c',
    net.state.channel,
    '-o',
    `${orderer.address}:${orderer.port}`,
    '--tls',
    '--cafile',
    cryptoPaths(net.stateDir).ordererTlsCa,
  ];
  // The orderer applies the config update a moment after it accepted it.
  await retry(() => run(peerBin, fetchArgs, { env }), { attempts: 20, delay: constant(500) });
  await run(peerBin, ['channel', 'join', '-b', block], { env });
  let seen = 0;
  const reached = await poll(
    async () => {
      seen = await peerHeight(peer, net.state.channel, net.stateDir, net.tools).catch(() => 0);
      return seen >= height ? seen : undefined;
    },
    { everyMs: 300, timeoutMs: 60_000 },
  );
  if (reached === undefined) throw new NetworkError(`${peer.name} reached height ${seen} of ${height} after 60 s`);
  return reached;
}

/** Proposes the next chaincode definition for `state`'s membership, has every live org approve it, and commits it. */
export async function voteDefinition(
  options: GovernanceOptions & { state: NetworkState; policy: string; voters: readonly string[] },
): Promise<void> {
  await proposeDefinition({ ...options, policy: options.policy, state: options.state });
  await Promise.all(options.voters.map((org) => approveDefinition({ ...options, org })));
  await commitDefinition(options);
}

export interface AddOrgResult {
  readonly member: MemberOrg;
  readonly signers: readonly string[];
  readonly endorsementPolicy: string;
  /** Milliseconds from the start to each milestone. */
  readonly timings: {
    readonly material: number;
    readonly channelUpdate: number;
    readonly peerJoined: number;
    readonly endorses: number;
    readonly gossip: number;
  };
  readonly height: number;
}

/**
 * A new org joins the running channel (single host: the tool plays each org's part with that org's
 * own folder): its material, the signed config update, its peer joined and caught up, and the chaincode
 * definition voted with the new endorsement policy and role table.
 */
export async function addOrg(
  options: ConfigChangeOptions & { mspId: string; role: MemberOrg['role']; policy?: string },
): Promise<AddOrgResult> {
  const started = Date.now();
  const since = (): number => Date.now() - started;
  const net = await openNetwork(options);
  const member = newMember(net.state, options.mspId, options.role);
  const planned = peerOfOrg(networkTopology({ ...net.state, members: [...(net.state.members ?? []), member] }), member.mspId);
  await net.log.step(`${member.mspId}: generate its own keys and certificates in ${memberHome(member.name)}/`, () =>
    prepareOrgMaterial(net.stateDir, member, planned, net.tools),
  );
  const material = since();
  const definition = readJson(orgFolder(net.stateDir, member).definition);
  const signers = await net.log.step(`channel config update adding ${member.mspId}: sign and submit`, () =>
    changeApplicationOrgs(net, { add: { mspId: member.mspId, definition } }, `add-${member.name}`, options),
  );
  const channelUpdate = since();
  const state: NetworkState = { ...net.state, members: [...(net.state.members ?? []), member] };
  writeState(net.stateDir, state);
  const joined = { ...net, state, topology: networkTopology(state) };
  const peer = peerOfOrg(joined.topology, member.mspId);
  const anchor = net.topology.peers.find((p) => isLive(net, p.name));
  const height = anchor ? await peerHeight(anchor, net.state.channel, net.stateDir, net.tools) : 1;
  await net.log.step(`start ${peer.name} and join it from the channel's genesis block`, async () => {
    await startPeer(joined, peer);
    await joinNewPeer(joined, peer, height);
  });
  await net.log.step(`${member.mspId}: its gateway's own vault user and bucket`, () =>
    ensureOrgVaults(joined.topology.vault, state.vault, [member.mspId]),
  );
  const peerJoined = since();
  const policy = await redefineForMembership(options);
  const endorses = since();
  await net.log.step('wait for gossip: every peer sees the new one', () =>
    Promise.all(
      joined.topology.peers
        .filter((p) => isLive(net, p.name))
        .map((p) => waitForMembership(p, joined.topology.peers.length, state.channel, net.stateDir, net.tools)),
    ),
  );
  const finalHeight = await peerHeight(peer, state.channel, net.stateDir, net.tools);
  return {
    member,
    signers,
    endorsementPolicy: policy,
    timings: { material, channelUpdate, peerJoined, endorses, gossip: since() },
    height: finalHeight,
  };
}

/** Step one of a departure: the channel config update that takes the org out (its peer stops receiving blocks). */
export async function removeFromChannel(
  options: ConfigChangeOptions & { mspId: string },
): Promise<{ state: NetworkState; signers: string[] }> {
  const net = await openNetwork(options);
  const member = (net.state.members ?? []).find((m) => m.mspId.toLowerCase() === options.mspId.toLowerCase() && m.removed !== true);
  if (!member) {
    const joined = (net.state.members ?? []).filter((m) => m.removed !== true).map((m) => m.mspId);
    throw new NetworkError(
      `${options.mspId} is not an org that joined this channel; removable: ${joined.join(', ') || 'none'} (the founding orgs define the channel)`,
    );
  }
  const signers = await net.log.step(`channel config update removing ${member.mspId}: sign and submit`, () =>
    changeApplicationOrgs(net, { remove: member.mspId }, `remove-${member.name}`, options),
  );
  const state: NetworkState = { ...net.state, members: (net.state.members ?? []).map((m) => (m === member ? { ...m, removed: true } : m)) };
  writeState(net.stateDir, state);
  return { state, signers };
}

/**
 * Votes the chaincode definition for the channel's current membership: the endorsement policy lists
 * the endorsing orgs (or is `policy`), the package's role table names every org; every live org approves.
 */
export async function redefineForMembership(options: GovernanceOptions & { policy?: string }): Promise<string> {
  const net = await openNetwork(options);
  const policy =
    options.policy ??
    policyForOrgs(
      net.definition.endorsementPolicy,
      channelOrgs(net.state)
        .filter((o) => o.role !== 'regulator')
        .map((o) => o.mspId),
    );
  await net.log.step(`vote chaincode definition: ${policy}`, () =>
    voteDefinition({
      ...options,
      state: net.state,
      policy,
      voters: net.topology.peers.filter((p) => isLive(net, p.name)).map((p) => p.org.mspId),
    }),
  );
  return policy;
}

/** A member leaves: out of the channel config, then out of the endorsement policy and the role table by vote. */
export async function removeOrg(
  options: ConfigChangeOptions & { mspId: string; policy?: string },
): Promise<{ signers: string[]; endorsementPolicy: string }> {
  const { signers } = await removeFromChannel(options);
  return { signers, endorsementPolicy: await redefineForMembership(options) };
}
