import { createHash } from 'node:crypto';

import type {
  GrantRecord,
  ModelRecord,
  OutputRecord,
  RevenueRecord,
  RightsRecord,
  RightsTransferRecord,
  TermsRecord,
} from '../ledger/records';
import { Keys } from '../ledger/keys';
import { LICENSOR, REGULATOR, RoyaltyWorld, STUDIO1, STUDIO2 } from '../testing/royalty-fixture';

import { FLAGS_PER_TRANSACTION } from './data';
import type { Totals } from './revenue';

/**
 * The consortium's trust model, rule by rule (docs/threat-model.md): each rule's violation is refused
 * and changes nothing, beside the entitled case that still works.
 */

type Json = Record<string, unknown>;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Terms with every flag set unless overridden. */
async function publish(w: RoyaltyWorld, termsId: string, over: Json = {}): Promise<TermsRecord> {
  return w.call<TermsRecord>(w.terms, 'Publish', LICENSOR, {
    termsId,
    aiTraining: true,
    commercialUse: true,
    derivatives: true,
    attribution: false,
    territory: 'worldwide',
    validFrom: '2024-01-01T00:00:00Z',
    dataPoolShareBps: 2000,
    legalTextDigest: sha256(termsId),
    ...over,
  });
}

/** Registers `count` items of a provider managed by `collector`, under `termsId`. */
async function collect(w: RoyaltyWorld, prefix: string, count: number, termsId: string, collector = STUDIO1): Promise<string[]> {
  const providerId = `${prefix}-prov`;
  await w.registerProvider(providerId, collector);
  const items = Array.from({ length: count }, (_, i) => ({
    dataId: `${prefix}.${String(i).padStart(4, '0')}`,
    providerId,
    termsId,
    contentDigest: sha256(`${prefix} ${i}`),
    mediaType: 'image/png',
    size: 10,
  }));
  await w.call(w.data, 'RegisterBatch', collector, { items });
  return items.map((item) => item.dataId);
}

/** Studio1's sealed model `m1` on 3 items of its own, its rights 80/20 Studio1/licensor. */
async function world(): Promise<RoyaltyWorld> {
  const w = new RoyaltyWorld();
  await publish(w, 't');
  await publish(w, 'sale');
  await w.trainModel('m1', { p1: 1, p2: 2 }, { termsId: 't' });
  await w.call(w.rights, 'Create', STUDIO1, {
    rightsId: 'r-m1',
    subjectType: 'model',
    subjectId: 'm1',
    licensorMsp: LICENSOR,
    holders: [
      { holderId: 's1', mspId: STUDIO1, shareBps: 8000 },
      { holderId: 'lic', mspId: LICENSOR, shareBps: 2000 },
    ],
  });
  return w;
}

async function offerModel(w: RoyaltyWorld, offerId: string, termsId = 'sale', modelId = 'm1'): Promise<void> {
  await w.call(w.market, 'Offer', STUDIO1, { offerId, subjectType: 'model', subjectId: modelId, termsId, price: '1000', currency: 'JPY' });
}

const output = (outputId: string, modelId: string, over: Json = {}): Json => ({
  outputId,
  modelId,
  contentDigest: sha256(`out ${outputId}`),
  mediaType: 'image/png',
  rightsIds: [],
  ...over,
});

/** Runs a refused call and checks that the ledger did not change. */
async function refusedUnchanged(w: RoyaltyWorld, call: Promise<unknown>, message: RegExp): Promise<void> {
  const before = w.ledger.dump();
  await expect(call).rejects.toThrow(message);
  expect(w.ledger.dump()).toBe(before);
}

