import { KeyEndorsementPolicy } from 'fabric-shim';

import { HOLDER_CREDIT_SHARDS, holderShard } from '../domain/holder-shards';
import { ROYALTY_SCALE } from '../domain/royalty-index';
import type { RevenueRecord, RightsRecord, RightsTransferRecord, SettlementRecord, SubjectRevenueRecord } from '../ledger/records';
import { KeyTypes, Keys, compositeKey } from '../ledger/keys';
import { LICENSOR, REGULATOR, RoyaltyWorld, STUDIO1, STUDIO2 } from '../testing/royalty-fixture';

import type { HolderBalances, PoolView, Statement, Totals } from './revenue';
import type { RevenueOutcome } from '../ledger/royalties';

type Request = Record<string, unknown>;

/**
 * A base model trained on 3 items (p1: 1, p2: 2) and a fine-tuned model on 4 items (p3: 3, p4: 1),
 * both under terms with a 30 % data pool, and an output of the fine-tuned model whose rights are
 * split 70/30 between Studio1 and the licensor.
 */
async function world(): Promise<RoyaltyWorld> {
  const w = new RoyaltyWorld();
  await w.publishTerms('t30', 3000);
  await w.trainModel('base', { p1: 1, p2: 2 }, { termsId: 't30' });
  await w.trainModel('ft', { p3: 3, p4: 1 }, { termsId: 't30', baseModelId: 'base' });
  await w.registerOutput('out-1', 'ft');
  await w.call(w.rights, 'Create', STUDIO1, {
    rightsId: 'r-out-1',
    licensorMsp: LICENSOR,
    subjectType: 'output',
    subjectId: 'out-1',
    holders: [
      { holderId: 'studio1', mspId: STUDIO1, shareBps: 7000 },
      { holderId: 'lic', mspId: LICENSOR, shareBps: 3000 },
    ],
  });
  return w;
}

const record = (w: RoyaltyWorld, request: Request, msp = STUDIO1): Promise<RevenueRecord> =>
  w.call<RevenueRecord>(w.revenue, 'Record', msp, request);

