/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call --
   response bodies are asserted as loose JSON */
import { jsonDeeperThan } from './app';
import { createHash } from 'node:crypto';
import { AppError } from '../errors';
import { json, startHarness, type Harness } from '../testing/harness';
import { reapStaging } from '../use-cases/reaper';
import { Metrics } from '../metrics';
import { silentLogger } from '../logger';

/** Routing, auth, validation, uploads, idempotency and error mapping, over the real contracts on the in-memory ledger. */

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('gateway HTTP API', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ uploadMaxBytes: 1024 });
    await h.ledger.seed();
  });
  afterEach(async () => {
    await h.close();
  });

  const upload = (id: string, bytes: Buffer | string, extra: Record<string, string> = {}, query = '') =>
    h.call('POST', `/v1/data?dataId=${id}&providerId=p1&termsId=t1${query}`, {
      role: 'studio-operator',
      raw: bytes,
      headers: { 'content-type': 'image/png', ...extra },
    });

  test('when no API key is given, then 401 with a stable error body', async () => {
    const res = await h.call('GET', '/v1/data/d1');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect(await json(res)).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
  });

  test('when the key is unknown, then 401', async () => {
    const res = await h.call('GET', '/v1/data/d1', { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
  });

  test('when the regulator tries to write, then 403 and nothing reaches the ledger or the vault', async () => {
    const res = await h.call('POST', '/v1/data?dataId=d1&providerId=p1&termsId=t1', {
      role: 'regulator',
      raw: 'x',
      headers: { 'content-type': 'image/png' },
    });
    expect(res.status).toBe(403);
    expect((await json(res)).error.code).toBe('FORBIDDEN');
    expect(h.ledger.submitted).toHaveLength(0);
    expect(h.vault.objects.size + h.vault.staged.size).toBe(0);
  });

  test('when an auditor reads, then the record comes back', async () => {
    await upload('d1', 'hello');
    const res = await h.call('GET', '/v1/data/d1', { role: 'auditor' });
    expect(res.status).toBe(200);
    expect((await json(res)).dataId).toBe('d1');
  });

  test('when data is uploaded, then the digest goes on chain, the object is promoted and the client is recorded', async () => {
    const bytes = Buffer.from('pixels of a cel');
    const res = await upload('d1', bytes);
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.content).toEqual({ key: 'data/d1', digest: sha256(bytes), size: bytes.length });
    expect(body.transactionId).toMatch(/^[0-9a-f]{64}$/);
    expect(res.headers.get('kiseki-transaction-id')).toBe(body.transactionId);
    expect(h.ledger.submitted[0]?.request).toEqual({
      dataId: 'd1',
      providerId: 'p1',
      termsId: 't1',
      contentDigest: sha256(bytes),
      mediaType: 'image/png',
      size: bytes.length,
    });
    expect(h.ledger.submitted[0]?.context.clientId).toBe('client-studio-operator');
    expect(h.vault.objects.get('data/d1')?.bytes.equals(bytes)).toBe(true);
    expect(h.vault.staged.size).toBe(0);
    const tx = await h.call('GET', `/v1/transactions/${body.transactionId as string}`, { role: 'auditor' });
    expect(await json(tx)).toMatchObject({ status: 'committed', operation: 'data:Register', clientId: 'client-studio-operator' });
  });

  test('when the upload exceeds the limit, then 413 and nothing is kept anywhere', async () => {
    const res = await upload('big', Buffer.alloc(2048, 1));
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(h.ledger.submitted).toHaveLength(0);
    expect(h.vault.objects.size + h.vault.staged.size).toBe(0);
  });

  test('when the upload streams past the limit without a declared length, then 413 and nothing is kept', async () => {
    function* chunks(): Generator<Buffer> {
      for (let i = 0; i < 8; i += 1) yield Buffer.alloc(512, i);
    }
    const res = await h.call('POST', '/v1/data?dataId=big&providerId=p1&termsId=t1', {
      role: 'studio-operator',
      raw: ReadableStream.from(chunks()) as unknown as RequestInit['body'],
      headers: { 'content-type': 'image/png' },
    });
    expect(res.status).toBe(413);
    expect(h.vault.objects.size + h.vault.staged.size).toBe(0);
  });

  test('when the content type is missing, then 415', async () => {
    const res = await h.call('POST', '/v1/data?dataId=d1&providerId=p1&termsId=t1', {
      role: 'studio-operator',
      raw: 'x',
      headers: { 'content-type': '' },
    });
    expect(res.status).toBe(415);
  });

  test('when query fields are missing or malformed, then 400 with field-level issues', async () => {
    const res = await h.call('POST', '/v1/data?dataId=bad%20id&termsId=t1', {
      role: 'studio-operator',
      raw: 'x',
      headers: { 'content-type': 'image/png' },
    });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe('INVALID');
    expect(body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['query.dataId', 'query.providerId']);
    expect(h.vault.staged.size).toBe(0);
  });

  test('when the chaincode refuses (wrong state), then 409 and the staged bytes are discarded', async () => {
    await h.ledger.seed({ termsId: 'gone', providerId: 'p2', withdrawn: true });
    const res = await h.call('POST', '/v1/data?dataId=d2&providerId=p2&termsId=gone', {
      role: 'studio-operator',
      raw: 'abc',
      headers: { 'content-type': 'image/png' },
    });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ error: { code: 'STATE', message: 'STATE: registration refused: terms gone were withdrawn' } });
    expect(h.vault.objects.size + h.vault.staged.size).toBe(0);
  });

  test('when the same bytes are registered twice, then 409 CONFLICT and the first object stays', async () => {
    expect((await upload('d1', 'same')).status).toBe(201);
    const res = await upload('d2', 'same');
    expect(res.status).toBe(409);
    expect(h.vault.objects.has('data/d1')).toBe(true);
    expect(h.vault.objects.has('data/d2')).toBe(false);
  });

  test('when the dataId exists, then 409 before any byte is stored', async () => {
    await upload('d1', 'one');
    const res = await upload('d1', 'two');
    expect(res.status).toBe(409);
    expect(h.ledger.submitted).toHaveLength(1);
  });

  test('when the peer is unreachable, then 503 and no vault leftovers', async () => {
    h.ledger.failSubmitWith = new AppError('UNAVAILABLE', "the org's peer is unreachable");
    const res = await upload('d1', 'bytes');
    expect(res.status).toBe(503);
    expect(h.vault.objects.size + h.vault.staged.size).toBe(0);
  });

  test('when the vault is down, then 503 and nothing is submitted', async () => {
    h.vault.down = true;
    const res = await upload('d1', 'bytes');
    expect(res.status).toBe(503);
    expect(h.ledger.submitted).toHaveLength(0);
  });

  test('when the commit outcome is unknown, then 504 with the transaction ID and the reaper settles the upload', async () => {
    h.ledger.failSubmitWith = new AppError('TIMEOUT', 'timed out', { outcomeUnknown: true });
    const res = await upload('d1', 'bytes');
    expect(res.status).toBe(504);
    const body = await json(res);
    expect(body.error.transactionId).toMatch(/^[0-9a-f]{64}$/);
    expect(h.vault.staged.size).toBe(1);
    const counts = await reapStaging(
      { vault: h.vault, ledger: h.ledger, metrics: new Metrics(), logger: silentLogger, maxAgeMs: 0 },
      Date.now() + 1000,
    );
    expect(counts).toEqual({ promoted: 0, discarded: 1, skipped: 0 });
    expect(h.vault.staged.size + h.vault.objects.size).toBe(0);
  });

  test('when the commit timed out but the record did commit, then the reaper promotes the staged upload', async () => {
    h.ledger.failAfterCommitWith = new AppError('TIMEOUT', 'the commit status is unknown', { outcomeUnknown: true });
    const res = await upload('d1', 'late bytes');
    expect(res.status).toBe(504);
    expect(h.vault.objects.has('data/d1')).toBe(false);
    const counts = await reapStaging(
      { vault: h.vault, ledger: h.ledger, metrics: new Metrics(), logger: silentLogger, maxAgeMs: 0 },
      Date.now() + 1000,
    );
    expect(counts).toEqual({ promoted: 1, discarded: 0, skipped: 0 });
    expect(h.vault.objects.get('data/d1')?.bytes.toString()).toBe('late bytes');
  });

  test('when the ledger cannot be asked, then the reaper decides nothing', async () => {
    h.ledger.failSubmitWith = new AppError('TIMEOUT', 'timed out', { outcomeUnknown: true });
    await upload('d1', 'bytes');
    h.ledger.failWith = new AppError('UNAVAILABLE', 'peer down');
    const counts = await reapStaging(
      { vault: h.vault, ledger: h.ledger, metrics: new Metrics(), logger: silentLogger, maxAgeMs: 0 },
      Date.now() + 1000,
    );
    expect(counts).toEqual({ promoted: 0, discarded: 0, skipped: 1 });
    expect(h.vault.staged.size).toBe(1);
  });

  test('when a POST is retried with the same Idempotency-Key, then the first result is returned and one record exists', async () => {
    const first = await upload('d1', 'once', { 'idempotency-key': 'k-1' });
    const second = await upload('d1', 'once', { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(second)).toEqual(await json(first));
    expect(h.ledger.submitted).toHaveLength(1);
  });

  test('when an Idempotency-Key is reused for another request, then 422', async () => {
    await upload('d1', 'once', { 'idempotency-key': 'k-2' });
    const res = await upload('d9', 'other', { 'idempotency-key': 'k-2' });
    expect(res.status).toBe(422);
  });

  test('when an upload is retried with the same Idempotency-Key but different bytes, then 422 and nothing more is stored', async () => {
    const first = await upload('d1', 'first bytes', { 'idempotency-key': 'k-3' });
    expect(first.status).toBe(201);
    const res = await upload('d1', 'other bytes', { 'idempotency-key': 'k-3' });
    expect(res.status).toBe(422);
    expect((await json(res)).error).toMatchObject({ code: 'IDEMPOTENCY_MISMATCH', message: expect.stringContaining('different content') });
    expect(h.ledger.submitted).toHaveLength(1);
    const again = await upload('d1', 'first bytes', { 'idempotency-key': 'k-3' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  test('when two requests with one Idempotency-Key run at once, then one runs and the other gets 409', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    expect((await upload('d1', 'to revoke')).status).toBe(201);
    const slow = h.ledger.submit.bind(h.ledger);
    h.ledger.submit = async (...args) => {
      await gate;
      return slow(...args);
    };
    const send = () =>
      h.call('POST', '/v1/data/d1/consent/revoke', {
        role: 'provider-agent',
        body: { reason: 'asked' },
        headers: { 'idempotency-key': 'k-3' },
      });
    const a = send();
    await new Promise((r) => setTimeout(r, 50));
    const b = await send();
    expect(b.status).toBe(409);
    expect((await json(b)).error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    release();
    expect((await a).status).toBe(200);
  });

  test('when the JSON body is malformed, then 400 and nothing is submitted', async () => {
    const res = await h.call('POST', '/v1/data/d1/consent/revoke', { role: 'provider-agent', body: '{"reason": ' });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatchObject({ code: 'INVALID', message: 'the request body is not valid JSON' });
    expect(h.ledger.submitted).toHaveLength(0);
  });

  test('when a field has the wrong type or is unknown, then 400 naming each field', async () => {
    const res = await h.call('POST', '/v1/models', { role: 'studio-operator', body: { modelId: 7, extra: true } });
    expect(res.status).toBe(400);
    const issues = (await json(res)).error.issues as { path: string }[];
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['body.modelId', 'body']));
  });

  test('when the JSON body is sent as text/plain, then 415', async () => {
    const res = await h.call('POST', '/v1/data/d1/consent/revoke', {
      role: 'provider-agent',
      body: '{"reason":"x"}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
  });

  test('when a JSON body is too large, then 413', async () => {
    const res = await h.call('POST', '/v1/data/d1/consent/revoke', { role: 'provider-agent', body: { reason: 'x'.repeat(70_000) } });
    expect(res.status).toBe(413);
  });

  test('when a JSON body nests arrays thirty thousand deep in a field that takes a list of objects, then 400 naming the depth', async () => {
    const deep = `{"rightsId":"r1","holders":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    const res = await h.call('POST', '/v1/rights', { role: 'studio-operator', body: deep });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatchObject({ code: 'INVALID', issues: [{ path: 'body', code: 'too_deep' }] });
    expect(h.ledger.submitted).toHaveLength(0);
  });

  test('when a JSON body names an unsupported charset, then 415 with the standard error body', async () => {
    const res = await h.call('POST', '/v1/models', {
      role: 'studio-operator',
      body: '{"modelId":"m"}',
      headers: { 'content-type': 'application/json; charset=bogus' },
    });
    expect(res.status).toBe(415);
    expect((await json(res)).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  test('when a path parameter is malformed percent-encoding, then 400', async () => {
    const res = await h.call('GET', '/v1/data/%E0%A4%A', { role: 'auditor' });
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe('INVALID');
  });

  test('when the depth scan meets brackets inside strings, then they do not count', () => {
    expect(jsonDeeperThan(Buffer.from(`{"a":"${'['.repeat(100)}\\"}`), 3)).toBe(false);
    expect(jsonDeeperThan(Buffer.from('[[[[1]]]]'), 3)).toBe(true);
    expect(jsonDeeperThan(Buffer.from('[[[1]]]'), 3)).toBe(false);
  });

  test('when a record is unknown, then 404 from the chaincode code', async () => {
    const res = await h.call('GET', '/v1/data/nope', { role: 'auditor' });
    expect(res.status).toBe(404);
    expect((await json(res)).error.message).toBe('NOT_FOUND: data item nope does not exist');
  });

  test('when a route does not exist, then 404 JSON', async () => {
    const res = await h.call('GET', '/v2/nothing');
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('NOT_FOUND');
  });

  test('when health, readiness and metrics are asked, then they answer without a key', async () => {
    expect((await h.call('GET', '/healthz')).status).toBe(200);
    expect(await json(await h.call('GET', '/readyz'))).toMatchObject({ status: 'ready' });
    h.vault.down = true;
    const notReady = await h.call('GET', '/readyz');
    expect(notReady.status).toBe(503);
    expect((await json(notReady)).checks.vault.ok).toBe(false);
    const metrics = await (await h.call('GET', '/metrics')).text();
    expect(metrics).toContain('kiseki_http_requests_total{method="GET",route="/healthz",status="200"} 1');
  });

  test('when a request id is sent, then it is echoed', async () => {
    const res = await h.call('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
  });

  test('when content is asked by an entitled role, then a presigned URL is returned; other roles get 403', async () => {
    await upload('d1', 'bytes');
    const ok = await h.call('GET', '/v1/data/d1/content', { role: 'studio-operator' });
    expect(ok.status).toBe(200);
    expect((await json(ok)).url).toContain('data/d1');
    expect((await h.call('GET', '/v1/data/d1/content', { role: 'auditor' })).status).toBe(403);
  });
});
