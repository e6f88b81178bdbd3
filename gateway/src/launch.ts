import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
// The process helper only (node built-ins): the launcher loads the rest of the network tool in `main` alone.
import { livePid, startProcess, waitHealthy } from '@kiseki/network/dist/processes';
import { hashApiKey, newApiKey, type ApiKeyFile, type Role } from './auth';
import type { GatewayConfigInput } from './config';
import { schemaForMsp } from './db/database';
import { issueContentCredentials, issueGatewayTlsCert } from './credentials/issue';
import { caDirOfIdentity } from './exchange/exchange';

/**
 * Starts one gateway process per org beside a running network (`npm start`): derives each org's config
 * from the network status, writes it with the org's API keys (hashed) under the network's state dir,
 * starts `gateway/dist/main.js` detached, registers it in `gateways.json` (so `network status` and
 * `network down` see it) and prints each URL with a demo key per role.
 */

/**
 * Node flags every gateway process starts with. `--max-semi-space-size=16` caps V8's young generation
 * at two semi-spaces of 16 MiB: left alone, V8 grows it to two of 64 MiB on a host with a 4 GiB heap
 * limit under bulk ingest's allocation rate, 96 MiB more resident memory for no measurable throughput
 * (docs/performance.md, "Gateway memory during bulk ingest").
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];

/** What the launcher reads from `network status` (a subset of the network's NetworkStatus). */
export interface NetworkView {
  stateDir: string;
  basePort: number;
  channel: string;
  chaincode: { name: string };
  vault: { endpoint: string };
  orgs: readonly {
    mspId: string;
    peerEndpoint: string;
    peerHostAlias: string;
    tlsCACertPath: string;
    userCertPath: string;
    userKeyPath: string;
    /** The org's own vault user and bucket (the network's root credential never reaches a gateway). */
    vault: { accessKey: string; secretKey: string; bucket: string };
    /** Where the org's gateway listens (its peer's address; loopback on one host). */
    address?: string;
    /** Hosts mode: the org's network namespace, where its gateway runs beside its peer. */
    namespace?: string;
    /** Hosts mode: the public MSP folder the org exported to the others; other orgs read its CA from there. */
    exchangeMspDir?: string;
  }[];
  /** The network's PostgreSQL (or the external one); each org's gateway gets its own schema in it. */
  database?: { url: string } | null;
}

const addressOf = (org: NetworkView['orgs'][number]): string => org.address ?? '127.0.0.1';

/** The roles demo keys are made for, per org. */
export function rolesFor(mspId: string): Role[] {
  if (mspId.startsWith('Regulator')) return ['regulator'];
  if (mspId.startsWith('Licensor')) return ['licensor-operator', 'auditor'];
  return ['studio-operator', 'provider-agent', 'auditor'];
}

/** Gateway ports follow the network's topology: base + 300 + the org's index. */
export const gatewayPort = (view: NetworkView, index: number): number => view.basePort + 300 + index;

export const orgDir = (stateDir: string, mspId: string): string => join(stateDir, 'gateways', mspId);

/** Where an org's gateway TLS certificate and key are kept (issued by {@link issueGatewayTls}). */
export const gatewayTlsDir = (stateDir: string, mspId: string): string => join(orgDir(stateDir, mspId), 'tls');

/** The names and addresses an org's gateway is reached at: its listen address and loopback. */
export const gatewayHosts = (org: NetworkView['orgs'][number]): string[] => [...new Set([addressOf(org), '127.0.0.1', '::1', 'localhost'])];

/** Issues (or keeps) the HTTPS certificate of an org's gateway from the org's TLS CA. */
export async function issueGatewayTls(
  view: NetworkView,
  index: number,
): Promise<{ certPath: string; keyPath: string; caCertPath: string }> {
  const org = view.orgs[index];
  if (org === undefined) throw new Error(`no org at index ${index}`);
  return await issueGatewayTlsCert({
    tlsCACertPath: org.tlsCACertPath,
    outDir: gatewayTlsDir(view.stateDir, org.mspId),
    mspId: org.mspId,
    hosts: gatewayHosts(org),
  });
}

/**
 * The gateway config of one org (paths absolute, secrets from the network's state). With `tls` (the
 * certificate and key from {@link issueGatewayTls}) it serves HTTPS and reaches the other orgs' gateways
 * over HTTPS, trusting their TLS CAs; without, plain HTTP on loopback (development and tests).
 */
