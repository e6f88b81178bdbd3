import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

/**
 * The gateway's configuration: one JSON file (path in `KISEKI_GATEWAY_CONFIG`) plus environment overrides,
 * parsed once at start against a schema. Anything missing or malformed stops the process with a message
 * naming every bad field; secrets have no defaults.
 */

const duration = z.number().int().positive();

const ConfigSchema = z.strictObject({
  /** The org this gateway acts for, e.g. `Studio1MSP`. */
  mspId: z.string().min(1),
  peer: z.strictObject({
    /** gRPC endpoint of the org's gateway peer, `host:port`. */
    endpoint: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port'),
    /** TLS server name override when the endpoint's host is not in the peer's certificate. */
    hostAlias: z.string().min(1).optional(),
    tlsCACertPath: z.string().min(1),
  }),
  identity: z.strictObject({ certPath: z.string().min(1), keyPath: z.string().min(1) }),
  channel: z.string().min(1),
  chaincode: z.string().min(1),
  vault: z.strictObject({
    /** MinIO/S3 endpoint URL, e.g. `http://127.0.0.1:9000`. */
    endpoint: z.url(),
    accessKey: z.string().min(1),
    secretKey: z.string().min(8),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name'),
    region: z.string().min(1).default('us-east-1'),
    /** `sse-s3`: objects encrypted at rest by the vault's KMS; `none` only for throwaway setups. */
    serverSideEncryption: z.enum(['sse-s3', 'none']),
    /** Multipart part size; memory per upload is bounded by about two parts. */
    partSizeBytes: z
      .number()
      .int()
      .min(5 * 1024 * 1024)
      .default(16 * 1024 * 1024),
    presignTtlSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .default(300),
    /** Staged uploads older than this are cleared by the reaper. */
    stagingMaxAgeMs: duration.default(15 * 60 * 1000),
    reapIntervalMs: duration.default(60 * 1000),
  }),
  listen: z.strictObject({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(0).max(65535) }),
  /**
   * HTTPS: the gateway's server certificate (issued by the org's TLS CA, with the names and addresses it
   * is reached at) and its key. `clientCAPaths`: PEM files of the CAs whose client certificates are
   * accepted; when set, a client without a valid certificate from one of them is refused in the handshake.
   */
  tls: z
    .strictObject({
      certPath: z.string().min(1),
      keyPath: z.string().min(1),
      clientCAPaths: z.array(z.string().min(1)).default([]),
    })
    .optional(),
  /** Plain HTTP instead of `tls`: loopback development only (refused on any other listen address). */
  plainHttp: z.boolean().default(false),
  /**
   * PEM files of the CAs that other orgs' gateway certificates chain to: trusted (instead of the system
   * roots) when this gateway calls them over HTTPS for content exchange and validation attestations.
   */
  gatewayCAPaths: z.array(z.string().min(1)).default([]),
  limits: z
    .strictObject({
      uploadMaxBytes: z
        .number()
        .int()
        .positive()
        .default(512 * 1024 * 1024),
      jsonMaxBytes: z
        .number()
        .int()
        .positive()
        .default(1024 * 1024),
      /** Per-key rate and concurrency limits (429 + Retry-After past them); `false` turns them off. */
      perKey: z.boolean().default(true),
      ratePerSecond: z.number().positive().default(1000),
      burst: z.number().int().min(1).default(2000),
      concurrentPerKey: z.number().int().min(1).default(64),
      streamsPerKey: z.number().int().min(1).default(16),
      uploadsPerKey: z.number().int().min(1).default(8),
      uploadsPerGateway: z.number().int().min(1).default(32),
      /** An event stream whose unsent bytes pass this is closed with a `resume` event. */
      sseMaxBufferedBytes: z
        .number()
        .int()
        .min(1024)
        .default(1024 * 1024),
      /** An event stream that does not drain within this is closed with a `resume` event. */
      sseSlowClientMs: duration.default(15_000),
    })
    .prefault({}),
  /** JSON file listing API keys as SHA-256 hashes with client id and role (see auth.ts). */
  apiKeysFile: z.string().min(1),
  /** Directory for idempotency records, transaction log, event checkpoints and webhook registrations. */
  stateDir: z.string().min(1),
  timeouts: z
    .strictObject({
      evaluateMs: duration.default(5_000),
      endorseMs: duration.default(15_000),
      submitMs: duration.default(5_000),
      commitStatusMs: duration.default(60_000),
      /**
       * The whole budget of one write from endorsement to commit. Within it, a transaction the ordering
       * service refused or lost (an orderer stopped, a leader election) is handed over again.
       */
      writeMs: duration.default(45_000),
      /** How long to wait for a commit before handing the same signed transaction to the orderers again. */
      commitResubmitMs: duration.default(8_000),
      /** How long a graceful shutdown waits for in-flight requests. */
      shutdownMs: duration.default(15_000),
    })
    .prefault({}),
  retry: z
    .strictObject({
      /** Attempts for a transaction invalidated by an MVCC read conflict (first try included). */
      mvccAttempts: z.number().int().min(1).max(10).default(4),
      baseDelayMs: duration.default(100),
    })
    .prefault({}),
  webhooks: z
    .strictObject({
      /**
       * Hosts (exact names) and address ranges (CIDR) a webhook may target although they are not public
       * https addresses, e.g. an internal receiver; plain http is then accepted for them too.
       */
      allowTargets: z.array(z.string().min(1)).default([]),
      maxPerClient: z.number().int().min(1).max(1000).default(10),
      /** Attempts per event before the webhook is marked failed (resumable). */
      maxAttempts: z.number().int().min(1).max(100).default(10),
      timeoutMs: duration.default(10_000),
      retryBaseMs: duration.default(500),
      retryCapMs: duration.default(60_000),
      /**
       * Replicas sharing a database deliver each webhook from one replica at a time, under a lease of
       * this time-to-live, renewed (and unheld webhooks looked for) every `leaseRenewMs`.
       */
      leaseTtlMs: duration.min(3_000).default(15_000),
      leaseRenewMs: duration.default(5_000),
    })
    .prefault({}),
  /**
   * Content exchange with the other orgs' gateways: each org's gateway URL (to ask it for content it
   * holds) and its CA (a PEM file or an MSP `cacerts/` directory: requests signed by identities it
   * issued are that org's). Absent: this gateway neither asks nor serves other orgs.
   */
  exchange: z
    .strictObject({
      orgs: z.array(
        z.strictObject({
          mspId: z.string().min(1),
          url: z.url().optional(),
          caCertPath: z.string().min(1),
          /**
           * That org's vault endpoint as this gateway reaches it. When set, this gateway asks that org
           * for a presigned hand-off and follows only URLs of this origin; absent: the bytes are relayed.
           */
          vaultUrl: z.url().optional(),
        }),
      ),
      timeoutMs: z.number().int().positive().default(120_000),
      maxSkewSeconds: z.number().int().positive().default(120),
      /**
       * How this gateway hands its own content to an org that asks for a presigned hand-off: a URL of
       * the vault object signed for `ttlSeconds`, for the vault endpoint `vaultUrl` (the one other orgs
       * reach; `vault.endpoint` when absent). `presigned: false` always relays the bytes.
       */
      handoff: z
        .strictObject({
          presigned: z.boolean().default(true),
          ttlSeconds: z.number().int().min(1).max(300).default(60),
          vaultUrl: z.url().optional(),
        })
        .optional(),
    })
    .optional(),
  /**
   * The org's off-chain database (PostgreSQL): the index of its peer's blocks and the audit API read it.
   * `schema` defaults to `org_<mspid>`; every table of this gateway lives in it. Absent: no index.
   */
  database: z
    .strictObject({
      url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
        .optional(),
      poolSize: z.number().int().min(1).max(100).default(10),
      /** Index the peer's blocks into the database (one indexing replica at a time per schema). */
      index: z.boolean().default(true),
    })
    .optional(),
  /**
   * The org's Content Credentials (C2PA) signer: an ECDSA P-256 key, its certificate (issued by the org's
   * CA with a C2PA-accepted EKU) and that CA. Absent: outputs are served without embedded credentials.
   */
  contentCredentials: z.strictObject({ certPath: z.string().min(1), keyPath: z.string().min(1), caCertPath: z.string().min(1) }).optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Folder of the built web console served at `/`; defaults to the repo's `console/dist` when it exists. */
  consoleDir: z.string().min(1).optional(),
  /**
   * The unauthenticated verification surface (`/v1/public/...`): lookup by digest, output verdicts,
   * training-set proofs and validation attestations; public facts only, rate-limited per client address.
   */
  publicVerification: z
    .strictObject({
      enabled: z.boolean().default(false),
      requestsPerMinute: z.number().int().positive().default(120),
      burst: z.number().int().positive().default(30),
      /** Public base URLs of other orgs' gateways whose validation attestations evidence bundles carry. */
      attestors: z.array(z.url()).max(32).default([]),
    })
    .prefault({}),
});

