/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   response bodies are asserted as loose JSON */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { allRoutes } from '../../gateway/src/http/routes';
import { startHarness, type Harness } from '../../gateway/src/testing/harness';
import { RESUME_FILE, uploadBatch, uploadFolder } from './batch';
import { generateSchema } from './generate';
import { createKisekiClient, retryDelayMs } from './index';

/** The typed client: generated types in step with the API, retries, batch and folder uploads. */

test('when the schema is regenerated from the served OpenAPI document, then it equals the committed one', async () => {
  const committed = readFileSync(path.join(__dirname, 'schema.ts'), 'utf8');
  expect(await generateSchema(allRoutes().openApi)).toBe(committed);
});

test('when Retry-After is given, then it sets the wait, capped', () => {
  expect(retryDelayMs(new Response(null, { status: 503, headers: { 'retry-after': '2' } }), 0, 30_000)).toBe(2000);
  expect(retryDelayMs(new Response(null, { status: 503, headers: { 'retry-after': '120' } }), 0, 30_000)).toBe(30_000);
  expect(retryDelayMs(new Response(null, { status: 503 }), 2, 30_000)).toBe(1000);
});

describe('against a gateway', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await h.ledger.seed();
  });
  afterEach(async () => {
    await h.close();
  });

  test('when a POST is answered 503 with Retry-After, then it is retried with the same Idempotency-Key and registers once', async () => {
    let failures = 1;
    const keys: (string | null)[] = [];
    const flaky = (async (input: Request) => {
      keys.push(input.headers.get('idempotency-key'));
      if (failures > 0) {
        failures -= 1;
        return new Response(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'busy' } }), {
          status: 503,
          headers: { 'retry-after': '0' },
        });
      }
      return fetch(input);
    }) as typeof fetch;
    const client = createKisekiClient({ baseUrl: h.url, apiKey: h.key('studio-operator'), fetch: flaky });
    const { data, response } = await client.POST('/v1/providers', { body: { providerId: 'p-retry', payoutRefDigest: 'a'.repeat(64) } });
    expect(response.status).toBe(201);
    expect((data as { record: { providerId: string } }).record.providerId).toBe('p-retry');
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
  });

  test('when items are streamed as a batch, then each answer arrives and the summary counts them', async () => {
    const client = createKisekiClient({ baseUrl: h.url, apiKey: h.key('studio-operator') });
    const seen: string[] = [];
    const items = Array.from({ length: 5 }, (_, i) => ({ dataId: `c-${i}`, mediaType: 'image/png', bytes: Buffer.from(`cel ${i}`) }));
    const summary = await uploadBatch(client, items, {
      providerId: 'p1',
      termsId: 't1',
      onResult: (r) => seen.push(`${r.dataId}:${r.status}`),
    });
    expect(summary).toMatchObject({ received: 5, registered: 5 });
    expect(seen.sort()).toEqual(items.map((i) => `${i.dataId}:registered`));
  });

  test('when a folder upload is interrupted after staging, then running it again resumes and registers each file once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kiseki-cels-'));
    for (let i = 0; i < 7; i += 1) writeFileSync(path.join(dir, `cel-${i}.png`), `png ${i}`);
    const client = createKisekiClient({ baseUrl: h.url, apiKey: h.key('studio-operator') });
    // The first run loses its connection at the commit.
    const broken = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith('/commit')) throw new TypeError('fetch failed');
      return fetch(input, init);
    }) as typeof fetch;
    const first = createKisekiClient({ baseUrl: h.url, apiKey: h.key('studio-operator'), fetch: broken });
    await expect(uploadFolder(first, dir, { providerId: 'p1', termsId: 't1', itemsPerRequest: 3 })).rejects.toThrow('fetch failed');
    expect(JSON.parse(readFileSync(path.join(dir, RESUME_FILE), 'utf8')).staged).toHaveLength(7);
    const progress: number[] = [];
    const summary = await uploadFolder(client, dir, { providerId: 'p1', termsId: 't1', onProgress: (p) => progress.push(p.done) });
    expect(summary).toMatchObject({ registered: 7 });
    expect(existsSync(path.join(dir, RESUME_FILE))).toBe(false);
    expect(h.ledger.submitted.filter((s) => s.operation === 'data:RegisterBatch')).toHaveLength(1);
    expect(progress.at(-1)).toBe(7);
  });
});

test('when the gateway is down for a read, then the client retries until it answers', async () => {
  let calls = 0;
  const server: Server = createServer((_req, res) => {
    calls += 1;
    if (calls < 3) res.writeHead(504, { 'retry-after': '0' }).end('{}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const client = createKisekiClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'k' });
    const { response } = await client.GET('/healthz');
    expect(response.status).toBe(200);
    expect(calls).toBe(3);
  } finally {
    server.close();
  }
});
