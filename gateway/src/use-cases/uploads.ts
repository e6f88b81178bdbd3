import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError, toAppError } from '../errors';
import type { SubmitResult } from '../fabric/ledger';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { StagingRef, Vault } from '../vault/vault';

/**
 * Content plus ledger record, all or nothing: stream the bytes into the vault (staged, hashed, size
 * limited) → submit the record carrying the digest → promote the object once the record committed.
 * A refused or failed transaction discards the staged bytes at once; when the transaction's fate is
 * unknown (timeout after ordering) they stay staged and the reaper settles them against the ledger.
 */

export interface UploadDeps {
  vault: Vault;
  metrics: Metrics;
  logger: Logger;
  maxBytes: number;
}

export interface ContentInfo {
  key: string;
  digest: string;
  size: number;
}

export interface UploadRequest {
  key: string;
  ref: StagingRef;
  contentType: string;
  body: Readable;
  /** Submits the ledger record once the digest and size are known. */
  register(content: { digest: string; size: number }): Promise<SubmitResult>;
}

/** The digest of each request body that was staged, for idempotency checks that need the bytes. */
const stagedDigests = new WeakMap<Readable, string>();

/** The SHA-256 of the content streamed from `body`, once it was staged (undefined before). */
export function stagedDigestOf(body: Readable): string | undefined {
  return stagedDigests.get(body);
}

/**
 * @throws AppError from the vault (413/400/503) or the ledger (4xx/5xx); nothing is left behind
 * unless the ledger outcome is unknown.
 */
export async function uploadAndRegister(
  deps: UploadDeps,
  request: UploadRequest,
): Promise<{ submitted: SubmitResult; content: ContentInfo }> {
  const staged = await deps.vault.stage(request.key, request.body, {
    maxBytes: deps.maxBytes,
    contentType: request.contentType,
    ref: request.ref,
  });
  stagedDigests.set(request.body, staged.digest);
  deps.metrics.uploadBytes.inc({ kind: request.ref.kind }, staged.size);
  let submitted: SubmitResult;
  try {
    submitted = await request.register({ digest: staged.digest, size: staged.size });
  } catch (error) {
    if (toAppError(error).outcomeUnknown) {
      deps.logger.warn('ledger outcome unknown; upload left staged for the reaper', { key: request.key, ref: request.ref });
    } else {
      await staged.discard();
    }
    throw error;
  }
  try {
    await staged.promote();
  } catch (error) {
    // The record is on the ledger; the marker stays, and the reaper completes the promotion.
    deps.logger.error('promotion failed; the reaper will retry', { key: request.key, error: String(error) });
  }
  return { submitted, content: { key: request.key, digest: staged.digest, size: staged.size } };
}

/**
 * Reads a body to its end and returns its SHA-256, refusing more than `maxBytes`.
 * @throws AppError `PAYLOAD_TOO_LARGE`.
 */
export async function digestStream(body: Readable, maxBytes: number): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `the upload exceeds the limit of ${maxBytes} bytes`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}
