import { createHash } from 'node:crypto';
import type { OrgClient } from '../../network/src/client';
import { Clients, errorText, evaluateJson, runId, submitJson } from '../../network/test/support/test-network';

/**
 * The consortium's trust model on the real network, through the official Fabric client as each org:
 * every violation below is refused (FORBIDDEN or STATE, INVALID for an amount past the bound) and the
 * ledger reads the same afterwards; the entitled org, or the same org after the grant or the approval,
 * succeeds. Then a whole licence story: Studio1 offers a model licence, Studio2 buys it, registers an
 * output of the model and records revenue on it, which pays Studio1's rights holders and the model's
 * data pool exactly.
 */

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const id = (name: string): string => `${name}-${runId}`;
const decoder = new TextDecoder();

const STUDIO1 = 'Studio1MSP';
const STUDIO2 = 'Studio2MSP';
const LICENSOR = 'LicensorMSP';
const POOL_BPS = 2500;
const termsId = id('trust-terms');
const saleTerms = id('trust-sale');
const model = id('trust-model');
const output1 = id('trust-out1');
const dataIds = [id('trust-d0'), id('trust-d1'), id('trust-d2')].sort();
const providers = [id('trust-p0'), id('trust-p1')];
let clients: Clients;
let studio1: OrgClient;
let studio2: OrgClient;
let licensor: OrgClient;

interface Holder {
  holderId: string;
  mspId: string;
  shareBps: number;
}
interface RightsRecord {
  rightsId: string;
  holders: Holder[];
}
interface RevenueRecord {
  amount: string;
  holderPayouts: { holderId: string; mspId: string; amount: string }[];
  poolAdditions: { modelId: string; amount: string }[];
  rightsId?: string;
  actingClient?: string;
}
interface PoolView {
  pool: { poolIn: string; trainingSize: number };
  identityHolds: boolean;
}
interface Balance {
  balances: { currency: string; credited: string }[];
}

/** The refusal text of a submit, or 'accepted'. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (error: unknown) => errorText(error),
  );
}

/** Evaluates several reads and returns them as one string, to compare the ledger before and after. */
async function snapshot(client: OrgClient, reads: readonly [string, unknown][]): Promise<string> {
  const parts: string[] = [];
  for (const [name, arg] of reads) {
    const text = await client.contract.evaluateTransaction(name, typeof arg === 'string' ? arg : JSON.stringify(arg)).then(
      (bytes) => decoder.decode(bytes),
      (error: unknown) => `error: ${errorText(error).replace(/ \| .*/s, '')}`,
    );
    parts.push(`${name} ${JSON.stringify(arg)} → ${text}`);
  }
  return parts.join('\n');
}

/** Tries a violation as `offender`; expects the code and an unchanged ledger by the given reads. */
async function refusedUnchanged(
  offender: OrgClient,
  name: string,
  request: unknown,
  code: RegExp,
  reads: readonly [string, unknown][],
): Promise<string> {
  const before = await snapshot(studio1, reads);
  const text = await refusal(submitJson(offender, name, request));
  expect(text).toMatch(code);
  expect(await snapshot(studio1, reads)).toBe(before);
  return text.split(' | ').find((part) => code.test(part)) ?? text;
}

const balance = async (holderId: string, mspId: string): Promise<bigint> => {
  const view = await evaluateJson<Balance>(studio1, 'revenue:HolderBalance', JSON.stringify({ holderId, mspId, currency: 'JPY' }));
  return BigInt(view.balances[0]?.credited ?? '0');
};
const poolIn = async (): Promise<bigint> =>
  BigInt(
    (
      await evaluateJson<PoolView>(studio1, 'revenue:GetPool', JSON.stringify({ modelId: model, currency: 'JPY' })).catch(() => ({
        pool: { poolIn: '0' },
      }))
    ).pool.poolIn,
  );

