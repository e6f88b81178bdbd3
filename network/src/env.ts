import path from 'node:path';
import { nodeConfigDir } from './bootstrap';
import { loadChaincodeDefinition } from './consortium';
import { NetworkError } from './errors';
import { silentLogger } from './log';
import { networkTopology } from './members';
import { defaultStateDir } from './paths';
import { readState } from './state';
import { ensureTools } from './tools';
import { cryptoPaths, ORDERER_MSP, Topology } from './topology';

/** One variable of an environment, with what it is for. */
export interface EnvVar {
  readonly name: string;
  readonly value: string;
}

export interface Environment {
  readonly vars: readonly EnvVar[];
  /** Commands to try with these variables set. */
  readonly examples: readonly string[];
}

export interface EnvOptions {
  readonly stateDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Which orderer the environment names (default the first). */
  readonly orderer?: string;
  /** The org's admin (default; lifecycle and channel commands need it) or its client user. */
  readonly identity?: 'admin' | 'user';
}

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** POSIX shell text: `export NAME='value'` lines, then the examples as comments. */
export function formatEnvironment(environment: Environment): string {
  return [
    ...environment.vars.map((v) => `export ${v.name}=${quote(v.value)}`),
    ...(environment.examples.length > 0 ? ['# then, for example:', ...environment.examples.map((e) => `#   ${e}`)] : []),
  ].join('\n');
}

interface Where {
  readonly stateDir: string;
  readonly fabricBin: string;
  readonly topology: Topology;
  readonly channel: string;
  readonly chaincode: string;
}

function pickOrderer(where: Where, name: string | undefined) {
  const orderer = name === undefined ? where.topology.orderers[0] : where.topology.orderers.find((o) => o.name === name);
  if (!orderer)
    throw new NetworkError(`no orderer named ${name ?? ''}; orderers: ${where.topology.orderers.map((o) => o.name).join(', ')}`);
  return orderer;
}

/**
 * The environment for Fabric's own CLIs against one org's node: `peer` as the org's admin against
 * its peer (and an orderer for submits), or, for the orderer org, `osnadmin` against an orderer's
 * admin endpoint. Only that org's own key material is named.
 */
export function environmentAt(where: Where, target: string, options: Pick<EnvOptions, 'orderer' | 'identity'> = {}): Environment {
  const paths = cryptoPaths(where.stateDir);
  const orderer = pickOrderer(where, options.orderer);
  const common: EnvVar[] = [
    { name: 'PATH', value: `${where.fabricBin}:${process.env.PATH ?? '/usr/bin:/bin'}` },
    { name: 'FABRIC_CFG_PATH', value: nodeConfigDir(where.stateDir) },
    // At INFO the CLIs print every gRPC connection step around the one line worth reading.
    { name: 'FABRIC_LOGGING_SPEC', value: 'WARN' },
    { name: 'CHANNEL', value: where.channel },
    { name: 'CHAINCODE', value: where.chaincode },
  ];
  const wanted = target.toLowerCase();
  if (wanted === 'orderer' || wanted === ORDERER_MSP.toLowerCase() || where.topology.orderers.some((o) => o.name === wanted)) {
    const chosen = where.topology.orderers.some((o) => o.name === wanted) ? pickOrderer(where, wanted) : orderer;
    const tls = path.join(paths.ordererAdmin, 'tls');
    return {
      vars: [
        ...common,
        { name: 'ORDERER_ADMIN_ADDRESS', value: `${chosen.address}:${chosen.adminPort}` },
        { name: 'ORDERER_ADDRESS', value: `${chosen.address}:${chosen.port}` },
        { name: 'ORDERER_CA', value: paths.ordererTlsCa },
        { name: 'ORDERER_ADMIN_TLS_CERT', value: path.join(tls, 'client.crt') },
        { name: 'ORDERER_ADMIN_TLS_KEY', value: path.join(tls, 'client.key') },
      ],
      examples: [
        'osnadmin channel list -o $ORDERER_ADMIN_ADDRESS --ca-file $ORDERER_CA --client-cert $ORDERER_ADMIN_TLS_CERT --client-key $ORDERER_ADMIN_TLS_KEY',
        'osnadmin channel list --channelID $CHANNEL -o $ORDERER_ADMIN_ADDRESS --ca-file $ORDERER_CA --client-cert $ORDERER_ADMIN_TLS_CERT --client-key $ORDERER_ADMIN_TLS_KEY',
      ],
    };
  }
  const peer = where.topology.peers.find((p) => p.org.mspId.toLowerCase() === wanted || p.org.name === wanted || p.name === wanted);
  if (!peer) {
    const names = [...where.topology.peers.map((p) => p.org.name), 'orderer'].join(', ');
    throw new NetworkError(`no org ${target}; orgs: ${names} (MSP IDs work too)`);
  }
  const identity = options.identity === 'user' ? paths.orgUser(peer.org) : paths.orgAdmin(peer.org);
  return {
    vars: [
      ...common,
      { name: 'CORE_PEER_LOCALMSPID', value: peer.org.mspId },
      { name: 'CORE_PEER_MSPCONFIGPATH', value: path.join(identity, 'msp') },
      { name: 'CORE_PEER_ADDRESS', value: `${peer.address}:${peer.port}` },
      { name: 'CORE_PEER_TLS_ENABLED', value: 'true' },
      { name: 'CORE_PEER_TLS_ROOTCERT_FILE', value: paths.peerTlsCa(peer.org) },
      { name: 'ORDERER_ADDRESS', value: `${orderer.address}:${orderer.port}` },
      { name: 'ORDERER_CA', value: paths.ordererTlsCa },
    ],
    examples: [
      'peer channel getinfo -c $CHANNEL',
      'peer lifecycle chaincode querycommitted -C $CHANNEL -n $CHAINCODE',
      `peer chaincode query -C $CHANNEL -n $CHAINCODE -c '{"Args":["org.hyperledger.fabric:GetMetadata"]}'`,
      'peer channel fetch config config.block -c $CHANNEL -o $ORDERER_ADDRESS --tls --cafile $ORDERER_CA',
    ],
  };
}

/** The environment of `target` (an org's MSP ID or short name, `orderer`, or an orderer's name) on this state dir's network. */
export async function environment(target: string, options: EnvOptions = {}): Promise<Environment> {
  const env = options.env ?? process.env;
  const stateDir = path.resolve(options.stateDir ?? defaultStateDir(env));
  const state = readState(stateDir);
  if (!state) throw new NetworkError(`no network in ${stateDir}: run \`npm run network -- up\` first`);
  const tools = await ensureTools(silentLogger, env);
  const definition = loadChaincodeDefinition();
  return environmentAt(
    { stateDir, fabricBin: tools.fabricBin, topology: networkTopology(state), channel: state.channel, chaincode: definition.name },
    target,
    options,
  );
}
