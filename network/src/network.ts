import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { decodeBlock, headerBytes } from '@kiseki/verifier';
import { exchangeDir, generateArtifacts, genesisBlockPath, writeNodeConfig } from './bootstrap';
import { joinOrderer, joinPeer, waitForMembership } from './channel';
import { ChaincodeDefinition, loadChaincodeDefinition } from './consortium';
import { NetworkError } from './errors';
import * as lifecycle from './lifecycle';
import { Logger, silentLogger } from './log';
import { healthUrl, NetworkNode, nodeProcess } from './nodes';
import { packageChaincode } from './package-chaincode';
import { CHAINCODE_DIR, defaultStateDir } from './paths';
import { networkTopology, packageOverrides, readCollections } from './members';
import { healthy, livePid, portFree, startProcess, stopProcess, waitForPorts, waitHealthy } from './processes';
import { readGateways, readState, NetworkState, writeState } from './state';
import { ensureTools, Tools } from './tools';
import { createHosts, HostSpec, hostsPlan, removeHosts, requireRoot } from './hosts';
import { allPorts, Consensus, cryptoPaths, DEFAULT_BASE_PORT, LOOPBACK, PeerNode, Topology } from './topology';
import {
  ensureKmsKeyFile,
  ensureOrgVaults,
  newVaultCredentials,
  orgVaultCredentials,
  OrgVaultCredentials,
  vaultEndpoint,
  vaultHealthUrl,
  vaultProcess,
} from './vault';
import { databaseInfo, postgresHealthy, postgresPidFile, startPostgres } from './postgres';

