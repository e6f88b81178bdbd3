import { AccessContract } from './access';
import type { AccessRecord } from '../domain/access';
import { LICENSOR, REGULATOR, RoyaltyWorld, STUDIO1, STUDIO2 } from '../testing/royalty-fixture';

/**
 * Content entitlement and access records: every rule refused beside its allowed case.
 */

type Json = Record<string, unknown>;
const access = new AccessContract();

/** Studio1 trains `m1` on 3 items, groups two of them as dataset `ds1` and sells `ds1` to Studio2 as `g-ds`. */
async function world(): Promise<{ w: RoyaltyWorld; items: string[] }> {
  const w = new RoyaltyWorld();
  await w.publishTerms('t', 1000);
  await w.trainModel('m1', { p1: 3 }, { termsId: 't' });
  const items = ['m1.p1.000000', 'm1.p1.000001', 'm1.p1.000002'];
  await w.call(w.data, 'RegisterDataset', STUDIO1, { datasetId: 'ds1', dataIds: items.slice(0, 2) });
  await w.call(w.market, 'Offer', STUDIO1, {
    offerId: 'o-ds',
    subjectType: 'dataset',
    subjectId: 'ds1',
    termsId: 't',
    price: '500',
    currency: 'JPY',
  });
  await w.call(w.market, 'Purchase', STUDIO2, { offerId: 'o-ds', purchaseId: 'g-ds' });
  await w.registerOutput('out1', 'm1');
  return { w, items };
}

const ask = (w: RoyaltyWorld, caller: string, q: Json): Promise<Json> => w.call<Json>(access, 'Entitlement', caller, q);

