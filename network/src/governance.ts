import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ChaincodeDefinition, loadChaincodeDefinition } from './consortium';
import { NetworkError } from './errors';
import * as lifecycle from './lifecycle';
import { Logger, silentLogger } from './log';
import { channelOrgs, majorityOf, networkTopology, packageOverrides, readCollections } from './members';
import { pidFile } from './nodes';
import { ChaincodePackage, packageChaincode } from './package-chaincode';
import { CHAINCODE_DIR, defaultStateDir } from './paths';
import { livePid } from './processes';
import { NetworkState, readState, writeState } from './state';
import { ensureTools, Tools } from './tools';
import { OrdererNode, PeerNode, Topology } from './topology';

/**
 * Changing the chaincode definition by vote: a proposal names the next sequence (a new endorsement
 * policy, a new package, or both); each org approves it from its own side with its own admin; the
 * tool shows who has approved (checkcommitreadiness) and commits only once the channel's
 * LifecycleEndorsement policy (a majority of the orgs) is met.
 */

export interface GovernanceOptions {
  readonly stateDir?: string;
  readonly log?: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/** What a running network offers the governance and membership commands. */
export interface OpenNetwork {
  readonly stateDir: string;
  readonly log: Logger;
  readonly env: NodeJS.ProcessEnv;
  readonly state: NetworkState;
  readonly tools: Tools;
  readonly topology: Topology;
  readonly definition: ChaincodeDefinition;
}

export async function openNetwork(options: GovernanceOptions): Promise<OpenNetwork> {
  const env = options.env ?? process.env;
  const stateDir = path.resolve(options.stateDir ?? defaultStateDir(env));
  const state = readState(stateDir);
  if (!state?.channelReady || !state.chaincode)
    throw new NetworkError(`no running network in ${stateDir}: run \`npm run network -- up\` first`);
  const tools = await ensureTools(silentLogger, env);
  const definition = loadChaincodeDefinition();
  return {
    stateDir,
    log: options.log ?? silentLogger,
    env,
    state,
    tools,
    topology: networkTopology(state),
    definition: { ...definition, endorsementPolicy: state.endorsementPolicy ?? definition.endorsementPolicy },
  };
}

export const isLive = (net: Pick<OpenNetwork, 'stateDir'>, name: string): boolean => livePid(pidFile(net.stateDir, name)) !== undefined;

export function liveOrderer(net: Pick<OpenNetwork, 'stateDir' | 'topology'>): OrdererNode {
  const orderer = net.topology.orderers.find((o) => isLive(net, o.name));
  if (!orderer) throw new NetworkError('no orderer is running');
  return orderer;
}

/** The peer of an org named by MSP ID (any case) or short name. */
export function peerOfOrg(topology: Topology, org: string): PeerNode {
  const wanted = org.toLowerCase();
  const peer = topology.peers.find((p) => p.org.mspId.toLowerCase() === wanted || p.org.name === wanted);
  if (!peer) throw new NetworkError(`no org ${org} in the channel; orgs: ${topology.peers.map((p) => p.org.mspId).join(', ')}`);
  return peer;
}

/** A proposed chaincode definition, as a file every org can read before it votes. */
export interface DefinitionProposal {
  readonly sequence: number;
  readonly endorsementPolicy: string;
  readonly packageId: string;
  readonly packageFile: string;
  readonly collectionsConfig?: string;
  /** The channel's orgs when it was proposed: the electorate. */
  readonly orgs: readonly string[];
}

export const proposalFile = (stateDir: string): string => path.join(stateDir, 'governance', 'definition-proposal.json');

export function readProposal(stateDir: string): DefinitionProposal {
  const file = proposalFile(stateDir);
  if (!existsSync(file)) throw new NetworkError('no chaincode definition is proposed: run `npm run network -- chaincode propose` first');
  return JSON.parse(readFileSync(file, 'utf8')) as DefinitionProposal;
}

const packageOf = (p: DefinitionProposal, label: string): ChaincodePackage => ({
  file: p.packageFile,
  label,
  packageId: p.packageId,
  ...(p.collectionsConfig ? { collectionsConfig: p.collectionsConfig } : {}),
});

const lifecycleContext = (net: OpenNetwork, policy: string): { stateDir: string; tools: Tools; definition: ChaincodeDefinition } => ({
  stateDir: net.stateDir,
  tools: net.tools,
  definition: { ...net.definition, endorsementPolicy: policy },
});

/**
 * Proposes the next sequence of the chaincode definition: `policy` (default: the current one) and
 * the chaincode as built now, packaged with the role table of `state`'s membership.
 */
export async function proposeDefinition(
  options: GovernanceOptions & { policy?: string; state?: NetworkState },
): Promise<DefinitionProposal> {
  const net = await openNetwork(options);
  const state = options.state ?? net.state;
  const chaincodeDir = net.env.KISEKI_CHAINCODE_DIR ? path.resolve(net.env.KISEKI_CHAINCODE_DIR) : CHAINCODE_DIR;
  const buildDir = path.join(net.stateDir, 'governance', 'package');
  const pkg = await packageChaincode(buildDir, net.definition.label, chaincodeDir, packageOverrides(state, readCollections(chaincodeDir)));
  const anchor = net.topology.peers.find((p) => isLive(net, p.name));
  if (!anchor) throw new NetworkError('no peer is running');
  const committed = await lifecycle.queryCommitted(lifecycleContext(net, net.definition.endorsementPolicy), anchor);
  const proposal: DefinitionProposal = {
    sequence: (committed?.sequence ?? 0) + 1,
    endorsementPolicy: options.policy ?? net.definition.endorsementPolicy,
    packageId: pkg.packageId,
    packageFile: pkg.file,
    ...(pkg.collectionsConfig ? { collectionsConfig: pkg.collectionsConfig } : {}),
    orgs: channelOrgs(state).map((o) => o.mspId),
  };
  mkdirSync(path.dirname(proposalFile(net.stateDir)), { recursive: true });
  writeFileSync(proposalFile(net.stateDir), `${JSON.stringify(proposal, null, 2)}\n`);
  return proposal;
}

/** One org's vote: its admin installs the proposed package on its own peer and approves the definition. */
export async function approveDefinition(options: GovernanceOptions & { org: string }): Promise<void> {
  const net = await openNetwork(options);
  const proposal = readProposal(net.stateDir);
  const peer = peerOfOrg(net.topology, options.org);
  if (!isLive(net, peer.name)) throw new NetworkError(`${peer.name} is not running: ${peer.org.mspId} approves through its own peer`);
  const lc = lifecycleContext(net, proposal.endorsementPolicy);
  const pkg = packageOf(proposal, net.definition.label);
  await lifecycle.install(lc, peer, pkg);
  await lifecycle.approve(lc, peer, liveOrderer(net), proposal.sequence, pkg);
}

export interface Readiness {
  readonly sequence: number;
  readonly endorsementPolicy: string;
  readonly approvals: Readonly<Record<string, boolean>>;
  readonly approved: readonly string[];
  readonly missing: readonly string[];
  /** Approvals the LifecycleEndorsement policy (MAJORITY Endorsement) needs. */
  readonly required: number;
  readonly ready: boolean;
}

/** Who has approved the proposed definition, and whether that is enough to commit it. */
export async function commitReadiness(options: GovernanceOptions): Promise<Readiness> {
  const net = await openNetwork(options);
  const proposal = readProposal(net.stateDir);
  const peer = net.topology.peers.find((p) => isLive(net, p.name));
  if (!peer) throw new NetworkError('no peer is running');
  const approvals = await lifecycle.checkCommitReadiness(
    lifecycleContext(net, proposal.endorsementPolicy),
    peer,
    proposal.sequence,
    packageOf(proposal, net.definition.label),
  );
  const approved = Object.keys(approvals)
    .filter((m) => approvals[m] === true)
    .sort();
  const missing = Object.keys(approvals)
    .filter((m) => approvals[m] !== true)
    .sort();
  const required = majorityOf(Object.keys(approvals).length);
  return {
    sequence: proposal.sequence,
    endorsementPolicy: proposal.endorsementPolicy,
    approvals,
    approved,
    missing,
    required,
    ready: approved.length >= required,
  };
}

export function describeReadiness(r: Readiness): string {
  return (
    `sequence ${r.sequence} (${r.endorsementPolicy}): ${r.approved.length} of ${r.required} approvals needed ` +
    `(MAJORITY of ${Object.keys(r.approvals).length} orgs); approved: ${r.approved.join(', ') || 'nobody'}; not yet: ${r.missing.join(', ') || 'nobody'}`
  );
}

/**
 * Commits the proposed definition once a majority approved it, endorsed by the approving orgs'
 * peers; refuses before that, naming who has not approved.
 * @throws NetworkError when the approvals do not yet satisfy the LifecycleEndorsement policy.
 */
export async function commitDefinition(options: GovernanceOptions): Promise<Readiness> {
  const net = await openNetwork(options);
  const readiness = await commitReadiness(options);
  if (!readiness.ready) {
    throw new NetworkError(
      `not committed: ${describeReadiness(readiness)}. ` +
        `Each missing org runs \`npm run network -- chaincode approve --org <MSP>\` on its side.`,
    );
  }
  const proposal = readProposal(net.stateDir);
  const lc = lifecycleContext(net, proposal.endorsementPolicy);
  const pkg = packageOf(proposal, net.definition.label);
  const endorsers = net.topology.peers.filter((p) => readiness.approved.includes(p.org.mspId) && isLive(net, p.name));
  await lifecycle.commit(lc, endorsers, liveOrderer(net), proposal.sequence, pkg);
  const latest = readState(net.stateDir) ?? net.state;
  writeState(net.stateDir, {
    ...latest,
    chaincode: { name: net.definition.name, sequence: proposal.sequence, packageId: proposal.packageId },
    endorsementPolicy: proposal.endorsementPolicy,
  });
  // The chaincode starts on each approving peer ahead of its first client.
  await Promise.all(endorsers.map((p) => lifecycle.warmUp(lc, p)));
  return readiness;
}