export function gatewayConfigFor(view: NetworkView, index: number, tls?: { certPath: string; keyPath: string }): GatewayConfigInput {
  const org = view.orgs[index];
  if (org === undefined) throw new Error(`no org at index ${index}`);
  const dir = orgDir(view.stateDir, org.mspId);
  const scheme = tls === undefined ? 'http' : 'https';
  const urlOf = (other: NetworkView['orgs'][number], i: number): string => {
    const host = addressOf(other);
    return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${gatewayPort(view, i)}`;
  };
  return {
    ...(tls === undefined
      ? { plainHttp: true }
      : {
          tls: { certPath: tls.certPath, keyPath: tls.keyPath },
          gatewayCAPaths: [...new Set(view.orgs.filter((_, i) => i !== index).map((other) => other.tlsCACertPath))],
        }),
    mspId: org.mspId,
    peer: { endpoint: org.peerEndpoint, hostAlias: org.peerHostAlias, tlsCACertPath: org.tlsCACertPath },
    identity: { certPath: org.userCertPath, keyPath: org.userKeyPath },
    channel: view.channel,
    chaincode: view.chaincode.name,
    vault: {
      endpoint: view.vault.endpoint,
      // Each org keeps its content in its own bucket, as it would in its own vault on its own hosts,
      // reached with its own user whose policy allows that bucket only.
      accessKey: org.vault.accessKey,
      secretKey: org.vault.secretKey,
      bucket: org.vault.bucket,
      serverSideEncryption: 'sse-s3',
    },
    listen: { host: addressOf(org), port: gatewayPort(view, index) },
    ...(view.database ? { database: { url: view.database.url, schema: schemaForMsp(org.mspId) } } : {}),
    apiKeysFile: join(dir, 'api-keys.json'),
    stateDir: join(dir, 'state'),
    // Local runs expose the public verification surface; each gateway collects the other orgs'
    // validation attestations from theirs when it exports an evidence bundle.
    publicVerification: {
      enabled: true,
      attestors: view.orgs.flatMap((other, i) => (i === index ? [] : [urlOf(other, i)])),
    },
    // Every other org's gateway and CA, from the network status: content is exchanged between gateways.
    // Each org's vault is reachable from every gateway here, so holders hand off presigned URLs.
    exchange: {
      orgs: view.orgs
        .map((other, i) => ({
          mspId: other.mspId,
          url: urlOf(other, i),
          caCertPath: other.exchangeMspDir === undefined ? caDirOfIdentity(other.userCertPath) : join(other.exchangeMspDir, 'cacerts'),
          vaultUrl: view.vault.endpoint,
        }))
        .filter((other) => other.mspId !== org.mspId),
    },
  };
}

export interface DemoKey {
  clientId: string;
  role: Role;
  key: string;
}

function writePrivate(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** Demo keys of an org: reused when they exist (so restarts keep them), created otherwise. */
export function ensureDemoKeys(stateDir: string, mspId: string): DemoKey[] {
  const dir = orgDir(stateDir, mspId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const demoFile = join(dir, 'demo-keys.json');
  let keys: DemoKey[];
  if (existsSync(demoFile)) {
    keys = JSON.parse(readFileSync(demoFile, 'utf8')) as DemoKey[];
  } else {
    keys = rolesFor(mspId).map((role) => ({ clientId: `${mspId.toLowerCase()}-demo-${role}`, role, key: newApiKey() }));
    writePrivate(demoFile, keys);
  }
  const file: ApiKeyFile = { keys: keys.map(({ clientId, role, key }) => ({ keyHash: hashApiKey(key), clientId, role })) };
  writePrivate(join(dir, 'api-keys.json'), file);
  return keys;
}

/** Reads the demo keys the launcher wrote (for `npm run demo`). */
export function readDemoKeys(stateDir: string, mspId: string): DemoKey[] {
  return JSON.parse(readFileSync(join(orgDir(stateDir, mspId), 'demo-keys.json'), 'utf8')) as DemoKey[];
}

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable database URL)';
  }
}

interface Registration {
  mspId: string;
  url: string;
  pidFile: string;
  /** The org's TLS CA certificate: what a client trusts to reach the gateway over HTTPS. */
  caCertPath: string;
}

export interface LaunchedGateway extends Registration {
  keys: DemoKey[];
  reused: boolean;
}

/** Starts (or keeps) one gateway per org of the network and registers them. */
export async function launchGateways(view: NetworkView, mainScript = join(__dirname, 'main.js')): Promise<LaunchedGateway[]> {
  const launched: LaunchedGateway[] = [];
  mkdirSync(join(view.stateDir, 'pids'), { recursive: true });
  mkdirSync(join(view.stateDir, 'logs'), { recursive: true });
  for (let index = 0; index < view.orgs.length; index += 1) {
    const tls = await issueGatewayTls(view, index);
    const config = gatewayConfigFor(view, index, tls);
    const credentials = await issueContentCredentials({
      identityCertPath: view.orgs[index]?.userCertPath ?? '',
      outDir: join(orgDir(view.stateDir, config.mspId), 'content-credentials'),
      mspId: config.mspId,
    });
    if (credentials !== undefined) config.contentCredentials = credentials;
    const keys = ensureDemoKeys(view.stateDir, config.mspId);
    const configFile = join(orgDir(view.stateDir, config.mspId), 'gateway.json');
    writePrivate(configFile, config);
    const pidFile = join(view.stateDir, 'pids', `gateway-${config.mspId}.pid`);
    const logFile = join(view.stateDir, 'logs', `gateway-${config.mspId}.log`);
    const host = config.listen.host ?? '127.0.0.1';
    const url = `https://${host.includes(':') ? `[${host}]` : host}:${config.listen.port}`;
    const running = livePid(pidFile) !== undefined;
    if (!running) {
      // Hosts mode: the gateway runs in its org's namespace, beside its peer.
      const namespace = view.orgs[index]?.namespace;
      startProcess({
        name: `gateway ${config.mspId}`,
        command: process.execPath,
        args: [...GATEWAY_NODE_FLAGS, mainScript],
        env: { ...process.env, KISEKI_GATEWAY_CONFIG: configFile },
        cwd: process.cwd(),
        logFile,
        pidFile,
        ...(namespace === undefined ? {} : { namespace }),
      });
    }
    launched.push({ mspId: config.mspId, url, pidFile, caCertPath: tls.caCertPath, keys, reused: running });
  }
  writePrivate(
    join(view.stateDir, 'gateways.json'),
    launched.map(({ mspId, url, pidFile, caCertPath }) => ({ mspId, url, pidFile, caCertPath }) satisfies Registration),
  );
  await Promise.all(
    launched.map((g) =>
      waitHealthy(
        `gateway ${g.mspId}`,
        `${g.url}/healthz`,
        g.pidFile,
        join(view.stateDir, 'logs', `gateway-${g.mspId}.log`),
        // A TLS handshake on a loaded machine can take seconds: a generous overall wait.
        120_000,
        readFileSync(g.caCertPath, 'utf8'),
      ),
    ),
  );
  return launched;
}

