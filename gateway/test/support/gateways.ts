import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testNetworkStatus } from '../../../network/test/support/test-network';
import { hashApiKey, newApiKey, Roles, type Role } from '../../src/auth';
import { parseConfig, type GatewayConfig, type GatewayConfigInput } from '../../src/config';
import { issueContentCredentials } from '../../src/credentials/issue';
import { gatewayConfigFor, type NetworkView } from '../../src/launch';
import { createLogger } from '../../src/logger';
import { startGateway, type RunningGateway } from '../../src/main';
import { MinioVault } from '../../src/vault/minio-vault';

/**
 * Gateways for the integration tier, started in this process against the test network (its own
 * state dir and ports), each with fresh API keys for every role and its own state dir.
 */

export interface TestGateway {
  mspId: string;
  url: string;
  config: GatewayConfig;
  keys: Record<Role, string>;
  /** The org's vault bucket, for checking what is (not) kept. */
  vault: MinioVault;
  call(
    method: string,
    path: string,
    options?: { role?: Role; body?: unknown; raw?: RequestInit['body']; headers?: Record<string, string> },
  ): Promise<Response>;
  stop(): Promise<void>;
  /** Starts the gateway again on the same port and state (after `stop`). */
  restart(): Promise<void>;
}

export async function networkView(): Promise<NetworkView> {
  return await testNetworkStatus();
}

export async function startTestGateway(
  mspId: string,
  overrides: (config: GatewayConfigInput) => GatewayConfigInput = (c) => c,
  options: { /** Receives every log line, debug level included (instead of warnings on stderr). */ log?: (line: string) => void } = {},
): Promise<TestGateway> {
  const view = await networkView();
  const index = view.orgs.findIndex((o) => o.mspId === mspId);
  if (index < 0) throw new Error(`no org ${mspId} in the test network`);
  const dir = mkdtempSync(join(tmpdir(), `kiseki-gw-${mspId}-`));
  const keys = Object.fromEntries(Roles.map((role) => [role, newApiKey()])) as Record<Role, string>;
  writeFileSync(
    join(dir, 'api-keys.json'),
    JSON.stringify({ keys: Roles.map((role) => ({ keyHash: hashApiKey(keys[role]), clientId: `it-${mspId}-${role}`, role })) }),
  );
  const base = gatewayConfigFor(view, index);
  const credentials = await issueContentCredentials({
    identityCertPath: view.orgs[index]?.userCertPath ?? '',
    outDir: join(view.stateDir, 'gateways', mspId, 'content-credentials'),
    mspId,
  });
  if (credentials !== undefined) base.contentCredentials = credentials;
  const config = parseConfig(
    overrides({
      ...base,
      listen: { host: '127.0.0.1', port: 0 },
      apiKeysFile: join(dir, 'api-keys.json'),
      stateDir: join(dir, 'state'),
      logLevel: 'warn',
    }),
  );
  const logger =
    options.log === undefined
      ? createLogger('warn', { mspId, test: true }, (line) => process.stderr.write(`${line}\n`))
      : createLogger('debug', { mspId, test: true }, options.log);
  let running: RunningGateway = await startGateway(config, logger);
  config.listen.port = running.port;
  const url = running.url;
  const gateway: TestGateway = {
    mspId,
    url,
    config,
    keys,
    vault: new MinioVault({ ...config.vault, logger }),
    call: (method, path, opts = {}) => {
      const headers: Record<string, string> = {
        ...(opts.role === undefined ? {} : { authorization: `Bearer ${keys[opts.role]}` }),
        ...opts.headers,
      };
      let body = opts.raw;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body, duplex: 'half' }) });
    },
    stop: () => running.stop(),
    restart: async () => {
      running = await startGateway(config, logger);
    },
  };
  return gateway;
}

/**
 * The vault keys of staged uploads still unsettled whose key contains `marker` (a suite's run id).
 * Suites share each org's bucket, so a suite judges only its own uploads.
 */
export async function unsettledUploads(vault: MinioVault, marker: string): Promise<string[]> {
  const staged = await vault.listStaged(new Date(8.64e15));
  return staged.map((record) => record.key).filter((key) => key.includes(marker));
}

/** The batch manifests still in the vault that name `marker` (a suite's run id) in their items. */
export async function unsettledBatches(vault: MinioVault, marker: string): Promise<string[]> {
  const mine: string[] = [];
  for (const key of await vault.list('batches/')) if ((await vault.get(key))?.toString('utf8').includes(marker) === true) mine.push(key);
  return mine;
}

/** Polls `check` until it holds. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