describe('access:Entitlement', () => {
  it('when the owner asks, then it is allowed as owner with the ledger digest', async () => {
    const { w, items } = await world();
    const a = await ask(w, STUDIO1, { requesterMsp: STUDIO1, assetType: 'data', assetId: items[0] });
    expect(a).toMatchObject({ allowed: true, rule: 'owner', holderMsp: STUDIO1 });
    expect(a.contentDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when a licensee names its dataset grant, then an item of the dataset is allowed and one outside it is refused', async () => {
    const { w, items } = await world();
    expect(await ask(w, STUDIO2, { requesterMsp: STUDIO2, assetType: 'data', assetId: items[0], grantId: 'g-ds' })).toMatchObject({
      allowed: true,
      rule: 'grant',
      grantId: 'g-ds',
    });
    expect(await ask(w, STUDIO2, { requesterMsp: STUDIO2, assetType: 'data', assetId: items[2], grantId: 'g-ds' })).toMatchObject({
      allowed: false,
      code: 'FORBIDDEN',
    });
  });

  it("when an org holds no grant, or names another org's grant, then it is refused", async () => {
    const { w, items } = await world();
    expect(await ask(w, STUDIO2, { requesterMsp: STUDIO2, assetType: 'data', assetId: items[0] })).toMatchObject({
      allowed: false,
      code: 'FORBIDDEN',
    });
    expect(await ask(w, LICENSOR, { requesterMsp: LICENSOR, assetType: 'data', assetId: items[0], grantId: 'g-ds' })).toMatchObject({
      allowed: false,
      code: 'FORBIDDEN',
    });
    expect(await ask(w, STUDIO2, { requesterMsp: STUDIO2, assetType: 'output', assetId: 'out1', grantId: 'g-ds' })).toMatchObject({
      allowed: false,
      code: 'FORBIDDEN',
    });
  });

  it("when the grant is withdrawn, or the item's consent revoked, then new access is refused with STATE", async () => {
    const { w, items } = await world();
    await w.call(w.data, 'RevokeConsent', STUDIO1, { dataId: items[1], reason: 'asked' });
    expect(await ask(w, STUDIO2, { requesterMsp: STUDIO2, assetType: 'data', assetId: items[1], grantId: 'g-ds' })).toMatchObject({
      allowed: false,
      code: 'STATE',
    });
    await w.call(w.market, 'WithdrawGrant', STUDIO1, { purchaseId: 'g-ds', reason: 'breach' });
    const refused = await ask(w, STUDIO2, { requesterMsp: STUDIO2, assetType: 'data', assetId: items[0], grantId: 'g-ds' });
    expect(refused).toMatchObject({ allowed: false, code: 'STATE' });
    expect(String(refused.reason)).toMatch(/withdrawn/);
  });

  it('when a model grant is named, then it covers the training manifest and not the data', async () => {
    const { w, items } = await world();
    await w.licenceModel('m1', STUDIO2, 'g-m1');
    expect(await ask(w, STUDIO2, { requesterMsp: STUDIO2, assetType: 'model', assetId: 'm1', grantId: 'g-m1' })).toMatchObject({
      allowed: true,
      rule: 'grant',
    });
    expect(await ask(w, STUDIO2, { requesterMsp: STUDIO2, assetType: 'data', assetId: items[2], grantId: 'g-m1' })).toMatchObject({
      allowed: false,
      code: 'FORBIDDEN',
    });
  });

  it('when the regulator asks, then data and outputs are allowed by the audit policy, even revoked data', async () => {
    const { w, items } = await world();
    await w.call(w.data, 'RevokeConsent', STUDIO1, { dataId: items[0], reason: 'asked' });
    expect(await ask(w, REGULATOR, { requesterMsp: REGULATOR, assetType: 'data', assetId: items[0] })).toMatchObject({
      allowed: true,
      rule: 'regulator',
    });
    expect(await ask(w, REGULATOR, { requesterMsp: REGULATOR, assetType: 'output', assetId: 'out1' })).toMatchObject({
      allowed: true,
      rule: 'regulator',
    });
  });

  it('when anyone asks for a terms legal text, then it is public; other content is not', async () => {
    const { w } = await world();
    const a = await ask(w, STUDIO1, { requesterMsp: STUDIO1, assetType: 'terms', assetId: 't' });
    expect(a).toMatchObject({ allowed: true, rule: 'public', holderMsp: LICENSOR });
    expect(await ask(w, LICENSOR, { requesterMsp: LICENSOR, assetType: 'output', assetId: 'out1' })).toMatchObject({
      allowed: false,
      code: 'FORBIDDEN',
    });
  });

  it('when the asset or grant is missing, or the query malformed, then NOT_FOUND or INVALID', async () => {
    const { w } = await world();
    await expect(ask(w, STUDIO2, { requesterMsp: STUDIO2, assetType: 'data', assetId: 'nope' })).rejects.toThrow(/^NOT_FOUND/);
    await expect(ask(w, STUDIO2, { requesterMsp: STUDIO2, assetType: 'data', assetId: 'm1.p1.000000', grantId: 'nope' })).rejects.toThrow(
      /^NOT_FOUND/,
    );
    await expect(ask(w, STUDIO2, { requesterMsp: STUDIO2, assetType: 'blob', assetId: 'x' })).rejects.toThrow(/^INVALID/);
  });
});

describe('access:Record and access:List', () => {
  it('when the holder records an entitled access, then the record names the requester and the grant, and the holder lists it', async () => {
    const { w, items } = await world();
    const out = await w.invoke(
      access,
      'Record',
      STUDIO1,
      { requesterMsp: STUDIO2, assetType: 'data', assetId: items[0], grantId: 'g-ds' },
      { transient: { clientRef: 'gw-studio2' } },
    );
    const record = out.result as AccessRecord;
    expect(record).toMatchObject({
      docType: 'access',
      holderMsp: STUDIO1,
      requesterMsp: STUDIO2,
      rule: 'grant',
      grantId: 'g-ds',
      assetId: items[0],
      actingClient: 'gw-studio2',
    });
    expect(record.contentDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(out.event?.name).toBe('ContentAccessed');
    await w.call(access, 'Record', STUDIO1, { requesterMsp: REGULATOR, assetType: 'output', assetId: 'out1' });
    const all = await w.call<{ items: AccessRecord[] }>(access, 'List', REGULATOR, { holderMsp: STUDIO1 });
    expect(all.items.map((a) => [a.assetType, a.requesterMsp, a.rule])).toEqual([
      ['data', STUDIO2, 'grant'],
      ['output', REGULATOR, 'regulator'],
    ]);
    const one = await w.call<{ items: AccessRecord[] }>(access, 'List', STUDIO2, {
      holderMsp: STUDIO1,
      assetType: 'data',
      assetId: items[0],
    });
    expect(one.items).toHaveLength(1);
  });

  it('when the requester is not entitled, or the caller does not hold the asset, then nothing is recorded', async () => {
    const { w, items } = await world();
    await expect(
      w.call(access, 'Record', STUDIO1, { requesterMsp: STUDIO2, assetType: 'data', assetId: items[2], grantId: 'g-ds' }),
    ).rejects.toThrow(/^FORBIDDEN: Studio2MSP may not obtain/);
    await expect(
      w.call(access, 'Record', STUDIO2, { requesterMsp: STUDIO2, assetType: 'data', assetId: items[0], grantId: 'g-ds' }),
    ).rejects.toThrow(/^FORBIDDEN: .*only its holder Studio1MSP/);
    await expect(w.call(access, 'Record', REGULATOR, { requesterMsp: REGULATOR, assetType: 'output', assetId: 'out1' })).rejects.toThrow(
      /^FORBIDDEN/,
    );
    await expect(w.call(access, 'Record', STUDIO1, { requesterMsp: STUDIO1, assetType: 'output', assetId: 'out1' })).rejects.toThrow(
      /^INVALID/,
    );
    await w.call(w.market, 'WithdrawGrant', STUDIO1, { purchaseId: 'g-ds', reason: 'breach' });
    await expect(
      w.call(access, 'Record', STUDIO1, { requesterMsp: STUDIO2, assetType: 'data', assetId: items[0], grantId: 'g-ds' }),
    ).rejects.toThrow(/^STATE/);
    expect((await w.call<{ items: unknown[] }>(access, 'List', STUDIO1, { holderMsp: STUDIO1 })).items).toEqual([]);
  });

  it('when the licensor serves its legal text, then the access is recorded under the public rule', async () => {
    const { w } = await world();
    expect(await w.call(access, 'Record', LICENSOR, { requesterMsp: STUDIO1, assetType: 'terms', assetId: 't' })).toMatchObject({
      rule: 'public',
      holderMsp: LICENSOR,
    });
  });
});
