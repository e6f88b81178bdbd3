import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'minio';
import { bucketPolicy, VaultAdmin } from './vault-admin';
import { logFile, pidFile } from './nodes';
import { NodeProcessSpec } from './processes';
import { constant, retry } from './retry';
import { Tools } from './tools';
import { VaultNode } from './topology';

export interface VaultCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
  /** The prefix of every org's bucket (`<bucket>-<msp>`). */
  readonly bucket: string;
  /**
   * MinIO's built-in KMS key, which enables SSE-S3 encryption at rest. Only states written by older
   * versions carry it here; it now lives in its own file ({@link kmsKeyFile}) and is moved there.
   */
  readonly kmsSecretKey?: string;
}

/** Fresh root credentials for a new network; kept in its state file (0600), never committed. */
export function newVaultCredentials(): VaultCredentials {
  return {
    accessKey: `kiseki-${randomBytes(4).toString('hex')}`,
    secretKey: randomBytes(24).toString('base64url'),
    bucket: 'kiseki-vault',
  };
}

/** The file holding the vault's KMS master key (`name:base64`), 0600 in a 0700 folder of the state dir. */
export const kmsKeyFile = (stateDir: string): string => path.join(stateDir, 'secrets', 'vault-kms.key');

/**
 * Makes sure the KMS key file exists (taking over the key an older state file held, so encrypted
 * objects stay readable) and returns the state without the key.
 */
export function ensureKmsKeyFile(stateDir: string, credentials: VaultCredentials): VaultCredentials {
  const file = kmsKeyFile(stateDir);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  chmodSync(path.dirname(file), 0o700);
  if (!existsSync(file)) {
    const key = credentials.kmsSecretKey ?? `kiseki-vault-key:${randomBytes(32).toString('base64')}`;
    writeFileSync(`${file}.tmp`, key, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  } else if (credentials.kmsSecretKey !== undefined && readFileSync(file, 'utf8').trim() !== credentials.kmsSecretKey) {
    throw new Error(`${file} and the state file hold different vault KMS keys; keep the one the vault's data was encrypted with`);
  }
  chmodSync(file, 0o600);
  return { accessKey: credentials.accessKey, secretKey: credentials.secretKey, bucket: credentials.bucket };
}

/** What one org's gateway uses to reach the vault: its own user, limited to its own bucket. */
export interface OrgVaultCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
}

/**
 * The vault user of an org's gateway. The secret is derived from the root secret (HMAC), so it needs no
 * storage of its own and a gateway's secret reveals nothing about the root's or another org's.
 */
export function orgVaultCredentials(root: VaultCredentials, mspId: string): OrgVaultCredentials {
  const org = mspId.toLowerCase();
  return {
    accessKey: `gateway-${org}`,
    secretKey: createHmac('sha256', root.secretKey).update(`vault-user:${mspId}`).digest('base64url'),
    bucket: `${root.bucket}-${org}`.slice(0, 63),
  };
}

/** Days an object version stays locked (governance mode) after it is written. */
export const RETENTION_DAYS = 3650;

export const vaultEndpoint = (vault: VaultNode): string => `http://${vault.address}:${vault.port}`;
export const vaultHealthUrl = (vault: VaultNode): string => `${vaultEndpoint(vault)}/minio/health/live`;

export function vaultProcess(vault: VaultNode, credentials: VaultCredentials, stateDir: string, tools: Tools): NodeProcessSpec {
  return {
    name: vault.name,
    command: tools.minio,
    args: [
      'server',
      path.join(stateDir, 'nodes', 'vault', 'data'),
      '--address',
      `${vault.address}:${vault.port}`,
      '--console-address',
      `${vault.address}:${vault.consolePort}`,
      '--quiet',
    ],
    env: {
      HOME: process.env.HOME,
      PATH: process.env.PATH,
      MINIO_ROOT_USER: credentials.accessKey,
      MINIO_ROOT_PASSWORD: credentials.secretKey,
      MINIO_KMS_SECRET_KEY_FILE: kmsKeyFile(stateDir),
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
    },
    cwd: stateDir,
    logFile: logFile(stateDir, vault.name),
    pidFile: pidFile(stateDir, vault.name),
    ...(vault.namespace === undefined ? {} : { namespace: vault.namespace }),
  };
}

export function vaultClient(vault: VaultNode, credentials: VaultCredentials): Client {
  return new Client({
    endPoint: vault.address,
    port: vault.port,
    useSSL: false,
    accessKey: credentials.accessKey,
    secretKey: credentials.secretKey,
  });
}

/** Retries `action` while MinIO, healthy but just started, may still refuse writes. */
async function whenReady<T>(action: () => Promise<T>): Promise<T> {
  return await retry(action, { attempts: 20, delay: constant(250) });
}

/**
 * A bucket whose objects cannot be replaced or erased: created with object lock (which turns
 * versioning on) and a default governance retention, so every version written stays readable and
 * only the root credential, with an explicit bypass, could remove one. A bucket made before this
 * (without lock) gets versioning at least.
 */
async function ensureLockedBucket(client: Client, bucket: string): Promise<void> {
  if (!(await client.bucketExists(bucket))) {
    try {
      await client.makeBucket(bucket, '', { ObjectLocking: true });
    } catch (error) {
      if ((error as { code?: string }).code !== 'BucketAlreadyOwnedByYou') throw error;
    }
    // The client's typings pick a callback overload returning void; without a callback it returns a promise.
    // eslint-disable-next-line @typescript-eslint/await-thenable, @typescript-eslint/no-confusing-void-expression
    await client.setObjectLockConfig(bucket, { mode: 'GOVERNANCE', unit: 'Days', validity: RETENTION_DAYS });
    return;
  }
  const versioning = (await client.getBucketVersioning(bucket)) as { Status?: string } | undefined;
  if (versioning?.Status !== 'Enabled') await client.setBucketVersioning(bucket, { Status: 'Enabled' });
}

/**
 * Gives each org's gateway its own vault user: the org's bucket (locked, versioned), a policy that
 * allows that bucket only, and the user with that policy. Idempotent: rerun on every start.
 */
export async function ensureOrgVaults(vault: VaultNode, root: VaultCredentials, mspIds: readonly string[]): Promise<void> {
  const client = vaultClient(vault, root);
  const admin = new VaultAdmin(vaultEndpoint(vault), root);
  for (const mspId of mspIds) {
    const org = orgVaultCredentials(root, mspId);
    await whenReady(() => ensureLockedBucket(client, org.bucket));
    await whenReady(async () => {
      await admin.putPolicy(org.accessKey, bucketPolicy(org.bucket));
      await admin.putUser(org.accessKey, org.secretKey);
      await admin.setUserPolicy(org.accessKey, org.accessKey);
    });
  }
}
