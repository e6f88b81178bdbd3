import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReleaseGate } from './exchange';

/** Pipes `chunks` through a gate and collects what came out, and whether the stream failed. */
async function through(chunks: readonly string[], release: Promise<unknown>): Promise<{ out: string; error?: Error }> {
  const received: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      callback();
    },
  });
  try {
    await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), new ReleaseGate(release), sink);
    return { out: Buffer.concat(received).toString() };
  } catch (error) {
    return { out: Buffer.concat(received).toString(), error: error as Error };
  }
}

describe('ReleaseGate', () => {
  test('when the release fulfils, then every byte passes in order', async () => {
    expect(await through(['ab', 'cd', 'ef'], Promise.resolve())).toEqual({ out: 'abcdef' });
  });

  test('when the release rejects, then the stream fails without its last chunk', async () => {
    const result = await through(['ab', 'cd', 'ef'], Promise.reject(new Error('not ordered')));
    expect(result.out).toBe('abcd');
    expect(result.error?.message).toBe('not ordered');
  });

  test('when the release is pending at the end, then the last chunk waits for it', async () => {
    let release: () => void = () => undefined;
    const pending = new Promise<void>((resolve) => {
      release = resolve;
    });
    let settled = false;
    const done = through(['only'], pending).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    release();
    expect(await done).toEqual({ out: 'only' });
  });
});