describe('ownership', () => {
  it('when the licensor creates rights on a model Studio1 owns, then FORBIDDEN naming both, and nothing changes; Studio1 may', async () => {
    const w = new RoyaltyWorld();
    await publish(w, 't');
    await w.trainModel('m', { p: 1 }, { termsId: 't' });
    const rights = {
      rightsId: 'r',
      subjectType: 'model',
      subjectId: 'm',
      holders: [{ holderId: 'lic', mspId: LICENSOR, shareBps: 10000 }],
    };
    await refusedUnchanged(
      w,
      w.call(w.rights, 'Create', LICENSOR, rights),
      /^FORBIDDEN: LicensorMSP may not create rights on model m: only Studio1MSP may/,
    );
    await expect(w.call(w.rights, 'Create', STUDIO1, { ...rights, licensorMsp: LICENSOR })).resolves.toMatchObject({ createdBy: STUDIO1 });
  });

  it('when another org changes an asset (amends terms, withdraws a grant, changes a dataset), then FORBIDDEN; the owner may', async () => {
    const w = await world();
    const ids = await collect(w, 'ds', 2, 't');
    await w.call(w.data, 'RegisterDataset', STUDIO1, { datasetId: 'ds', dataIds: [ids[0]] });
    await refusedUnchanged(
      w,
      w.call(w.data, 'AddToDataset', STUDIO2, { datasetId: 'ds', dataIds: [ids[1]] }),
      /^FORBIDDEN: Studio2MSP may not change dataset ds: only Studio1MSP may/,
    );
    await expect(w.call(w.data, 'AddToDataset', STUDIO1, { datasetId: 'ds', dataIds: [ids[1]] })).resolves.toMatchObject({ itemCount: 2 });
    await offerModel(w, 'o');
    await w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o', purchaseId: 'g' });
    await refusedUnchanged(
      w,
      w.call(w.market, 'WithdrawGrant', STUDIO2, { purchaseId: 'g', reason: 'mine' }),
      /^FORBIDDEN: Studio2MSP may not withdraw grant g: only Studio1MSP may/,
    );
    await expect(w.call(w.market, 'WithdrawGrant', STUDIO1, { purchaseId: 'g', reason: 'breach' })).resolves.toMatchObject({
      status: 'withdrawn',
    });
  });

  it("when a studio puts another org's items in its dataset, then FORBIDDEN; its own items go in", async () => {
    const w = await world();
    const theirs = await collect(w, 's2', 1, 't', STUDIO2);
    const mine = await collect(w, 's1', 1, 't');
    await refusedUnchanged(
      w,
      w.call(w.data, 'RegisterDataset', STUDIO1, { datasetId: 'ds', dataIds: theirs }),
      /^FORBIDDEN: Studio1MSP may not put these items in dataset ds: s2.0000 \(collected by Studio2MSP\)/,
    );
    await expect(w.call(w.data, 'RegisterDataset', STUDIO1, { datasetId: 'ds', dataIds: mine })).resolves.toMatchObject({
      ownerMsp: STUDIO1,
      itemCount: 1,
    });
    await expect(w.call(w.data, 'IsDatasetMember', REGULATOR, { datasetId: 'ds', dataId: mine[0] })).resolves.toMatchObject({
      member: true,
    });
  });
});

