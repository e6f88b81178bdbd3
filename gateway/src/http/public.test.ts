/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- response bodies are asserted as loose JSON */
import { createHash } from 'node:crypto';
import { AppError } from '../errors';
import { startHarness, type Harness } from '../testing/harness';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (res: Response): Promise<any> => res.json();
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const dataDigest = sha('cel one');
const outputDigest = sha('frame one');

/**
 * Through the real contracts: data item d-1 (disputed, with a private reason), and output o-1 of model
 * m-1, sealed on another item of the same provider. Answers the data record as the ledger holds it.
 */
async function withRecords(h: Harness): Promise<Record<string, unknown>> {
  await h.ledger.seed({ termsId: 't-1', providerId: 'prov-secret' });
  const studio = h.ledger.as('Studio1MSP');
  await studio.data.register({
    dataId: 'd-1',
    providerId: 'prov-secret',
    termsId: 't-1',
    contentDigest: dataDigest,
    mediaType: 'image/png',
    size: 7,
  });
  const { result: dataRecord } = await studio.data.setDisputed({ dataId: 'd-1', disputed: true, reason: 'private reason' });
  await h.ledger.sealedModel('m-1', ['d-2'], { providerId: 'prov-secret', termsId: 't-1' });
  await studio.outputs.register({ outputId: 'o-1', modelId: 'm-1', contentDigest: outputDigest, mediaType: 'image/png', rightsIds: [] });
  return dataRecord;
}

describe('lookup by content and the public verification surface', () => {
  let h: Harness;
  let dataRecord: Record<string, unknown>;
  let outputRecord: unknown;
  beforeAll(async () => {
    h = await startHarness({ publicVerification: { enabled: true, requestsPerMinute: 60, burst: 40, attestors: [] } });
    dataRecord = await withRecords(h);
    outputRecord = await h.services.reader.outputs.get('o-1');
  });
  afterAll(async () => {
    await h.close();
  });

  test('when a member looks a digest up, then the full record comes back; without a key, 401', async () => {
    const res = await h.call('GET', `/v1/lookup/${dataDigest}`, { role: 'auditor' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ contentDigest: dataDigest, data: dataRecord });
    expect((await h.call('GET', `/v1/lookup/${dataDigest}`)).status).toBe(401);
  });

  test('when a member uploads bytes to the lookup, then they are hashed, found, and nothing is stored', async () => {
    const res = await h.call('POST', '/v1/lookup', {
      role: 'auditor',
      raw: Buffer.from('frame one'),
      headers: { 'content-type': 'image/png' },
    });
    expect(res.status).toBe(200);
    expect((await json(res)).output).toEqual(outputRecord);
    expect(h.vault.objects.size).toBe(0);
  });

  test('when a digest is unknown, then 404 "not registered"', async () => {
    const res = await h.call('GET', `/v1/public/lookup/${sha('never')}`);
    expect(res.status).toBe(404);
    expect((await json(res)).error.message).toMatch(/^not registered/);
  });

  test('when anyone looks up public facts, then no confidential field is in the answer', async () => {
    const lookup = await json(await h.call('POST', '/v1/public/lookup', { raw: Buffer.from('cel one') }));
    expect(lookup).toEqual({
      contentDigest: dataDigest,
      registered: true,
      data: {
        dataId: 'd-1',
        contentDigest: dataDigest,
        mediaType: 'image/png',
        size: 7,
        status: 'disputed',
        collectorMsp: 'Studio1MSP',
        termsId: 't-1',
        createdAt: dataRecord.createdAt,
      },
    });
    const verdict = await json(await h.call('GET', '/v1/public/outputs/o-1/verification'));
    expect(verdict.verdict).toBe('authorized');
    const text = JSON.stringify([lookup, verdict]);
    for (const secret of ['prov-secret', 'rightsIds', 'private reason', 'dataPoolShareBps', 'statusReason'])
      expect(text).not.toContain(secret);
  });

  test('when a malformed digest is given, then 400', async () => {
    expect((await h.call('GET', '/v1/public/lookup/ABC')).status).toBe(400);
  });
});

describe('public surface limits', () => {
  test('when the surface is off, then its routes answer 404 and member routes still work', async () => {
    const h = await startHarness();
    await withRecords(h);
    try {
      const res = await h.call('GET', `/v1/public/lookup/${dataDigest}`);
      expect(res.status).toBe(404);
      expect((await h.call('GET', `/v1/lookup/${dataDigest}`, { role: 'auditor' })).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  test('when one address goes past the burst, then 429 with Retry-After', async () => {
    const h = await startHarness({ publicVerification: { enabled: true, requestsPerMinute: 1, burst: 3, attestors: [] } });
    await withRecords(h);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await h.call('GET', `/v1/public/lookup/${dataDigest}`)).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const res = await h.call('GET', `/v1/public/lookup/${dataDigest}`);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_REQUESTS');
      expect(new AppError('TOO_MANY_REQUESTS', 'x').httpStatus).toBe(429);
    } finally {
      await h.close();
    }
  });
});
