/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- response bodies are asserted as loose JSON */
import { createHash } from 'node:crypto';
import { AppError } from '../errors';
import { startHarness, type Harness } from '../testing/harness';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (res: Response): Promise<any> => res.json();
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const dataDigest = sha('cel one');
const outputDigest = sha('frame one');
const dataRecord = {
  docType: 'data',
  dataId: 'd-1',
  providerId: 'prov-secret',
  collectorMsp: 'Studio1MSP',
  termsId: 't-1',
  contentDigest: dataDigest,
  mediaType: 'image/png',
  size: 7,
  status: 'active',
  statusReason: 'private reason',
  createdAt: '2025-01-01T00:00:00.000Z',
  createdBy: 'Studio1MSP',
};
const outputRecord = {
  docType: 'output',
  outputId: 'o-1',
  modelId: 'm-1',
  ownerMsp: 'Studio1MSP',
  contentDigest: outputDigest,
  mediaType: 'image/png',
  rightsIds: ['rights-secret'],
  createdAt: '2025-01-02T00:00:00.000Z',
  createdBy: 'Studio1MSP',
};

function withRecords(h: Harness): void {
  const notFound = (): never => {
    throw new Error('NOT_FOUND: nothing');
  };
  h.ledger.onRead('data:GetByDigest', ([digest]) => (digest === dataDigest ? dataRecord : notFound()));
  h.ledger.onRead('outputs:GetByDigest', ([digest]) => (digest === outputDigest ? outputRecord : notFound()));
  h.ledger.onRead('outputs:Verify', () => ({
    outputId: 'o-1',
    verdict: 'authorized',
    reasons: ['free text'],
    output: outputRecord,
    lineage: [
      {
        modelId: 'm-1',
        ownerMsp: 'Studio1MSP',
        status: 'sealed',
        trainingRoot: 'ab'.repeat(32),
        trainingSize: 2,
        dataPoolShareBps: 2000,
        terms: [{ termsId: 't-1', itemCount: 2, aiTraining: true, legalTextDigest: sha('legal') }],
        flags: { consentRevoked: 0, disputed: 0, items: [{ dataId: 'd-9', providerId: 'prov-secret', reason: 'why' }], truncated: false },
      },
    ],
  }));
}

describe('lookup by content and the public verification surface', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ publicVerification: { enabled: true, requestsPerMinute: 60, burst: 40, attestors: [] } });
    withRecords(h);
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
        status: 'active',
        collectorMsp: 'Studio1MSP',
        termsId: 't-1',
        createdAt: dataRecord.createdAt,
      },
    });
    const verdict = await json(await h.call('GET', '/v1/public/outputs/o-1/verification'));
    expect(verdict.verdict).toBe('authorized');
    const text = JSON.stringify([lookup, verdict]);
    for (const secret of ['prov-secret', 'rights-secret', 'private reason', 'dataPoolShareBps', 'free text', 'why'])
      expect(text).not.toContain(secret);
  });

  test('when a malformed digest is given, then 400', async () => {
    expect((await h.call('GET', '/v1/public/lookup/ABC')).status).toBe(400);
  });
});

describe('public surface limits', () => {
  test('when the surface is off, then its routes answer 404 and member routes still work', async () => {
    const h = await startHarness();
    withRecords(h);
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
    withRecords(h);
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
