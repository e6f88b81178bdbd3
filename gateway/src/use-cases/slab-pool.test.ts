import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { encodeFrame, readFrames } from './batch-frames';
import type { BatchItem, ItemResult } from './batch-register';
import { ingestStream } from './batch-stream';
import { SLAB_BYTES, SlabPool, SlabWriter } from './slab-pool';

describe('SlabWriter', () => {
  test('when items are copied, then each copy holds its bytes, consecutive ones share a slab, and a full slab opens the next', () => {
    const pool = new SlabPool();
    const writer = new SlabWriter(pool);
    const items = Array.from({ length: 150 }, () => randomBytes(10_000));
    const copies = items.map((bytes) => writer.copy(bytes));
    copies.forEach((copy, i) => {
      expect(copy.equals(items[i] as Buffer)).toBe(true);
      expect(copy.buffer).not.toBe(items[i]?.buffer);
    });
    expect(copies[1]?.buffer).toBe(copies[0]?.buffer);
    expect(copies[1]?.byteOffset).toBe((copies[0]?.byteOffset ?? 0) + 10_000);
    const perSlab = Math.floor(SLAB_BYTES / 10_000);
    expect(copies[perSlab]?.buffer).not.toBe(copies[0]?.buffer);
  });

  test('when a writer is released, then its slabs serve the next writer, and it refuses further copies', () => {
    const pool = new SlabPool();
    const first = new SlabWriter(pool);
    const copy = first.copy(randomBytes(100));
    first.release();
    first.release();
    expect(pool.idleSlabs).toBe(1);
    expect(() => first.copy(randomBytes(1))).toThrow('released');
    const second = new SlabWriter(pool);
    expect(second.copy(randomBytes(100)).buffer).toBe(copy.buffer);
    expect(pool.idleSlabs).toBe(0);
  });

  test('when an item is larger than a quarter slab, then it keeps its own buffer', () => {
    const writer = new SlabWriter(new SlabPool());
    const large = randomBytes(SLAB_BYTES / 2);
    expect(writer.copy(large)).toBe(large);
  });

  test('when more slabs come back than the pool keeps idle, then the rest are dropped', () => {
    const pool = new SlabPool(2 * SLAB_BYTES);
    const writer = new SlabWriter(pool);
    for (let i = 0; i < 5; i += 1) writer.copy(randomBytes(SLAB_BYTES / 4));
    writer.release();
    expect(pool.idleSlabs).toBe(2);
  });
});

describe('ingestStream with a slab pool', () => {
  const frames = (count: number, size: number): { stream: Readable; contents: Buffer[] } => {
    const contents = Array.from({ length: count }, () => randomBytes(size));
    const body = Buffer.concat(
      contents.flatMap((bytes, i) => encodeFrame({ dataId: `d${i}`, providerId: 'p', termsId: 't', mediaType: 'image/png' }, bytes)),
    );
    // Delivered in pieces of 64 KiB, as an HTTP parser would.
    return {
      stream: Readable.from(Array.from({ length: Math.ceil(body.length / 65_536) }, (_, i) => body.subarray(i * 65_536, (i + 1) * 65_536))),
      contents,
    };
  };
  const accept = (
    frame: { index: number; header: Record<string, unknown>; size: number; bytes?: Buffer },
    digest: string | undefined,
  ): BatchItem => ({
    index: frame.index,
    dataId: String(frame.header.dataId),
    providerId: 'p',
    termsId: 't',
    mediaType: 'image/png',
    size: frame.size,
    contentDigest: digest ?? '',
    ...(frame.bytes === undefined ? {} : { bytes: frame.bytes }),
  });

  test("when chunks are registered, then each sees its items' bytes intact, and every slab is back in the pool at the end", async () => {
    const pool = new SlabPool();
    const { stream, contents } = frames(250, 10_000);
    const seen: Buffer[] = [];
    const { summary } = await ingestStream(
      readFrames(stream, 1 << 20),
      accept,
      async (items, packed): Promise<ItemResult[]> => {
        // What a pack write does: read the bytes, then say they may go.
        for (const item of items) seen[item.index] = Buffer.from(item.bytes as Buffer);
        await new Promise((resolve) => setTimeout(resolve, 5));
        packed();
        return items.map((item) => ({ index: item.index, dataId: item.dataId, status: 'registered' }));
      },
      () => undefined,
      { depth: 2, maxChunkItems: 100, slabs: pool },
    );
    expect(summary.registered).toBe(250);
    seen.forEach((bytes, i) => {
      expect(bytes.equals(contents[i] as Buffer)).toBe(true);
    });
    // Three chunks of at most 100 items of 10,000 bytes: one slab each, all given back.
    expect(pool.idleSlabs).toBeGreaterThanOrEqual(1);
    expect(pool.idleSlabs).toBeLessThanOrEqual(3);
  });

  test('when a chunk fails before it is packed, then its slabs still come back', async () => {
    const pool = new SlabPool();
    const { stream } = frames(50, 10_000);
    const { summary } = await ingestStream(
      readFrames(stream, 1 << 20),
      accept,
      () => Promise.reject(new Error('vault down')),
      () => undefined,
      { depth: 1, maxChunkItems: 100, slabs: pool },
    );
    expect(summary.failed).toBe(50);
    expect(pool.idleSlabs).toBe(1);
  });
});