export type GatewayConfig = z.infer<typeof ConfigSchema>;
export type GatewayConfigInput = z.input<typeof ConfigSchema>;

/** Raised when the configuration is unusable; the message lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid gateway configuration:\n  - ${problems.join('\n  - ')}\n${USAGE}`);
    this.name = 'ConfigError';
  }
}

const USAGE =
  'Usage: KISEKI_GATEWAY_CONFIG=/path/gateway.json node gateway/dist/main.js\n' +
  'Environment overrides: KISEKI_MSP_ID, KISEKI_LISTEN_HOST, KISEKI_LISTEN_PORT, KISEKI_STATE_DIR, ' +
  'KISEKI_VAULT_ENDPOINT, KISEKI_VAULT_ACCESS_KEY, KISEKI_VAULT_SECRET_KEY, KISEKI_VAULT_BUCKET, ' +
  'KISEKI_API_KEYS_FILE, KISEKI_LOG_LEVEL, KISEKI_CONSOLE_DIR, KISEKI_DATABASE_URL, KISEKI_DATABASE_SCHEMA, KISEKI_TLS_CERT, KISEKI_TLS_KEY. See docs/gateway.md.';

/** True for addresses only this host can reach: 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || /^::ffff:127(\.\d{1,3}){3}$/.test(bare);
}

type Env = Readonly<Record<string, string | undefined>>;

/** Environment variables that override a config field (secrets are best given this way). */
const ENV_OVERRIDES: readonly (readonly [string, readonly string[], 'string' | 'int'])[] = [
  ['KISEKI_MSP_ID', ['mspId'], 'string'],
  ['KISEKI_LISTEN_HOST', ['listen', 'host'], 'string'],
  ['KISEKI_LISTEN_PORT', ['listen', 'port'], 'int'],
  ['KISEKI_STATE_DIR', ['stateDir'], 'string'],
  ['KISEKI_VAULT_ENDPOINT', ['vault', 'endpoint'], 'string'],
  ['KISEKI_VAULT_ACCESS_KEY', ['vault', 'accessKey'], 'string'],
  ['KISEKI_VAULT_SECRET_KEY', ['vault', 'secretKey'], 'string'],
  ['KISEKI_VAULT_BUCKET', ['vault', 'bucket'], 'string'],
  ['KISEKI_API_KEYS_FILE', ['apiKeysFile'], 'string'],
  ['KISEKI_LOG_LEVEL', ['logLevel'], 'string'],
  ['KISEKI_CONSOLE_DIR', ['consoleDir'], 'string'],
  ['KISEKI_DATABASE_URL', ['database', 'url'], 'string'],
  ['KISEKI_DATABASE_SCHEMA', ['database', 'schema'], 'string'],
  ['KISEKI_TLS_CERT', ['tls', 'certPath'], 'string'],
  ['KISEKI_TLS_KEY', ['tls', 'keyPath'], 'string'],
];

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/**
 * Validates a raw configuration object (file contents with env overrides applied). Relative paths are
 * resolved against `baseDir`; files the gateway must read are checked to exist.
 * @throws ConfigError listing every problem.
 */
