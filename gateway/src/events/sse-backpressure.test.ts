import { connect, type Socket } from 'node:net';
import { DEFAULT_LIMITS } from '../http/limits';
import { startHarness, type Harness } from '../testing/harness';

/**
 * Slow event-stream readers: the gateway stops taking events for a client that does not drain, and
 * closes it with a `resume` event once it falls too far behind, so its memory stays bounded however
 * many such clients there are. `KISEKI_SSE_BENCH=1` also measures RSS under 200 slow readers with the
 * bound off and on.
 */

/** A raw HTTP client that asks for the stream and then reads nothing until told to. */
function slowReader(url: string, key: string): Promise<{ socket: Socket; drain(): Promise<string> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(`GET /v1/events HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${key}\r\nAccept: text/event-stream\r\n\r\n`);
      socket.pause();
      resolve({
        socket,
        drain: () =>
          new Promise((done) => {
            const chunks: Buffer[] = [];
            socket.on('data', (c: Buffer) => chunks.push(c));

            socket.on('close', () => {
              done(Buffer.concat(chunks).toString('utf8'));
            });
            socket.resume();
          }),
      });
    });
    socket.on('error', reject);
  });
}

const until = async (condition: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Emits `count` events of about `bytes` each, yielding so the gateway can stream them. */
async function emitMany(h: Harness, count: number, bytes: number): Promise<void> {
  const filler = 'x'.repeat(bytes);
  for (let i = 0; i < count; i += 1) {
    h.ledger.emit('DataRegistered', { i, filler });
    if (i % 10 === 9) await new Promise((r) => setImmediate(r));
  }
}

/** Reads a stream to its end (or until the server cut it), as text. */
async function readAll(res: Response): Promise<string> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // a stream cut by the server ends here; what arrived is kept
  }
  return text;
}

test('when a reader stops reading, then it is closed with a resume event naming the last event sent, and a reconnect from it misses nothing', async () => {
  const h = await startHarness({ sseMaxBufferedBytes: 64 * 1024, sseSlowClientMs: 300 });
  try {
    // fetch stops pulling from the socket once its small buffer is full: a reader that reads nothing.
    const res = await h.call('GET', '/v1/events', { role: 'auditor' });
    await until(() => h.services.sse.size === 1);
    await emitMany(h, 1500, 8 * 1024);
    await until(() => h.services.sse.size === 0);
    const text = await readAll(res);
    const resume = /event: resume\ndata: (.*)\n/.exec(text);
    expect(resume).not.toBeNull();
    const { lastEventId } = JSON.parse((resume as RegExpExecArray)[1] as string) as { lastEventId: string };
    const ids = [...text.matchAll(/^id: (.*)$/gm)].map((m) => m[1]);
    expect(ids.length).toBeLessThan(1500);
    expect(ids[ids.length - 1]).toBe(lastEventId);
    // Reconnecting with the resume id continues with the very next event.
    const again = await h.call('GET', '/v1/events', { role: 'auditor', headers: { 'last-event-id': lastEventId } });
    const body = (again.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    while (!/"i":\d+/.test(received)) {
      const chunk = await body.read();
      if (chunk.done) break;
      received += new TextDecoder().decode(chunk.value);
    }
    await body.cancel();
    expect(Number(/"i":(\d+)/.exec(received)?.[1])).toBe(ids.length);
  } finally {
    await h.close();
  }
}, 60_000);

const bench = process.env.KISEKI_SSE_BENCH === '1' ? test : test.skip;

bench(
  'measure: gateway RSS under 200 slow readers, bound off versus on',
  async () => {
    const mib = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MiB`;
    const results: string[] = [];
    const modes =
      process.env.KISEKI_SSE_BENCH_MODE === undefined
        ? (['off', 'on'] as const)
        : ([process.env.KISEKI_SSE_BENCH_MODE === 'off' ? 'off' : 'on'] as const);
    for (const mode of modes) {
      // One key for all 200 readers: its stream cap is lifted for the measurement.
      const limits = { ...DEFAULT_LIMITS, enabled: false };
      const h = await startHarness(
        mode === 'on'
          ? { limits, sseMaxBufferedBytes: 256 * 1024, sseSlowClientMs: 2_000 }
          : { limits, sseMaxBufferedBytes: 2 ** 40, sseSlowClientMs: 2 ** 30 },
      );
      global.gc?.();
      const before = process.memoryUsage().rss;
      const readers = await Promise.all(Array.from({ length: 200 }, () => slowReader(h.url, h.key('auditor'))));
      await until(() => h.services.sse.size === 200);
      await emitMany(h, 250, 16 * 1024);
      await new Promise((r) => setTimeout(r, 4_000));
      global.gc?.();
      const after = process.memoryUsage().rss;
      results.push(
        `bound ${mode}: RSS before ${mib(before)}, with 200 slow readers after 250 events of 16 KiB ${mib(after)} (+${mib(after - before)}), streams still open ${h.services.sse.size}`,
      );
      for (const r of readers) r.socket.destroy();
      await h.close();
    }
    process.stderr.write(`sse slow readers:\n  ${results.join('\n  ')}\n`);
  },
  300_000,
);
