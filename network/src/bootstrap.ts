import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NetworkError } from './errors';
import { run } from './exec';
import { BUILDERS_DIR, CONFIG_DIR } from './paths';
import { Tools } from './tools';
import { cryptoPaths, ORDERER_DOMAIN, ORDERER_MSP, OrdererNode, Topology } from './topology';

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

/**
 * Hosts mode: the public files each org hands to the others (as it would by e-mail), one folder per MSP:
 * `msp/` (CA and TLS CA certificates, NodeOU config; no key) and, for the ordering org, each orderer's
 * TLS certificate and signing certificate (the consenter set). The genesis block is built from these only.
 */
export const exchangeDir = (stateDir: string): string => path.join(stateDir, 'exchange');

const consenterCerts = (stateDir: string, o: OrdererNode): { tls: string; identity: string } => {
  const dir = path.join(exchangeDir(stateDir), ORDERER_MSP, 'orderers', o.host);
  return { tls: path.join(dir, 'server.crt'), identity: path.join(dir, 'signcert.pem') };
};

/** The values the channel template needs for one topology (JSON is valid YAML flow syntax). */
export function channelTemplateValues(topology: Topology, stateDir: string): Record<string, string> {
  const paths = cryptoPaths(stateDir);
  const hosts = topology.hosts !== undefined;
  // On one host the nodes' own files; in hosts mode what each org exported to the others.
  const tlsCert = (o: OrdererNode): string =>
    hosts ? consenterCerts(stateDir, o).tls : path.join(paths.ordererNode(o), 'tls', 'server.crt');
  const identity = (o: OrdererNode): string =>
    hosts ? consenterCerts(stateDir, o).identity : path.join(paths.ordererNode(o), 'msp', 'signcerts', `${o.host}-cert.pem`);
  const values: Record<string, string> = {
    MSPDIR_ORDERER: hosts ? `exchange/${ORDERER_MSP}/msp` : `crypto/ordererOrganizations/${ORDERER_DOMAIN}/msp`,
    ORDERER_ENDPOINTS: JSON.stringify(topology.orderers.map((o) => `${o.address}:${o.port}`)),
    RAFT_CONSENTERS: JSON.stringify(
      topology.orderers.slice(0, 3).map((o) => ({
        Host: o.address,
        Port: o.port,
        ClientTLSCert: tlsCert(o),
        ServerTLSCert: tlsCert(o),
      })),
    ),
    BFT_CONSENTERS: JSON.stringify(
      topology.orderers.map((o, i) => ({
        ID: i + 1,
        Host: o.address,
        Port: o.port,
        MSPID: ORDERER_MSP,
        Identity: identity(o),
        ClientTLSCert: tlsCert(o),
        ServerTLSCert: tlsCert(o),
      })),
    ),
  };
  for (const peer of topology.peers) {
    const key = peer.org.name.toUpperCase();
    values[`PEER_PORT_${key}`] = String(peer.port);
    values[`PEER_HOST_${key}`] = peer.address;
    values[`MSPDIR_${key}`] = hosts ? `exchange/${peer.org.mspId}/msp` : `crypto/peerOrganizations/${peer.org.domain}/msp`;
  }
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
  core.setIn(
    ['chaincode', 'externalBuilders'],
    [
      {
        name: 'kiseki-node',
        path: path.join(BUILDERS_DIR, 'node'),
        propagateEnvironment: ['HOME', 'PATH', 'TMPDIR', 'KISEKI_CHAINCODE_LOG'],
      },
    ],
  );
  core.setIn(['vm', 'endpoint'], '');
  writeFileSync(path.join(dir, 'core.yaml'), core.toString());
}

/**
 * Hosts mode: each org makes its own identities in its own folder (`orgs/<name>/crypto`; the ordering
 * org in `crypto/`), with TLS certificates naming the address of its namespace, then exports only the
 * public part to `exchange/<MSP>/`. No folder holds two orgs' keys.
 */