describe("holders' consent", () => {
  const move = { transferId: 'tr', rightsId: 'r-m1', fromHolderId: 's1', toHolderId: 'lic2', toMspId: LICENSOR, shareBps: 8000 };

  it("when the licensor proposes moving Studio1's share with a past notBefore, then it cannot execute until Studio1 approves", async () => {
    const w = await world();
    const proposed = await w.call<RightsTransferRecord>(w.rights, 'ProposeTransfer', LICENSOR, {
      ...move,
      condition: { notBefore: '2020-01-01T00:00:00Z' },
    });
    expect(proposed.condition.approvals).toEqual([STUDIO1]);
    await refusedUnchanged(
      w,
      w.call(w.rights, 'ExecuteTransfer', LICENSOR, { transferId: 'tr' }),
      /^STATE: transfer tr is not due: awaiting approval of Studio1MSP/,
    );
    await refusedUnchanged(
      w,
      w.call(w.rights, 'ApproveTransfer', STUDIO2, { transferId: 'tr' }),
      /^FORBIDDEN: Studio2MSP is not asked to approve transfer tr/,
    );
    await w.call(w.rights, 'ApproveTransfer', STUDIO1, { transferId: 'tr' });
    const done = await w.call<{ rights: RightsRecord }>(w.rights, 'ExecuteTransfer', LICENSOR, { transferId: 'tr' });
    expect(done.rights.holders.find((h) => h.holderId === 'lic2')?.shareBps).toBe(8000);
  });

  it("when the holder's org proposes its own move, then its proposal is its consent", async () => {
    const w = await world();
    const proposed = await w.call<RightsTransferRecord>(w.rights, 'ProposeTransfer', STUDIO1, {
      ...move,
      condition: { notBefore: '2020-01-01T00:00:00Z' },
    });
    expect(proposed.condition.approvals).toBeUndefined();
    await expect(w.call(w.rights, 'ExecuteTransfer', STUDIO2, { transferId: 'tr' })).resolves.toMatchObject({
      transfer: { status: 'executed' },
    });
  });

  it("when the licensor proposes a threshold move of Studio1's share, then revenue crossing it does not move it without Studio1's approval", async () => {
    const w = await world();
    await w.call(w.rights, 'ProposeTransfer', LICENSOR, {
      ...move,
      condition: { revenueThreshold: { subjectType: 'model', subjectId: 'm1', currency: 'JPY', amount: '10' } },
    });
    const first = await w.call<RevenueRecord>(w.revenue, 'Record', STUDIO1, {
      subjectType: 'model',
      subjectId: 'm1',
      amount: '100',
      currency: 'JPY',
      reference: 'a',
    });
    expect(first.executedTransfers).toEqual([]);
    await w.call(w.rights, 'ApproveTransfer', STUDIO1, { transferId: 'tr' });
    const second = await w.call<RevenueRecord>(w.revenue, 'Record', STUDIO1, {
      subjectType: 'model',
      subjectId: 'm1',
      amount: '1',
      currency: 'JPY',
      reference: 'b',
    });
    expect(second.executedTransfers).toEqual(['tr']);
  });

  it("when the sender's org declines a proposal by cancelling it, then it is cancelled; a bystander may not", async () => {
    const w = await world();
    await w.call(w.rights, 'ProposeTransfer', LICENSOR, { ...move, condition: { notBefore: '2020-01-01T00:00:00Z' } });
    await refusedUnchanged(
      w,
      w.call(w.rights, 'CancelTransfer', STUDIO2, { transferId: 'tr' }),
      /^FORBIDDEN: Studio2MSP may not cancel transfer tr/,
    );
    await expect(w.call(w.rights, 'CancelTransfer', STUDIO1, { transferId: 'tr', reason: 'declined' })).resolves.toMatchObject({
      status: 'cancelled',
    });
  });
});

describe('revenue', () => {
  it("when Studio2 records revenue on Studio1's output, then FORBIDDEN and nothing changes; Studio1 may", async () => {
    const w = await world();
    await w.registerOutput('o', 'm1');
    const report = { subjectType: 'output', subjectId: 'o', amount: '100', currency: 'JPY', reference: 'x' };
    await refusedUnchanged(
      w,
      w.call(w.revenue, 'Record', STUDIO2, report),
      /^FORBIDDEN: Studio2MSP may not record revenue on output o: it is owned by Studio1MSP/,
    );
    await expect(w.call(w.revenue, 'Record', STUDIO1, report)).resolves.toMatchObject({ amount: '100' });
  });

  it('when a report exceeds 10^18 − 1, then INVALID; reports at the bound keep every later report and total valid', async () => {
    const w = await world();
    const max = (10n ** 18n - 1n).toString();
    await refusedUnchanged(
      w,
      w.call(w.revenue, 'Record', STUDIO1, {
        subjectType: 'model',
        subjectId: 'm1',
        amount: '9'.repeat(36),
        currency: 'JPY',
        reference: 'big',
      }),
      /^INVALID: .*amount: .*at most 999999999999999999/,
    );
    for (let i = 0; i < 3; i += 1)
      await w.call(w.revenue, 'Record', STUDIO1, {
        subjectType: 'model',
        subjectId: 'm1',
        amount: max,
        currency: 'JPY',
        reference: `max-${i}`,
      });
    await w.call(w.revenue, 'Record', STUDIO1, { subjectType: 'model', subjectId: 'm1', amount: '1', currency: 'JPY', reference: 'after' });
    const totals = await w.call<Totals>(w.revenue, 'Totals', REGULATOR, { currency: 'JPY' });
    expect(totals).toMatchObject({ revenue: (3n * BigInt(max) + 1n).toString(), balanced: true });
  });
});