beforeAll(async () => {
  clients = await Clients.create();
  studio1 = clients.org(STUDIO1);
  studio2 = clients.org(STUDIO2);
  licensor = clients.org(LICENSOR);
  const terms = {
    aiTraining: true,
    commercialUse: true,
    derivatives: true,
    attribution: true,
    territory: 'worldwide',
    validFrom: '2024-01-01T00:00:00Z',
  };
  await submitJson(licensor, 'terms:Publish', { termsId, ...terms, dataPoolShareBps: POOL_BPS, legalTextDigest: sha256('trust terms') });
  await submitJson(licensor, 'terms:Publish', { termsId: saleTerms, ...terms, dataPoolShareBps: 0, legalTextDigest: sha256('sale terms') });
  await submitJson(studio1, 'providers:RegisterBatch', {
    items: providers.map((providerId) => ({ providerId, payoutRefDigest: sha256(providerId) })),
  });
  await submitJson(studio1, 'data:RegisterBatch', {
    items: dataIds.map((dataId, i) => ({
      dataId,
      providerId: providers[i % 2],
      termsId,
      contentDigest: sha256(dataId),
      mediaType: 'image/png',
      size: 100,
    })),
  });
  await submitJson(studio1, 'models:Register', { modelId: model });
  await submitJson(studio1, 'models:AttestTrainingBatch', { modelId: model, dataIds });
  await submitJson(studio1, 'models:Seal', { modelId: model });
  await submitJson(studio1, 'outputs:Register', {
    outputId: output1,
    modelId: model,
    contentDigest: sha256(output1),
    mediaType: 'image/png',
    rightsIds: [],
  });
  await submitJson(studio1, 'rights:Create', {
    rightsId: id('r-model'),
    subjectType: 'model',
    subjectId: model,
    licensorMsp: LICENSOR,
    holders: [
      { holderId: id('s1'), mspId: STUDIO1, shareBps: 7000 },
      { holderId: id('lic'), mspId: LICENSOR, shareBps: 3000 },
    ],
  });
});
afterAll(() => {
  clients.closeAll();
});

