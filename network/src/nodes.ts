import path from 'node:path';
import { nodeConfigDir } from './bootstrap';
import { NODE_BIN_DIR } from './paths';
import { NodeProcessSpec } from './processes';
import { Tools } from './tools';
import { cryptoPaths, ORDERER_MSP, OrdererNode, PeerNode, PeerOrg, Topology } from './topology';

export type NetworkNode = OrdererNode | PeerNode;

export const nodeDir = (stateDir: string, name: string): string => path.join(stateDir, 'nodes', name);
export const logFile = (stateDir: string, name: string): string => path.join(stateDir, 'logs', `${name}.log`);
export const pidFile = (stateDir: string, name: string): string => path.join(stateDir, 'pids', `${name}.pid`);

const LOGGING = process.env.KISEKI_FABRIC_LOGGING ?? 'INFO';

/** Environment shared by every Fabric process: our config dir, and a PATH whose first node is Node 24. */
function baseEnv(stateDir: string): NodeJS.ProcessEnv {
  return {
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    PATH: `${NODE_BIN_DIR}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    FABRIC_CFG_PATH: nodeConfigDir(stateDir),
    FABRIC_LOGGING_SPEC: LOGGING,
  };
}

export function ordererEnv(orderer: OrdererNode, stateDir: string): NodeJS.ProcessEnv {
  const paths = cryptoPaths(stateDir);
  const home = paths.ordererNode(orderer);
  const tls = (file: string): string => path.join(home, 'tls', file);
  const data = nodeDir(stateDir, orderer.name);
  return {
    ...baseEnv(stateDir),
    ORDERER_GENERAL_LISTENADDRESS: orderer.address,
    ORDERER_GENERAL_LISTENPORT: String(orderer.port),
    ORDERER_GENERAL_LOCALMSPID: ORDERER_MSP,
    ORDERER_GENERAL_LOCALMSPDIR: path.join(home, 'msp'),
    ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
    ORDERER_GENERAL_TLS_ENABLED: 'true',
    ORDERER_GENERAL_TLS_PRIVATEKEY: tls('server.key'),
    ORDERER_GENERAL_TLS_CERTIFICATE: tls('server.crt'),
    ORDERER_GENERAL_TLS_ROOTCAS: `[${tls('ca.crt')}]`,
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: tls('server.crt'),
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: tls('server.key'),
    ORDERER_GENERAL_CLUSTER_ROOTCAS: `[${tls('ca.crt')}]`,
    ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
    ORDERER_ADMIN_LISTENADDRESS: `${orderer.address}:${orderer.adminPort}`,
    ORDERER_ADMIN_TLS_ENABLED: 'true',
    ORDERER_ADMIN_TLS_CERTIFICATE: tls('server.crt'),
    ORDERER_ADMIN_TLS_PRIVATEKEY: tls('server.key'),
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
    ORDERER_ADMIN_TLS_CLIENTROOTCAS: `[${tls('ca.crt')}]`,
    ORDERER_OPERATIONS_LISTENADDRESS: `${orderer.address}:${orderer.operationsPort}`,
    ORDERER_METRICS_PROVIDER: 'prometheus',
    ORDERER_FILELEDGER_LOCATION: path.join(data, 'ledger'),
    ORDERER_CONSENSUS_WALDIR: path.join(data, 'etcdraft', 'wal'),
    ORDERER_CONSENSUS_SNAPDIR: path.join(data, 'etcdraft', 'snapshot'),
  };
}

export function peerEnv(peer: PeerNode, topology: Topology, stateDir: string): NodeJS.ProcessEnv {
  const paths = cryptoPaths(stateDir);
  const home = paths.peerNode(peer);
  const data = nodeDir(stateDir, peer.name);
  const address = `${peer.address}:${peer.port}`;
  return {
    ...baseEnv(stateDir),
    CORE_PEER_ID: peer.host,
    CORE_PEER_ADDRESS: address,
    CORE_PEER_LISTENADDRESS: address,
    CORE_PEER_CHAINCODEADDRESS: `${peer.address}:${peer.chaincodePort}`,
    CORE_PEER_CHAINCODELISTENADDRESS: `${peer.address}:${peer.chaincodePort}`,
    CORE_PEER_GOSSIP_BOOTSTRAP: address,
    CORE_PEER_GOSSIP_EXTERNALENDPOINT: address,
    CORE_PEER_LOCALMSPID: peer.org.mspId,
    CORE_PEER_MSPCONFIGPATH: path.join(home, 'msp'),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_CERT_FILE: path.join(home, 'tls', 'server.crt'),
    CORE_PEER_TLS_KEY_FILE: path.join(home, 'tls', 'server.key'),
    CORE_PEER_TLS_ROOTCERT_FILE: path.join(home, 'tls', 'ca.crt'),
    CORE_PEER_GATEWAY_ENABLED: 'true',
    CORE_PEER_FILESYSTEMPATH: path.join(data, 'ledger'),
    CORE_LEDGER_SNAPSHOTS_ROOTDIR: path.join(data, 'snapshots'),
    CORE_OPERATIONS_LISTENADDRESS: `${peer.address}:${peer.operationsPort}`,
    CORE_METRICS_PROVIDER: 'prometheus',
    // No Docker here: chaincode runs only through the external builder, and an empty endpoint
    // keeps the peer's health check from probing a Docker daemon.
    CORE_VM_ENDPOINT: '',
    CORE_CHAINCODE_EXECUTETIMEOUT: '120s',
    // Loopback gossip can afford short intervals: peers find each other (and discovery sees the
    // whole channel) in seconds after start-up or a restart, instead of the stock ~15-25 s.
    CORE_PEER_GOSSIP_ALIVETIMEINTERVAL: '1s',
    CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT: '5s',
    CORE_PEER_GOSSIP_PUBLISHSTATEINFOINTERVAL: '1s',
    CORE_PEER_GOSSIP_RECONNECTINTERVAL: '2s',
    // Diagnostics only: Go's pprof on the port after the operations port (`go tool pprof http://…/debug/pprof/profile`).
    ...(process.env.KISEKI_PEER_PPROF === '1'
      ? { CORE_PEER_PROFILE_ENABLED: 'true', CORE_PEER_PROFILE_LISTENADDRESS: `${peer.address}:${String(peer.operationsPort + 1)}` }
      : {}),
  };
}