export interface NetworkOptions {
  readonly stateDir?: string;
  readonly log?: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

export interface UpOptions extends NetworkOptions {
  readonly consensus?: Consensus;
  readonly basePort?: number;
  /** Each orderer, each org and the vault in a network namespace of its own (root only); kept by the state dir. */
  readonly hosts?: boolean;
}

export interface NodeStatus {
  readonly name: string;
  readonly mspId?: string;
  readonly endpoint: string;
  readonly pid: number | null;
  readonly healthy: boolean;
}

export interface OrgConnection {
  readonly mspId: string;
  readonly peerEndpoint: string;
  /** The TLS server name of the org's peer (its certificate also covers 127.0.0.1 and localhost on one host, its namespace address in hosts mode). */
  readonly peerHostAlias: string;
  readonly tlsCACertPath: string;
  /** Where the org's peer listens, and where its gateway should listen: loopback, or its namespace's address. */
  readonly address: string;
  /** Hosts mode: the org's network namespace, where its gateway runs too. */
  readonly namespace?: string;
  /** Hosts mode: the public MSP folder the org handed to the others (`exchange/<MSP>/msp`): what other orgs read of it. */
  readonly exchangeMspDir?: string;
  readonly userCertPath: string;
  readonly userKeyPath: string;
  readonly adminCertPath: string;
  readonly adminKeyPath: string;
  /** The org gateway's own vault user, allowed its own bucket only. */
  readonly vault: OrgVaultCredentials;
}

export interface NetworkStatus {
  readonly stateDir: string;
  readonly consensus: Consensus;
  readonly basePort: number;
  /** Hosts mode: the bridge, subnet and namespace prefix the nodes live in. */
  readonly hosts?: { readonly bridge: string; readonly subnet: string; readonly namespacePrefix: string };
  readonly running: boolean;
  readonly channel: string;
  readonly chaincode: { readonly name: string; readonly sequence: number | null; readonly packageId: string | null };
  readonly orderers: readonly NodeStatus[];
  readonly peers: readonly NodeStatus[];
  readonly vault: {
    readonly endpoint: string;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly bucket: string;
    readonly pid: number | null;
    readonly healthy: boolean;
  };
  readonly orgs: readonly OrgConnection[];
  readonly gateways: readonly {
    readonly mspId: string;
    readonly url: string;
    readonly caCertPath?: string;
    readonly pid: number | null;
    readonly healthy: boolean;
  }[];
  /**
   * The channel's genesis (config) block and its header hash: the trust anchor offline verifiers pin
   * (`kiseki-verify --anchor`). A consortium publishes it; after a config update, the new config block's.
   */
  readonly configBlock: { readonly number: string; readonly hash: string } | null;
  /** The gateways' off-chain database (PostgreSQL): its URL with password, and whether we run it. */
  readonly database: { readonly url: string; readonly external: boolean; readonly pid: number | null; readonly healthy: boolean } | null;
}

/** The header hash of the channel's genesis block, from the file the channel was created with. */
export function genesisBlockHash(stateDir: string): string | null {
  const file = genesisBlockPath(stateDir);
  if (!existsSync(file)) return null;
  const block = decodeBlock(new Uint8Array(readFileSync(file)));
  return createHash('sha256')
    .update(headerBytes(block.number, block.previousHash, block.dataHash))
    .digest('hex');
}

interface Resolved {
  readonly stateDir: string;
  readonly log: Logger;
  readonly env: NodeJS.ProcessEnv;
  readonly definition: ChaincodeDefinition;
}

function resolve(options: NetworkOptions): Resolved {
  const env = options.env ?? process.env;
  return {
    stateDir: path.resolve(options.stateDir ?? defaultStateDir(env)),
    log: options.log ?? silentLogger,
    env,
    definition: loadChaincodeDefinition(),
  };
}

const pidFileOf = (stateDir: string, name: string): string => path.join(stateDir, 'pids', `${name}.pid`);

function signatureKey(dir: string): { cert: string; key: string } {
  const signcerts = path.join(dir, 'msp', 'signcerts');
  const keystore = path.join(dir, 'msp', 'keystore');
  const cert = readdirSync(signcerts).find((f) => f.endsWith('.pem'));
  const key = readdirSync(keystore).find((f) => f.endsWith('_sk'));
  if (!cert || !key) throw new NetworkError(`no identity in ${dir}/msp`);
  return { cert: path.join(signcerts, cert), key: path.join(keystore, key) };
}

export function orgConnections(topology: Topology, stateDir: string, state: NetworkState): OrgConnection[] {
  const paths = cryptoPaths(stateDir);
  return topology.peers.map((peer) => {
    const user = signatureKey(paths.orgUser(peer.org));
    const admin = signatureKey(paths.orgAdmin(peer.org));
    return {
      mspId: peer.org.mspId,
      peerEndpoint: `${peer.address}:${peer.port}`,
      peerHostAlias: peer.host,
      tlsCACertPath: paths.peerTlsCa(peer.org),
      address: peer.address,
      ...(peer.namespace === undefined
        ? {}
        : { namespace: peer.namespace, exchangeMspDir: path.join(exchangeDir(stateDir), peer.org.mspId, 'msp') }),
      userCertPath: user.cert,
      userKeyPath: user.key,
      adminCertPath: admin.cert,
      adminKeyPath: admin.key,
      vault: orgVaultCredentials(state.vault, peer.org.mspId),
    };
  });
}

/** Every node's endpoint, pid and health (from its own /healthz), and what a client needs to connect. */
export async function status(options: NetworkOptions = {}): Promise<NetworkStatus> {
  const ctx = resolve(options);
  const state = readState(ctx.stateDir);
  if (!state) throw new NetworkError(`no network in ${ctx.stateDir}: run \`npm run network -- up\` first`);
  const topology = networkTopology(state);
  const nodeStatus = async (node: NetworkNode): Promise<NodeStatus> => {
    const pid = livePid(pidFileOf(ctx.stateDir, node.name)) ?? null;
    return {
      name: node.name,
      ...(node.kind === 'peer' ? { mspId: node.org.mspId } : {}),
      endpoint: `${node.address}:${node.port}`,
      pid,
      healthy: pid !== null && (await healthy(healthUrl(node))),
    };
  };
  const [orderers, peers] = await Promise.all([
    Promise.all(topology.orderers.map(nodeStatus)),
    Promise.all(topology.peers.map(nodeStatus)),
  ]);
  const vaultPid = livePid(pidFileOf(ctx.stateDir, 'vault')) ?? null;
  const gateways = await Promise.all(
    readGateways(ctx.stateDir).map(async (g) => {
      const pid = livePid(g.pidFile) ?? null;
      const ca = g.caCertPath !== undefined && existsSync(g.caCertPath) ? readFileSync(g.caCertPath, 'utf8') : undefined;
      return {
        mspId: g.mspId,
        url: g.url,
        ...(g.caCertPath === undefined ? {} : { caCertPath: g.caCertPath }),
        pid,
        healthy: pid !== null && (await healthy(`${g.url}/healthz`, 2000, ca)),
      };
    }),
  );
  const vaultHealthy = vaultPid !== null && (await healthy(vaultHealthUrl(topology.vault)));
  const database = await databaseStatus(ctx.stateDir, state.basePort, ctx.env, databaseHost(state));
  return {
    stateDir: ctx.stateDir,
    consensus: state.consensus,
    basePort: state.basePort,
    ...(topology.hosts === undefined
      ? {}
      : { hosts: { bridge: topology.hosts.bridge, subnet: `${topology.hosts.subnet}.0/24`, namespacePrefix: topology.hosts.prefix } }),
    running: [...orderers, ...peers].every((n) => n.healthy) && vaultHealthy && database?.healthy === true,
    channel: state.channel,
    chaincode: { name: ctx.definition.name, sequence: state.chaincode?.sequence ?? null, packageId: state.chaincode?.packageId ?? null },
    orderers,
    peers,
    vault: {
      endpoint: vaultEndpoint(topology.vault),
      accessKey: state.vault.accessKey,
      secretKey: state.vault.secretKey,
      bucket: state.vault.bucket,
      pid: vaultPid,
      healthy: vaultHealthy,
    },
    orgs: existsSync(cryptoPaths(ctx.stateDir).root) ? orgConnections(topology, ctx.stateDir, state) : [],
    gateways,
    configBlock: ((hash) => (hash === null ? null : { number: '0', hash }))(genesisBlockHash(ctx.stateDir)),
    database,
  };
}

/** Where gateways reach the database: loopback on one host, the bridge's own address in hosts mode. */
const databaseHost = (state: NetworkState): string => (state.hosts === true ? hostsPlan(state.basePort).gatewayAddress : LOOPBACK);

async function databaseStatus(
  stateDir: string,
  basePort: number,
  env: NodeJS.ProcessEnv,
  host: string,
): Promise<NetworkStatus['database']> {
  const info = databaseInfo(stateDir, basePort, env, host);
  if (info === undefined) return null;
  const pid = info.external ? null : (livePid(postgresPidFile(stateDir)) ?? null);
  return { ...info, pid, healthy: (info.external || pid !== null) && (await postgresHealthy(info, basePort)) };
}

async function checkPorts(topology: Topology, stateDir: string, names: ReadonlySet<string>): Promise<void> {
  // In hosts mode every node listens on its own namespace's address: nothing else can hold its ports.
  if (topology.hosts !== undefined) return;
  const busy: string[] = [];
  for (const { port, owner } of allPorts(topology)) {
    if (names.has(owner) && !(await portFree(port))) busy.push(`${port} (for ${owner})`);
  }
  if (busy.length > 0) {
    throw new NetworkError(
      `port${busy.length > 1 ? 's' : ''} already in use: ${busy.join(', ')}. ` +
        `Stop what holds ${busy.length > 1 ? 'them' : 'it'}, or choose another range with --base-port (state dir ${stateDir}).`,
    );
  }
}

/** The ports a node must accept connections on before the next step may use it. */
const servicePorts = (node: NetworkNode): number[] => (node.kind === 'peer' ? [node.port] : [node.port, node.adminPort]);

async function startNetworkNode(node: NetworkNode, topology: Topology, ctx: Resolved, tools: Tools): Promise<void> {
  const spec = nodeProcess(node, topology, ctx.stateDir, tools);
  if (livePid(spec.pidFile) === undefined) startProcess(spec);
  // Also when it was already running: it may have been started a moment ago by an earlier command.
  await waitHealthy(node.name, healthUrl(node), spec.pidFile, spec.logFile);
  await waitForPorts(node.name, servicePorts(node), spec.pidFile, spec.logFile, undefined, node.address);
}

/** The distinct MSPs of the topology's peers: each gets its own vault user and bucket. */
const orgMspIds = (topology: Topology): string[] => [...new Set(topology.peers.map((p) => p.org.mspId))];

/** Starts MinIO (its KMS key read from its own file) and gives every org's gateway its own user. */
async function startVault(topology: Topology, state: NetworkState, ctx: Resolved, tools: Tools): Promise<NetworkState> {
  const next: NetworkState = { ...state, vault: ensureKmsKeyFile(ctx.stateDir, state.vault) };
  if (next.vault !== state.vault) writeState(ctx.stateDir, next);
  const spec = vaultProcess(topology.vault, next.vault, ctx.stateDir, tools);
  if (livePid(spec.pidFile) === undefined) startProcess(spec);
  await waitHealthy('vault', vaultHealthUrl(topology.vault), spec.pidFile, spec.logFile);
  await ensureOrgVaults(topology.vault, next.vault, orgMspIds(topology));
  return next;
}

function firstLiveOrderer(topology: Topology, stateDir: string) {
  const orderer = topology.orderers.find((o) => livePid(pidFileOf(stateDir, o.name)) !== undefined);
  if (!orderer) throw new NetworkError('no orderer is running');
  return orderer;
}

/**
 * Installs, approves and commits the chaincode as built now. A package identical to the committed
 * one changes nothing; a changed one becomes the next sequence (upgrade without restarting nodes).
 */
async function deployChaincode(topology: Topology, state: NetworkState, ctx: Resolved, tools: Tools): Promise<NetworkState> {
  const definition = { ...ctx.definition, endorsementPolicy: state.endorsementPolicy ?? ctx.definition.endorsementPolicy };
  const lc = { stateDir: ctx.stateDir, tools, definition };
  const chaincodeDir = ctx.env.KISEKI_CHAINCODE_DIR ? path.resolve(ctx.env.KISEKI_CHAINCODE_DIR) : CHAINCODE_DIR;
  const pkg = await ctx.log.step('package chaincode (compiled TypeScript + production dependencies)', () =>
    packageChaincode(
      path.join(ctx.stateDir, 'build', 'chaincode'),
      ctx.definition.label,
      chaincodeDir,
      packageOverrides(state, readCollections(chaincodeDir)),
    ),
  );
  const anchor = topology.peers[0] as PeerNode;
  const committed = await lifecycle.queryCommitted(lc, anchor);
  if (committed?.packageId === pkg.packageId) {
    ctx.log.info(`✓ chaincode ${ctx.definition.name} sequence ${committed.sequence} is current (${pkg.packageId.slice(0, 24)}…)`);
    return { ...state, chaincode: { name: ctx.definition.name, sequence: committed.sequence, packageId: pkg.packageId } };
  }
  const sequence = (committed?.sequence ?? 0) + 1;
  const orderer = firstLiveOrderer(topology, ctx.stateDir);
  const livePeers = topology.peers.filter((p) => livePid(pidFileOf(ctx.stateDir, p.name)) !== undefined);
  await ctx.log.step(`install chaincode on ${livePeers.length} peers`, () =>
    Promise.all(livePeers.map((p) => lifecycle.install(lc, p, pkg))),
  );
  await ctx.log.step(`approve sequence ${sequence} for ${livePeers.length} orgs`, () =>
    Promise.all(livePeers.map((p) => lifecycle.approve(lc, p, orderer, sequence, pkg))),
  );
  const endorsers = livePeers.filter((p) => p.org.endorsing);
  await ctx.log.step(`commit ${ctx.definition.name} sequence ${sequence}`, () => lifecycle.commit(lc, endorsers, orderer, sequence, pkg));
  await ctx.log.step('start chaincode on every peer', () => Promise.all(livePeers.map((p) => lifecycle.warmUp(lc, p))));
  return { ...state, chaincode: { name: ctx.definition.name, sequence, packageId: pkg.packageId } };
}

/**
 * Brings the whole network up: artifacts on first use, every node as a background process, the
 * channel joined, the vault, and the chaincode deployed. Running it on a running network changes nothing.
 */
export async function up(options: UpOptions = {}): Promise<NetworkStatus> {
  const ctx = resolve(options);
  const existing = readState(ctx.stateDir);
  const consensus = options.consensus ?? existing?.consensus ?? 'raft';
  const basePort = options.basePort ?? existing?.basePort ?? DEFAULT_BASE_PORT;
  const hosts = options.hosts ?? existing?.hosts ?? false;
  if (existing && (existing.consensus !== consensus || existing.basePort !== basePort || (existing.hosts ?? false) !== hosts)) {
    throw new NetworkError(
      `${ctx.stateDir} holds a ${existing.consensus} network on base port ${existing.basePort}` +
        `${existing.hosts === true ? ' in hosts mode' : ' on one host'}; run \`npm run network -- down --purge\` first, or use another KISEKI_STATE_DIR`,
    );
  }
  if (hosts) requireRoot();
  // A state that still carries the KMS key predates per-org vault users: go through the steps again.
  if (existing?.channelReady && existing.chaincode && existing.vault.kmsSecretKey === undefined) {
    const current = await status(options);
    if (current.running) {
      ctx.log.info(`Kiseki network is already running (${ctx.stateDir}); nothing changed.`);
      return current;
    }
  }
  const tools = await ensureTools(ctx.log, ctx.env);
  const topology = networkTopology({ consensus, basePort, members: existing?.members ?? [], hosts });
  let state: NetworkState = existing ?? {
    version: 1,
    consensus,
    basePort,
    channel: ctx.definition.channel,
    vault: newVaultCredentials(),
    channelReady: false,
    ...(hosts ? { hosts } : {}),
  };
  if (topology.hosts !== undefined) {
    const plan = topology.hosts;
    // Not all running: start from a clean slate of namespaces (a crash may have left some behind), so
    // whatever still runs in the old ones is stopped first; ledgers and keys on disk are kept.
    await stopAll(ctx.stateDir);
    await ctx.log.step(`create ${hostSpecs(topology).length} network namespaces on bridge ${plan.bridge} (${plan.subnet}.0/24)`, () =>
      createHosts(plan, hostSpecs(topology)),
    );
  } else {
    const stopped = new Set(
      [...topology.orderers, ...topology.peers, topology.vault]
        .filter((node) => livePid(pidFileOf(ctx.stateDir, node.name)) === undefined)
        .map((node) => node.name),
    );
    await checkPorts(topology, ctx.stateDir, stopped);
  }

  if (!state.channelReady) {
    await ctx.log.step('generate crypto material and genesis block', async () => {
      writeNodeConfig(ctx.stateDir, tools);
      await generateArtifacts(topology, ctx.stateDir, tools, state.channel);
    });
    writeState(ctx.stateDir, state);
  }
  await ctx.log.step(`start ${topology.orderers.length} orderers (${consensus})`, () =>
    Promise.all(topology.orderers.map((o) => startNetworkNode(o, topology, ctx, tools))),
  );
  if (!state.channelReady) {
    await ctx.log.step(`join orderers to channel ${state.channel}`, () =>
      Promise.all(topology.orderers.map((o) => joinOrderer(o, state.channel, ctx.stateDir, tools))),
    );
  }
  await ctx.log.step(`start ${topology.peers.length} peers`, () =>
    Promise.all(topology.peers.map((p) => startNetworkNode(p, topology, ctx, tools))),
  );
  if (!state.channelReady) {
    await ctx.log.step('join peers to the channel', () =>
      Promise.all(topology.peers.map((p) => joinPeer(p, state.channel, ctx.stateDir, tools))),
    );
    state = { ...state, channelReady: true };
    writeState(ctx.stateDir, state);
  }
  state = await ctx.log.step('start the vault (MinIO), one user and locked bucket per org', () => startVault(topology, state, ctx, tools));
  await ctx.log.step('start the database (PostgreSQL)', () => startPostgres(ctx.stateDir, basePort, ctx.log, ctx.env, databaseHost(state)));
  state = await deployChaincode(topology, state, ctx, tools);
  writeState(ctx.stateDir, state);
  await ctx.log.step('wait for gossip: every peer sees all peers', () =>
    Promise.all(topology.peers.map((p) => waitForMembership(p, topology.peers.length, state.channel, ctx.stateDir, tools))),
  );
  return status(options);
}

/** Deploys the chaincode as currently built: the next sequence if it changed, nothing otherwise. */
export async function deploy(options: NetworkOptions = {}): Promise<NetworkStatus> {
  const ctx = resolve(options);
  const state = readState(ctx.stateDir);
  if (!state?.channelReady) throw new NetworkError(`no network in ${ctx.stateDir}: run \`npm run network -- up\` first`);
  const tools = await ensureTools(silentLogger, ctx.env);
  const next = await deployChaincode(networkTopology(state), state, ctx, tools);
  writeState(ctx.stateDir, next);
  return status(options);
}

function findNode(topology: Topology, name: string): NetworkNode | Topology['vault'] {
  const node = [...topology.orderers, ...topology.peers, topology.vault].find((n) => n.name === name);
  if (!node) {
    const names = [...topology.orderers, ...topology.peers, topology.vault].map((n) => n.name).join(', ');
    throw new NetworkError(`no node named ${name}; nodes: ${names}`);
  }
  return node;
}

export async function stopNode(name: string, options: NetworkOptions = {}): Promise<boolean> {
  const ctx = resolve(options);
  const state = readState(ctx.stateDir);
  if (!state) throw new NetworkError(`no network in ${ctx.stateDir}`);
  findNode(networkTopology(state, { includeRemoved: true }), name);
  return stopProcess(pidFileOf(ctx.stateDir, name));
}

export async function startNode(name: string, options: NetworkOptions = {}): Promise<void> {
  const ctx = resolve(options);
  const state = readState(ctx.stateDir);
  if (!state) throw new NetworkError(`no network in ${ctx.stateDir}`);
  const topology = networkTopology(state, { includeRemoved: true });
  const node = findNode(topology, name);
  const tools = await ensureTools(silentLogger, ctx.env);
  await checkPorts(topology, ctx.stateDir, new Set(livePid(pidFileOf(ctx.stateDir, name)) === undefined ? [name] : []));
  if (node.kind === 'vault') await startVault(topology, state, ctx, tools);
  else await startNetworkNode(node, topology, ctx, tools);
  if (node.kind === 'peer') await waitForMembership(node, topology.peers.length, state.channel, ctx.stateDir, tools);
}

/** One namespace per orderer, per org (its peer and gateway) and for the vault. */
function hostSpecs(topology: Topology): HostSpec[] {
  return [
    ...topology.orderers.map((o) => ({ host: o.name, address: o.address })),
    ...topology.peers.map((p) => ({ host: p.org.name, address: p.address })),
    { host: 'vault', address: topology.vault.address },
  ];
}

/**
 * Stops exactly the processes this state dir started (by pid file); in hosts mode then removes its
 * namespaces, veths and bridge. `purge` also deletes the state.
 */
export async function down(options: NetworkOptions & { purge?: boolean } = {}): Promise<string[]> {
  const ctx = resolve(options);
  const state = readState(ctx.stateDir);
  const stopped = await stopAll(ctx.stateDir);
  if (state?.hosts === true) await removeHosts(hostsPlan(state.basePort));
  if (options.purge) rmSync(ctx.stateDir, { recursive: true, force: true });
  return stopped;
}

async function stopAll(stateDir: string): Promise<string[]> {
  const pidsDir = path.join(stateDir, 'pids');
  const stopped: string[] = [];
  if (existsSync(pidsDir)) {
    // Clients first (gateways), then peers (and their chaincode), then orderers and the vault.
    const order = (name: string): number => (name.startsWith('gateway') ? 0 : name.startsWith('peer') ? 1 : 2);
    const names = readdirSync(pidsDir)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => f.slice(0, -4))
      .sort((a, b) => order(a) - order(b));
    for (const tier of [0, 1, 2]) {
      const batch = names.filter((n) => order(n) === tier);
      const results = await Promise.all(batch.map(async (n) => ((await stopProcess(path.join(pidsDir, `${n}.pid`))) ? n : undefined)));
      stopped.push(...results.filter((n): n is string => n !== undefined));
    }
  }
  return stopped;
}
