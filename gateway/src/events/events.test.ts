/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return --
   response bodies are asserted as loose JSON */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../logger';
import { Metrics } from '../metrics';
import { MemoryStore } from '../store/store';
import { FakeLedger } from '../testing/fake-ledger';
import { startHarness, type Harness } from '../testing/harness';
import { signWebhook, WebhookService } from './webhooks';
import { AppError } from '../errors';

/** Reads server-sent events from a response until `count` events arrived. */
async function readEvents(res: Response, count: number): Promise<{ id: string; event: string; data: { eventName: string; payload: unknown } }[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const out: { id: string; event: string; data: { eventName: string; payload: unknown } }[] = [];
  let buffer = '';
  while (out.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let at: number;
    while ((at = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
      if (fields.id !== undefined) out.push({ id: fields.id, event: fields.event ?? '', data: JSON.parse(fields.data ?? '{}') });
    }
  }
  await reader.cancel();
  return out.slice(0, count);
}

describe('server-sent events', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  test('when a client reconnects with Last-Event-ID, then it gets exactly the events after that one', async () => {
    for (let i = 1; i <= 5; i += 1) h.ledger.emit('DataRegistered', { n: i });
    const first = await h.call('GET', '/v1/events?startBlock=0', { role: 'auditor' });
    expect(first.headers.get('content-type')).toContain('text/event-stream');
    const two = await readEvents(first, 2);
    expect(two.map((e) => (e.data.payload as { n: number }).n)).toEqual([1, 2]);
    const resumed = await h.call('GET', '/v1/events', { role: 'auditor', headers: { 'last-event-id': two[1]?.id ?? '' } });
    const rest = await readEvents(resumed, 3);
    expect(rest.map((e) => (e.data.payload as { n: number }).n)).toEqual([3, 4, 5]);
  });

  test('when a client filters by event name, then only those arrive, live as they commit', async () => {
    const res = await h.call('GET', '/v1/events?events=ModelSealed', { role: 'regulator' });
    setTimeout(() => {
      h.ledger.emit('DataRegistered', { n: 1 });
      h.ledger.emit('ModelSealed', { modelId: 'm1' });
    }, 50);
    const events = await readEvents(res, 1);
    expect(events[0]).toMatchObject({ event: 'ModelSealed', data: { eventName: 'ModelSealed', payload: { modelId: 'm1' } } });
  });

  test('when Last-Event-ID is malformed, then 400', async () => {
    const res = await h.call('GET', '/v1/events', { role: 'auditor', headers: { 'last-event-id': 'garbage' } });
    expect(res.status).toBe(400);
  });

  test('when the peer is down, then the stream request fails cleanly with 503', async () => {
    h.ledger.failWith = new AppError('UNAVAILABLE', 'peer down');
    expect((await h.call('GET', '/v1/events', { role: 'auditor' })).status).toBe(503);
  });
});

describe('webhooks', () => {
  let server: Server;
  let url: string;
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  let refuseNext = 0;

  beforeEach(async () => {
    received.length = 0;
    refuseNext = 0;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (refuseNext > 0) {
          refuseNext -= 1;
          res.writeHead(500).end();
          return;
        }
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  });

  const until = async (condition: () => boolean, ms = 5_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  test('when events commit, then each is delivered signed, retried until acknowledged, and never again after a restart', async () => {
    const ledger = new FakeLedger();
    const store = new MemoryStore();
    const options = { timeoutMs: 1_000, retryBaseMs: 5, retryCapMs: 20 };
    const deps = { ledger, store, logger: silentLogger, metrics: new Metrics() };
    const service = new WebhookService(deps, options);
    const registration = await service.register('client-a', { url, events: ['RevenueRecorded'] });
    refuseNext = 2;
    ledger.emit('RevenueRecorded', { n: 1 });
    ledger.emit('DataRegistered', { n: 2 });
    ledger.emit('RevenueRecorded', { n: 3 });
    await until(() => received.length === 2);
    const first = received[0] as (typeof received)[number];
    expect(JSON.parse(first.body)).toMatchObject({ eventName: 'RevenueRecorded', payload: { n: 1 } });
    const timestamp = first.headers['kiseki-timestamp'] as string;
    expect(first.headers['kiseki-signature']).toBe(signWebhook(registration.secret, timestamp, first.body));
    expect(received.map((r) => JSON.parse(r.body).payload.n)).toEqual([1, 3]);
    service.stop();

    // A new process over the same store resumes after the last acknowledged event.
    ledger.emit('RevenueRecorded', { n: 4 });
    const restarted = new WebhookService(deps, options);
    await restarted.startAll();
    await until(() => received.length === 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(received.map((r) => JSON.parse(r.body).payload.n)).toEqual([1, 3, 4]);
    expect((await restarted.get(registration.id)).checkpoint).toBeDefined();
    restarted.stop();
  });

  test('when listed, then the secret is never shown again', async () => {
    const service = new WebhookService({ ledger: new FakeLedger(), store: new MemoryStore(), logger: silentLogger, metrics: new Metrics() });
    await service.register('c', { url });
    const [view] = await service.list('c');
    expect(view).toBeDefined();
    expect(view).not.toHaveProperty('secret');
    service.stop();
  });
});