describe('revenue:Record', () => {
  it('when revenue is reported on an output, then holders, the model pool and the base pool share it exactly, in one event', async () => {
    const w = await world();
    const outcome = await w.invoke(w.revenue, 'Record', STUDIO1, {
      subjectId: 'out-1',
      amount: '10001',
      currency: 'JPY',
      reference: 'inv-1',
    });
    const revenue = outcome.result as RevenueRecord;
    // pool = floor(10001 × 0.3) = 3000 → 20 % (600) up to the base; holders split 7001 → 4901 / 2100.
    expect(revenue).toMatchObject({
      docType: 'revenue',
      subjectType: 'output',
      subjectId: 'out-1',
      modelId: 'ft',
      rightsId: 'r-out-1',
      dataPoolShareBps: 3000,
      source: 'report',
      holderPayouts: [
        { holderId: 'lic', mspId: LICENSOR, amount: '2100' },
        { holderId: 'studio1', mspId: STUDIO1, amount: '4901' },
      ],
      poolAdditions: [
        { modelId: 'ft', amount: '2400' },
        { modelId: 'base', amount: '600' },
      ],
      executedTransfers: [],
      voidedTransfers: [],
    });
    expect(outcome.eventCount).toBe(1);
    expect(outcome.event?.name).toBe('RevenueRecorded');
    const payload = outcome.event?.payload as RevenueOutcome;
    expect(payload.revenue).toEqual(revenue);
    expect(payload.subjectTotal).toMatchObject({ total: '10001', events: 1 });
    expect(payload.pools.map((p) => [p.modelId, p.poolIn])).toEqual([
      ['ft', '2400'],
      ['base', '600'],
    ]);
    // Nothing in the write set grows with providers: revenue, subject total, 2 pools, 2 holder balances.
    const kinds = outcome.writeSet.state.map((w) => w.key.split('\u0000')[1]).sort();
    expect(kinds).toEqual(['holderCredit', 'holderCredit', 'revenue', 'royaltyPool', 'royaltyPool', 'subjectRevenue']);
    // Each holder is credited on the shard this transaction's ID picks.
    const shard = holderShard(outcome.txId);
    expect(outcome.writeSet.state.filter((w) => w.key.includes('holderCredit')).map((w) => w.key)).toEqual([
      Keys.holderCredit(LICENSOR, 'lic', 'JPY', shard),
      Keys.holderCredit(STUDIO1, 'studio1', 'JPY', shard),
    ]);
    expect(payload.credits.map((c) => [c.holderId, c.shard, c.credited])).toEqual([
      ['lic', shard, '2100'],
      ['studio1', shard, '4901'],
    ]);
  });

  it('when providers look at their statements, then each gets its item share of its pool, and the remainder carries', async () => {
    const w = await world();
    await record(w, { subjectId: 'out-1', amount: '10001', currency: 'JPY', reference: 'inv-1' });
    const s3 = await w.call<Statement>(w.revenue, 'Statement', REGULATOR, { providerId: 'p3' });
    // ft pool 2400 over 4 items: 600 per item; p3 has 3 items.
    expect(s3.lines).toEqual([
      { modelId: 'ft', currency: 'JPY', itemCount: 3, trainingSize: 4, accrued: '1800', claimed: '0', claimable: '1800' },
    ]);
    expect(s3.totals).toEqual([{ currency: 'JPY', accrued: '1800', claimed: '0', claimable: '1800' }]);
    expect(s3).toMatchObject({ managingMsp: STUDIO1, complete: true });
    // base pool 600 over 3 items: p1 200, p2 400.
    const s2 = await w.call<Statement>(w.revenue, 'Statement', STUDIO2, { providerId: 'p2', currency: 'JPY' });
    expect(s2.lines[0]).toMatchObject({ modelId: 'base', accrued: '400', claimable: '400' });
    // 100 more to the base model directly: pool 30 → 10 per item exactly.
    await w.call(w.rights, 'Create', STUDIO1, {
      rightsId: 'r-base',
      licensorMsp: LICENSOR,
      subjectType: 'model',
      subjectId: 'base',
      holders: [{ holderId: 'lic', mspId: LICENSOR, shareBps: 10000 }],
    });
    await record(w, { subjectType: 'model', subjectId: 'base', amount: '101', currency: 'JPY', reference: 'inv-2' });
    const pool = await w.call<PoolView>(w.revenue, 'GetPool', STUDIO1, { modelId: 'base', currency: 'JPY' });
    expect(pool.identityHolds).toBe(true);
    expect(pool.pool).toMatchObject({ poolIn: '630', trainingSize: 3, carry: '0', index: (210n * ROYALTY_SCALE).toString(), events: 2 });
  });

  it('when a subject has no rights record, then its output or model owner is paid; other subjects are refused', async () => {
    const w = await world();
    await w.registerOutput('out-2', 'ft');
    const revenue = await record(w, { subjectId: 'out-2', amount: '1000', currency: 'JPY', reference: 'inv-9' });
    expect(revenue.holderPayouts).toEqual([{ holderId: STUDIO1, mspId: STUDIO1, amount: '700' }]);
    expect(revenue.rightsId).toBeUndefined();
    // A work without a rights record has no owner on the ledger: nobody may report revenue on it.
    await expect(
      record(w, { subjectType: 'work', subjectId: 'series-1', amount: '1', currency: 'JPY', reference: 'w-1' }, LICENSOR),
    ).rejects.toThrow(/^FORBIDDEN: LicensorMSP may not record revenue on work series-1: it is owned by nobody/);
  });

  it('when a work has rights, then all its revenue goes to the holders (no pool)', async () => {
    const w = await world();
    await w.call(w.rights, 'Create', LICENSOR, {
      rightsId: 'r-work',
      subjectType: 'work',
      subjectId: 'series-1',
      holders: [
        { holderId: 'a', mspId: LICENSOR, shareBps: 3333 },
        { holderId: 'b', mspId: LICENSOR, shareBps: 3333 },
        { holderId: 'c', mspId: STUDIO2, shareBps: 3334 },
      ],
    });
    // A work's licensor owns it; a studio, even a holder, does not record revenue on it.
    await expect(
      record(w, { subjectType: 'work', subjectId: 'series-1', amount: '100', currency: 'EUR', reference: 'w-1' }, STUDIO2),
    ).rejects.toThrow(/^FORBIDDEN: Studio2MSP may not record revenue on work series-1: it is owned by LicensorMSP/);
    const revenue = await record(
      w,
      { subjectType: 'work', subjectId: 'series-1', amount: '100', currency: 'EUR', reference: 'w-1' },
      LICENSOR,
    );
    expect(revenue.poolAdditions).toEqual([]);
    expect(revenue.holderPayouts.map((p) => p.amount)).toEqual(['33', '33', '34']);
    const balance = await w.call<HolderBalances>(w.revenue, 'HolderBalance', REGULATOR, { holderId: 'c', mspId: STUDIO2 });
    expect(balance.balances).toEqual([{ currency: 'EUR', credited: '34', claimed: '0', claimable: '34' }]);
  });

  it('when currencies differ, then pools, totals and balances are kept apart', async () => {
    const w = await world();
    await record(w, { subjectId: 'out-1', amount: '1000', currency: 'JPY', reference: 'a' });
    await record(w, { subjectId: 'out-1', amount: '1000', currency: 'USD', reference: 'b' });
    const jpy = await w.call<SubjectRevenueRecord>(w.revenue, 'GetSubjectRevenue', STUDIO2, {
      subjectType: 'output',
      subjectId: 'out-1',
      currency: 'JPY',
    });
    expect(jpy.total).toBe('1000');
    const none = await w.call<SubjectRevenueRecord>(w.revenue, 'GetSubjectRevenue', STUDIO2, {
      subjectType: 'output',
      subjectId: 'out-1',
      currency: 'EUR',
    });
    expect(none).toMatchObject({ total: '0', events: 0 });
    const s = await w.call<Statement>(w.revenue, 'Statement', STUDIO1, { providerId: 'p4' });
    expect(s.totals.map((t) => t.currency)).toEqual(['JPY', 'USD']);
    const totals = await w.call<Totals>(w.revenue, 'Totals', REGULATOR, { currency: 'USD' });
    expect(totals).toMatchObject({ revenue: '1000', balanced: true, complete: true });
  });

  it('when the same reference is reported again by the same org, then it is a CONFLICT and nothing is paid twice; another org may use it', async () => {
    const w = await world();
    await w.licenceModel('ft', STUDIO2, 'g-s2');
    await w.registerOutput('out-s2', 'ft', STUDIO2, 'g-s2');
    await record(w, { subjectId: 'out-1', amount: '500', currency: 'JPY', reference: 'inv-1' });
    const before = w.ledger.dump();
    await expect(record(w, { subjectId: 'out-1', amount: '500', currency: 'JPY', reference: 'inv-1' })).rejects.toThrow(
      /^CONFLICT: revenue reference inv-1 was already recorded by Studio1MSP/,
    );
    expect(w.ledger.dump()).toBe(before);
    await record(w, { subjectId: 'out-s2', amount: '500', currency: 'JPY', reference: 'inv-1' }, STUDIO2);
    const got = await w.call<RevenueRecord>(w.revenue, 'Get', REGULATOR, { recorderMsp: STUDIO2, reference: 'inv-1' });
    expect(got.createdBy).toBe(STUDIO2);
  });

  it.each([
    [REGULATOR, /^FORBIDDEN: RegulatorMSP \(regulator\) may not record revenue/],
    [LICENSOR, /^FORBIDDEN: LicensorMSP may not record revenue on output out-1: it is owned by Studio1MSP/],
    [STUDIO2, /^FORBIDDEN: Studio2MSP may not record revenue on output out-1: it is owned by Studio1MSP/],
    ['UnknownMSP', /^FORBIDDEN: UnknownMSP is not an org of this consortium/],
  ])('when %s records revenue, then it is refused', async (msp, message) => {
    const w = await world();
    await expect(record(w, { subjectId: 'out-1', amount: '1', currency: 'JPY', reference: 'x' }, msp)).rejects.toThrow(message);
  });

  it.each<[string, Request, RegExp]>([
    ['a zero amount', { subjectId: 'out-1', amount: '0', currency: 'JPY', reference: 'x' }, /amount: must be a positive decimal string/],
    ['a numeric amount', { subjectId: 'out-1', amount: 5, currency: 'JPY', reference: 'x' }, /amount: must be a positive/],
    ['a fractional amount', { subjectId: 'out-1', amount: '1.50', currency: 'JPY', reference: 'x' }, /amount: must be a positive/],
    ['a bad currency', { subjectId: 'out-1', amount: '1', currency: 'jpy', reference: 'x' }, /currency: must be a three-letter/],
    ['no reference', { subjectId: 'out-1', amount: '1', currency: 'JPY' }, /reference: is required/],
    [
      'a reserved reference',
      { subjectId: 'out-1', amount: '1', currency: 'JPY', reference: 'purchase:1' },
      /reserved for licence purchases/,
    ],
    [
      'a bad subject type',
      { subjectType: 'song', subjectId: 'out-1', amount: '1', currency: 'JPY', reference: 'x' },
      /subjectType: must be one of/,
    ],
    ['an unknown field', { subjectId: 'out-1', amount: '1', currency: 'JPY', reference: 'x', memo: 'hi' }, /memo: is not a known field/],
  ])('when the request has %s, then it is INVALID', async (_label, request, message) => {
    const w = await world();
    const attempt = record(w, request);
    await expect(attempt).rejects.toThrow(/^INVALID: /);
    await expect(record(w, request)).rejects.toThrow(message);
  });

  it('when the subject does not exist or its model is not sealed, then NOT_FOUND or STATE', async () => {
    const w = await world();
    await expect(record(w, { subjectId: 'nope', amount: '1', currency: 'JPY', reference: 'x' })).rejects.toThrow(
      /^NOT_FOUND: no output or model nope/,
    );
    await expect(record(w, { subjectType: 'output', subjectId: 'nope', amount: '1', currency: 'JPY', reference: 'x' })).rejects.toThrow(
      /^NOT_FOUND: output nope/,
    );
    await expect(record(w, { subjectType: 'data', subjectId: 'nope', amount: '1', currency: 'JPY', reference: 'x' })).rejects.toThrow(
      /^NOT_FOUND: data item nope/,
    );
    await w.trainModel('wip', { p1: 1 }, { termsId: 't30', seal: false });
    await expect(record(w, { subjectId: 'wip', amount: '1', currency: 'JPY', reference: 'x' })).rejects.toThrow(
      /^STATE: model wip is not sealed/,
    );
  });

  it('when an id names both an output and a model, then an untyped report is INVALID and a typed one works', async () => {
    const w = await world();
    await w.registerOutput('base', 'ft');
    await expect(record(w, { subjectId: 'base', amount: '1', currency: 'JPY', reference: 'x' })).rejects.toThrow(
      /^INVALID: .*both an output and a model/,
    );
    const revenue = await record(w, { subjectType: 'model', subjectId: 'base', amount: '10', currency: 'JPY', reference: 'x' });
    expect(revenue.modelId).toBe('base');
  });

  it('when a model has no base, then its whole pool stays with it', async () => {
    const w = await world();
    const revenue = await record(w, { subjectType: 'model', subjectId: 'base', amount: '1000', currency: 'JPY', reference: 'x' });
    expect(revenue.poolAdditions).toEqual([{ modelId: 'base', amount: '300' }]);
    expect(revenue.holderPayouts).toEqual([{ holderId: STUDIO1, mspId: STUDIO1, amount: '700' }]);
  });
});

