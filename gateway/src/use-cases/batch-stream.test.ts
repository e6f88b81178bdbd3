import { Readable } from 'node:stream';
import { encodeFrame, readFrames, type Frame } from './batch-frames';
import type { BatchItem, ItemResult } from './batch-register';
import { FIRST_CHUNK_ITEMS, ingestStream } from './batch-stream';

const accept = (frame: Frame, digest: string | undefined): BatchItem => ({
  index: frame.index,
  dataId: String(frame.header.dataId),
  providerId: 'p',
  termsId: 't',
  mediaType: 'text/plain',
  size: frame.size,
  contentDigest: digest ?? '',
  ...(frame.bytes === undefined ? {} : { bytes: frame.bytes }),
});

async function chunkSizes(count: number, options: { maxChunkItems?: number; firstChunkItems?: number } = {}): Promise<number[]> {
  const body = Buffer.concat(Array.from({ length: count }, (_, i) => encodeFrame({ dataId: `d${i}` }, Buffer.from(`item ${i}`))).flat());
  const sizes: number[] = [];
  const { summary } = await ingestStream(
    readFrames(Readable.from([body]), 1024),
    accept,
    (items): Promise<ItemResult[]> => {
      sizes.push(items.length);
      return Promise.resolve(items.map((item) => ({ index: item.index, status: 'registered' })));
    },
    () => undefined,
    { depth: 4, ...options },
  );
  expect(summary.registered).toBe(count);
  return sizes;
}

describe('ingestStream chunk sizes', () => {
  test('when a long stream arrives, then its first chunk is small and each next one twice as large, up to 1,000', async () => {
    expect(FIRST_CHUNK_ITEMS).toBe(125);
    expect(await chunkSizes(3_000)).toEqual([125, 250, 500, 1000, 1000, 125]);
  });

  test('when the chunk limit is below the first size, then every chunk keeps to the limit', async () => {
    expect(await chunkSizes(200, { maxChunkItems: 64 })).toEqual([64, 64, 64, 8]);
  });

  test('when a stream is shorter than its first chunk, then it is one chunk', async () => {
    expect(await chunkSizes(40)).toEqual([40]);
  });
});
