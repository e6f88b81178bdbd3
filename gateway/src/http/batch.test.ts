/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   response bodies are asserted as loose JSON */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { AppError } from '../errors';
import { json, startHarness, type Harness } from '../testing/harness';
import { BATCH_MEDIA_TYPE, encodeFrame, readFrames } from '../use-cases/batch-frames';
import { reapBatches, submitBisecting } from '../use-cases/batch-register';
import { SessionService } from '../use-cases/batch-sessions';
import { Metrics } from '../metrics';
import { silentLogger } from '../logger';

/** Batch uploads, digest-only registration, upload sessions and bulk attestation over the real contracts. */

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const body = (items: { header: Record<string, unknown>; bytes: Buffer }[]): Buffer =>
  Buffer.concat(items.flatMap((i) => encodeFrame(i.header, i.bytes)));
const item = (dataId: string, bytes: Buffer, extra: Record<string, unknown> = {}): { header: Record<string, unknown>; bytes: Buffer } => ({
  header: { dataId, providerId: 'p1', termsId: 't1', mediaType: 'image/png', ...extra },
  bytes,
});

/** Parses an NDJSON answer: the item lines by dataId, and the last line. */
async function lines(res: Response): Promise<{ byId: Record<string, any>; last: any; all: any[] }> {
  const all = (await res.text())
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
  const byId: Record<string, any> = {};
  for (const line of all) if (typeof line.dataId === 'string') byId[line.dataId] = line;
  return { byId, last: all[all.length - 1], all };
}

describe('the batch stream format', () => {
  test('when items arrive split at any byte, then each is read whole, and an oversized one is skipped', async () => {
    const stream = body([item('a', Buffer.from('hello')), item('b', Buffer.alloc(50, 1)), item('c', Buffer.from('x'))]);
    const pieces = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    const frames = [];
    for await (const frame of readFrames(Readable.from(pieces), 10)) frames.push(frame);
    expect(frames.map((f) => [f.header.dataId, f.bytes?.toString()])).toEqual([
      ['a', 'hello'],
      ['b', undefined],
      ['c', 'x'],
    ]);
  });

  test('when the stream ends inside an item, then INVALID', async () => {
    const stream = body([item('a', Buffer.from('hello'))]).subarray(0, -2);
    await expect(async () => {
      for await (const frame of readFrames(Readable.from([stream]), 10)) expect(frame).toBeDefined();
    }).rejects.toThrow('ended after');
  });
});

describe('bisection', () => {
  test('when some items are refused, then the others are submitted and each refused one is isolated', async () => {
    const bad = new Set([3, 7]);
    const calls: number[][] = [];
    const attempts = await submitBisecting([0, 1, 2, 3, 4, 5, 6, 7, 8], (group) => {
      calls.push(group);
      if (group.some((n) => bad.has(n))) return Promise.reject(new AppError('CONFLICT', 'taken'));
      return Promise.resolve({ result: null, transactionId: 'tx', blockNumber: '1' });
    });
    const ok = attempts.filter((a) => a.result !== undefined).flatMap((a) => a.items);
    const refused = attempts.filter((a) => a.error !== undefined).flatMap((a) => a.items);
    expect(ok.sort()).toEqual([0, 1, 2, 4, 5, 6, 8]);
    expect(refused.sort()).toEqual([3, 7]);
  });

  test('when the ledger is unavailable, then nothing more is tried', async () => {
    let calls = 0;
    const attempts = await submitBisecting([1, 2, 3], () => {
      calls += 1;
      return Promise.reject(new AppError('UNAVAILABLE', 'down'));
    });
    expect(calls).toBe(1);
    expect(attempts).toEqual([expect.objectContaining({ items: [1, 2, 3], tried: true })]);
  });
});