describe('threshold transfers inside revenue', () => {
  async function withTransfer(): Promise<RoyaltyWorld> {
    const w = await world();
    await w.call(w.rights, 'ProposeTransfer', LICENSOR, {
      transferId: 'tr-1',
      rightsId: 'r-out-1',
      fromHolderId: 'lic',
      toHolderId: 'studio2',
      toMspId: STUDIO2,
      shareBps: 1000,
      condition: { revenueThreshold: { subjectType: 'output', subjectId: 'out-1', currency: 'JPY', amount: '1000' } },
    });
    return w;
  }

  it('when revenue stays below the threshold, then nothing moves; the report that crosses it executes the transfer exactly once', async () => {
    const w = await withTransfer();
    const below = await record(w, { subjectId: 'out-1', amount: '999', currency: 'JPY', reference: 'a' });
    expect(below.executedTransfers).toEqual([]);
    // Another currency never counts towards a JPY threshold.
    await record(w, { subjectId: 'out-1', amount: '5000', currency: 'USD', reference: 'usd' });
    expect((await w.call<RightsTransferRecord>(w.rights, 'GetTransfer', STUDIO1, 'tr-1')).status).toBe('pending');

    const crossing = await w.invoke(w.revenue, 'Record', STUDIO1, { subjectId: 'out-1', amount: '1', currency: 'JPY', reference: 'b' });
    const revenue = crossing.result as RevenueRecord;
    expect(revenue.executedTransfers).toEqual(['tr-1']);
    // The crossing revenue itself is paid under the shares in force when it arrived.
    expect(revenue.holderPayouts.map((p) => p.holderId)).toEqual(['studio1']);
    const payload = crossing.event?.payload as RevenueOutcome;
    const [executed] = payload.executedTransfers;
    expect(executed?.transfer).toMatchObject({ transferId: 'tr-1', status: 'executed', closedTxId: crossing.txId });
    expect(executed?.rights.holders).toEqual([
      { holderId: 'lic', mspId: LICENSOR, shareBps: 2000 },
      { holderId: 'studio1', mspId: STUDIO1, shareBps: 7000 },
      { holderId: 'studio2', mspId: STUDIO2, shareBps: 1000 },
    ]);
    // The rights key's endorsement policy now names the new holder's org too.
    const policy = w.ledger.validationParameter(Keys.rights('r-out-1'));
    expect(new KeyEndorsementPolicy(policy).listOrgs().sort()).toEqual([LICENSOR, STUDIO1, STUDIO2]);
    expect(w.ledger.getState(Keys.pendingTransfer('output', 'out-1', 'JPY', 'tr-1'))).toBeUndefined();

    const after = await record(w, { subjectId: 'out-1', amount: '10000', currency: 'JPY', reference: 'c' });
    expect(after.executedTransfers).toEqual([]);
    expect(after.holderPayouts.map((p) => [p.holderId, p.amount])).toEqual([
      ['lic', '1400'],
      ['studio1', '4900'],
      ['studio2', '700'],
    ]);
    const rights = await w.call<RightsRecord>(w.rights, 'Get', STUDIO1, 'r-out-1');
    expect(rights.transferCount).toBe(1);
  });

  it('when two transfers on one rights record come due together, then both apply in id order on the same record', async () => {
    const w = await withTransfer();
    await w.call(w.rights, 'ProposeTransfer', STUDIO1, {
      transferId: 'tr-2',
      rightsId: 'r-out-1',
      fromHolderId: 'studio1',
      toHolderId: 'studio2',
      toMspId: STUDIO2,
      shareBps: 500,
      condition: { revenueThreshold: { subjectType: 'output', subjectId: 'out-1', currency: 'JPY', amount: '500' } },
    });
    const revenue = await record(w, { subjectId: 'out-1', amount: '2000', currency: 'JPY', reference: 'a' });
    expect(revenue.executedTransfers).toEqual(['tr-1', 'tr-2']);
    const rights = await w.call<RightsRecord>(w.rights, 'Get', STUDIO1, 'r-out-1');
    expect(rights.holders).toEqual([
      { holderId: 'lic', mspId: LICENSOR, shareBps: 2000 },
      { holderId: 'studio1', mspId: STUDIO1, shareBps: 6500 },
      { holderId: 'studio2', mspId: STUDIO2, shareBps: 1500 },
    ]);
    expect(rights.transferCount).toBe(2);
  });

  it('when a due transfer can no longer execute, then it becomes void in the revenue transaction and revenue still distributes', async () => {
    const w = await withTransfer();
    // An approval-only transfer takes most of the licensor's share first.
    await w.call(w.rights, 'ProposeTransfer', LICENSOR, {
      transferId: 'tr-0',
      rightsId: 'r-out-1',
      fromHolderId: 'lic',
      toHolderId: 'studio1',
      toMspId: STUDIO1,
      shareBps: 2500,
      condition: { approvals: [STUDIO1] },
    });
    await w.call(w.rights, 'ApproveTransfer', STUDIO1, { transferId: 'tr-0' });
    await w.call(w.rights, 'ExecuteTransfer', STUDIO2, { transferId: 'tr-0' });
    const revenue = await record(w, { subjectId: 'out-1', amount: '1000', currency: 'JPY', reference: 'a' });
    expect(revenue.executedTransfers).toEqual([]);
    expect(revenue.voidedTransfers).toEqual(['tr-1']);
    const transfer = await w.call<RightsTransferRecord>(w.rights, 'GetTransfer', STUDIO1, 'tr-1');
    expect(transfer).toMatchObject({ status: 'void', reason: 'holder lic holds 500 bps, fewer than 1000' });
    expect([...revenue.holderPayouts, ...revenue.poolAdditions].reduce((sum, p) => sum + BigInt(p.amount), 0n)).toBe(1000n);
  });

  it('when a threshold transfer also needs an approval, then revenue alone does not execute it; after approval the next report does', async () => {
    const w = await world();
    await w.call(w.rights, 'ProposeTransfer', STUDIO1, {
      transferId: 'tr-a',
      rightsId: 'r-out-1',
      fromHolderId: 'studio1',
      toHolderId: 'lic',
      toMspId: LICENSOR,
      shareBps: 7000,
      condition: { revenueThreshold: { subjectType: 'output', subjectId: 'out-1', currency: 'JPY', amount: '10' }, approvals: [LICENSOR] },
    });
    expect((await record(w, { subjectId: 'out-1', amount: '100', currency: 'JPY', reference: 'a' })).executedTransfers).toEqual([]);
    await w.call(w.rights, 'ApproveTransfer', LICENSOR, { transferId: 'tr-a' });
    expect((await record(w, { subjectId: 'out-1', amount: '1', currency: 'JPY', reference: 'b' })).executedTransfers).toEqual(['tr-a']);
    expect((await w.call<RightsRecord>(w.rights, 'Get', STUDIO1, 'r-out-1')).holders).toEqual([
      { holderId: 'lic', mspId: LICENSOR, shareBps: 10000 },
    ]);
  });
});