async function generateOrgMaterial(topology: Topology, stateDir: string, tools: Tools): Promise<void> {
  const paths = cryptoPaths(stateDir);
  const cryptogen = async (dir: string, spec: Record<string, unknown>, output: string): Promise<void> => {
    if (existsSync(output)) return;
    mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'crypto-config.yaml');
    writeFileSync(config, YAML.stringify(spec));
    await run(path.join(tools.fabricBin, 'cryptogen'), ['generate', '--config', config, '--output', output]);
  };
  const ordererDir = path.join(stateDir, 'orgs', 'orderer');
  await Promise.all([
    cryptogen(
      ordererDir,
      {
        OrdererOrgs: [
          {
            Name: 'Orderer',
            Domain: ORDERER_DOMAIN,
            EnableNodeOUs: true,
            Specs: topology.orderers.map((o) => ({ Hostname: o.name, SANS: [o.address] })),
          },
        ],
      },
      paths.root,
    ),
    ...topology.peers.map((peer) => {
      const home = path.join(stateDir, peer.org.home ?? path.join('orgs', peer.org.name));
      return cryptogen(
        home,
        {
          PeerOrgs: [
            {
              Name: peer.org.mspId.slice(0, -3),
              Domain: peer.org.domain,
              EnableNodeOUs: true,
              Specs: [{ Hostname: 'peer0', SANS: [peer.address] }],
              Users: { Count: 1 },
            },
          ],
        },
        path.join(home, 'crypto'),
      );
    }),
  ]);
  const exchange = exchangeDir(stateDir);
  const exportMsp = (from: string, mspId: string): void => {
    cpSync(from, path.join(exchange, mspId, 'msp'), { recursive: true, filter: (src) => !/keystore|_sk$/.test(src) });
  };
  exportMsp(path.join(path.dirname(paths.ordererTlsCa), '..', 'msp'), ORDERER_MSP);
  for (const o of topology.orderers) {
    const certs = consenterCerts(stateDir, o);
    mkdirSync(path.dirname(certs.tls), { recursive: true });
    copyFileSync(path.join(paths.ordererNode(o), 'tls', 'server.crt'), certs.tls);
    copyFileSync(path.join(paths.ordererNode(o), 'msp', 'signcerts', `${o.host}-cert.pem`), certs.identity);
  }
  for (const peer of topology.peers) exportMsp(path.join(path.dirname(paths.peerTlsCa(peer.org)), '..', 'msp'), peer.org.mspId);
}

/** Crypto material (cryptogen) and the channel's genesis block (configtxgen); run once per state dir. */
export async function generateArtifacts(topology: Topology, stateDir: string, tools: Tools, channel: string): Promise<void> {
  const paths = cryptoPaths(stateDir);
  if (topology.hosts !== undefined) {
    await generateOrgMaterial(topology, stateDir, tools);
  } else if (!existsSync(paths.root)) {
    await run(path.join(tools.fabricBin, 'cryptogen'), [
      'generate',
      '--config',
      path.join(CONFIG_DIR, 'crypto-config.yaml'),
      '--output',
      paths.root,
    ]);
  }
  // A genesis block is generated once: nodes that already joined with it must never see another.
  if (existsSync(genesisBlockPath(stateDir))) return;
  const template = readFileSync(path.join(CONFIG_DIR, 'configtx.yaml'), 'utf8');
  writeFileSync(path.join(stateDir, 'configtx.yaml'), renderTemplate(template, channelTemplateValues(topology, stateDir)));
  mkdirSync(path.dirname(genesisBlockPath(stateDir)), { recursive: true });
  await run(
    path.join(tools.fabricBin, 'configtxgen'),
    [
      '-configPath',
      stateDir,
      '-profile',
      CHANNEL_PROFILES[topology.consensus],
      '-channelID',
      channel,
      '-outputBlock',
      genesisBlockPath(stateDir),
    ],
    { env: { ...process.env, FABRIC_CFG_PATH: stateDir } },
  );
}