export function parseConfig(raw: unknown, env: Env = {}, baseDir = process.cwd()): GatewayConfig {
  const merged: Record<string, unknown> =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? structuredClone(raw as Record<string, unknown>) : {};
  const problems: string[] = [];
  for (const [name, path, kind] of ENV_OVERRIDES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (kind === 'int') {
      if (!/^\d+$/.test(value)) {
        problems.push(`${name}: must be a non-negative integer`);
        continue;
      }
      setPath(merged, path, Number(value));
    } else {
      setPath(merged, path, value);
    }
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    throw new ConfigError(problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = parsed.data;
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  config.peer.tlsCACertPath = abs(config.peer.tlsCACertPath);
  config.identity.certPath = abs(config.identity.certPath);
  config.identity.keyPath = abs(config.identity.keyPath);
  config.apiKeysFile = abs(config.apiKeysFile);
  config.stateDir = abs(config.stateDir);
  if (config.consoleDir !== undefined) config.consoleDir = abs(config.consoleDir);
  for (const org of config.exchange?.orgs ?? []) org.caCertPath = abs(org.caCertPath);
  if (config.contentCredentials !== undefined) {
    const cc = config.contentCredentials;
    config.contentCredentials = { certPath: abs(cc.certPath), keyPath: abs(cc.keyPath), caCertPath: abs(cc.caCertPath) };
  }
  if (config.tls !== undefined) {
    const tls = config.tls;
    config.tls = { certPath: abs(tls.certPath), keyPath: abs(tls.keyPath), clientCAPaths: tls.clientCAPaths.map(abs) };
  }
  config.gatewayCAPaths = config.gatewayCAPaths.map(abs);
  if (config.tls === undefined && !config.plainHttp)
    problems.push('tls: required (a server certificate and key); plain HTTP only with plainHttp: true on a loopback address');
  if (config.tls !== undefined && config.plainHttp) problems.push('plainHttp: cannot be combined with tls');
  if (config.plainHttp && !isLoopback(config.listen.host))
    problems.push(`plainHttp: only on a loopback address (127.0.0.0/8, ::1, localhost), not ${config.listen.host}; configure tls`);
  const mustExist: readonly [string, string][] = [
    ['peer.tlsCACertPath', config.peer.tlsCACertPath],
    ['identity.certPath', config.identity.certPath],
    ['identity.keyPath', config.identity.keyPath],
    ['apiKeysFile', config.apiKeysFile],
    ...(config.tls === undefined
      ? []
      : ([
          ['tls.certPath', config.tls.certPath],
          ['tls.keyPath', config.tls.keyPath],
          ...config.tls.clientCAPaths.map((p, i) => [`tls.clientCAPaths.${i}`, p] as [string, string]),
        ] as [string, string][])),
    ...config.gatewayCAPaths.map((p, i) => [`gatewayCAPaths.${i}`, p] as [string, string]),
  ];
  for (const [field, path] of mustExist) {
    if (!existsSync(path)) problems.push(`${field}: file not found: ${path}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * Loads the configuration named by `KISEKI_GATEWAY_CONFIG` (or `path`) and applies env overrides.
 * @throws ConfigError when the file is missing, not JSON, or invalid.
 */
export function loadConfig(env: Env = process.env, path = env.KISEKI_GATEWAY_CONFIG): GatewayConfig {
  if (path === undefined || path === '') throw new ConfigError(['KISEKI_GATEWAY_CONFIG: not set']);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`${path}: ${error instanceof Error ? error.message : String(error)}`]);
  }
  return parseConfig(raw, env, dirname(resolve(path)));
}