describe('statements, claims and settlements', () => {
  async function paid(): Promise<RoyaltyWorld> {
    const w = await world();
    await record(w, { subjectId: 'out-1', amount: '10001', currency: 'JPY', reference: 'inv-1' });
    return w;
  }

  it('when the managing org claims for a provider, then claimable becomes payable once, and the settlement is marked paid', async () => {
    const w = await paid();
    const claim = await w.invoke(w.revenue, 'Claim', STUDIO1, { providerId: 'p3', currency: 'JPY' });
    const settlement = claim.result as SettlementRecord;
    expect(settlement).toMatchObject({
      docType: 'settlement',
      settlementId: claim.txId,
      kind: 'provider',
      payeeId: 'p3',
      managingMsp: STUDIO1,
      currency: 'JPY',
      amount: '1800',
      items: [{ modelId: 'ft', amount: '1800' }],
      status: 'requested',
    });
    expect(claim.event).toEqual({ name: 'RevenueClaimed', payload: { settlement } });
    const statement = await w.call<Statement>(w.revenue, 'Statement', STUDIO1, { providerId: 'p3', currency: 'JPY' });
    expect(statement.lines[0]).toMatchObject({ accrued: '1800', claimed: '1800', claimable: '0' });
    await expect(w.call(w.revenue, 'Claim', STUDIO1, { providerId: 'p3', currency: 'JPY' })).rejects.toThrow(
      /^STATE: provider p3 has nothing claimable in JPY/,
    );

    const settled = await w.call<SettlementRecord>(w.revenue, 'MarkSettled', STUDIO1, {
      settlementId: claim.txId,
      paymentReference: 'bank-20250101-001',
    });
    expect(settled).toMatchObject({ status: 'settled', paymentReference: 'bank-20250101-001', updatedBy: STUDIO1 });
    await expect(w.call(w.revenue, 'MarkSettled', STUDIO1, { settlementId: claim.txId, paymentReference: 'again' })).rejects.toThrow(
      /^STATE: settlement .* is already settled/,
    );
    expect(await w.call<SettlementRecord>(w.revenue, 'GetSettlement', REGULATOR, claim.txId)).toEqual(settled);

    // Later revenue accrues on top of what was claimed.
    await record(w, { subjectId: 'out-1', amount: '10001', currency: 'JPY', reference: 'inv-2' });
    const later = await w.call<Statement>(w.revenue, 'Statement', STUDIO2, { providerId: 'p3' });
    expect(later.lines[0]).toMatchObject({ accrued: '3600', claimed: '1800', claimable: '1800' });
  });

  it('when a claim names one model and a settlement id, then only that model is claimed under that id', async () => {
    const w = await paid();
    await w.trainModel('other', { p3: 1 }, { termsId: 't30' });
    await record(w, { subjectType: 'model', subjectId: 'other', amount: '100', currency: 'JPY', reference: 'o' });
    const settlement = await w.call<SettlementRecord>(w.revenue, 'Claim', STUDIO1, {
      providerId: 'p3',
      currency: 'JPY',
      modelId: 'other',
      settlementId: 'stl-1',
    });
    expect(settlement).toMatchObject({ settlementId: 'stl-1', amount: '30', items: [{ modelId: 'other', amount: '30' }] });
    await expect(w.call(w.revenue, 'Claim', STUDIO1, { providerId: 'p3', currency: 'JPY', settlementId: 'stl-1' })).rejects.toThrow(
      /^CONFLICT: settlement stl-1 already exists/,
    );
    const all = await w.call<SettlementRecord>(w.revenue, 'Claim', STUDIO1, { providerId: 'p3', currency: 'JPY' });
    expect(all.items).toEqual([{ modelId: 'ft', amount: '1800' }]);
  });

  it('when a rights holder claims, then its org moves the balance to payable and settles it', async () => {
    const w = await paid();
    const settlement = await w.call<SettlementRecord>(w.revenue, 'Claim', LICENSOR, {
      holderId: 'lic',
      currency: 'JPY',
      settlementId: 'lic-1',
    });
    expect(settlement).toMatchObject({ kind: 'holder', payeeId: 'lic', managingMsp: LICENSOR, amount: '2100', items: [] });
    const balance = await w.call<HolderBalances>(w.revenue, 'HolderBalance', STUDIO1, {
      holderId: 'lic',
      mspId: LICENSOR,
      currency: 'JPY',
    });
    expect(balance.balances).toEqual([{ currency: 'JPY', credited: '2100', claimed: '2100', claimable: '0' }]);
    await expect(w.call(w.revenue, 'Claim', LICENSOR, { holderId: 'lic', currency: 'JPY' })).rejects.toThrow(
      /^STATE: holder lic has nothing claimable/,
    );
    await expect(w.call(w.revenue, 'MarkSettled', STUDIO1, { settlementId: 'lic-1', paymentReference: 'x' })).rejects.toThrow(
      /^FORBIDDEN: Studio1MSP may not settle lic-1: only LicensorMSP may/,
    );
    await w.call(w.revenue, 'MarkSettled', LICENSOR, { settlementId: 'lic-1', paymentReference: 'wire-1' });
  });

  it('when a holder is paid by many reports, then its balance sums its credit shards and one claim takes them all', async () => {
    const w = await world();
    let expected = 0n;
    for (let i = 0; i < 12; i += 1) {
      const revenue = await record(w, { subjectId: 'out-1', amount: String(1000 + i), currency: 'JPY', reference: `inv-${i}` });
      expected += BigInt(revenue.holderPayouts.find((p) => p.holderId === 'lic')?.amount ?? '0');
    }
    const shards = w.ledger.keys(compositeKey(KeyTypes.holderCredit, [LICENSOR, 'lic', 'JPY']));
    expect(shards.length).toBeGreaterThan(1);
    expect(shards.length).toBeLessThanOrEqual(HOLDER_CREDIT_SHARDS);
    const balance = await w.call<HolderBalances>(w.revenue, 'HolderBalance', REGULATOR, { holderId: 'lic', mspId: LICENSOR });
    expect(balance.balances).toEqual([{ currency: 'JPY', credited: expected.toString(), claimed: '0', claimable: expected.toString() }]);

    const claim = await w.invoke(w.revenue, 'Claim', LICENSOR, { holderId: 'lic', currency: 'JPY' });
    expect((claim.result as SettlementRecord).amount).toBe(expected.toString());
    // The claim writes its own record and the settlement, never a credit shard.
    expect(claim.writeSet.state.map((w) => w.key)).toEqual([Keys.holderClaim(LICENSOR, 'lic', 'JPY'), Keys.settlement(claim.txId)]);
    await expect(w.call(w.revenue, 'Claim', LICENSOR, { holderId: 'lic', currency: 'JPY' })).rejects.toThrow(
      /^STATE: holder lic has nothing claimable/,
    );

    const more = await record(w, { subjectId: 'out-1', amount: '100', currency: 'JPY', reference: 'inv-more' });
    const extra = BigInt(more.holderPayouts.find((p) => p.holderId === 'lic')?.amount ?? '0');
    const after = await w.call<HolderBalances>(w.revenue, 'HolderBalance', LICENSOR, { holderId: 'lic', mspId: LICENSOR, currency: 'JPY' });
    expect(after.balances).toEqual([
      { currency: 'JPY', credited: (expected + extra).toString(), claimed: expected.toString(), claimable: extra.toString() },
    ]);
    expect((await w.call<SettlementRecord>(w.revenue, 'Claim', LICENSOR, { holderId: 'lic', currency: 'JPY' })).amount).toBe(
      extra.toString(),
    );
    expect((await w.call<Totals>(w.revenue, 'Totals', REGULATOR, { currency: 'JPY' })).balanced).toBe(true);
  });

  it('when a holder has balances in several currencies, then the balance without a currency lists each, in order', async () => {
    const w = await world();
    await record(w, { subjectId: 'out-1', amount: '1000', currency: 'USD', reference: 'u' });
    await record(w, { subjectId: 'out-1', amount: '1000', currency: 'EUR', reference: 'e1' });
    await record(w, { subjectId: 'out-1', amount: '2000', currency: 'EUR', reference: 'e2' });
    await w.call(w.revenue, 'Claim', STUDIO1, { holderId: 'studio1', currency: 'EUR' });
    const balance = await w.call<HolderBalances>(w.revenue, 'HolderBalance', STUDIO2, { holderId: 'studio1', mspId: STUDIO1 });
    expect(balance.balances).toEqual([
      { currency: 'EUR', credited: '1470', claimed: '1470', claimable: '0' },
      { currency: 'USD', credited: '490', claimed: '0', claimable: '490' },
    ]);
    const none = await w.call<HolderBalances>(w.revenue, 'HolderBalance', STUDIO2, {
      holderId: 'studio1',
      mspId: STUDIO1,
      currency: 'JPY',
    });
    expect(none.balances).toEqual([]);
  });

  it('when the wrong org claims or settles, or the request is malformed, then each is refused with its code', async () => {
    const w = await paid();
    await expect(w.call(w.revenue, 'Claim', STUDIO2, { providerId: 'p3', currency: 'JPY' })).rejects.toThrow(
      /^FORBIDDEN: Studio2MSP may not claim for provider p3: only Studio1MSP may/,
    );
    await expect(w.call(w.revenue, 'Claim', REGULATOR, { providerId: 'p3', currency: 'JPY' })).rejects.toThrow(
      /^FORBIDDEN: RegulatorMSP \(regulator\)/,
    );
    await expect(w.call(w.revenue, 'Claim', STUDIO1, { providerId: 'nobody', currency: 'JPY' })).rejects.toThrow(
      /^NOT_FOUND: provider nobody/,
    );
    await expect(w.call(w.revenue, 'Claim', STUDIO2, { holderId: 'lic', currency: 'JPY' })).rejects.toThrow(
      /^NOT_FOUND: balance of holder lic of Studio2MSP/,
    );
    await expect(w.call(w.revenue, 'Claim', STUDIO1, { currency: 'JPY' })).rejects.toThrow(
      /^INVALID: .*exactly one of providerId and holderId/,
    );
    await expect(w.call(w.revenue, 'Claim', STUDIO1, { providerId: 'p3', holderId: 'x', currency: 'JPY' })).rejects.toThrow(/^INVALID: /);
    await expect(w.call(w.revenue, 'Claim', LICENSOR, { holderId: 'lic', currency: 'JPY', modelId: 'ft' })).rejects.toThrow(
      /^INVALID: .*modelId: applies to provider claims only/,
    );
    await expect(w.call(w.revenue, 'Claim', STUDIO1, { providerId: 'p3', currency: 'EUR' })).rejects.toThrow(
      /^STATE: provider p3 has nothing claimable in EUR/,
    );
    const s = await w.call<SettlementRecord>(w.revenue, 'Claim', STUDIO1, { providerId: 'p3', currency: 'JPY', settlementId: 's' });
    await expect(w.call(w.revenue, 'MarkSettled', STUDIO2, { settlementId: s.settlementId, paymentReference: 'x' })).rejects.toThrow(
      /^FORBIDDEN: /,
    );
    await expect(w.call(w.revenue, 'MarkSettled', REGULATOR, { settlementId: 's', paymentReference: 'x' })).rejects.toThrow(/^FORBIDDEN: /);
    await expect(w.call(w.revenue, 'MarkSettled', STUDIO1, { settlementId: 'none', paymentReference: 'x' })).rejects.toThrow(
      /^NOT_FOUND: settlement none/,
    );
    await expect(w.call(w.revenue, 'MarkSettled', STUDIO1, { settlementId: 's' })).rejects.toThrow(
      /^INVALID: .*paymentReference: is required/,
    );
    await expect(w.call(w.revenue, 'GetSettlement', STUDIO1, 'none')).rejects.toThrow(/^NOT_FOUND: /);
    await expect(w.call(w.revenue, 'Statement', STUDIO1, { providerId: 'nobody' })).rejects.toThrow(/^NOT_FOUND: provider nobody/);
    await expect(w.call(w.revenue, 'GetPool', STUDIO1, { modelId: 'ft', currency: 'EUR' })).rejects.toThrow(
      /^NOT_FOUND: pool of model ft in EUR/,
    );
    await expect(w.call(w.revenue, 'Get', STUDIO1, { recorderMsp: STUDIO1, reference: 'none' })).rejects.toThrow(/^NOT_FOUND: /);
    await expect(w.call(w.revenue, 'Totals', STUDIO1, {})).rejects.toThrow(/^INVALID: .*currency: is required/);
  });

  it('when a statement names its models, then it does not need the provider → model index', async () => {
    const w = await paid();
    const s = await w.call<Statement>(w.revenue, 'Statement', STUDIO1, { providerId: 'p1', modelIds: ['base', 'ft', 'missing'] });
    expect(s.lines.map((l) => [l.modelId, l.accrued])).toEqual([['base', '200']]);
  });

  it('when money moves through claims and settlements, then the per-currency totals stay balanced to the unit', async () => {
    const w = await paid();
    await w.call(w.revenue, 'Claim', STUDIO1, { providerId: 'p3', currency: 'JPY', settlementId: 's1' });
    await w.call(w.revenue, 'Claim', LICENSOR, { holderId: 'lic', currency: 'JPY', settlementId: 's2' });
    await w.call(w.revenue, 'MarkSettled', LICENSOR, { settlementId: 's2', paymentReference: 'w' });
    const totals = await w.call<Totals>(w.revenue, 'Totals', REGULATOR, { currency: 'JPY' });
    expect(totals).toEqual({
      currency: 'JPY',
      revenue: '10001',
      holderCredited: '7001',
      holderClaimed: '2100',
      holderUnclaimed: '4901',
      poolIn: '3000',
      providerClaimed: '1800',
      poolUnclaimed: '1200',
      carryScaled: '0',
      payable: '1800',
      settled: '2100',
      pools: 2,
      distributed: true,
      claimsSettle: true,
      poolIdentities: true,
      balanced: true,
      complete: true,
    });
  });
});
