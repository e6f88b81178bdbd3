/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   response bodies are asserted as loose JSON */
import { createHash } from 'node:crypto';
import { json, startHarness, type Harness } from '../testing/harness';
import { allRoutes } from './routes';

/** Provider registration over the real contracts: one at a time and in batches (all or none). */

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

describe('provider batches', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ jsonMaxBytes: 1024 * 1024 });
  });
  afterEach(async () => {
    await h.close();
  });

  const batch = (
    items: unknown[],
    headers: Record<string, string> = {},
    role: 'studio-operator' | 'provider-agent' | 'auditor' | 'regulator' = 'studio-operator',
  ) => h.call('POST', '/v1/providers/batch', { role, body: { items }, headers });

  test('when a studio registers a batch, then one transaction carries every item, payout references as digests only', async () => {
    const res = await batch([
      { providerId: 'p-1', payoutRef: 'JP12 3456 7890' },
      { providerId: 'p-2', payoutRefDigest: sha256('wallet 42') },
    ]);
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.record).toEqual({ managingMsp: 'Studio1MSP', count: 2, createdAt: expect.any(String), providerIds: ['p-1', 'p-2'] });
    expect(res.headers.get('kiseki-transaction-id')).toBe(body.transactionId);
    expect(h.ledger.submitted).toHaveLength(1);
    expect(h.ledger.submitted[0]?.operation).toBe('providers:RegisterBatch');
    expect(h.ledger.submitted[0]?.request).toEqual({
      items: [
        { providerId: 'p-1', payoutRefDigest: sha256('JP12 3456 7890') },
        { providerId: 'p-2', payoutRefDigest: sha256('wallet 42') },
      ],
    });
    expect(JSON.stringify(h.ledger.submitted)).not.toContain('JP12');
    const read = await h.call('GET', '/v1/providers/p-2', { role: 'auditor' });
    expect(await json(read)).toMatchObject({ providerId: 'p-2', managingMsp: 'Studio1MSP' });
  });

  test('when items are malformed, then 400 names each bad field by its item and nothing is submitted', async () => {
    const res = await batch([
      { providerId: 'ok-1', payoutRefDigest: sha256('a') },
      { providerId: 'bad id', payoutRefDigest: sha256('b') },
      { providerId: 'ok-3' },
      { providerId: 'ok-4', payoutRef: 'x', payoutRefDigest: sha256('x') },
      { providerId: 'ok-5', payoutRefDigest: 'ABC' },
      { providerId: 'ok-6', payoutRef: 'y', memo: 'no' },
    ]);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe('INVALID');
    expect((body.error.issues as { path: string }[]).map((i) => i.path).sort()).toEqual([
      'body.items.1.providerId',
      'body.items.2.payoutRef',
      'body.items.3.payoutRef',
      'body.items.4.payoutRefDigest',
      'body.items.5',
    ]);
    expect(h.ledger.submitted).toHaveLength(0);
  });

  test('when the batch is empty or longer than 1000, then 400 and nothing is submitted', async () => {
    expect((await batch([])).status).toBe(400);
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ providerId: `p-${i}`, payoutRefDigest: sha256(String(i)) }));
    const res = await batch(tooMany);
    expect(res.status).toBe(400);
    expect((await json(res)).error.issues[0].path).toBe('body.items');
    expect((await batch(tooMany.slice(0, 1000))).status).toBe(201);
    expect(h.ledger.submitted).toHaveLength(1);
  });

  test('when one provider already exists, then 409 with the chaincode code and none of the batch is registered', async () => {
    expect((await batch([{ providerId: 'p-1', payoutRef: 'a' }])).status).toBe(201);
    const res = await batch([
      { providerId: 'p-2', payoutRef: 'b' },
      { providerId: 'p-1', payoutRef: 'c' },
    ]);
    expect(res.status).toBe(409);
    expect((await json(res)).error).toMatchObject({
      code: 'CONFLICT',
      message: 'CONFLICT: registration refused: provider p-1 already exists',
    });
    expect((await h.call('GET', '/v1/providers/p-2', { role: 'auditor' })).status).toBe(404);
  });

  test('when a batch is retried with the same Idempotency-Key, then the first result is returned and it is submitted once; another body under that key is 422', async () => {
    const items = [{ providerId: 'p-1', payoutRef: 'a' }];
    const first = await batch(items, { 'idempotency-key': 'b-1' });
    const second = await batch(items, { 'idempotency-key': 'b-1' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(second)).toEqual(await json(first));
    expect(h.ledger.submitted).toHaveLength(1);
    expect((await batch([{ providerId: 'p-9', payoutRef: 'z' }], { 'idempotency-key': 'b-1' })).status).toBe(422);
  });

  test('when a provider agent registers, then it may; the auditor and the regulator get 403 and nothing is submitted', async () => {
    expect((await batch([{ providerId: 'p-1', payoutRef: 'a' }], {}, 'provider-agent')).status).toBe(201);
    expect((await batch([{ providerId: 'p-2', payoutRef: 'a' }], {}, 'auditor')).status).toBe(403);
    expect((await batch([{ providerId: 'p-3', payoutRef: 'a' }], {}, 'regulator')).status).toBe(403);
    expect(h.ledger.submitted).toHaveLength(1);
  });

  test('when documented, then the batch route has its body, roles and the Idempotency-Key header', () => {
    const { openApi } = allRoutes();
    const op = (
      openApi.paths as Record<
        string,
        Record<string, { operationId: string; parameters: { name: string }[]; 'x-kiseki-roles': string[]; requestBody?: unknown }>
      >
    )['/v1/providers/batch']?.post;
    expect(op?.operationId).toBe('registerProviders');
    expect(op?.parameters.map((p) => p.name)).toContain('Idempotency-Key');
    expect(op?.['x-kiseki-roles']).toEqual(['studio-operator', 'provider-agent']);
    expect(op?.requestBody).toBeDefined();
  });
});