async function main(): Promise<void> {
  // The network package is loaded only here, so that the gateway itself does not depend on it.
  const network = (await import('@kiseki/network')) as { status(options: { stateDir?: string }): Promise<NetworkView> };
  const stateDir = process.env.KISEKI_STATE_DIR === undefined ? undefined : resolve(process.env.KISEKI_STATE_DIR);
  const view = await network.status(stateDir === undefined ? {} : { stateDir });
  const gateways = await launchGateways(view);
  const lines = ['', "Gateways (HTTPS with a certificate from the org's TLS CA; REST API, OpenAPI at <url>/v1/openapi.json):"];
  for (const g of gateways) {
    lines.push(`  ${g.mspId.padEnd(12)} ${g.url}${g.reused ? '  (already running)' : ''}   CA: ${g.caCertPath}`);
    for (const k of g.keys) lines.push(`      ${k.role.padEnd(18)} ${k.key}`);
  }
  lines.push(`  demo keys are kept in ${join(view.stateDir, 'gateways', '<MSP>', 'demo-keys.json')}`);
  const first = gateways[0];
  const firstKey = first?.keys[0];
  if (first !== undefined && firstKey !== undefined)
    lines.push(
      "  call a gateway, trusting its org's CA (never -k):",
      `    curl --cacert ${first.caCertPath} -H 'authorization: Bearer ${firstKey.key}' '${first.url}/v1/blocks?limit=1'`,
      `    npm run kiseki -- --gateway ${first.url} --cacert ${first.caCertPath} --key <key> ...`,
    );
  if (view.database)
    lines.push(
      '',
      `Database (PostgreSQL, one schema per org: ${view.orgs.map((o) => schemaForMsp(o.mspId)).join(', ')}):`,
      `  ${redactPassword(view.database.url)}  (password: npm run network -- status --json --show-secrets)`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`gateway launch failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
