import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { NetworkError } from './errors';

/**
 * The few MinIO admin API calls the network tool needs to give each org's gateway its own user:
 * a canned policy, a user, and the policy attached to the user. The MinIO JavaScript client has no
 * admin client, so requests are signed here (AWS Signature V4, service `s3`) and the one secret-bearing
 * body (the new user's secret key) is sealed the way the server's `madmin.DecryptData` reads it.
 * Only the network tool holds the root credential that signs these calls.
 */

export interface AdminCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
}

const REGION = 'us-east-1';
const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding, as SigV4 wants it for query keys and values. */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The headers of a SigV4-signed request (host, date, payload hash, authorization). */
export function signRequest(
  credentials: AdminCredentials,
  request: { method: string; host: string; path: string; query: Readonly<Record<string, string>>; body: Buffer },
  now: Date = new Date(),
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256Hex(request.body);
  const headers: Record<string, string> = { host: request.host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate };
  const signedHeaders = Object.keys(headers).sort();
  const canonicalQuery = Object.keys(request.query)
    .sort()
    .map((k) => `${encodeRfc3986(k)}=${encodeRfc3986(request.query[k] ?? '')}`)
    .join('&');
  const canonicalRequest = [
    request.method,
    request.path,
    canonicalQuery,
    ...signedHeaders.map((h) => `${h}:${headers[h] ?? ''}`),
    '',
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${day}/${REGION}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${credentials.secretKey}`, day), REGION), 's3'), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKey}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
  };
}

/** The madmin algorithm id for PBKDF2-SHA256 + AES-256-GCM (the server also accepts Argon2id ids). */
const PBKDF2_AES_GCM = 0x02;
const PBKDF2_ROUNDS = 8192;

/**
 * Seals an admin request body with a key derived from the signer's secret key: `salt(32) | id(1) |
 * nonce(8) | stream`, where the stream is the sio format (16 KiB packages of AES-256-GCM, nonce =
 * the 8 random bytes and a little-endian package counter, the final package flagged in its associated
 * data). Admin bodies are small, so they always fit in the single final package.
 */
export function sealAdminPayload(password: string, plaintext: Buffer): Buffer {
  if (plaintext.length > 16 * 1024) throw new NetworkError('admin payload too large to seal');
  const salt = randomBytes(32);
  const nonce = randomBytes(8);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, PBKDF2_ROUNDS, 32, 'sha256');
  const packageNonce = (seq: number): Buffer => {
    const n = Buffer.alloc(12);
    nonce.copy(n, 0);
    n.writeUInt32LE(seq, 8);
    return n;
  };
  // The stream's associated data: a flag byte and the tag of an empty message sealed under package 0.
  const header = createCipheriv('aes-256-gcm', key, packageNonce(0));
  header.final();
  const associated = Buffer.concat([Buffer.from([0x80]), header.getAuthTag()]);
  const cipher = createCipheriv('aes-256-gcm', key, packageNonce(1));
  cipher.setAAD(associated);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([salt, Buffer.from([PBKDF2_AES_GCM]), nonce, body]);
}

/** An admin client of one MinIO server, signing as the root credential. */
export class VaultAdmin {
  readonly #endpoint: URL;
  readonly #root: AdminCredentials;

  constructor(endpoint: string, root: AdminCredentials) {
    this.#endpoint = new URL(endpoint);
    this.#root = root;
  }

  async #call(method: string, operation: string, query: Record<string, string>, body: Buffer = Buffer.alloc(0)): Promise<void> {
    const path = `/minio/admin/v3/${operation}`;
    const headers = signRequest(this.#root, { method, host: this.#endpoint.host, path, query, body });
    const search = new URLSearchParams(query).toString();
    const response = await fetch(`${this.#endpoint.origin}${path}${search === '' ? '' : `?${search}`}`, {
      method,
      headers: { ...headers, 'content-length': String(body.length) },
      ...(body.length > 0 ? { body } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      const text = (await response.text()).slice(0, 300);
      throw new NetworkError(`the vault refused admin call ${operation} (${response.status}): ${text}`);
    }
  }

  /** Creates or replaces a named policy. */
  async putPolicy(name: string, document: unknown): Promise<void> {
    await this.#call('PUT', 'add-canned-policy', { name }, Buffer.from(JSON.stringify(document)));
  }

  /** Creates or updates a user (enabled) with this secret key. */
  async putUser(accessKey: string, secretKey: string): Promise<void> {
    const payload = Buffer.from(JSON.stringify({ secretKey, status: 'enabled' }));
    await this.#call('PUT', 'add-user', { accessKey }, sealAdminPayload(this.#root.secretKey, payload));
  }

  /** Attaches exactly this policy to the user (replacing any other). */
  async setUserPolicy(accessKey: string, policyName: string): Promise<void> {
    await this.#call('PUT', 'set-user-or-group-policy', { policyName, userOrGroup: accessKey, isGroup: 'false' });
  }
}

/**
 * The policy of one org's gateway: objects of its own bucket, read, written and hidden (a delete
 * leaves a delete marker); no bucket settings, no retention bypass. MinIO authorises removing a
 * version as `s3:DeleteObject`, so it is the bucket's object-lock retention that keeps versions.
 */
export function bucketPolicy(bucket: string): unknown {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          's3:GetBucketLocation',
          's3:ListBucket',
          's3:ListBucketVersions',
          's3:ListBucketMultipartUploads',
          's3:GetBucketVersioning',
          's3:GetBucketObjectLockConfiguration',
        ],
        Resource: [`arn:aws:s3:::${bucket}`],
      },
      {
        Effect: 'Allow',
        Action: [
          's3:GetObject',
          's3:GetObjectVersion',
          's3:PutObject',
          's3:DeleteObject',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
        ],
        Resource: [`arn:aws:s3:::${bucket}/*`],
      },
    ],
  };
}
