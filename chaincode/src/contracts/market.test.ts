import type { GrantRecord, OfferRecord, RevenueRecord } from '../ledger/records';
import { LICENSOR, REGULATOR, RoyaltyWorld, STUDIO1, STUDIO2 } from '../testing/royalty-fixture';

import type { HolderBalances, Statement } from './revenue';
import type { RevenueOutcome } from '../ledger/royalties';

type Json = Record<string, unknown>;

async function world(): Promise<RoyaltyWorld> {
  const w = new RoyaltyWorld();
  await w.publishTerms('t', 2500);
  await w.publishTerms('expired', 0, '2024-06-01T00:00:00Z');
  await w.trainModel('m', { p1: 3, p2: 1 }, { termsId: 't' });
  // A dataset of items collected under the licensor's terms, owned by the licensor.
  await w.call(w.data, 'RegisterDataset', LICENSOR, { datasetId: 'ds-1', dataIds: ['m.p1.000000', 'm.p2.000000'] });
  await w.call(w.rights, 'Create', LICENSOR, {
    rightsId: 'r-ds',
    subjectType: 'dataset',
    subjectId: 'ds-1',
    holders: [{ holderId: 'lic', mspId: LICENSOR, shareBps: 10000 }],
  });
  return w;
}

const modelOffer = { offerId: 'o1', subjectType: 'model', subjectId: 'm', termsId: 't', price: '1000', currency: 'JPY' };

describe('market:Offer', () => {
  it('when the owner studio offers its sealed model, then the offer is open and announced', async () => {
    const w = await world();
    const outcome = await w.invoke(w.market, 'Offer', STUDIO1, modelOffer);
    expect(outcome.result).toEqual({
      docType: 'offer',
      ...modelOffer,
      sellerMsp: STUDIO1,
      status: 'open',
      createdBy: STUDIO1,
      createdAt: outcome.timestamp,
    });
    expect(outcome.event).toEqual({ name: 'OfferPublished', payload: { offer: outcome.result } });
    expect(await w.call(w.market, 'GetOffer', REGULATOR, 'o1')).toEqual(outcome.result);
  });

  it('when the licensor offers a dataset it licenses, then the offer is open', async () => {
    const w = await world();
    const offer = await w.call<OfferRecord>(w.market, 'Offer', LICENSOR, {
      ...modelOffer,
      offerId: 'o2',
      subjectType: 'dataset',
      subjectId: 'ds-1',
    });
    expect(offer).toMatchObject({ sellerMsp: LICENSOR, subjectType: 'dataset' });
  });

  it.each<[string, string, Json, RegExp]>([
    ['the regulator', REGULATOR, modelOffer, /^FORBIDDEN: RegulatorMSP \(regulator\) may not publish licence offers/],
    ['another studio', STUDIO2, modelOffer, /^FORBIDDEN: Studio2MSP may not offer model m: only Studio1MSP may/],
    ['the licensor, for a model', LICENSOR, modelOffer, /^FORBIDDEN: LicensorMSP \(licensor\) may not offer models/],
    [
      'a studio, for a dataset',
      STUDIO1,
      { ...modelOffer, subjectType: 'dataset', subjectId: 'ds-1' },
      /^FORBIDDEN: Studio1MSP may not offer dataset ds-1: only LicensorMSP may/,
    ],
    ['a zero price', STUDIO1, { ...modelOffer, price: '0' }, /^INVALID: .*price: must be a positive/],
    ['a bad currency', STUDIO1, { ...modelOffer, currency: 'Yen' }, /^INVALID: .*currency/],
    ['a work subject', STUDIO1, { ...modelOffer, subjectType: 'work' }, /^INVALID: .*subjectType: must be one of model, dataset/],
    ['a missing model', STUDIO1, { ...modelOffer, subjectId: 'none' }, /^NOT_FOUND: model none/],
    [
      'a dataset without rights',
      LICENSOR,
      { ...modelOffer, subjectType: 'dataset', subjectId: 'none' },
      /^NOT_FOUND: dataset none does not exist/,
    ],
    ['missing terms', STUDIO1, { ...modelOffer, termsId: 'none' }, /^NOT_FOUND: terms none/],
    [
      'expired terms',
      STUDIO1,
      { ...modelOffer, termsId: 'expired' },
      /^STATE: terms expired \(version 1\) expired at .*: no licence can be offered/,
    ],
  ])('when the offer comes from or has %s, then it is refused', async (_label, msp, request, message) => {
    const w = await world();
    await expect(w.call(w.market, 'Offer', msp, request)).rejects.toThrow(message);
  });

  it('when the model is not sealed or the offer id is taken, then STATE or CONFLICT', async () => {
    const w = await world();
    await w.trainModel('wip', { p1: 1 }, { termsId: 't', seal: false });
    await expect(w.call(w.market, 'Offer', STUDIO1, { ...modelOffer, subjectId: 'wip' })).rejects.toThrow(/^STATE: model wip is training/);
    await w.call(w.market, 'Offer', STUDIO1, modelOffer);
    await expect(w.call(w.market, 'Offer', STUDIO1, modelOffer)).rejects.toThrow(/^CONFLICT: offer o1 already exists/);
  });

  it('when the seller withdraws, then the offer closes; others and a second withdrawal are refused', async () => {
    const w = await world();
    await w.call(w.market, 'Offer', STUDIO1, modelOffer);
    await expect(w.call(w.market, 'Withdraw', STUDIO2, { offerId: 'o1' })).rejects.toThrow(/^FORBIDDEN: /);
    await expect(w.call(w.market, 'Withdraw', REGULATOR, { offerId: 'o1' })).rejects.toThrow(/^FORBIDDEN: /);
    const outcome = await w.invoke(w.market, 'Withdraw', STUDIO1, { offerId: 'o1' });
    expect(outcome.result).toMatchObject({ status: 'withdrawn', updatedBy: STUDIO1 });
    expect(outcome.event?.name).toBe('OfferWithdrawn');
    await expect(w.call(w.market, 'Withdraw', STUDIO1, { offerId: 'o1' })).rejects.toThrow(/^STATE: offer o1 is withdrawn/);
    await expect(w.call(w.market, 'Withdraw', STUDIO1, { offerId: 'none' })).rejects.toThrow(/^NOT_FOUND: offer none/);
    await expect(w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o1', purchaseId: 'p' })).rejects.toThrow(
      /^STATE: offer o1 is withdrawn/,
    );
  });
});

