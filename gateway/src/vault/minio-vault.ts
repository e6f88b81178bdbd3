import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { finished } from 'node:stream/promises';
import * as Minio from 'minio';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import type { OpenedObject, PresignedUrl, StagedRecord, StagedUpload, StageOptions, StagingRef, Vault } from './vault';

/**
 * {@link Vault} over MinIO (any S3 API). A staged upload is an S3 multipart upload to the final key:
 * its parts stay invisible until `CompleteMultipartUpload`, which costs no copy, so promotion after
 * commit is cheap even for large files. A small marker object under `staging/` records each upload
 * (key, upload id, ledger reference, then digest and part ETags) so the reaper can settle uploads
 * abandoned by a crash: complete them when the ledger has the record, abort them otherwise.
 *
 * Encryption at rest is SSE-S3 (`x-amz-server-side-encryption: AES256`); on MinIO that needs a KMS,
 * e.g. the built-in one enabled by `MINIO_KMS_SECRET_KEY`. SSE-C is not used because presigned
 * downloads would then need the customer key in the downloader's hands.
 */

export interface MinioVaultOptions {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
  serverSideEncryption: 'sse-s3' | 'none';
  partSizeBytes: number;
  logger: Logger;
}

const STAGING_PREFIX = 'staging/';

interface Marker {
  key: string;
  uploadId: string;
  ref: StagingRef;
  startedAt: string;
  digest?: string;
  size?: number;
  parts?: { part: number; etag: string }[];
}

/** Converts a MinIO client failure into the API's error family. */
export function vaultError(error: unknown, what: string): AppError {
  if (error instanceof AppError) return error;
  return new AppError('UNAVAILABLE', `the vault failed to ${what}`, { cause: error, headers: { 'Retry-After': '5' } });
}

/**
 * True when the client's body stream broke off (aborted request). Judged by the body itself, not by
 * the error's code: a vault that dies mid-upload also resets its socket (ECONNRESET), and that is the
 * vault's failure (503), not the client's (400).
 */
function isInterrupted(body: Readable): boolean {
  return body.errored !== null;
}

/** Reads a response to its end (an S3 PUT answers with an empty body or a small XML one). */
async function drain(res: Readable): Promise<void> {
  res.resume();
  await finished(res);
}

/**
 * Bytes per socket write of a many-part body: few writes per pack, and each buffer small enough to
 * come from the C allocator's heap rather than a fresh mapping (whose page faults cost more than the
 * copy).
 */
const WRITE_BYTES = 64 * 1024;

/** A CRC32 as S3's `x-amz-checksum-crc32` carries it: the four big-endian bytes in base64. */
export function crc32Header(checksum: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(checksum >>> 0);
  return bytes.toString('base64');
}

/** Whether `next` starts in memory exactly where `part` ends (views of one slab, one after another). */
const adjacent = (part: Buffer, next: Buffer): boolean => part.buffer === next.buffer && part.byteOffset + part.length === next.byteOffset;

/**
 * The parts of a body as few socket writes: parts that lie one after another in memory (items
 * copied into the same slab) become one view, without a copy; other small parts are gathered into
 * copies of about {@link WRITE_BYTES}. A pack of 1,000 items of 10 KiB took 1,000 socket writes
 * otherwise.
 */
export function* gathered(parts: readonly Buffer[]): Generator<Buffer> {
  let group: Buffer[] = [];
  let size = 0;
  const flush = function* (): Generator<Buffer> {
    if (size > 0) yield group.length === 1 ? (group[0] as Buffer) : Buffer.concat(group, size);
    group = [];
    size = 0;
  };
  for (const part of parts) {
    const last = group[group.length - 1];
    if (last !== undefined && adjacent(last, part)) {
      group[group.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + part.length);
      size += part.length;
      continue;
    }
    if (size >= WRITE_BYTES || part.length >= WRITE_BYTES) yield* flush();
    group.push(part);
    size += part.length;
  }
  yield* flush();
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchUpload';
}

export class MinioVault implements Vault {
  readonly #client: Minio.Client;
  readonly #options: Readonly<MinioVaultOptions>;
  /** The same connection settings, for PUTs whose body goes unsigned (see {@link put}). */
  readonly #unsignedBodies: Minio.Client;
  /** Stored versions already hashed: `key, versionId, etag` → the digest they matched. */
  readonly #verified = new Map<string, string>();

