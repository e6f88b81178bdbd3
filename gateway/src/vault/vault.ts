import type { Readable } from 'node:stream';

/**
 * The content vault as the gateway sees it. Uploads are staged: the bytes go up while being hashed and
 * counted, but the object only becomes visible at its key when `promote()` is called after the ledger
 * committed the record; `discard()` leaves nothing behind. Staged uploads abandoned by a crash are found
 * by {@link Vault.listStaged} and settled by the reaper.
 */

/** What a staged upload is for, so the reaper can ask the ledger whether it was committed. */
export interface StagingRef {
  kind: 'data' | 'output' | 'terms';
  id: string;
}

export interface StageOptions {
  /** Larger bodies are refused with 413 and nothing is kept. */
  maxBytes: number;
  contentType: string;
  ref: StagingRef;
}

export interface StagedUpload {
  /** Final object key. */
  key: string;
  /** Lowercase hex SHA-256 of the bytes received. */
  digest: string;
  size: number;
  /** Makes the object visible at `key`; idempotent. */
  promote(): Promise<void>;
  /** Drops the upload; idempotent, never throws. */
  discard(): Promise<void>;
}

/** A staged upload left behind, as recorded in its staging marker. */
export interface StagedRecord {
  markerKey: string;
  key: string;
  ref: StagingRef;
  startedAt: Date;
  /** Present once every byte was received. */
  digest?: string;
  size?: number;
}

export interface PresignedUrl {
  url: string;
  expiresAt: string;
}

/** An object opened for reading. */
export interface OpenedObject {
  body: Readable;
  /** Bytes the body will carry. */
  size: number;
  contentType: string;
}

export interface Vault {
  /**
   * Streams `body` into the vault through SHA-256 and the size limit.
   * @throws AppError `PAYLOAD_TOO_LARGE` (413) beyond the limit, `INVALID` for an empty or interrupted
   * body, `UNAVAILABLE` (503) when the vault fails; in every case nothing is kept.
   */
  stage(key: string, body: Readable, options: StageOptions): Promise<StagedUpload>;
  /**
   * Stores an object whole (manifests, legal texts, packs); overwrites. Given several buffers, the
   * object is their bytes one after another, sent as they are: a pack of a thousand items is never
   * joined into one large buffer (see docs/performance.md, "Gateway memory during bulk ingest").
   */
  put(key: string, bytes: Buffer | readonly Buffer[], contentType: string): Promise<void>;
  /**
   * Opens an object (or `length` bytes of it from `offset`) as a stream, without buffering it;
   * undefined when absent.
   */
  open(key: string, range?: { offset: number; length: number }): Promise<OpenedObject | undefined>;
  /** Reads a small object whole; undefined when absent. */
  get(key: string): Promise<Buffer | undefined>;
  exists(key: string): Promise<boolean>;
  /** The size of an object in bytes; undefined when absent. */
  size(key: string): Promise<number | undefined>;
  /** Deletes an object; absent is fine. */
  remove(key: string): Promise<void>;
  /** Lists the keys under a prefix, in key order. */
  list(prefix: string): Promise<string[]>;
  /**
   * A short-lived URL to download `key`. With `expectedDigest` (the ledger's SHA-256 of the content)
   * the object is first hashed (once per stored version) and the URL pinned to the version checked.
   * @throws AppError `DIGEST_MISMATCH` (502) when the stored bytes do not hash to `expectedDigest`:
   *   no URL is handed out.
   */
  presignGet(key: string, ttlSeconds: number, expectedDigest?: string): Promise<PresignedUrl>;
  /** Staged uploads whose marker is older than `before`. */
  listStaged(before: Date): Promise<StagedRecord[]>;
  /** Settles an abandoned staged upload: promote it when its record was committed, else drop it. */
  settleStaged(record: StagedRecord, committed: boolean): Promise<void>;
  /** Checks that the vault answers and the bucket exists. */
  ping(): Promise<void>;
}
