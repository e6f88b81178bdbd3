import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DataRecord, OutputRecord } from '@kiseki/chaincode/shared/records';
import { AppError } from '../errors';
import type { LedgerReader } from '../ledger/client';

/**
 * Lookup by content: which data item or output was registered with given bytes. The ledger keeps a
 * digest index for each (the same bytes register once per kind), so a lookup is two point reads.
 */

export interface LookupResult {
  contentDigest: string;
  /** The data item registered with this digest, as the ledger holds it. */
  data?: DataRecord;
  /** The output registered with this digest, as the ledger holds it. */
  output?: OutputRecord;
}

async function findOrUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * Finds what is registered with `contentDigest` (lowercase hex SHA-256).
 * @throws AppError `NOT_FOUND` ("not registered") when neither a data item nor an output has it.
 */
export async function lookupDigest(reader: LedgerReader, contentDigest: string): Promise<LookupResult> {
  const [data, output] = await Promise.all([
    findOrUndefined(() => reader.data.getByDigest(contentDigest)),
    findOrUndefined(() => reader.outputs.getByDigest(contentDigest)),
  ]);
  if (data === undefined && output === undefined) {
    throw new AppError('NOT_FOUND', `not registered: no data item or output has the SHA-256 digest ${contentDigest}`);
  }
  return { contentDigest, ...(data === undefined ? {} : { data }), ...(output === undefined ? {} : { output }) };
}

/**
 * Hashes a streamed body without keeping it: SHA-256 and size, refusing past `maxBytes`.
 * @throws AppError `PAYLOAD_TOO_LARGE` past the limit, `INVALID` for an empty or aborted body.
 */
export async function hashStream(body: Readable, maxBytes: number): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      size += bytes.length;
      if (size > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `the body exceeds the limit of ${maxBytes} bytes`);
      hash.update(bytes);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('INVALID', 'the request was aborted', { cause: error });
  }
  if (size === 0) throw new AppError('INVALID', 'send the file as the request body');
  return { digest: hash.digest('hex'), size };
}
