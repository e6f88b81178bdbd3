/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   response bodies are asserted as loose JSON */
import { createHash, randomBytes } from 'node:crypto';
import { leaf, verifyExclusion, verifyInclusion } from './support/rfc6962';
import { startTestGateway, unsettledUploads, type TestGateway } from './support/gateways';

/**
 * The REST API end to end on the real network and MinIO: every role through its own org's gateway,
 * the full provenance and royalty story, proofs checked by an independent verifier, and bad input.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (res: Response): Promise<any> => res.json();

/**
 * Reads through another org's gateway until it shows what was just committed: each gateway answers
 * from its own org's peer, which commits the same block a moment later than the writer's peer.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function settled(read: () => Promise<Response>, done: (body: any) => boolean, timeoutMs = 15_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await read();
    const body = res.status === 200 ? await json(res) : undefined;
    if (body !== undefined && done(body)) return body;
    if (Date.now() > deadline) return body ?? { status: res.status };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const id = (name: string): string => `it-${name}-${run}`;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let studio: TestGateway;
let licensor: TestGateway;
let regulator: TestGateway;

beforeAll(async () => {
  [studio, licensor, regulator] = await Promise.all([
    startTestGateway('Studio1MSP', (c) => ({ ...c, limits: { uploadMaxBytes: 64 * 1024 } })),
    startTestGateway('LicensorMSP'),
    startTestGateway('RegulatorMSP'),
  ]);
});

afterAll(async () => {
  await Promise.all([studio, licensor, regulator].map((g) => g.stop()));
});

async function objectCount(gateway: TestGateway): Promise<number> {
  return (await gateway.vault.list('')).length;
}

describe('the story through the REST API', () => {
  const termsId = id('terms');
  const providerId = id('provider');
  const otherProvider = id('provider-b');
  const dataIds = [1, 2, 3, 4].map((i) => id(`cel-${i}`)).sort();
  const unused = id('cel-unused');
  const modelId = id('model');
  const outputId = id('output');
  let root = '';

  test('when a licensor publishes terms, then the legal text is in its vault and the digest on chain', async () => {
    const res = await licensor.call('POST', '/v1/terms', {
      role: 'licensor-operator',
      body: {
        termsId,
        aiTraining: true,
        commercialUse: true,
        derivatives: true,
        attribution: true,
        territory: 'JP',
        validFrom: '2024-01-01T00:00:00Z',
        dataPoolShareBps: 2000,
        legalText: `terms ${run}`,
      },
    });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.record.legalTextDigest).toBe(sha256(Buffer.from(`terms ${run}`)));
    expect(await licensor.vault.exists(`terms/${termsId}/legal-text`)).toBe(true);
  });

  test("when a studio uploads providers' data, then each digest is on chain and each object promoted in its vault", async () => {
    for (const p of [providerId, otherProvider]) {
      expect(
        (await studio.call('POST', '/v1/providers', { role: 'studio-operator', body: { providerId: p, payoutRef: `ref-${p}` } })).status,
      ).toBe(201);
    }
    for (const [i, dataId] of [...dataIds, unused].entries()) {
      const bytes = randomBytes(1000 + i);
      const owner = i === 3 ? otherProvider : providerId;
      const res = await studio.call('POST', `/v1/data?dataId=${dataId}&providerId=${owner}&termsId=${termsId}`, {
        role: 'studio-operator',
        raw: bytes,
        headers: { 'content-type': 'image/png' },
      });
      expect(res.status).toBe(201);
      const body = await json(res);
      expect(body.record).toMatchObject({ dataId, contentDigest: sha256(bytes), size: bytes.length, collectorMsp: 'Studio1MSP' });
      expect((await studio.vault.get(`data/${dataId}`))?.equals(bytes)).toBe(true);
    }
    expect(await unsettledUploads(studio.vault, run)).toEqual([]);
  });

  test('when a model is trained in batches and sealed, then the manifest in the vault reproduces the on-chain root', async () => {
    expect((await studio.call('POST', '/v1/models', { role: 'studio-operator', body: { modelId } })).status).toBe(201);
    for (const batch of [dataIds.slice(0, 2), dataIds.slice(2)]) {
      expect(
        (await studio.call('POST', `/v1/models/${modelId}/training-batches`, { role: 'studio-operator', body: { dataIds: batch } })).status,
      ).toBe(200);
    }
    const sealed = await json(await studio.call('POST', `/v1/models/${modelId}/seal`, { role: 'studio-operator' }));
    root = sealed.record.trainingRoot as string;
    expect(sealed.record.trainingSize).toBe(4);
    expect(sealed.manifest).toMatchObject({ key: `manifests/${root}.json`, root, size: 4 });
  });

  test('when the regulator asks for proofs, then an independent RFC 6962 verifier accepts them against the root on chain', async () => {
    const model = await settled(
      () => regulator.call('GET', `/v1/models/${modelId}`, { role: 'regulator' }),
      (m) => m.trainingRoot !== undefined,
    );
    expect(model.trainingRoot).toBe(root);
    const inc = await json(
      await regulator.call('GET', `/v1/models/${modelId}/proofs/inclusion/${dataIds[2] as string}`, { role: 'regulator' }),
    );
    expect(verifyInclusion(leaf(dataIds[2] as string), inc.leafIndex, model.trainingSize, inc.auditPath, model.trainingRoot)).toBe(true);
    expect(verifyInclusion(leaf(unused), inc.leafIndex, model.trainingSize, inc.auditPath, model.trainingRoot)).toBe(false);
    const exc = await json(await regulator.call('GET', `/v1/models/${modelId}/proofs/exclusion/${unused}`, { role: 'regulator' }));
    expect(verifyExclusion(unused, exc.proof, model.trainingRoot)).toBe(true);
    expect((await regulator.call('GET', `/v1/models/${modelId}/proofs/inclusion/${unused}`, { role: 'regulator' })).status).toBe(404);
    expect(
      (await regulator.call('GET', `/v1/models/${modelId}/proofs/exclusion/${dataIds[0] as string}`, { role: 'regulator' })).status,
    ).toBe(409);
  });

  test('when an output is registered, then the regulator verifies its lineage', async () => {
    const res = await studio.call('POST', `/v1/outputs?outputId=${outputId}&modelId=${modelId}`, {
      role: 'studio-operator',
      raw: Buffer.from(`frame ${run}`),
      headers: { 'content-type': 'image/png' },
    });
    expect(res.status).toBe(201);
    const verdict = await settled(
      () => regulator.call('GET', `/v1/outputs/${outputId}/verification`, { role: 'regulator' }),
      () => true,
    );
    expect(verdict.verdict).toBe('authorized');
  });

  test('when revenue crosses a threshold, then the transfer executes and the provider statement shows the exact share', async () => {
    const rightsId = id('rights');
    const from = id('holder-s1');
    expect(
      (
        await studio.call('POST', '/v1/rights', {
          role: 'studio-operator',
          body: {
            rightsId,
            subjectType: 'output',
            subjectId: outputId,
            licensorMsp: 'LicensorMSP',
            holders: [
              { holderId: from, mspId: 'Studio1MSP', shareBps: 8000 },
              { holderId: id('holder-l'), mspId: 'LicensorMSP', shareBps: 2000 },
            ],
          },
        })
      ).status,
    ).toBe(201);
    const transferId = id('transfer');
    expect(
      (
        await licensor.call('POST', '/v1/transfers', {
          role: 'licensor-operator',
          body: {
            transferId,
            rightsId,
            fromHolderId: from,
            toHolderId: id('holder-s2'),
            toMspId: 'Studio2MSP',
            shareBps: 500,
            condition: { revenueThreshold: { subjectType: 'output', subjectId: outputId, currency: 'JPY', amount: '10000' } },
          },
        })
      ).status,
    ).toBe(201);
    // The licensor proposed moving Studio1's share: it moves only once Studio1 consents on chain.
    const approved = await studio.call('POST', `/v1/transfers/${transferId}/approve`, { role: 'studio-operator' });
    expect(approved.status).toBe(200);
    // The ledger itself says who acted: Studio1's org and the API client its gateway authenticated.
    const approval = await json(approved);
    const seen = await settled(
      () => studio.call('GET', `/v1/transactions/${approval.transactionId as string}`, { role: 'auditor' }),
      (t) => t.status === 'committed',
    );
    expect(seen.ledgerActor).toEqual({
      mspId: 'Studio1MSP',
      clientRef: 'it-Studio1MSP-studio-operator',
      eventName: 'RightsTransferApproved',
    });
    for (const [reference, amount] of [
      [id('sale-1'), '7001'],
      [id('sale-2'), '3003'],
    ] as const) {
      expect(
        (
          await studio.call('POST', '/v1/revenue', {
            role: 'studio-operator',
            body: { subjectType: 'output', subjectId: outputId, amount, currency: 'JPY', reference },
          })
        ).status,
      ).toBe(201);
    }
    const transfer = await settled(
      () => regulator.call('GET', `/v1/transfers/${transferId}`, { role: 'regulator' }),
      (t) => t.status === 'executed',
    );
    expect(transfer.status).toBe('executed');
    // Pool 20% of each report (floor), spread over 4 items with the remainder carried: the provider holds 3 of 4.
    const statement = await json(
      await studio.call('GET', `/v1/providers/${providerId}/statement?currency=JPY&modelIds=${modelId}`, { role: 'provider-agent' }),
    );
    const pool = (7001n * 2000n) / 10000n + (3003n * 2000n) / 10000n; // 1400 + 600
    expect(statement.lines[0].itemCount).toBe(3);
    expect(BigInt(statement.lines[0].accrued as string)).toBe((pool * 3n) / 4n); // 1500
  });

  test('when a POST is retried with the same Idempotency-Key, then one record exists and the first answer is replayed', async () => {
    const providerIdOnce = id('provider-once');
    const send = () =>
      studio.call('POST', '/v1/providers', {
        role: 'studio-operator',
        body: { providerId: providerIdOnce, payoutRef: 'x' },
        headers: { 'idempotency-key': `k-${run}` },
      });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect((await json(second)).transactionId).toBe((await json(first)).transactionId);
  });
});

describe('bad input: a clear 4xx, nothing changed on the ledger or in the vault', () => {
  let objectsBefore = 0;

  beforeAll(async () => {
    objectsBefore = await objectCount(studio);
  });

  test.each([
    ['malformed JSON', 400, () => studio.call('POST', '/v1/models', { role: 'studio-operator', body: '{"modelId":' })],
    ['missing fields', 400, () => studio.call('POST', '/v1/models', { role: 'studio-operator', body: {} })],
    ['wrong types', 400, () => studio.call('POST', '/v1/models', { role: 'studio-operator', body: { modelId: 12 } })],
    [
      'oversized upload',
      413,
      () =>
        studio.call('POST', `/v1/data?dataId=${id('big')}&providerId=x&termsId=y`, {
          role: 'studio-operator',
          raw: Buffer.alloc(65 * 1024),
          headers: { 'content-type': 'image/png' },
        }),
    ],
    [
      'unknown IDs',
      404,
      () =>
        studio.call('POST', `/v1/data?dataId=${id('orphan')}&providerId=${id('nobody')}&termsId=${id('none')}`, {
          role: 'studio-operator',
          raw: Buffer.from('x'),
          headers: { 'content-type': 'image/png' },
        }),
    ],
    ['regulator write', 403, () => regulator.call('POST', '/v1/models', { role: 'regulator', body: { modelId: id('reg') } })],
    ['no key', 401, () => studio.call('POST', '/v1/models', { body: { modelId: id('anon') } })],
    ['unknown record', 404, () => studio.call('GET', `/v1/models/${id('ghost')}`, { role: 'auditor' })],
  ])('when %s, then %i', async (_name, status, send) => {
    const res = await send();
    expect(res.status).toBe(status);
    const body = await json(res);
    expect(body.error.code).toEqual(expect.any(String));
    expect(body.error.message).toEqual(expect.any(String));
  });

  test('when every bad request is done, then the vault holds what it held before', async () => {
    expect(await objectCount(studio)).toBe(objectsBefore);
    expect(await unsettledUploads(studio.vault, run)).toEqual([]);
    for (const path of [`/v1/models/${id('reg')}`, `/v1/models/${id('anon')}`, `/v1/data/${id('big')}`, `/v1/data/${id('orphan')}`]) {
      expect((await studio.call('GET', path, { role: 'auditor' })).status).toBe(404);
    }
  });

  test('when a chaincode refuses a write by the regulator at its own gateway, then 403 FORBIDDEN comes from the ledger', async () => {
    // The regulator's operators hold read-only keys; even a studio-operator key at the regulator's gateway is refused on chain.
    const res = await regulator.call('POST', '/v1/models', { role: 'studio-operator', body: { modelId: id('reg-chain') } });
    expect(res.status).toBe(403);
    expect((await json(res)).error.message).toMatch(/^FORBIDDEN: /);
  });
});