describe('licence grants', () => {
  it("when Studio2 attests Studio1's data without a grant, then FORBIDDEN and nothing changes; with a dataset grant it trains, and the model records it", async () => {
    const w = await world();
    const ids = await collect(w, 'd', 3, 't');
    await w.call(w.models, 'Register', STUDIO2, { modelId: 'm2' });
    await refusedUnchanged(
      w,
      w.call(w.models, 'AttestTrainingBatch', STUDIO2, { modelId: 'm2', dataIds: ids }),
      /^FORBIDDEN: Studio2MSP may not train on data collected by other orgs without a dataset licence grant/,
    );
    await w.call(w.data, 'RegisterDataset', STUDIO1, { datasetId: 'ds', dataIds: ids.slice(0, 2) });
    await w.call(w.market, 'Offer', STUDIO1, {
      offerId: 'o',
      subjectType: 'dataset',
      subjectId: 'ds',
      termsId: 'sale',
      price: '500',
      currency: 'JPY',
    });
    await w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o', purchaseId: 'g' });
    // An item outside the licensed dataset stays out of reach.
    await refusedUnchanged(
      w,
      w.call(w.models, 'AttestTrainingBatch', STUDIO2, { modelId: 'm2', dataIds: ids, grantId: 'g' }),
      /^FORBIDDEN: grant g covers dataset ds, which does not hold d.0002/,
    );
    const model = await w.call<ModelRecord>(w.models, 'AttestTrainingBatch', STUDIO2, {
      modelId: 'm2',
      dataIds: ids.slice(0, 2),
      grantId: 'g',
    });
    expect(model.trainingGrantIds).toEqual(['g']);
    expect(w.ledger.getJson(Keys.usage(ids[0] as string, 'm2'))).toMatchObject({ grantId: 'g', termsVersion: 1 });
  });

  it("when a dataset grant's terms do not allow AI training, then training on it is STATE", async () => {
    const w = await world();
    await publish(w, 'no-ai', { aiTraining: false });
    const ids = await collect(w, 'd', 1, 't');
    await w.call(w.data, 'RegisterDataset', STUDIO1, { datasetId: 'ds', dataIds: ids });
    await w.call(w.market, 'Offer', STUDIO1, {
      offerId: 'o',
      subjectType: 'dataset',
      subjectId: 'ds',
      termsId: 'no-ai',
      price: '500',
      currency: 'JPY',
    });
    await w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o', purchaseId: 'g' });
    await w.call(w.models, 'Register', STUDIO2, { modelId: 'm2' });
    await refusedUnchanged(
      w,
      w.call(w.models, 'AttestTrainingBatch', STUDIO2, { modelId: 'm2', dataIds: ids, grantId: 'g' }),
      /^STATE: .*do not allow AI training/,
    );
  });

  it('when a licence is bought through the market, then the buyer registers an output of the model; verification shows the grant', async () => {
    const w = await world();
    await refusedUnchanged(
      w,
      w.call(w.outputs, 'Register', STUDIO2, output('o2', 'm1')),
      /^FORBIDDEN: Studio2MSP may not register outputs of model m1 of Studio1MSP without a licence grant/,
    );
    await offerModel(w, 'o');
    await w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o', purchaseId: 'g' });
    await refusedUnchanged(
      w,
      w.call(w.outputs, 'Register', STUDIO1, output('o1', 'm1', { grantId: 'g' })),
      /^INVALID: .*grantId: model m1 is the caller's own/,
    );
    const registered = await w.call<OutputRecord>(w.outputs, 'Register', STUDIO2, output('o2', 'm1', { grantId: 'g' }));
    expect(registered).toMatchObject({ ownerMsp: STUDIO2, grantId: 'g' });
    const verified = await w.call<{ verdict: string; grant: GrantRecord & { activeNow: boolean } }>(w.outputs, 'Verify', REGULATOR, 'o2');
    expect(verified).toMatchObject({
      verdict: 'authorized',
      grant: { purchaseId: 'g', buyerMsp: STUDIO2, sellerMsp: STUDIO1, status: 'active', activeNow: true },
    });
  });

  it("when another studio's grant, a grant on another model, or a territory outside the terms is named, then refused", async () => {
    const w = await world();
    await publish(w, 'jp', { territory: 'JP' });
    await offerModel(w, 'o', 'jp');
    await w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o', purchaseId: 'g' });
    await w.trainModel('other', { p9: 1 }, { termsId: 't' });
    await refusedUnchanged(
      w,
      w.call(w.outputs, 'Register', STUDIO2, output('x', 'other', { grantId: 'g' })),
      /^FORBIDDEN: .*grant g covers model m1, not model other/,
    );
    await refusedUnchanged(
      w,
      w.call(w.outputs, 'Register', STUDIO2, output('x', 'm1', { grantId: 'g', territory: 'US' })),
      /^STATE: .*do not cover territory US \(only JP\)/,
    );
    await expect(w.call(w.outputs, 'Register', STUDIO2, output('x', 'm1', { grantId: 'g', territory: 'JP' }))).resolves.toMatchObject({
      grantId: 'g',
    });
  });

  it('when a grant is withdrawn or its terms expire, then new uses stop and past outputs stay verifiable', async () => {
    const w = await world();
    await publish(w, 'short', { validUntil: '2025-01-01T00:10:00Z' });
    await offerModel(w, 'o');
    await offerModel(w, 'o-short', 'short');
    await w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o', purchaseId: 'g' });
    await w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o-short', purchaseId: 'g-short' });
    await w.call(w.outputs, 'Register', STUDIO2, output('before', 'm1', { grantId: 'g' }));
    await w.call(w.market, 'WithdrawGrant', STUDIO1, { purchaseId: 'g', reason: 'breach' });
    await refusedUnchanged(
      w,
      w.call(w.outputs, 'Register', STUDIO2, output('after', 'm1', { grantId: 'g' })),
      /^STATE: .*grant g was withdrawn/,
    );
    const verified = await w.call<{ verdict: string; grant: { status: string; activeNow: boolean } }>(
      w.outputs,
      'Verify',
      REGULATOR,
      'before',
    );
    expect(verified).toMatchObject({ verdict: 'authorized', grant: { status: 'withdrawn', activeNow: false } });
    await refusedUnchanged(
      w,
      w.call(w.outputs, 'Register', STUDIO2, output('late', 'm1', { grantId: 'g-short' }), { timestamp: '2025-02-01T00:00:00Z' }),
      /^STATE: .*expired at/,
    );
  });

  it("when Studio2 fine-tunes Studio1's model, then it needs a grant whose terms allow derivatives; the model records the grant", async () => {
    const w = await world();
    await publish(w, 'no-deriv', { derivatives: false });
    await offerModel(w, 'o-nd', 'no-deriv');
    await offerModel(w, 'o');
    await w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o-nd', purchaseId: 'g-nd' });
    await w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o', purchaseId: 'g' });
    await refusedUnchanged(
      w,
      w.call(w.models, 'Register', STUDIO2, { modelId: 'ft', baseModelId: 'm1' }),
      /^FORBIDDEN: Studio2MSP may not fine-tune model m1 of Studio1MSP/,
    );
    await refusedUnchanged(
      w,
      w.call(w.models, 'Register', STUDIO2, { modelId: 'ft', baseModelId: 'm1', grantId: 'g-nd' }),
      /^STATE: .*do not allow derivatives/,
    );
    await expect(w.call(w.models, 'Register', STUDIO2, { modelId: 'ft', baseModelId: 'm1', grantId: 'g' })).resolves.toMatchObject({
      baseGrantId: 'g',
      lineageDepth: 1,
    });
  });

  it('when a licensee records revenue on the licensed model, then it names its grant; the terms must allow commercial use', async () => {
    const w = await world();
    await offerModel(w, 'o');
    await w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o', purchaseId: 'g' });
    const report = { subjectType: 'model', subjectId: 'm1', amount: '100', currency: 'JPY', reference: 'r' };
    await refusedUnchanged(
      w,
      w.call(w.revenue, 'Record', STUDIO2, report),
      /^FORBIDDEN: Studio2MSP may not record revenue on model m1: it is owned by Studio1MSP/,
    );
    await expect(w.call(w.revenue, 'Record', STUDIO2, { ...report, grantId: 'g' })).resolves.toMatchObject({ createdBy: STUDIO2 });
  });
});