export function nodeProcess(node: NetworkNode, topology: Topology, stateDir: string, tools: Tools): NodeProcessSpec {
  const isPeer = node.kind === 'peer';
  return {
    name: node.name,
    command: path.join(tools.fabricBin, isPeer ? 'peer' : 'orderer'),
    args: isPeer ? ['node', 'start'] : [],
    env: isPeer ? peerEnv(node, topology, stateDir) : ordererEnv(node, stateDir),
    cwd: stateDir,
    logFile: logFile(stateDir, node.name),
    pidFile: pidFile(stateDir, node.name),
    ...(node.namespace === undefined ? {} : { namespace: node.namespace }),
  };
}

export const healthUrl = (node: NetworkNode): string => `http://${node.address}:${node.operationsPort}/healthz`;

/** Environment for the `peer` CLI acting as an org's admin against that org's peer. */
export function peerAdminEnv(peer: PeerNode, stateDir: string): NodeJS.ProcessEnv {
  const paths = cryptoPaths(stateDir);
  return {
    ...baseEnv(stateDir),
    CORE_PEER_LOCALMSPID: peer.org.mspId,
    CORE_PEER_MSPCONFIGPATH: path.join(paths.orgAdmin(peer.org), 'msp'),
    CORE_PEER_ADDRESS: `${peer.address}:${peer.port}`,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: paths.peerTlsCa(peer.org),
    // The CLI's gRPC chatter at INFO buries the errors worth reading.
    FABRIC_LOGGING_SPEC: 'WARN',
  };
}

export function peerOf(topology: Topology, org: PeerOrg): PeerNode {
  const peer = topology.peers.find((p) => p.org.mspId === org.mspId);
  if (!peer) throw new Error(`no peer for ${org.mspId}`);
  return peer;
}
