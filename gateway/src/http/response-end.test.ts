import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onResponseEnd } from './response-end';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/` };
}

describe('onResponseEnd', () => {
  test('when the handler ends the response, then the callback runs once, before the socket write completes', async () => {
    const seen: boolean[] = [];
    const { server, url } = await serve((_req, res) => {
      onResponseEnd(res, () => seen.push(res.writableFinished));
      res.end('done');
      res.end();
    });
    try {
      expect(await (await fetch(url)).text()).toBe('done');
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toEqual([false]);
    } finally {
      server.close();
    }
  });

  test('when the client goes away before the answer, then the callback runs once on close', async () => {
    let calls = 0;
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const { server, url } = await serve((_req, res) => {
      onResponseEnd(res, () => (calls += 1));
      res.once('close', () => setImmediate(closed));
    });
    try {
      const abort = new AbortController();
      const pending = fetch(url, { signal: abort.signal }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      abort.abort();
      await pending;
      await gone;
      expect(calls).toBe(1);
    } finally {
      server.close();
    }
  });
});