describe('terms', () => {
  it('when terms do not allow commercial use, then no offer is made under them and a model trained under them takes no revenue', async () => {
    const w = await world();
    await publish(w, 'nc', { commercialUse: false });
    await refusedUnchanged(w, offerModel(w, 'o', 'nc'), /^STATE: terms nc \(version 1\) do not allow commercial use/);
    await w.trainModel('mnc', { q: 1 }, { termsId: 'nc' });
    await refusedUnchanged(
      w,
      w.call(w.revenue, 'Record', STUDIO1, { subjectType: 'model', subjectId: 'mnc', amount: '1', currency: 'JPY', reference: 'r' }),
      /^STATE: model mnc was trained on data whose terms do not allow commercial use/,
    );
  });

  it('when the issuer amends terms, then new uses follow the new version and verification shows the version a model was trained under', async () => {
    const w = await world();
    await w.registerOutput('o', 'm1');
    await refusedUnchanged(
      w,
      w.call(w.terms, 'Amend', STUDIO1, { termsId: 't' }),
      /^FORBIDDEN: Studio1MSP \(studio\) may not amend licence terms/,
    );
    const base = {
      aiTraining: false,
      commercialUse: true,
      derivatives: true,
      attribution: true,
      territory: 'JP',
      validFrom: '2024-01-01T00:00:00Z',
      dataPoolShareBps: 1000,
      legalTextDigest: sha256('v2'),
    };
    const amended = await w.call<TermsRecord>(w.terms, 'Amend', LICENSOR, { termsId: 't', ...base });
    expect(amended).toMatchObject({ version: 2, aiTraining: false });
    await expect(w.call(w.terms, 'GetVersion', REGULATOR, { termsId: 't', version: 1 })).resolves.toMatchObject({
      version: 1,
      aiTraining: true,
    });
    // Version 2 forbids training: a new model cannot use items under it.
    const ids = await collect(w, 'n', 1, 't');
    await w.call(w.models, 'Register', STUDIO1, { modelId: 'm-new' });
    await refusedUnchanged(
      w,
      w.call(w.models, 'AttestTrainingBatch', STUDIO1, { modelId: 'm-new', dataIds: ids }),
      /^STATE: .*do not allow AI training/,
    );
    const verified = await w.call<{ verdict: string; lineage: { terms: Json[] }[] }>(w.outputs, 'Verify', REGULATOR, 'o');
    expect(verified.verdict).toBe('authorized');
    expect(verified.lineage[0]?.terms[0]).toMatchObject({
      termsId: 't',
      trainedUnderVersions: [1],
      aiTraining: true,
      current: { version: 2, status: 'active' },
    });
  });

  it('when the issuer withdraws terms, then no new data or training under them; the sealed model keeps producing outputs', async () => {
    const w = await world();
    await refusedUnchanged(w, w.call(w.terms, 'Withdraw', LICENSOR, { termsId: 'none', reason: 'x' }), /^NOT_FOUND: terms none/);
    await w.call(w.terms, 'Withdraw', LICENSOR, { termsId: 't', reason: 'rights lapsed' });
    await expect(collect(w, 'late', 1, 't')).rejects.toThrow(/^STATE: .*terms t were withdrawn/);
    await expect(w.call(w.outputs, 'Register', STUDIO1, output('o', 'm1'))).resolves.toMatchObject({ modelId: 'm1' });
    const verified = await w.call<{ lineage: { terms: Json[] }[] }>(w.outputs, 'Verify', REGULATOR, 'o');
    expect(verified.lineage[0]?.terms[0]).toMatchObject({ trainedUnderVersions: [1], current: { version: 1, status: 'withdrawn' } });
  });
});

