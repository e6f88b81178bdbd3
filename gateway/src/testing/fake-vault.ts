import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { AppError } from '../errors';
import type { OpenedObject, PresignedUrl, StagedRecord, StagedUpload, StageOptions, Vault } from '../vault/vault';

/**
 * An in-memory {@link Vault} for unit tests, with the same staging semantics as the MinIO adapter:
 * staged bytes are invisible until promoted, a size overrun keeps nothing, and staged uploads are
 * listed for the reaper.
 */
export class FakeVault implements Vault {
  readonly objects = new Map<string, { bytes: Buffer; contentType: string }>();
  readonly staged = new Map<string, { record: StagedRecord; bytes: Buffer; contentType: string }>();
  /** When set, every call fails with 503 (a stopped vault). */
  down = false;
  #next = 0;
  /** Clock for staging timestamps. */
  now: () => number = Date.now;

  #check(): void {
    if (this.down) throw new AppError('UNAVAILABLE', 'the vault failed to answer');
  }

  async stage(key: string, body: Readable, options: StageOptions): Promise<StagedUpload> {
    this.#check();
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      this.#check();
      size += chunk.length;
      if (size > options.maxBytes) {
        throw new AppError('PAYLOAD_TOO_LARGE', `the upload exceeds the limit of ${options.maxBytes} bytes`);
      }
      hash.update(chunk);
      chunks.push(chunk);
    }
    if (size === 0) throw new AppError('INVALID', 'the upload is empty');
    this.#next += 1;
    const markerKey = `staging/${this.#next}`;
    const digest = hash.digest('hex');
    const record: StagedRecord = { markerKey, key, ref: options.ref, startedAt: new Date(this.now()), digest, size };
    this.staged.set(markerKey, { record, bytes: Buffer.concat(chunks), contentType: options.contentType });
    return {
      key,
      digest,
      size,
      promote: async () => this.settleStaged(record, true),
      discard: async () => this.settleStaged(record, false),
    };
  }

  put(key: string, bytes: Buffer | readonly Buffer[], contentType: string): Promise<void> {
    this.#check();
    // A copy, as a real vault keeps: callers may reuse their buffers once the put resolves.
    this.objects.set(key, { bytes: Buffer.isBuffer(bytes) ? Buffer.from(bytes) : Buffer.concat(bytes), contentType });
    return Promise.resolve();
  }

  open(key: string, range?: { offset: number; length: number }): Promise<OpenedObject | undefined> {
    this.#check();
    const object = this.objects.get(key);
    if (object === undefined) return Promise.resolve(undefined);
    const bytes = range === undefined ? object.bytes : object.bytes.subarray(range.offset, range.offset + range.length);
    return Promise.resolve({ body: Readable.from([bytes]), size: bytes.length, contentType: object.contentType });
  }

  get(key: string): Promise<Buffer | undefined> {
    this.#check();
    return Promise.resolve(this.objects.get(key)?.bytes);
  }

  exists(key: string): Promise<boolean> {
    this.#check();
    return Promise.resolve(this.objects.has(key));
  }

  size(key: string): Promise<number | undefined> {
    this.#check();
    return Promise.resolve(this.objects.get(key)?.bytes.length);
  }

  remove(key: string): Promise<void> {
    this.#check();
    this.objects.delete(key);
    return Promise.resolve();
  }

  list(prefix: string): Promise<string[]> {
    this.#check();
    return Promise.resolve([...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort());
  }

  presignGet(key: string, ttlSeconds: number, expectedDigest?: string): Promise<PresignedUrl> {
    this.#check();
    const bytes = this.objects.get(key)?.bytes;
    if (expectedDigest !== undefined && bytes !== undefined && createHash('sha256').update(bytes).digest('hex') !== expectedDigest) {
      return Promise.reject(
        new AppError('DIGEST_MISMATCH', `the vault's copy of ${key} does not match its ledger digest; no download is offered`),
      );
    }
    return Promise.resolve({
      url: `http://vault.invalid/${key}?ttl=${ttlSeconds}`,
      expiresAt: new Date(this.now() + ttlSeconds * 1000).toISOString(),
    });
  }

  listStaged(before: Date): Promise<StagedRecord[]> {
    this.#check();
    return Promise.resolve([...this.staged.values()].map((s) => s.record).filter((r) => r.startedAt < before));
  }

  settleStaged(record: StagedRecord, committed: boolean): Promise<void> {
    this.#check();
    const staged = this.staged.get(record.markerKey);
    if (staged === undefined) return Promise.resolve();
    this.staged.delete(record.markerKey);
    if (committed) this.objects.set(staged.record.key, { bytes: staged.bytes, contentType: staged.contentType });
    return Promise.resolve();
  }

  ping(): Promise<void> {
    this.#check();
    return Promise.resolve();
  }
}
