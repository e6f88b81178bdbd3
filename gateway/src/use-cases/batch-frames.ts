import { AppError } from '../errors';

/**
 * The batch upload stream (`application/vnd.kiseki.batch`): items one after another, each a header of
 * one line of JSON (its metadata, with `size`, the exact byte length of its content) ending in `\n`,
 * followed by exactly `size` bytes of content. Blank lines between items are allowed. A client writes
 * it with no buffering and no boundary search; the gateway reads it item by item as it arrives.
 *
 * ```
 * {"dataId":"cel-0001","providerId":"p1","termsId":"t1","mediaType":"image/png","size":10240}\n
 * <10240 bytes>
 * {"dataId":"cel-0002", ...,"size":8192}\n
 * <8192 bytes>
 * ```
 */

export const BATCH_MEDIA_TYPE = 'application/vnd.kiseki.batch';
/** Longest header line accepted. */
export const MAX_HEADER_BYTES = 8 * 1024;

export interface Frame {
  /** Position of the item in the stream, from 0. */
  index: number;
  /** The parsed header (validated by the caller). */
  header: Record<string, unknown>;
  size: number;
  /** The content; absent when `size` exceeds the item limit (the bytes were skipped). */
  bytes?: Buffer;
}

/** Encodes one item of the stream (clients and tests). */
export function encodeFrame(header: Record<string, unknown>, bytes: Buffer): Buffer[] {
  return [Buffer.from(`${JSON.stringify({ ...header, size: bytes.length })}\n`, 'utf8'), bytes];
}

function framingError(message: string): AppError {
  return new AppError('INVALID', `batch stream: ${message}`);
}

/**
 * Splits a batch stream into items. Items larger than `maxItemBytes` are skipped (yielded without
 * bytes) so the rest of the stream still reads.
 * @throws AppError `INVALID` when the framing is broken (a header that is not a JSON object with an
 * integer `size`, a stream that ends inside an item) or the stream was interrupted.
 */
export async function* readFrames(body: AsyncIterable<Buffer | string>, maxItemBytes: number): AsyncGenerator<Frame> {
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  /** The item being received: its header and the content parts so far. */
  let current: { header: Record<string, unknown>; size: number; parts: Buffer[]; received: number; skip: boolean } | undefined;
  const iterator = body[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Buffer | string>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw new AppError('INVALID', 'the batch stream was interrupted', { cause: error });
    }
    if (next.done === true) break;
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (current === undefined) {
        let start = 0;
        while (start < pending.length && (pending[start] === 0x0a || pending[start] === 0x0d)) start += 1;
        const end = pending.indexOf(0x0a, start);
        if (end < 0) {
          pending = pending.subarray(start);
          if (pending.length > MAX_HEADER_BYTES) throw framingError(`item ${index}: header line longer than ${MAX_HEADER_BYTES} bytes`);
          break;
        }
        const header = parseHeader(pending.subarray(start, end).toString('utf8'), index);
        pending = pending.subarray(end + 1);
        current = { header, size: header.size as number, parts: [], received: 0, skip: (header.size as number) > maxItemBytes };
      }
      const wanted = current.size - current.received;
      const take = Math.min(wanted, pending.length);
      if (take > 0) {
        if (!current.skip) current.parts.push(pending.subarray(0, take));
        current.received += take;
        pending = pending.subarray(take);
      }
      if (current.received < current.size) break;
      const done = current;
      current = undefined;
      const frame: Frame = { index, header: done.header, size: done.size };
      if (!done.skip) frame.bytes = done.parts.length === 1 ? done.parts[0] : Buffer.concat(done.parts, done.size);
      index += 1;
      yield frame;
    }
  }
  if (current !== undefined) throw framingError(`item ${index}: the stream ended after ${current.received} of ${current.size} bytes`);
  if (pending.some((byte) => byte !== 0x0a && byte !== 0x0d)) throw framingError(`item ${index}: the stream ended inside a header`);
}

function parseHeader(line: string, index: number): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(line);
  } catch {
    throw framingError(`item ${index}: the header is not JSON`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw framingError(`item ${index}: the header is not a JSON object`);
  const size = (header as { size?: unknown }).size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) {
    throw framingError(`item ${index}: the header needs size, a positive integer`);
  }
  return header as Record<string, unknown>;
}