describe('revocation cannot be blocked', () => {
  it('when an item went into more models than one transaction flags, then revocation still costs a bounded write set; pending models judge flagged until propagated', async () => {
    const w = await world();
    const [item] = await collect(w, 'x', 1, 't');
    const models = Array.from({ length: FLAGS_PER_TRANSACTION + 8 }, (_, i) => `mx${String(i).padStart(3, '0')}`);
    for (const modelId of models) {
      await w.call(w.models, 'Register', STUDIO1, { modelId });
      await w.call(w.models, 'AttestTrainingBatch', STUDIO1, { modelId, dataIds: [item] });
      await w.call(w.models, 'Seal', STUDIO1, { modelId });
    }
    const revoked = await w.invoke(w.data, 'RevokeConsent', STUDIO1, { dataId: item, reason: 'asked' });
    // data record + flag sync + (flag + count) per model of the first page: independent of the usage count.
    expect(revoked.writeSet.state.length).toBe(2 + 2 * FLAGS_PER_TRANSACTION);
    expect(revoked.event?.payload).toMatchObject({ flagsPending: true });
    const last = models[models.length - 1] as string;
    // Not flagged on its own key yet, but judged with the pending revocation: no new output.
    await refusedUnchanged(
      w,
      w.call(w.outputs, 'Register', STUDIO1, output('o-last', last)),
      /^STATE: model mx039 may not produce outputs: .*consent revoked/,
    );
    await refusedUnchanged(w, w.call(w.data, 'PropagateFlags', REGULATOR, { dataId: item }), /^FORBIDDEN: /);
    const propagated = await w.call<{ pending: boolean; done: number }>(w.data, 'PropagateFlags', STUDIO2, { dataId: item });
    expect(propagated).toMatchObject({ pending: false, done: models.length });
    expect(w.ledger.getJson(Keys.modelFlagCount(last))).toMatchObject({ consentRevoked: 1 });
    await expect(w.call(w.data, 'PropagateFlags', STUDIO1, { dataId: item })).rejects.toThrow(/^NOT_FOUND: pending flags/);
  });
});

describe('acting client', () => {
  it('when a gateway names its API client, then the record version and the event say who acted; history shows it', async () => {
    const w = await world();
    const ids = await collect(w, 'c', 1, 't');
    const out = await w.invoke(
      w.data,
      'RevokeConsent',
      STUDIO1,
      { dataId: ids[0], reason: 'asked' },
      { transient: { clientRef: 'backoffice-7' } },
    );
    expect(out.event?.payload).toMatchObject({ actingClient: 'backoffice-7' });
    expect(w.ledger.getJson(Keys.data(ids[0] as string))).toMatchObject({ actingClient: 'backoffice-7', updatedBy: STUDIO1 });
    const history = await w.call<{ entries: { record: Json }[] }>(w.data, 'History', REGULATOR, ids[0]);
    expect(history.entries.map((e) => e.record.actingClient)).toEqual(['backoffice-7', undefined]);
  });

  it('when the client reference is malformed, then INVALID and nothing changes', async () => {
    const w = await world();
    await refusedUnchanged(
      w,
      w.invoke(w.models, 'Register', STUDIO1, { modelId: 'x' }, { transient: { clientRef: 'bad client!' } }),
      /^INVALID: transient clientRef/,
    );
  });
});
