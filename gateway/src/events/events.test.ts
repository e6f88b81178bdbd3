/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return --
   response bodies are asserted as loose JSON */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../logger';
import { Metrics } from '../metrics';
import { LocalLeases } from '../store/leases';
import { MemoryStore } from '../store/store';
import { ContractLedger } from '../testing/contract-ledger';
import { json, startHarness, type Harness } from '../testing/harness';
import { signWebhook, WebhookService } from './webhooks';
import { isPublicAddress, type Resolver } from './webhook-targets';
import type { Principal } from '../auth';
import { AppError } from '../errors';

/** Reads server-sent events from a response until `count` events arrived. */
async function readEvents(
  res: Response,
  count: number,
): Promise<{ id: string; event: string; data: { eventName: string; payload: unknown } }[]> {
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
      const fields = Object.fromEntries(
        block
          .split('\n')
          .filter((l) => !l.startsWith(':'))
          .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
      );
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

const clientA: Principal = { clientId: 'client-a', role: 'studio-operator' };

describe('webhooks', () => {
  let server: Server;
  let url: string;
  let port: number;
  let connections = 0;
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  let refuseNext = 0;

  beforeEach(async () => {
    received.length = 0;
    refuseNext = 0;
    connections = 0;
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
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}/hook`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  const until = async (condition: () => boolean, ms = 5_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  test('when events commit, then each is delivered signed, retried until acknowledged, and never again after a restart', async () => {
    const ledger = new ContractLedger();
    const store = new MemoryStore();
    const options = { timeoutMs: 1_000, retryBaseMs: 5, retryCapMs: 20, allowTargets: ['127.0.0.1'] };
    const deps = { ledger, store, logger: silentLogger, metrics: new Metrics() };
    const service = new WebhookService(deps, options);
    const registration = await service.register(clientA, { url, events: ['RevenueRecorded'] });
    refuseNext = 2;
    ledger.emit('RevenueRecorded', { n: 1 });
    ledger.emit('DataRegistered', { n: 2 });
    const third = ledger.emit('RevenueRecorded', { n: 3 });
    await until(() => received.length === 2);
    // The checkpoint is written right after the receiver's 2xx; stopping before that would resend (at-least-once).
    await eventually(async () => (await service.get(registration.id, clientA)).checkpoint?.transactionId === third.transactionId);
    const first = received[0] as (typeof received)[number];
    expect(JSON.parse(first.body)).toMatchObject({ eventName: 'RevenueRecorded', payload: { n: 1 } });
    const timestamp = first.headers['kiseki-timestamp'] as string;
    expect(first.headers['kiseki-signature']).toBe(signWebhook(registration.secret, timestamp, first.body));
    expect(received.map((r) => JSON.parse(r.body).payload.n)).toEqual([1, 3]);
    await service.stop();

    // A new process over the same store resumes after the last acknowledged event.
    ledger.emit('RevenueRecorded', { n: 4 });
    const restarted = new WebhookService(deps, options);
    await restarted.startAll();
    await until(() => received.length === 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(received.map((r) => JSON.parse(r.body).payload.n)).toEqual([1, 3, 4]);
    expect((await restarted.get(registration.id, clientA)).checkpoint).toBeDefined();
    await restarted.stop();
  });

  test('when listed, then the secret is never shown again', async () => {
    const service = new WebhookService(
      { ledger: new ContractLedger(), store: new MemoryStore(), logger: silentLogger, metrics: new Metrics() },
      { timeoutMs: 1_000, retryBaseMs: 5, retryCapMs: 20, allowTargets: ['127.0.0.0/8'] },
    );
    await service.register(clientA, { url });
    const [view] = await service.list(clientA);
    expect(view).toBeDefined();
    expect(view).not.toHaveProperty('secret');
    await service.stop();
  });

  test('when two replicas share the store, then one delivers each webhook, and the other resumes in order once the first dies', async () => {
    const ledger = new ContractLedger();
    const store = new MemoryStore();
    const leases = new LocalLeases();
    const options = { timeoutMs: 1_000, retryBaseMs: 5, retryCapMs: 20, allowTargets: ['127.0.0.1'], leaseTtlMs: 1_300, leaseRenewMs: 100 };
    // A crashed process hands nothing back: its leases only run out.
    const crashing = { acquire: leases.acquire.bind(leases), release: (): Promise<void> => Promise.resolve() };
    const a = new WebhookService({ ledger, store, leases: crashing, logger: silentLogger, metrics: new Metrics() }, options);
    const b = new WebhookService({ ledger, store, leases, logger: silentLogger, metrics: new Metrics() }, options);
    await a.startAll();
    await b.startAll();
    const registration = await a.register(clientA, { url });
    for (let n = 1; n <= 3; n += 1) ledger.emit('DataRegistered', { n });
    await until(() => received.length === 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(received.map((r) => JSON.parse(r.body).payload.n)).toEqual([1, 2, 3]);

    await a.stop();
    for (let n = 4; n <= 6; n += 1) ledger.emit('DataRegistered', { n });
    await until(() => received.length >= 6);
    await new Promise((r) => setTimeout(r, 300));
    expect(received.map((r) => JSON.parse(r.body).payload.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(received.map((r) => r.headers['kiseki-webhook-id']))).toEqual(new Set([registration.id]));
    await b.stop();
  });

  test('when a lease is held by another holder, then it is refused until it expires, and renewed by its holder', async () => {
    let now = 0;
    const leases = new LocalLeases(() => now);
    expect(await leases.acquire('w', 'a', 100)).toBe(true);
    expect(await leases.acquire('w', 'b', 100)).toBe(false);
    now = 50;
    expect(await leases.acquire('w', 'a', 100)).toBe(true);
    now = 140;
    expect(await leases.acquire('w', 'b', 100)).toBe(false);
    now = 151;
    expect(await leases.acquire('w', 'b', 100)).toBe(true);
    await leases.release('w', 'a');
    expect(await leases.acquire('w', 'a', 100)).toBe(false);
    await leases.release('w', 'b');
    expect(await leases.acquire('w', 'a', 100)).toBe(true);
  });

  describe('through the API, with a resolver that never leaves the machine', () => {
    let h: Harness;
    let answers: Record<string, string>;
    const lookups: string[] = [];
    const resolve: Resolver = (hostname) => {
      lookups.push(hostname);
      const address = answers[hostname];
      return address === undefined
        ? Promise.reject(new Error(`ENOTFOUND ${hostname}`))
        : Promise.resolve([{ address, family: address.includes(':') ? 6 : 4 }]);
    };
    beforeEach(async () => {
      answers = {};
      lookups.length = 0;
      h = await startHarness({
        resolve,
        webhookOptions: {
          timeoutMs: 1_000,
          retryBaseMs: 5,
          retryCapMs: 20,
          maxAttempts: 3,
          maxPerClient: 2,
          allowTargets: ['receiver.internal.test'],
        },
      });
    });
    afterEach(async () => {
      await h.close();
    });
    const register = (
      body: Record<string, unknown>,
      role: 'studio-operator' | 'auditor' | 'provider-agent' = 'studio-operator',
    ): Promise<Response> => h.call('POST', '/v1/webhooks', { role, body });

    test('when a webhook targets loopback, private or link-local addresses, then 400 and no connection is attempted', async () => {
      for (const target of [
        `https://127.0.0.1:${port}/hook`,
        `http://127.0.0.1:${port}/hook`,
        `https://[::1]:${port}/`,
        'https://169.254.169.254/latest',
        'https://10.1.2.3/',
        'https://[::ffff:127.0.0.1]/',
        'https://0.0.0.0/',
      ]) {
        const res = await register({ url: target });
        expect([target, res.status]).toEqual([target, 400]);
        expect((await json(res)).error.issues[0]).toMatchObject({ path: 'body.url', code: 'target_refused' });
      }
      expect(connections).toBe(0);
    });

    test('when a DNS name resolves to a private address, then 400 naming the address, and no connection is attempted', async () => {
      answers['hooks.example.test'] = '127.0.0.1';
      const res = await register({ url: `https://hooks.example.test:${port}/hook` });
      expect(res.status).toBe(400);
      expect((await json(res)).error.message).toContain('resolves to 127.0.0.1');
      expect(lookups).toEqual(['hooks.example.test']);
      expect(connections).toBe(0);
    });

    test('when a checked name later resolves to loopback (rebinding), then no delivery connects, and the webhook ends failed', async () => {
      answers['rebind.example.test'] = '203.0.114.10';
      expect(isPublicAddress('203.0.114.10')).toBe(true);
      const res = await register({ url: `https://rebind.example.test:${port}/hook` });
      expect(res.status).toBe(201);
      const { id } = await json(res);
      answers['rebind.example.test'] = '127.0.0.1';
      h.ledger.emit('DataRegistered', { n: 1 });
      await eventually(
        async () => (await json(await h.call('GET', `/v1/webhooks/${id as string}`, { role: 'studio-operator' }))).state === 'failed',
      );
      const view = await json(await h.call('GET', `/v1/webhooks/${id as string}`, { role: 'studio-operator' }));
      expect(view.failure).toMatchObject({ attempts: 3, lastError: expect.stringContaining('resolves to 127.0.0.1') });
      expect(view.checkpoint).toBeUndefined();
      expect(connections).toBe(0);
    });

    test('when deliveries keep failing, then the webhook is failed after its attempts, and resuming delivers the event it stopped at', async () => {
      answers['receiver.internal.test'] = '127.0.0.1';
      const res = await register({ url: `http://receiver.internal.test:${port}/hook` });
      expect(res.status).toBe(201);
      const { id } = await json(res);
      refuseNext = 100;
      h.ledger.emit('DataRegistered', { n: 7 });
      const path = `/v1/webhooks/${id as string}`;
      await eventually(async () => (await json(await h.call('GET', path, { role: 'studio-operator' }))).state === 'failed');
      expect((await json(await h.call('GET', path, { role: 'studio-operator' }))).failure).toMatchObject({
        attempts: 3,
        lastError: 'the receiver answered 500',
      });
      const attemptsBefore = 100 - refuseNext;
      await new Promise((r) => setTimeout(r, 100));
      expect(100 - refuseNext).toBe(attemptsBefore);
      expect(attemptsBefore).toBe(3);
      refuseNext = 0;
      const resumed = await h.call('POST', `${path}/resume`, { role: 'studio-operator' });
      expect(resumed.status).toBe(200);
      await eventually(() => Promise.resolve(received.length === 1));
      expect(JSON.parse((received[0] as { body: string }).body).payload).toEqual({ n: 7 });
      expect((await json(await h.call('GET', path, { role: 'studio-operator' }))).state).toBe('active');
      expect((await h.call('POST', `${path}/resume`, { role: 'studio-operator' })).status).toBe(409);
    });

    test('when another client reads, deletes or resumes a webhook, then 403; an auditor reads it and lists every client', async () => {
      answers['receiver.internal.test'] = '127.0.0.1';
      const { id } = await json(await register({ url: `http://receiver.internal.test:${port}/hook` }));
      const path = `/v1/webhooks/${id as string}`;
      expect((await h.call('GET', path, { role: 'provider-agent' })).status).toBe(403);
      expect((await h.call('DELETE', path, { role: 'provider-agent' })).status).toBe(403);
      expect((await h.call('POST', `${path}/resume`, { role: 'provider-agent' })).status).toBe(403);
      expect((await json(await h.call('GET', '/v1/webhooks', { role: 'provider-agent' }))).items).toEqual([]);
      expect((await h.call('GET', path, { role: 'auditor' })).status).toBe(200);
      expect((await json(await h.call('GET', '/v1/webhooks', { role: 'auditor' }))).items).toHaveLength(1);
      expect((await h.call('DELETE', path, { role: 'studio-operator' })).status).toBe(204);
    });

    test('when a client registers more webhooks than its limit, then 409 and the others still work', async () => {
      answers['receiver.internal.test'] = '127.0.0.1';
      const url2 = `http://receiver.internal.test:${port}/hook`;
      expect((await register({ url: url2 })).status).toBe(201);
      expect((await register({ url: url2 })).status).toBe(201);
      const third = await register({ url: url2 });
      expect(third.status).toBe(409);
      expect((await json(third)).error.message).toContain('at most 2 webhooks');
      expect((await register({ url: url2 }, 'provider-agent')).status).toBe(201);
    });

    test('when a studio asks to replay from block 0, then 403; an auditor may', async () => {
      answers['receiver.internal.test'] = '127.0.0.1';
      const target = `http://receiver.internal.test:${port}/hook`;
      expect((await register({ url: target, startBlock: '0' })).status).toBe(403);
      expect((await register({ url: target, startBlock: '0' }, 'auditor')).status).toBe(201);
      expect((await register({ url: target })).status).toBe(201);
    });
  });
});

async function eventually(condition: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