describe('market:Purchase', () => {
  it('when another studio buys a model licence, then a grant is written and the price distributes like reported revenue', async () => {
    const w = await world();
    await w.call(w.market, 'Offer', STUDIO1, modelOffer);
    const outcome = await w.invoke(w.market, 'Purchase', STUDIO2, { offerId: 'o1', purchaseId: 'buy-1' });
    const grant = outcome.result as GrantRecord;
    expect(grant).toEqual({
      docType: 'grant',
      purchaseId: 'buy-1',
      offerId: 'o1',
      subjectType: 'model',
      subjectId: 'm',
      termsId: 't',
      price: '1000',
      currency: 'JPY',
      sellerMsp: STUDIO1,
      buyerMsp: STUDIO2,
      revenueReference: 'purchase:buy-1',
      status: 'active',
      createdBy: STUDIO2,
      createdAt: outcome.timestamp,
    });
    expect(outcome.eventCount).toBe(1);
    const payload = outcome.event?.payload as RevenueOutcome & { grant: GrantRecord };
    expect(outcome.event?.name).toBe('LicencePurchased');
    expect(payload.grant).toEqual(grant);
    // 25 % pool over 4 items; the owner (no rights record) gets the rest.
    expect(payload.revenue).toMatchObject({
      source: 'purchase',
      reference: 'purchase:buy-1',
      createdBy: STUDIO2,
      holderPayouts: [{ holderId: STUDIO1, mspId: STUDIO1, amount: '750' }],
      poolAdditions: [{ modelId: 'm', amount: '250' }],
    });
    expect(await w.call(w.market, 'GetGrant', REGULATOR, 'buy-1')).toEqual(grant);
    expect(await w.call(w.revenue, 'Get', REGULATOR, { recorderMsp: STUDIO2, reference: 'purchase:buy-1' })).toEqual(payload.revenue);
    const statement = await w.call<Statement>(w.revenue, 'Statement', STUDIO1, { providerId: 'p1' });
    expect(statement.lines[0]).toMatchObject({ accrued: '187', claimable: '187' });

    // The same distribution as a reported revenue of the same amount on the same subject.
    // Studio2 reports it as the licensee, naming its grant.
    const reported = await w.call<RevenueRecord>(w.revenue, 'Record', STUDIO2, {
      subjectType: 'model',
      subjectId: 'm',
      amount: '1000',
      currency: 'JPY',
      reference: 'r',
      grantId: 'buy-1',
    });
    expect(reported.holderPayouts).toEqual(payload.revenue.holderPayouts);
    expect(reported.poolAdditions).toEqual(payload.revenue.poolAdditions);
  });

  it('when a dataset licence is bought, then the dataset rights holders are paid and no pool is involved', async () => {
    const w = await world();
    await w.call(w.market, 'Offer', LICENSOR, { ...modelOffer, offerId: 'o2', subjectType: 'dataset', subjectId: 'ds-1', price: '300' });
    await w.call(w.market, 'Purchase', STUDIO1, { offerId: 'o2', purchaseId: 'b2' });
    const balance = await w.call<HolderBalances>(w.revenue, 'HolderBalance', LICENSOR, {
      holderId: 'lic',
      mspId: LICENSOR,
      currency: 'JPY',
    });
    expect(balance.balances[0]).toMatchObject({ credited: '300' });
  });

  it('when the buyer is the seller, the regulator or a licensor, or the purchase repeats, then it is refused', async () => {
    const w = await world();
    await w.call(w.market, 'Offer', STUDIO1, modelOffer);
    await expect(w.call(w.market, 'Purchase', STUDIO1, { offerId: 'o1', purchaseId: 'x' })).rejects.toThrow(
      /^FORBIDDEN: Studio1MSP may not buy its own offer o1/,
    );
    await expect(w.call(w.market, 'Purchase', REGULATOR, { offerId: 'o1', purchaseId: 'x' })).rejects.toThrow(
      /^FORBIDDEN: RegulatorMSP \(regulator\)/,
    );
    await expect(w.call(w.market, 'Purchase', LICENSOR, { offerId: 'o1', purchaseId: 'x' })).rejects.toThrow(
      /^FORBIDDEN: LicensorMSP \(licensor\)/,
    );
    await expect(w.call(w.market, 'Purchase', STUDIO2, { offerId: 'none', purchaseId: 'x' })).rejects.toThrow(/^NOT_FOUND: offer none/);
    await expect(w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o1' })).rejects.toThrow(/^INVALID: .*purchaseId: is required/);
    await expect(w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o1', purchaseId: 'x'.repeat(120) })).rejects.toThrow(
      /^INVALID: .*at most 119 characters/,
    );
    await w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o1', purchaseId: 'x' });
    const before = w.ledger.dump();
    await expect(w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o1', purchaseId: 'x' })).rejects.toThrow(
      /^CONFLICT: purchase x already exists/,
    );
    expect(w.ledger.dump()).toBe(before);
    await expect(w.call(w.market, 'GetGrant', STUDIO1, 'none')).rejects.toThrow(/^NOT_FOUND: grant none/);
    await expect(w.call(w.market, 'GetOffer', STUDIO1, 'none')).rejects.toThrow(/^NOT_FOUND: offer none/);
  });

  it('when the model was revoked after the offer, then purchases are STATE', async () => {
    const w = await world();
    await w.call(w.market, 'Offer', STUDIO1, modelOffer);
    await w.call(w.models, 'Revoke', STUDIO1, { modelId: 'm', reason: 'withdrawn' });
    await expect(w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o1', purchaseId: 'x' })).rejects.toThrow(/^STATE: model m is revoked/);
  });
});
