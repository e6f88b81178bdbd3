import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NetworkError } from './errors';
import { run } from './exec';
import { BUILDERS_DIR, CONFIG_DIR } from './paths';
import { Tools } from './tools';
import { cryptoPaths, LOOPBACK, ORDERER_MSP, Topology } from './topology';

export const CHANNEL_PROFILES = { raft: 'KisekiRaft', bft: 'KisekiBFT' } as const;

/** Where generated node configuration lives (FABRIC_CFG_PATH for every node and CLI call). */
export const nodeConfigDir = (stateDir: string): string => path.join(stateDir, 'config');
export const genesisBlockPath = (stateDir: string): string => path.join(stateDir, 'channel', 'genesis.block');

/** Fills `${NAME}` placeholders; an unknown or unused name is an error, not a silent blank. */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const out = template.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new NetworkError(`configtx template needs a value for \${${name}}`);
    used.add(name);
    return value;
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) throw new NetworkError(`configtx template has no place for ${unused.join(', ')}`);
  return out;
}

/** The values the channel template needs for one topology (JSON is valid YAML flow syntax). */
export function channelTemplateValues(topology: Topology, stateDir: string): Record<string, string> {
  const paths = cryptoPaths(stateDir);
  const values: Record<string, string> = {
    ORDERER_ENDPOINTS: JSON.stringify(topology.orderers.map((o) => `${LOOPBACK}:${o.port}`)),
    RAFT_CONSENTERS: JSON.stringify(topology.orderers.slice(0, 3).map((o) => ({
      Host: LOOPBACK,
      Port: o.port,
      ClientTLSCert: path.join(paths.ordererNode(o), 'tls', 'server.crt'),
      ServerTLSCert: path.join(paths.ordererNode(o), 'tls', 'server.crt'),
    }))),
    BFT_CONSENTERS: JSON.stringify(topology.orderers.map((o, i) => ({
      ID: i + 1,
      Host: LOOPBACK,
      Port: o.port,
      MSPID: ORDERER_MSP,
      Identity: path.join(paths.ordererNode(o), 'msp', 'signcerts', `${o.host}-cert.pem`),
      ClientTLSCert: path.join(paths.ordererNode(o), 'tls', 'server.crt'),
      ServerTLSCert: path.join(paths.ordererNode(o), 'tls', 'server.crt'),
    }))),
  };
  for (const peer of topology.peers) values[`PEER_PORT_${peer.org.name.toUpperCase()}`] = String(peer.port);
  return values;
}

/**
 * Node configuration: Fabric's stock core.yaml and orderer.yaml from the tool cache, with only what
 * must differ in files (the external builder list); per-node settings go in environment variables.
 */
export function writeNodeConfig(stateDir: string, tools: Tools): void {
  const dir = nodeConfigDir(stateDir);
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(tools.fabricConfig, 'orderer.yaml'), path.join(dir, 'orderer.yaml'));
  const core = YAML.parseDocument(readFileSync(path.join(tools.fabricConfig, 'core.yaml'), 'utf8'));
  core.setIn(['chaincode', 'externalBuilders'], [
    { name: 'kiseki-node', path: path.join(BUILDERS_DIR, 'node'), propagateEnvironment: ['HOME', 'PATH', 'TMPDIR', 'KISEKI_CHAINCODE_LOG'] },
  ]);
  core.setIn(['vm', 'endpoint'], '');
  writeFileSync(path.join(dir, 'core.yaml'), core.toString());
}

/** Crypto material (cryptogen) and the channel's genesis block (configtxgen); run once per state dir. */
export async function generateArtifacts(topology: Topology, stateDir: string, tools: Tools, channel: string): Promise<void> {
  const paths = cryptoPaths(stateDir);
  if (!existsSync(paths.root)) {
    await run(path.join(tools.fabricBin, 'cryptogen'), ['generate', '--config', path.join(CONFIG_DIR, 'crypto-config.yaml'), '--output', paths.root]);
  }
  // A genesis block is generated once: nodes that already joined with it must never see another.
  if (existsSync(genesisBlockPath(stateDir))) return;
  const template = readFileSync(path.join(CONFIG_DIR, 'configtx.yaml'), 'utf8');
  writeFileSync(path.join(stateDir, 'configtx.yaml'), renderTemplate(template, channelTemplateValues(topology, stateDir)));
  mkdirSync(path.dirname(genesisBlockPath(stateDir)), { recursive: true });
  await run(path.join(tools.fabricBin, 'configtxgen'), [
    '-configPath', stateDir,
    '-profile', CHANNEL_PROFILES[topology.consensus],
    '-channelID', channel,
    '-outputBlock', genesisBlockPath(stateDir),
  ], { env: { ...process.env, FABRIC_CFG_PATH: stateDir } });
}
