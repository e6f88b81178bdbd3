import { createHash } from 'node:crypto';
import { toAppError, type AppError } from '../errors';
import type { Frame } from './batch-frames';
import { MAX_CHUNK_BYTES, MAX_CHUNK_ITEMS, type BatchItem, type ItemResult } from './batch-register';
import { SlabWriter, type SlabPool } from './slab-pool';

/**
 * Reads a batch stream item by item, hashes each as it arrives, gathers accepted items into chunks
 * (≤ 1,000 items or 64 MiB; the first ones smaller, see {@link FIRST_CHUNK_ITEMS}) and hands each
 * chunk to `registerChunk` while the next one fills, at most `depth` chunks at a time (the stream is
 * not read further meanwhile, so memory stays bounded).
 * Items refused at the edge (malformed metadata, too large, digest mismatch) are answered at once.
 */

export type ItemCheck = (frame: Frame, digest: string | undefined) => BatchItem | ItemResult;

/**
 * Items in a request's first chunk; each next chunk may hold twice as many, up to the maximum
 * (125, 250, 500, 1,000). A chunk of 1,000 items of 10 KiB takes seconds to arrive, and meanwhile
 * the ledger had nothing of the request to work on: at the start of a bulk ingest it sat idle for
 * as long. The few smaller transactions cost little, and the first answers come sooner.
 */
export const FIRST_CHUNK_ITEMS = 125;

export interface StreamOptions {
  /** Chunks registered at the same time. */
  depth: number;
  maxChunkItems?: number;
  maxChunkBytes?: number;
  /** Items in the first chunk (default {@link FIRST_CHUNK_ITEMS}); the limit doubles with each chunk. */
  firstChunkItems?: number;
  /**
   * Copies each accepted item's bytes into slabs of this pool, given back once `registerChunk` says
   * the chunk is packed (see slab-pool.ts). Without it, items keep the views they arrived in.
   */
  slabs?: SlabPool;
}

export interface StreamSummary {
  received: number;
  registered: number;
  duplicate: number;
  refused: number;
  failed: number;
  pending: number;
  staged: number;
}

export const emptySummary = (): StreamSummary => ({
  received: 0,
  registered: 0,
  duplicate: 0,
  refused: 0,
  failed: 0,
  pending: 0,
  staged: 0,
});

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * @returns the summary, and the error that stopped the stream early (framing broken or connection
 * lost) — items of a chunk not yet complete at that point are not registered.
 */
export async function ingestStream(
  frames: AsyncIterable<Frame>,
  check: ItemCheck,
  registerChunk: (items: BatchItem[], packed: () => void) => Promise<ItemResult[]>,
  report: (result: ItemResult) => void,
  options: StreamOptions,
): Promise<{ summary: StreamSummary; error?: AppError }> {
  const summary = emptySummary();
  const maxItems = options.maxChunkItems ?? MAX_CHUNK_ITEMS;
  const maxBytes = options.maxChunkBytes ?? MAX_CHUNK_BYTES;
  const emit = (result: ItemResult): void => {
    summary[result.status] += 1;
    report(result);
  };
  const inFlight = new Set<Promise<void>>();
  const pool = options.slabs;
  const launch = (chunk: BatchItem[], slabs: SlabWriter | undefined): void => {
    const release = (): void => slabs?.release();
    const job = registerChunk(chunk, release).then(
      (results) => {
        results.forEach(emit);
      },
      (error: unknown) => {
        const appError = toAppError(error);
        for (const item of chunk)
          emit({ index: item.index, dataId: item.dataId, status: 'failed', error: { code: appError.code, message: appError.message } });
      },
    );
    const tracked = job.finally(() => {
      release();
      inFlight.delete(tracked);
    });
    inFlight.add(tracked);
  };
  let chunk: BatchItem[] = [];
  let chunkBytes = 0;
  let chunkItems = Math.max(1, Math.min(maxItems, options.firstChunkItems ?? FIRST_CHUNK_ITEMS));
  let slabs = pool === undefined ? undefined : new SlabWriter(pool);
  let stopped: AppError | undefined;
  try {
    for await (const frame of frames) {
      summary.received += 1;
      const checked = check(frame, frame.bytes === undefined ? undefined : sha256(frame.bytes));
      if (!('providerId' in checked)) {
        emit(checked);
        continue;
      }
      if (slabs !== undefined && checked.bytes !== undefined) checked.bytes = slabs.copy(checked.bytes);
      chunk.push(checked);
      chunkBytes += checked.size;
      if (chunk.length >= chunkItems || chunkBytes >= maxBytes) {
        launch(chunk, slabs);
        chunk = [];
        chunkBytes = 0;
        chunkItems = Math.min(maxItems, chunkItems * 2);
        slabs = pool === undefined ? undefined : new SlabWriter(pool);
        while (inFlight.size >= options.depth) await Promise.race(inFlight);
      }
    }
    if (chunk.length > 0) launch(chunk, slabs);
    else slabs?.release();
  } catch (error) {
    stopped = toAppError(error);
    // Received, but their chunk never closed: nothing of them was kept.
    for (const item of chunk)
      emit({ index: item.index, dataId: item.dataId, status: 'failed', error: { code: stopped.code, message: stopped.message } });
    slabs?.release();
  }
  await Promise.all(inFlight);
  return stopped === undefined ? { summary } : { summary, error: stopped };
}
