import { ApiKeyStore, hashApiKey, type Role } from '../auth';
import type { Resolver } from '../events/webhook-targets';
import type { WebhookOptions } from '../events/webhooks';
import type { LimitSettings } from '../http/limits';
import { createApp, type GatewayApp } from '../http/app';
import { allRoutes } from '../http/routes';
import { silentLogger } from '../logger';
import { Metrics } from '../metrics';
import { MemoryStore, type DocumentStore } from '../store/store';
import { buildServices, type PublicVerificationOptions, type Services } from '../use-cases/services';
import { ContractLedger } from './contract-ledger';
import { FakeVault } from './fake-vault';

/** A gateway on port 0 over the real contracts on the in-memory ledger and a fake vault, with one API key per role (`key-<role>`). */
export interface Harness {
  url: string;
  ledger: ContractLedger;
  vault: FakeVault;
  store: DocumentStore;
  services: Services;
  app: GatewayApp;
  key(role: Role): string;
  call(
    method: string,
    path: string,
    options?: { role?: Role; body?: unknown; raw?: RequestInit['body']; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    uploadMaxBytes?: number;
    jsonMaxBytes?: number;
    consoleDir?: string;
    publicVerification?: PublicVerificationOptions;
    webhookOptions?: WebhookOptions;
    resolve?: Resolver;
    limits?: LimitSettings;
    sseMaxBufferedBytes?: number;
    sseSlowClientMs?: number;
  } = {},
): Promise<Harness> {
  const ledger = new ContractLedger('Studio1MSP');
  const vault = new FakeVault();
  const store = new MemoryStore();
  const roles: Role[] = ['studio-operator', 'licensor-operator', 'provider-agent', 'auditor', 'regulator'];
  const keys = new ApiKeyStore({ keys: roles.map((role) => ({ keyHash: hashApiKey(`key-${role}`), clientId: `client-${role}`, role })) });
  const services = buildServices({
    settings: {
      mspId: 'Studio1MSP',
      uploadMaxBytes: options.uploadMaxBytes ?? 1024 * 1024,
      jsonMaxBytes: options.jsonMaxBytes ?? 64 * 1024,
      presignTtlSeconds: 60,
      sseHeartbeatMs: 60_000,
      ...(options.sseMaxBufferedBytes === undefined ? {} : { sseMaxBufferedBytes: options.sseMaxBufferedBytes }),
      ...(options.sseSlowClientMs === undefined ? {} : { sseSlowClientMs: options.sseSlowClientMs }),
    },
    ledger,
    vault,
    store,
    metrics: new Metrics(),
    logger: silentLogger,
    webhookOptions: options.webhookOptions ?? { timeoutMs: 2_000, retryBaseMs: 10, retryCapMs: 50 },
    // Webhook targets never resolve through a real DNS in unit tests.
    resolve: options.resolve ?? ((hostname) => Promise.reject(new Error(`no DNS in tests: ${hostname}`))),
    ...(options.publicVerification === undefined ? {} : { publicVerification: options.publicVerification }),
  });
  const app = createApp({
    services,
    keys,
    routes: allRoutes().routes,
    shutdownMs: 2_000,
    ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  const { url } = await app.start(0, '127.0.0.1');
  const key = (role: Role): string => `key-${role}`;
  return {
    url,
    ledger,
    vault,
    store,
    services,
    app,
    key,
    call: (method, path, opts = {}) => {
      const headers: Record<string, string> = {
        ...(opts.role === undefined ? {} : { authorization: `Bearer ${key(opts.role)}` }),
        ...opts.headers,
      };
      let body: RequestInit['body'] | undefined = opts.raw;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body, duplex: 'half' }) });
    },
    close: async () => {
      await app.stop();
    },
  };
}

/** A response's JSON body, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (res: Response): Promise<any> => res.json();
