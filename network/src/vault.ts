import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'minio';
import { logFile, pidFile } from './nodes';
import { NodeProcessSpec } from './processes';
import { Tools } from './tools';
import { VaultNode } from './topology';

export interface VaultCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  /** MinIO's built-in KMS key (`name:base64`), which enables SSE-S3 encryption at rest without an external KMS. */
  readonly kmsSecretKey: string;
}

/** Fresh credentials for a new network; kept in its state file, never committed. */
export function newVaultCredentials(): VaultCredentials {
  return {
    accessKey: `kiseki-${randomBytes(4).toString('hex')}`,
    secretKey: randomBytes(24).toString('base64url'),
    bucket: 'kiseki-vault',
    kmsSecretKey: `kiseki-vault-key:${randomBytes(32).toString('base64')}`,
  };
}

export const vaultEndpoint = (vault: VaultNode): string => `http://${vault.address}:${vault.port}`;
export const vaultHealthUrl = (vault: VaultNode): string => `${vaultEndpoint(vault)}/minio/health/live`;

export function vaultProcess(vault: VaultNode, credentials: VaultCredentials, stateDir: string, tools: Tools): NodeProcessSpec {
  return {
    name: vault.name,
    command: tools.minio,
    args: ['server', path.join(stateDir, 'nodes', 'vault', 'data'), '--address', `${vault.address}:${vault.port}`,
      '--console-address', `${vault.address}:${vault.consolePort}`, '--quiet'],
    env: {
      HOME: process.env.HOME,
      PATH: process.env.PATH,
      MINIO_ROOT_USER: credentials.accessKey,
      MINIO_ROOT_PASSWORD: credentials.secretKey,
      MINIO_KMS_SECRET_KEY: credentials.kmsSecretKey,
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
  return new Client({ endPoint: vault.address, port: vault.port, useSSL: false, accessKey: credentials.accessKey, secretKey: credentials.secretKey });
}

/** Creates the vault bucket once; MinIO may need a moment after health to accept writes. */
export async function ensureBucket(vault: VaultNode, credentials: VaultCredentials): Promise<void> {
  const client = vaultClient(vault, credentials);
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      if (!(await client.bucketExists(credentials.bucket))) await client.makeBucket(credentials.bucket);
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw lastError;
}