describe('batch uploads', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ uploadMaxBytes: 1024 });
    await h.ledger.seed();
  });
  afterEach(async () => {
    await h.close();
  });

  const upload = (raw: Buffer, query = ''): Promise<Response> =>
    h.call('POST', `/v1/data/batch${query}`, { role: 'studio-operator', raw, headers: { 'content-type': BATCH_MEDIA_TYPE } });

  test('when a batch mixes good and bad items, then each is answered on its own and only good ones are kept', async () => {
    await h.ledger.registerData(['taken']);
    const before = h.ledger.emitted.length;
    const dup = Buffer.from('same bytes');
    const res = await upload(
      body([
        item('good-1', Buffer.from('one')),
        item('dup-digest-a', dup),
        item('dup-digest-b', dup),
        item('taken', Buffer.from('new bytes for a taken id')),
        item('unknown-provider', Buffer.from('two'), { providerId: 'nobody' }),
        item('too-large', Buffer.alloc(2048, 7)),
        item('unknown-terms', Buffer.from('three'), { termsId: 'no-terms' }),
        item('bad-digest', Buffer.from('four'), { contentDigest: 'a'.repeat(64) }),
        item('good-2', Buffer.from('five')),
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const { byId, last } = await lines(res);
    expect(byId['good-1'].status).toBe('registered');
    expect(byId['good-2'].status).toBe('registered');
    expect(byId['dup-digest-a'].status).toBe('registered');
    expect(byId['dup-digest-b']).toMatchObject({ status: 'duplicate', error: { code: 'CONFLICT' } });
    expect(byId.taken).toMatchObject({ status: 'duplicate', error: { code: 'CONFLICT' } });
    expect(byId['unknown-provider']).toMatchObject({ status: 'refused', error: { code: 'NOT_FOUND' } });
    expect(byId['unknown-terms']).toMatchObject({ status: 'refused', error: { code: 'NOT_FOUND' } });
    expect(byId['too-large']).toMatchObject({ status: 'refused', error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(byId['bad-digest']).toMatchObject({ status: 'refused', error: { code: 'INVALID' } });
    expect(last.summary).toMatchObject({ received: 9, registered: 3, duplicate: 2, refused: 4 });
    // The good items live in one pack holding their bytes alone; nothing else is kept.
    expect(await h.services.packs.packedIds()).toEqual(['dup-digest-a', 'good-1', 'good-2']);
    expect((await h.services.packs.read('good-1'))?.toString()).toBe('one');
    const keys = [...h.vault.objects.keys()];
    expect(keys.filter((k) => !k.startsWith('packs/'))).toEqual([]);
    const bins = keys.filter((k) => k.endsWith('.bin'));
    expect(bins).toHaveLength(1);
    expect(h.vault.objects.get(bins[0] as string)?.bytes.toString()).toBe('onesame bytesfive');
    // Committed transactions (refused ones emit nothing) carry each good item once.
    const committedIds = h.ledger.emitted.slice(before).flatMap((e) => (e.payload as { dataIds: string[] }).dataIds);
    expect(committedIds.sort()).toEqual(['dup-digest-a', 'good-1', 'good-2']);
  });

  test('when the same batch is sent again, then its items come back registered (existing), not twice', async () => {
    const raw = body([item('r-1', Buffer.from('one')), item('r-2', Buffer.from('two'))]);
    await (await upload(raw)).text();
    const { byId, last } = await lines(await upload(raw));
    expect(byId['r-1']).toMatchObject({ status: 'registered', existing: true });
    expect(last.summary.registered).toBe(2);
    const registered = h.ledger.emitted.flatMap((e) => (e.payload as { dataIds?: string[] } | undefined)?.dataIds ?? []);
    expect(registered.filter((dataId) => dataId.startsWith('r-')).sort()).toEqual(['r-1', 'r-2']);
    expect(await h.services.reader.data.get('r-2')).toMatchObject({ dataId: 'r-2', collectorMsp: 'Studio1MSP' });
  });

  test('when the ledger is down, then every item fails and the vault keeps nothing', async () => {
    h.ledger.failSubmitWith = new AppError('UNAVAILABLE', 'peer down');
    const { byId } = await lines(await upload(body([item('x-1', Buffer.from('one'))])));
    expect(byId['x-1']).toMatchObject({ status: 'failed', error: { code: 'UNAVAILABLE' } });
    expect([...h.vault.objects.keys()]).toEqual([]);
  });

  test('when the outcome is unknown, then the item is pending and the reaper settles the pack against the ledger', async () => {
    h.ledger.failSubmitWith = new AppError('TIMEOUT', 'commit timed out', { outcomeUnknown: true });
    const { byId } = await lines(await upload(body([item('u-1', Buffer.from('one')), item('u-2', Buffer.from('two'))])));
    expect(byId['u-1']).toMatchObject({ status: 'pending', error: { code: 'TIMEOUT' } });
    expect([...h.vault.objects.keys()].some((k) => k.startsWith('batches/'))).toBe(true);
    // It did commit after all, for one of the two.
    h.ledger.failSubmitWith = undefined;
    await h.ledger.as('Studio1MSP').data.register({
      dataId: 'u-1',
      providerId: 'p1',
      termsId: 't1',
      contentDigest: sha256(Buffer.from('one')),
      mediaType: 'image/png',
      size: 3,
    });
    const counts = await reapBatches(
      { vault: h.vault, packs: h.services.packs, ledger: h.ledger, metrics: new Metrics(), logger: silentLogger, maxAgeMs: 0 },
      Date.now() + 1000,
    );
    expect(counts).toMatchObject({ settled: 1, promoted: 1 });
    expect(await h.services.packs.packedIds()).toEqual(['u-1']);
    expect((await h.services.packs.read('u-1'))?.toString()).toBe('one');
    const keys = [...h.vault.objects.keys()];
    expect(keys.filter((k) => !k.startsWith('packs/'))).toEqual([]);
    expect(h.vault.objects.get(keys.find((k) => k.endsWith('.bin')) as string)?.bytes.toString()).toBe('one');
  });

  test('when a packed item is downloaded, then it is written out from its pack and a tampered pack is refused', async () => {
    const { byId } = await lines(await upload(body([item('p-1', Buffer.from('first')), item('p-2', Buffer.from('second'))])));
    expect(byId['p-2'].status).toBe('registered');
    expect(await h.services.packs.materialize('p-2')).toBe(true);
    expect(h.vault.objects.get('data/p-2')?.bytes.toString()).toBe('second');
    const bin = [...h.vault.objects.entries()].find(([k]) => k.endsWith('.bin'));
    if (bin === undefined) throw new Error('no pack');
    h.vault.objects.set(bin[0], { ...bin[1], bytes: Buffer.from('FIRSTsecond') });
    await expect(h.services.packs.materialize('p-1')).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(h.vault.objects.has('data/p-1')).toBe(false);
  });

  test('when the body is not a batch stream, then 415', async () => {
    const res = await h.call('POST', '/v1/data/batch', { role: 'studio-operator', raw: 'x', headers: { 'content-type': 'image/png' } });
    expect(res.status).toBe(415);
  });

  test('when an auditor sends a batch, then 403', async () => {
    const res = await h.call('POST', '/v1/data/batch', {
      role: 'auditor',
      raw: body([item('a', Buffer.from('1'))]),
      headers: { 'content-type': BATCH_MEDIA_TYPE },
    });
    expect(res.status).toBe(403);
  });

  test('when content is already in the inbox, then it is registered by digest; a wrong digest is refused and not copied', async () => {
    await h.vault.put('inbox/a.png', Buffer.from('inbox a'), 'image/png');
    await h.vault.put('inbox/b.png', Buffer.from('inbox b'), 'image/png');
    const res = await h.call('POST', '/v1/data/registrations', {
      role: 'studio-operator',
      body: {
        items: [
          {
            dataId: 'in-a',
            providerId: 'p1',
            termsId: 't1',
            mediaType: 'image/png',
            key: 'inbox/a.png',
            contentDigest: sha256(Buffer.from('inbox a')),
          },
          { dataId: 'in-b', providerId: 'p1', termsId: 't1', mediaType: 'image/png', key: 'inbox/b.png', contentDigest: 'b'.repeat(64) },
          { dataId: 'in-c', providerId: 'p1', termsId: 't1', mediaType: 'image/png', key: 'inbox/missing', contentDigest: 'c'.repeat(64) },
        ],
      },
    });
    expect(res.status).toBe(200);
    const answer = await json(res);
    expect(answer.items.map((i: { status: string }) => i.status)).toEqual(['registered', 'refused', 'refused']);
    expect(answer.items[2].error.code).toBe('NOT_FOUND');
    expect(h.vault.objects.get('data/in-a')?.bytes.toString()).toBe('inbox a');
    expect(h.vault.objects.has('data/in-b')).toBe(false);
  });

  test('when a session is filled in two requests and committed twice, then each item is registered once', async () => {
    const created = await json(await h.call('POST', '/v1/data/sessions', { role: 'studio-operator' }));
    const path = `/v1/data/sessions/${created.sessionId}`;
    const add = (raw: Buffer): Promise<Response> =>
      h.call('POST', `${path}/items?providerId=p1&termsId=t1`, {
        role: 'studio-operator',
        raw,
        headers: { 'content-type': BATCH_MEDIA_TYPE },
      });
    const first = await lines(await add(body([{ header: { dataId: 's-1', mediaType: 'image/png' }, bytes: Buffer.from('one') }])));
    expect(first.byId['s-1'].status).toBe('staged');
    await (await add(body([{ header: { dataId: 's-2', mediaType: 'image/png' }, bytes: Buffer.from('two') }]))).text();
    expect(await json(await h.call('GET', path, { role: 'studio-operator' }))).toMatchObject({ state: 'open', counts: { staged: 2 } });
    // Another client does not see the session.
    expect((await h.call('GET', path, { role: 'licensor-operator' })).status).toBe(403);

    const committed = await lines(await h.call('POST', `${path}/commit`, { role: 'studio-operator' }));
    expect(committed.byId['s-1'].status).toBe('registered');
    expect(committed.last.session.state).toBe('committed');
    expect((await h.call('POST', `${path}/commit`, { role: 'studio-operator' })).status).toBe(409);
    expect(h.vault.objects.get('data/s-2')?.bytes.toString()).toBe('two');
    expect([...h.vault.objects.keys()].filter((k) => k.startsWith('sessions/') || k.startsWith('batches/'))).toEqual([]);
    expect(h.ledger.submitted.filter((s) => s.operation === 'data:RegisterBatch')).toHaveLength(1);
  });

  test('when a bulk attestation is sent unsorted, then it is attested in order; a refused later chunk leaves the earlier ones', async () => {
    const ids = Array.from({ length: 1500 }, (_, i) => `d${String(i).padStart(5, '0')}`);
    await h.ledger.registerData(ids);
    await h.ledger.as('Studio1MSP').models.register({ modelId: 'm1' });
    const res = await h.call('POST', '/v1/models/m1/training-batches/bulk', {
      role: 'studio-operator',
      body: { dataIds: [...ids].reverse() },
    });
    expect(await json(res)).toMatchObject({ complete: true, attested: 1500, remaining: 0 });
    const more = Array.from({ length: 1500 }, (_, i) => `e${String(i).padStart(5, '0')}`);
    await h.ledger.registerData(more.filter((id) => id !== 'e01200'));
    const partial = await json(
      await h.call('POST', '/v1/models/m1/training-batches/bulk', { role: 'studio-operator', body: { dataIds: more } }),
    );
    expect(partial).toMatchObject({ complete: false, attested: 1000, remaining: 500, error: { code: 'NOT_FOUND' } });
  }, 60_000);

  test('when revenue reports are sent in bulk, then each is recorded in its own transaction and answered on its own', async () => {
    await h.ledger.sealedModel('m-rev', ['rev-1', 'rev-2']);
    const report = (reference: string, subjectId = 'm-rev'): Record<string, string> => ({
      subjectId,
      amount: '1000',
      currency: 'JPY',
      reference,
    });
    const res = await h.call('POST', '/v1/revenue/bulk', {
      role: 'studio-operator',
      body: { items: [report('r1'), report('r1'), report('r2', 'missing'), report('r3')] },
    });
    expect(res.status).toBe(200);
    const answer = await json(res);
    expect(answer.items.map((i: { status: string }) => i.status).sort()).toEqual(['duplicate', 'recorded', 'recorded', 'refused']);
    expect(answer.items[2]).toMatchObject({ reference: 'r2', status: 'refused', error: { code: 'NOT_FOUND' } });
    expect(h.ledger.emitted.filter((e) => e.eventName === 'RevenueRecorded')).toHaveLength(2);
  });

  test('when a session is older than its time to live, then the reaper drops it and its staged content', async () => {
    const created = await json(await h.call('POST', '/v1/data/sessions', { role: 'studio-operator' }));
    const add = await h.call('POST', `/v1/data/sessions/${created.sessionId}/items?providerId=p1&termsId=t1`, {
      role: 'studio-operator',
      raw: body([{ header: { dataId: 'old-1', mediaType: 'image/png' }, bytes: Buffer.from('old') }]),
      headers: { 'content-type': BATCH_MEDIA_TYPE },
    });
    await add.text();
    const sessions = new SessionService(h.store, h.vault);
    expect(await sessions.expire(60_000)).toBe(0);
    expect(await sessions.expire(60_000, Date.now() + 120_000)).toBe(1);
    expect([...h.vault.objects.keys()]).toEqual([]);
    expect((await h.call('GET', `/v1/data/sessions/${created.sessionId}`, { role: 'studio-operator' })).status).toBe(404);
  });
});