  constructor(options: Readonly<MinioVaultOptions>) {
    const url = new URL(options.endpoint);
    this.#options = options;
    const settings: Minio.ClientOptions = {
      endPoint: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      useSSL: url.protocol === 'https:',
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: options.region,
    };
    this.#client = new Minio.Client(settings);
    // No retry inside the client: it would send a many-part body's stream again after it was read,
    // and wait on a request whose body never comes. A refused PUT is the caller's to retry (each
    // answers UNAVAILABLE with Retry-After).
    this.#unsignedBodies = new Minio.Client({ ...settings, retryOptions: { disableRetry: true } });
    // Over HTTPS the client already sends payloads unsigned; over plain HTTP it would hash each one.
    this.#unsignedBodies.enableSHA256 = false;
  }

  /** The underlying client (integration tests inspect the bucket with it). */
  get client(): Minio.Client {
    return this.#client;
  }

  #encryptionHeaders(): Record<string, string> {
    return this.#options.serverSideEncryption === 'sse-s3' ? { 'X-Amz-Server-Side-Encryption': 'AES256' } : {};
  }

  #markerKey(uploadId: string): string {
    return `${STAGING_PREFIX}${createHash('sha256').update(uploadId).digest('hex')}.json`;
  }

  async #writeMarker(marker: Marker): Promise<void> {
    const bytes = Buffer.from(JSON.stringify(marker));
    await this.#client.putObject(this.#options.bucket, this.#markerKey(marker.uploadId), bytes, bytes.length, {
      'Content-Type': 'application/json',
    });
  }

  async #removeQuietly(key: string): Promise<void> {
    try {
      await this.#client.removeObject(this.#options.bucket, key);
    } catch (error) {
      if (!isMissing(error)) this.#options.logger.warn('vault: could not remove object', { key, error: String(error) });
    }
  }

  async #abortQuietly(key: string, uploadId: string): Promise<void> {
    try {
      await this.#client.abortMultipartUpload(this.#options.bucket, key, uploadId);
    } catch (error) {
      if (!isMissing(error)) this.#options.logger.warn('vault: could not abort upload', { key, error: String(error) });
    }
  }

  async stage(key: string, body: Readable, options: StageOptions): Promise<StagedUpload> {
    const { bucket, partSizeBytes } = this.#options;
    let uploadId: string;
    try {
      uploadId = await this.#client.initiateNewMultipartUpload(bucket, key, {
        'Content-Type': options.contentType,
        ...this.#encryptionHeaders(),
      });
    } catch (error) {
      throw vaultError(error, 'start the upload');
    }
    const marker: Marker = { key, uploadId, ref: options.ref, startedAt: new Date().toISOString() };
    const drop = async (): Promise<void> => {
      await this.#abortQuietly(key, uploadId);
      await this.#removeQuietly(this.#markerKey(uploadId));
    };
    try {
      await this.#writeMarker(marker);
      const hash = createHash('sha256');
      const parts: { part: number; etag: string }[] = [];
      let size = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      // One part uploads while the next one fills, so receiving and sending overlap.
      let inFlight: Promise<void> = Promise.resolve();
      const flush = async (): Promise<void> => {
        const payload = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        const part = parts.length + 1;
        parts.push({ part, etag: '' });
        await inFlight;
        inFlight = this.#client
          .uploadPart({ bucketName: bucket, objectName: key, uploadID: uploadId, partNumber: part, headers: {} }, payload)
          .then((result) => {
            (parts[part - 1] as { etag: string }).etag = result.etag;
          });
        // Surface a failed part at the next flush or at the end; keep the rejection observed meanwhile.
        inFlight.catch(() => undefined);
      };
      for await (const chunk of body as AsyncIterable<Buffer | string>) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        size += buffer.length;
        if (size > options.maxBytes) {
          throw new AppError('PAYLOAD_TOO_LARGE', `the upload exceeds the limit of ${options.maxBytes} bytes`);
        }
        hash.update(buffer);
        pending.push(buffer);
        pendingBytes += buffer.length;
        if (pendingBytes >= partSizeBytes) await flush();
      }
      if (size === 0) throw new AppError('INVALID', 'the upload is empty');
      if (pendingBytes > 0) await flush();
      await inFlight;
      marker.digest = hash.digest('hex');
      marker.size = size;
      marker.parts = parts;
      await this.#writeMarker(marker);
      return this.#stagedUpload(marker);
    } catch (error) {
      await drop();
      if (error instanceof AppError) throw error;
      if (isInterrupted(body)) throw new AppError('INVALID', 'the upload was interrupted', { cause: error });
      throw vaultError(error, 'store the upload');
    }
  }

  #stagedUpload(marker: Marker): StagedUpload {
    const { bucket } = this.#options;
    let settled = false;
    return {
      key: marker.key,
      digest: marker.digest as string,
      size: marker.size as number,
      promote: async () => {
        if (settled) return;
        try {
          await this.#client.completeMultipartUpload(bucket, marker.key, marker.uploadId, marker.parts ?? []);
        } catch (error) {
          // Already completed by an earlier attempt: the object is there, which is all promote promises.
          if (!(isMissing(error) && (await this.exists(marker.key)))) throw vaultError(error, 'promote the upload');
        }
        settled = true;
        await this.#removeQuietly(this.#markerKey(marker.uploadId));
      },
      discard: async () => {
        if (settled) return;
        settled = true;
        await this.#abortQuietly(marker.key, marker.uploadId);
        await this.#removeQuietly(this.#markerKey(marker.uploadId));
      },
    };
  }

  /**
   * One PUT whose body is `bytes` (or the buffers one after another) as they are. The client's
   * `putObject` would read the body into a fresh buffer first, a copy of every pack (10 MiB for 1,000
   * items of 10 KiB); with the pack's own copy that doubled the gateway's peak of Buffer memory
   * during bulk ingest, which glibc keeps once freed (docs/performance.md, "Gateway memory during
   * bulk ingest").
   *
   * The body goes unsigned with its CRC32 in `x-amz-checksum-crc32`, a header the request's signature
   * covers and the vault checks before it stores anything (a mismatch is refused). A SHA-256 of the
   * body for the signature (plain HTTP) or its Content-MD5 (HTTPS) cost the gateway more CPU during
   * bulk ingest than hashing the items themselves. The checksum catches corruption on the way; what
   * protects content from tampering is the ledger's digest, checked on every read (decision I9).
   */
  async put(key: string, bytes: Buffer | readonly Buffer[], contentType: string): Promise<void> {
    const parts = Buffer.isBuffer(bytes) ? [bytes] : bytes;
    let size = 0;
    let checksum = 0;
    for (const part of parts) {
      size += part.length;
      checksum = crc32(part, checksum);
    }
    const headers: Record<string, string | number> = {
      'Content-Type': contentType,
      'Content-Length': size,
      'x-amz-checksum-crc32': crc32Header(checksum),
      ...this.#encryptionHeaders(),
    };
    try {
      const res = await this.#unsignedBodies.makeRequestStreamAsync(
        { method: 'PUT', bucketName: this.#options.bucket, objectName: key, headers },
        parts.length === 1 ? (parts[0] as Buffer) : Readable.from(gathered(parts), { objectMode: false }),
        '',
        [200],
        '',
      );
      await drain(res);
    } catch (error) {
      throw vaultError(error, 'store an object');
    }
  }

  async open(key: string, range?: { offset: number; length: number }): Promise<OpenedObject | undefined> {
    try {
      const { bucket } = this.#options;
      const body =
        range === undefined
          ? await this.#client.getObject(bucket, key)
          : await this.#client.getPartialObject(bucket, key, range.offset, range.length);
      const headers = (body as unknown as { headers?: Record<string, string | string[] | undefined> }).headers ?? {};
      const length = Number(headers['content-length']);
      const type = headers['content-type'];
      return {
        body,
        size: Number.isFinite(length) ? length : (range?.length ?? 0),
        contentType: typeof type === 'string' ? type : 'application/octet-stream',
      };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw vaultError(error, 'read an object');
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const stream = await this.#client.getObject(this.#options.bucket, key);
      const chunks: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
      return Buffer.concat(chunks);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw vaultError(error, 'read an object');
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.#client.statObject(this.#options.bucket, key);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw vaultError(error, 'look an object up');
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await this.#client.statObject(this.#options.bucket, key)).size;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw vaultError(error, 'look an object up');
    }
  }

  async remove(key: string): Promise<void> {
    try {
      await this.#client.removeObject(this.#options.bucket, key);
    } catch (error) {
      if (!isMissing(error)) throw vaultError(error, 'remove an object');
    }
  }

  async list(prefix: string): Promise<string[]> {
    try {
      const keys: string[] = [];
      const stream = this.#client.listObjectsV2(this.#options.bucket, prefix, true);
      for await (const item of stream as AsyncIterable<{ name?: string }>) if (item.name !== undefined) keys.push(item.name);
      return keys.sort();
    } catch (error) {
      throw vaultError(error, 'list objects');
    }
  }

  /**
   * Hashes the current version of `key` (unless that version was hashed before) and returns its
   * version id, so a URL can be pinned to exactly the bytes checked. Versions never change, so one
   * check per version suffices; a replaced object is a new version and is checked again.
   */
  async #verifiedVersion(key: string, expectedDigest: string): Promise<string | undefined> {
    const { bucket } = this.#options;
    const stat = await this.#client.statObject(bucket, key);
    const versionId = stat.versionId === null || stat.versionId === 'null' ? undefined : stat.versionId;
    const seen = `${key}\n${versionId ?? ''}\n${stat.etag}`;
    if (this.#verified.get(seen) === expectedDigest) return versionId;
    const hash = createHash('sha256');
    const stream = await this.#client.getObject(bucket, key, versionId === undefined ? undefined : { versionId });
    for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
    const digest = hash.digest('hex');
    if (digest !== expectedDigest) {
      this.#options.logger.warn('vault: stored object does not match its ledger digest', {
        key,
        versionId,
        expected: expectedDigest,
        digest,
      });
      throw new AppError(
        'DIGEST_MISMATCH',
        `the vault's copy of ${key} does not match its ledger digest (expected ${expectedDigest}, got ${digest}); no download is offered`,
      );
    }
    if (this.#verified.size >= 10_000) this.#verified.delete(this.#verified.keys().next().value as string);
    this.#verified.set(seen, digest);
    return versionId;
  }

  async presignGet(key: string, ttlSeconds: number, expectedDigest?: string): Promise<PresignedUrl> {
    try {
      const versionId = expectedDigest === undefined ? undefined : await this.#verifiedVersion(key, expectedDigest);
      const url = await this.#client.presignedGetObject(
        this.#options.bucket,
        key,
        ttlSeconds,
        versionId === undefined ? {} : { versionId },
      );
      return { url, expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString() };
    } catch (error) {
      throw vaultError(error, 'sign a download');
    }
  }

  async listStaged(before: Date): Promise<StagedRecord[]> {
    const records: StagedRecord[] = [];
    for (const markerKey of await this.list(STAGING_PREFIX)) {
      const bytes = await this.get(markerKey);
      if (bytes === undefined) continue;
      let marker: Marker;
      try {
        marker = JSON.parse(bytes.toString('utf8')) as Marker;
      } catch {
        continue;
      }
      const startedAt = new Date(marker.startedAt);
      if (!(startedAt < before)) continue;
      records.push({
        markerKey,
        key: marker.key,
        ref: marker.ref,
        startedAt,
        ...(marker.digest === undefined ? {} : { digest: marker.digest, size: marker.size ?? 0 }),
      });
    }
    return records;
  }

  async settleStaged(record: StagedRecord, committed: boolean): Promise<void> {
    const bytes = await this.get(record.markerKey);
    if (bytes === undefined) return;
    const marker = JSON.parse(bytes.toString('utf8')) as Marker;
    const upload = this.#stagedUpload(marker);
    if (committed && marker.parts !== undefined && marker.digest !== undefined) await upload.promote();
    else await upload.discard();
  }

  async ping(): Promise<void> {
    let exists: boolean;
    try {
      exists = await this.#client.bucketExists(this.#options.bucket);
    } catch (error) {
      throw vaultError(error, 'answer');
    }
    if (!exists) throw new AppError('UNAVAILABLE', `the vault bucket ${this.#options.bucket} does not exist`);
  }

  /**
   * Creates the bucket when missing and checks that server-side encryption works.
   * @throws Error with a remedy when the vault refuses SSE-S3 (no KMS configured).
   */
  async ensureReady(): Promise<void> {
    const { bucket, region } = this.#options;
    if (!(await this.#client.bucketExists(bucket))) {
      try {
        await this.#client.makeBucket(bucket, region);
      } catch (error) {
        if ((error as { code?: string }).code !== 'BucketAlreadyOwnedByYou') throw error;
      }
    }
    if (this.#options.serverSideEncryption === 'sse-s3') {
      const probe = 'health/sse-probe';
      try {
        await this.put(probe, Buffer.from('probe'), 'text/plain');
      } catch (error) {
        throw new Error(
          `the vault refused server-side encryption (SSE-S3): start MinIO with a KMS (e.g. MINIO_KMS_SECRET_KEY) ` +
            `or set vault.serverSideEncryption to "none": ${String((error as AppError).cause ?? error)}`,
        );
      }
      await this.#removeQuietly(probe);
    }
  }
}