describe('the trust model on the real network', () => {
  it('when the licensor creates rights on a model Studio1 owns, naming itself sole holder, then FORBIDDEN and nothing changes', async () => {
    const other = id('trust-model-2');
    await submitJson(studio1, 'models:Register', { modelId: other });
    const request = {
      rightsId: id('r-grab'),
      subjectType: 'model',
      subjectId: other,
      holders: [{ holderId: id('grab'), mspId: LICENSOR, shareBps: 10000 }],
    };
    await refusedUnchanged(
      licensor,
      'rights:Create',
      request,
      /FORBIDDEN: LicensorMSP may not create rights on model .*: only Studio1MSP may/,
      [
        ['rights:Get', request.rightsId],
        ['rights:GetBySubject', { subjectType: 'model', subjectId: other }],
      ],
    );
    const created = await submitJson<RightsRecord>(studio1, 'rights:Create', { ...request, licensorMsp: LICENSOR });
    expect(created.rightsId).toBe(request.rightsId);
  });

  it("when Studio2 records revenue on Studio1's output, then FORBIDDEN and nothing changes; Studio1 may", async () => {
    const request = { subjectType: 'output', subjectId: output1, amount: '1000', currency: 'JPY', reference: id('steal') };
    await refusedUnchanged(
      studio2,
      'revenue:Record',
      request,
      /FORBIDDEN: Studio2MSP may not record revenue on output .*: it is owned by Studio1MSP/,
      [
        ['revenue:GetSubjectRevenue', { subjectType: 'output', subjectId: output1, currency: 'JPY' }],
        ['revenue:HolderBalance', { holderId: id('s1'), mspId: STUDIO1, currency: 'JPY' }],
      ],
    );
    await expect(submitJson(studio1, 'revenue:Record', { ...request, reference: id('own') })).resolves.toMatchObject({ amount: '1000' });
  });

  it("when Studio2 attests Studio1's data with no licence, then FORBIDDEN and nothing changes; with a dataset grant it trains", async () => {
    const theirs = id('trust-s2-model');
    await submitJson(studio2, 'models:Register', { modelId: theirs });
    await refusedUnchanged(
      studio2,
      'models:AttestTrainingBatch',
      { modelId: theirs, dataIds },
      /FORBIDDEN: Studio2MSP may not train on data collected by other orgs without a dataset licence grant/,
      [
        ['models:Get', theirs],
        ['data:ListUsage', { dataId: dataIds[0] }],
      ],
    );
    const dataset = id('trust-ds');
    await submitJson(studio1, 'data:RegisterDataset', { datasetId: dataset, dataIds });
    await submitJson(studio1, 'market:Offer', {
      offerId: id('ds-offer'),
      subjectType: 'dataset',
      subjectId: dataset,
      termsId: saleTerms,
      price: '500',
      currency: 'JPY',
    });
    await submitJson(studio2, 'market:Purchase', { offerId: id('ds-offer'), purchaseId: id('ds-grant') });
    const trained = await submitJson<{ trainingSize: number; trainingGrantIds: string[] }>(studio2, 'models:AttestTrainingBatch', {
      modelId: theirs,
      dataIds,
      grantId: id('ds-grant'),
    });
    expect(trained).toMatchObject({ trainingSize: 3, trainingGrantIds: [id('ds-grant')] });
  });

  it("when the licensor proposes moving Studio1's share to itself with a past notBefore and executes it, then STATE until Studio1 approves on chain", async () => {
    const rightsId = id('r-out1');
    await submitJson(studio1, 'rights:Create', {
      rightsId,
      subjectType: 'output',
      subjectId: output1,
      licensorMsp: LICENSOR,
      holders: [
        { holderId: id('o-s1'), mspId: STUDIO1, shareBps: 6000 },
        { holderId: id('o-lic'), mspId: LICENSOR, shareBps: 4000 },
      ],
    });
    const transferId = id('grab-share');
    await submitJson(licensor, 'rights:ProposeTransfer', {
      transferId,
      rightsId,
      fromHolderId: id('o-s1'),
      toHolderId: id('o-lic'),
      toMspId: LICENSOR,
      shareBps: 6000,
      condition: { notBefore: '2020-01-01T00:00:00Z' },
    });
    await refusedUnchanged(
      licensor,
      'rights:ExecuteTransfer',
      { transferId },
      /STATE: transfer .* is not due: awaiting approval of Studio1MSP/,
      [
        ['rights:Get', rightsId],
        ['rights:GetTransfer', transferId],
      ],
    );
    await submitJson(studio1, 'rights:ApproveTransfer', { transferId });
    const executed = await submitJson<{ rights: RightsRecord }>(licensor, 'rights:ExecuteTransfer', { transferId });
    expect(executed.rights.holders).toEqual([{ holderId: id('o-lic'), mspId: LICENSOR, shareBps: 10000 }]);
  });

  it('when a revenue report of 36 nines is sent, then INVALID and nothing changes; later reports on the subject still work', async () => {
    const subject = { subjectType: 'model', subjectId: model, currency: 'JPY' };
    await refusedUnchanged(
      studio1,
      'revenue:Record',
      { subjectType: 'model', subjectId: model, amount: '9'.repeat(36), currency: 'USD', reference: id('huge') },
      /INVALID: .*amount: .*at most 999999999999999999/,
      [['revenue:GetSubjectRevenue', { ...subject, currency: 'USD' }]],
    );
    await expect(
      submitJson(studio1, 'revenue:Record', {
        subjectType: 'model',
        subjectId: model,
        amount: '999999999999999999',
        currency: 'USD',
        reference: id('max'),
      }),
    ).resolves.toBeDefined();
    await expect(
      submitJson(studio1, 'revenue:Record', {
        subjectType: 'model',
        subjectId: model,
        amount: '1',
        currency: 'USD',
        reference: id('after-max'),
      }),
    ).resolves.toBeDefined();
  });

  it("when Studio2 buys a licence on Studio1's model, then it registers an output of the model and its revenue pays Studio1's holders and the data pool exactly", async () => {
    const licensed = id('trust-out2');
    const outputRequest = { outputId: licensed, modelId: model, contentDigest: sha256(licensed), mediaType: 'image/png', rightsIds: [] };
    // Before the licence: refused, nothing registered.
    await refusedUnchanged(
      studio2,
      'outputs:Register',
      outputRequest,
      /FORBIDDEN: Studio2MSP may not register outputs of model .* of Studio1MSP without a licence grant/,
      [['outputs:Get', licensed]],
    );

    const holder1 = id('s1');
    const holderL = id('lic');
    const before = { s1: await balance(holder1, STUDIO1), lic: await balance(holderL, LICENSOR), pool: await poolIn() };
    await submitJson(studio1, 'market:Offer', {
      offerId: id('m-offer'),
      subjectType: 'model',
      subjectId: model,
      termsId: saleTerms,
      price: '1000',
      currency: 'JPY',
    });
    const grant = await submitJson<Record<string, unknown>>(studio2, 'market:Purchase', {
      offerId: id('m-offer'),
      purchaseId: id('m-grant'),
    });
    const output = await submitJson<Record<string, unknown>>(studio2, 'outputs:Register', { ...outputRequest, grantId: id('m-grant') });
    const commit = await studio2.contract.submitAsync('revenue:Record', {
      arguments: [
        JSON.stringify({ subjectType: 'output', subjectId: licensed, amount: '10000', currency: 'JPY', reference: id('licensed-sale') }),
      ],
      transientData: { clientRef: 'studio2-billing' },
    });
    const status = await commit.getStatus();
    expect(status.successful).toBe(true);
    await clients.everyPeerHas(status.blockNumber);
    const revenue = JSON.parse(decoder.decode(commit.getResult())) as RevenueRecord;
    const after = { s1: await balance(holder1, STUDIO1), lic: await balance(holderL, LICENSOR), pool: await poolIn() };
    const verified = await evaluateJson<{ verdict: string; grant: Record<string, unknown> }>(
      clients.org('RegulatorMSP'),
      'outputs:Verify',
      licensed,
    );
    const stored = await evaluateJson<RevenueRecord>(
      studio1,
      'revenue:Get',
      JSON.stringify({ recorderMsp: STUDIO2, reference: id('licensed-sale') }),
    );

    // Price 1000: pool 25 % of a model trained on data with a 25 % share → 250; holders 70/30 of 750.
    // Revenue 10000 on the licensed output: pool 2500; holders 70/30 of 7500 → 5250 / 2250.
    expect(revenue.rightsId).toBe(id('r-model'));
    expect(revenue.poolAdditions).toEqual([{ modelId: model, amount: '2500' }]);
    expect(Object.fromEntries(revenue.holderPayouts.map((p) => [p.holderId, p.amount]))).toEqual({ [holder1]: '5250', [holderL]: '2250' });
    expect(after.s1 - before.s1).toBe(525n + 5250n);
    expect(after.lic - before.lic).toBe(225n + 2250n);
    expect(after.pool - before.pool).toBe(250n + 2500n);
    expect(verified).toMatchObject({
      verdict: 'authorized',
      grant: { purchaseId: id('m-grant'), buyerMsp: STUDIO2, status: 'active', activeNow: true },
    });
    expect(stored.actingClient).toBe('studio2-billing');

    console.log(
      [
        'Licence story on the real network',
        `  offer      Studio1MSP offers model ${model} under terms ${saleTerms} for 1000 JPY`,
        `  purchase   Studio2MSP buys it: grant ${String(grant.purchaseId)} (seller ${String(grant.sellerMsp)}, buyer ${String(grant.buyerMsp)}, status ${String(grant.status)})`,
        `  output     Studio2MSP registers ${String(output.outputId)} of ${model} resting on grant ${String(output.grantId)}`,
        `  revenue    Studio2MSP (client ${String(stored.actingClient)}) records 10000 JPY on ${licensed} → rights ${String(revenue.rightsId)} of the model`,
        `             holders ${revenue.holderPayouts.map((p) => `${p.holderId} (${p.mspId}) ${p.amount}`).join(', ')}; data pool ${revenue.poolAdditions.map((p) => `${p.modelId} ${p.amount}`).join(', ')}`,
        `  balances   Studio1's holder +${(after.s1 - before.s1).toString()} (525 of the price + 5250), licensor's holder +${(after.lic - before.lic).toString()} (225 + 2250), model pool +${(after.pool - before.pool).toString()} (250 + 2500)`,
        `  verify     outputs:Verify ${licensed} → verdict ${verified.verdict}, grant ${String(verified.grant.purchaseId)} ${String(verified.grant.status)}, activeNow ${String(verified.grant.activeNow)}`,
      ].join('\n'),
    );
  });
});
