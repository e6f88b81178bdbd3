import type { Contract } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';

import type { RightsRecord, RightsTransferRecord } from '../ledger/records';
import { Transactions } from '../shared/names';
import { declaredTransactions } from '../testing/memory-stub';
import { LICENSOR, REGULATOR, RoyaltyWorld, STUDIO1, STUDIO2 } from '../testing/royalty-fixture';

import { MAX_PENDING_PER_SUBJECT } from '../ledger/royalties';
import { Keys } from '../ledger/keys';

type Json = Record<string, unknown>;

const holders = [
  { holderId: 'studio1', mspId: STUDIO1, shareBps: 6000 },
  { holderId: 'lic', mspId: LICENSOR, shareBps: 4000 },
];

async function world(): Promise<RoyaltyWorld> {
  const w = new RoyaltyWorld();
  await w.publishTerms('t', 1000);
  await w.trainModel('m', { p1: 2 }, { termsId: 't' });
  await w.registerOutput('out-1', 'm');
  await w.registerOutput('out-2', 'm', STUDIO1);
  return w;
}

const create = (w: RoyaltyWorld, request: Json, msp = LICENSOR): Promise<RightsRecord> =>
  w.call<RightsRecord>(w.rights, 'Create', msp, request);
const workRights = { rightsId: 'r1', subjectType: 'work', subjectId: 'series-1', holders };

describe('rights:Create', () => {
  it('when a licensor creates rights, then the record is sorted, indexed by subject and its key requires every holder org and the licensor', async () => {
    const w = await world();
    const outcome = await w.invoke(w.rights, 'Create', LICENSOR, workRights);
    expect(outcome.result).toEqual({
      docType: 'rights',
      rightsId: 'r1',
      subjectType: 'work',
      subjectId: 'series-1',
      holders: [holders[1], holders[0]],
      licensorMsp: LICENSOR,
      status: 'active',
      transferCount: 0,
      createdBy: LICENSOR,
      createdAt: outcome.timestamp,
    });
    expect(outcome.event).toEqual({ name: 'RightsCreated', payload: { rights: outcome.result } });
    const policy = w.ledger.validationParameter(Keys.rights('r1'));
    expect(policy).toBeDefined();
    expect(new KeyEndorsementPolicy(policy).listOrgs()).toEqual([LICENSOR, STUDIO1]);
    expect(outcome.writeSet.validationParameters.map((p) => p.key)).toEqual([Keys.rights('r1')]);
    expect(await w.call(w.rights, 'GetBySubject', REGULATOR, { subjectType: 'work', subjectId: 'series-1' })).toEqual(outcome.result);
    expect(await w.call(w.rights, 'Get', STUDIO2, 'r1')).toEqual(outcome.result);
  });

  it('when a studio creates rights on its own output naming the licensor, then the licensor is in the key policy', async () => {
    const w = await world();
    const rights = await create(
      w,
      {
        rightsId: 'r-out',
        subjectType: 'output',
        subjectId: 'out-1',
        holders: [{ holderId: 's1', mspId: STUDIO1, shareBps: 10000 }],
        licensorMsp: LICENSOR,
      },
      STUDIO1,
    );
    expect(rights).toMatchObject({ licensorMsp: LICENSOR, createdBy: STUDIO1 });
    expect(new KeyEndorsementPolicy(w.ledger.validationParameter(Keys.rights('r-out'))).listOrgs()).toEqual([LICENSOR, STUDIO1]);
  });

  it.each<[string, string, Json]>([
    ["the model's owner studio", STUDIO1, { ...workRights, subjectType: 'model', subjectId: 'm', licensorMsp: LICENSOR }],
    ["a data item's collector", STUDIO1, { ...workRights, subjectType: 'data', subjectId: 'm.p1.000000', licensorMsp: LICENSOR }],
    ['the licensor whose terms a data item is under', LICENSOR, { ...workRights, subjectType: 'data', subjectId: 'm.p1.000000' }],
  ])('when %s creates rights on what it owns, then they are created', async (_label, msp, request) => {
    const w = await world();
    await expect(create(w, request, msp)).resolves.toMatchObject({ rightsId: 'r1', createdBy: msp });
  });

  it.each<[string, string, Json, RegExp]>([
    ['the regulator', REGULATOR, workRights, /^FORBIDDEN: RegulatorMSP \(regulator\) may not create rights/],
    ['an unknown org', 'OtherMSP', workRights, /^FORBIDDEN: OtherMSP is not an org of this consortium/],
    [
      'a studio on a work',
      STUDIO1,
      { ...workRights, licensorMsp: LICENSOR },
      /^FORBIDDEN: Studio1MSP may not create rights on work series-1: only LicensorMSP may/,
    ],
    [
      "the licensor on a studio's model",
      LICENSOR,
      { ...workRights, subjectType: 'model', subjectId: 'm' },
      /^FORBIDDEN: LicensorMSP may not create rights on model m: only Studio1MSP may/,
    ],
    [
      "the licensor on a studio's output",
      LICENSOR,
      { ...workRights, subjectType: 'output', subjectId: 'out-1' },
      /^FORBIDDEN: LicensorMSP may not create rights on output out-1: only Studio1MSP may/,
    ],
    [
      'another studio on a model',
      STUDIO2,
      { ...workRights, subjectType: 'model', subjectId: 'm', licensorMsp: LICENSOR },
      /^FORBIDDEN: Studio2MSP may not create rights on model m: only Studio1MSP may/,
    ],
    [
      'another studio on a data item',
      STUDIO2,
      { ...workRights, subjectType: 'data', subjectId: 'm.p1.000000', licensorMsp: LICENSOR },
      /^FORBIDDEN: Studio2MSP may not create rights on data m.p1.000000: only LicensorMSP or Studio1MSP may/,
    ],
    [
      "a studio on another studio's output",
      STUDIO2,
      { ...workRights, subjectType: 'output', subjectId: 'out-1', licensorMsp: LICENSOR },
      /^FORBIDDEN: Studio2MSP may not create rights on output out-1: only Studio1MSP may/,
    ],
    [
      'a licensor naming another licensor',
      LICENSOR,
      { ...workRights, licensorMsp: 'Licensor2MSP' },
      /^FORBIDDEN: LicensorMSP may not create rights licensed by Licensor2MSP/,
    ],
  ])('when %s creates rights, then FORBIDDEN', async (_label, msp, request, message) => {
    const w = await world();
    await expect(create(w, request, msp)).rejects.toThrow(message);
  });

  it.each<[string, string, Json, RegExp]>([
    [
      'shares short of 10000',
      LICENSOR,
      { ...workRights, holders: [{ holderId: 'a', mspId: LICENSOR, shareBps: 9999 }] },
      /shares sum to 9999, not 10000/,
    ],
    [
      'shares over 10000',
      LICENSOR,
      { ...workRights, holders: [...holders, { holderId: 'x', mspId: STUDIO2, shareBps: 1 }] },
      /shares sum to 10001/,
    ],
    ['no holders', LICENSOR, { ...workRights, holders: [] }, /holders: must be an array of 1 to 32 items/],
    [
      'a repeated holder',
      LICENSOR,
      {
        ...workRights,
        holders: [
          { ...holders[0], shareBps: 5000 },
          { ...holders[0], shareBps: 5000 },
        ],
      },
      /is repeated/,
    ],
    [
      'a holder outside the consortium',
      LICENSOR,
      { ...workRights, holders: [{ holderId: 'a', mspId: 'OtherMSP', shareBps: 10000 }] },
      /OtherMSP is not an org of this consortium/,
    ],
    [
      'the regulator as holder',
      LICENSOR,
      { ...workRights, holders: [{ holderId: 'a', mspId: REGULATOR, shareBps: 10000 }] },
      /the regulator cannot hold rights/,
    ],
    ['a bad subject type', LICENSOR, { ...workRights, subjectType: 'song' }, /subjectType: must be one of/],
    ['a studio without licensor', STUDIO1, { ...workRights, subjectType: 'output', subjectId: 'out-1' }, /licensorMsp: is required/],
    [
      'a studio naming a non-licensor',
      STUDIO1,
      { ...workRights, subjectType: 'output', subjectId: 'out-1', licensorMsp: STUDIO2 },
      /Studio2MSP is not a licensor org/,
    ],
  ])('when the request has %s, then INVALID', async (_label, msp, request, message) => {
    const w = await world();
    await expect(create(w, request, msp)).rejects.toThrow(/^INVALID: /);
    await expect(create(w, request, msp)).rejects.toThrow(message);
  });

  it('when the subject record or the rights are missing or taken, then NOT_FOUND or CONFLICT', async () => {
    const w = await world();
    await expect(create(w, { ...workRights, subjectType: 'model', subjectId: 'nope' })).rejects.toThrow(/^NOT_FOUND: model nope/);
    await expect(create(w, { ...workRights, subjectType: 'data', subjectId: 'nope' })).rejects.toThrow(/^NOT_FOUND: data item nope/);
    await expect(create(w, { ...workRights, subjectType: 'output', subjectId: 'nope' })).rejects.toThrow(/^NOT_FOUND: output nope/);
    await create(w, workRights);
    await expect(create(w, workRights)).rejects.toThrow(/^CONFLICT: rights r1 already exist/);
    await expect(create(w, { ...workRights, rightsId: 'r2' })).rejects.toThrow(/^CONFLICT: work series-1 already has rights r1/);
    await expect(w.call(w.rights, 'Get', STUDIO1, 'r9')).rejects.toThrow(/^NOT_FOUND: rights r9/);
    await expect(w.call(w.rights, 'Get', STUDIO1, 'bad id')).rejects.toThrow(/^INVALID: /);
    await expect(w.call(w.rights, 'GetBySubject', STUDIO1, { subjectType: 'work', subjectId: 'other' })).rejects.toThrow(
      /^NOT_FOUND: rights on work other/,
    );
  });
});

describe('conditional transfers', () => {
  const proposal = (over: Json = {}): Json => ({
    transferId: 'tr-1',
    rightsId: 'r1',
    fromHolderId: 'lic',
    toHolderId: 'studio2',
    toMspId: STUDIO2,
    shareBps: 1000,
    condition: { approvals: [STUDIO2] },
    ...over,
  });

  async function withRights(): Promise<RoyaltyWorld> {
    const w = await world();
    await create(w, workRights);
    return w;
  }

  it('when the sender proposes, an approver approves and anyone executes, then the share moves and the policy follows', async () => {
    const w = await withRights();
    const proposed = await w.invoke(w.rights, 'ProposeTransfer', LICENSOR, proposal());
    expect(proposed.result).toMatchObject({ status: 'pending', approvedBy: [], condition: { approvals: [STUDIO2] }, createdBy: LICENSOR });
    expect(proposed.event?.name).toBe('RightsTransferProposed');
    await expect(w.call(w.rights, 'ExecuteTransfer', STUDIO1, { transferId: 'tr-1' })).rejects.toThrow(
      /^STATE: transfer tr-1 is not due: awaiting approval of Studio2MSP/,
    );
    const approved = await w.invoke(w.rights, 'ApproveTransfer', STUDIO2, { transferId: 'tr-1' });
    expect(approved.event).toEqual({
      name: 'RightsTransferApproved',
      payload: { transferId: 'tr-1', mspId: STUDIO2, approvedBy: [STUDIO2] },
    });
    await expect(w.call(w.rights, 'ApproveTransfer', STUDIO2, { transferId: 'tr-1' })).rejects.toThrow(
      /^CONFLICT: Studio2MSP already approved/,
    );
    const executed = await w.invoke(w.rights, 'ExecuteTransfer', STUDIO1, { transferId: 'tr-1' });
    const { transfer, rights } = executed.result as { transfer: RightsTransferRecord; rights: RightsRecord };
    expect(transfer).toMatchObject({ status: 'executed', closedTxId: executed.txId, updatedBy: STUDIO1 });
    expect(rights.holders).toEqual([
      { holderId: 'lic', mspId: LICENSOR, shareBps: 3000 },
      { holderId: 'studio1', mspId: STUDIO1, shareBps: 6000 },
      { holderId: 'studio2', mspId: STUDIO2, shareBps: 1000 },
    ]);
    expect(executed.event).toEqual({ name: 'RightsTransferExecuted', payload: { transfer, rights } });
    expect(new KeyEndorsementPolicy(w.ledger.validationParameter(Keys.rights('r1'))).listOrgs()).toEqual([LICENSOR, STUDIO1, STUDIO2]);
    await expect(w.call(w.rights, 'ExecuteTransfer', STUDIO1, { transferId: 'tr-1' })).rejects.toThrow(
      /^STATE: transfer tr-1 is executed, not pending/,
    );
  });

  it('when a transfer waits for a time, then it executes only at or after that transaction time', async () => {
    const w = await withRights();
    await w.call(w.rights, 'ProposeTransfer', LICENSOR, proposal({ condition: { notBefore: '2030-01-01T00:00:00Z' } }));
    await expect(w.call(w.rights, 'ExecuteTransfer', STUDIO2, { transferId: 'tr-1' })).rejects.toThrow(
      /^STATE: .*not before 2030-01-01T00:00:00.000Z/,
    );
    await w.call(w.rights, 'ExecuteTransfer', STUDIO2, { transferId: 'tr-1' }, { timestamp: '2030-01-01T00:00:00Z' });
  });

  it('when a threshold transfer is executed explicitly, then the revenue total is read; below it the refusal says how far', async () => {
    const w = await withRights();
    await w.call(
      w.rights,
      'ProposeTransfer',
      LICENSOR,
      proposal({ condition: { revenueThreshold: { subjectType: 'work', subjectId: 'series-1', currency: 'JPY', amount: '100' } } }),
    );
    await expect(w.call(w.rights, 'ExecuteTransfer', STUDIO1, { transferId: 'tr-1' })).rejects.toThrow(
      /^STATE: .*revenue of work series-1 is 0 JPY of 100/,
    );
  });

  it('when the sender no longer holds the share, then explicit execution is STATE and the transfer stays pending', async () => {
    const w = await withRights();
    await w.call(
      w.rights,
      'ProposeTransfer',
      LICENSOR,
      proposal({ transferId: 'a', shareBps: 4000, condition: { notBefore: '2020-01-01T00:00:00Z' } }),
    );
    await w.call(
      w.rights,
      'ProposeTransfer',
      LICENSOR,
      proposal({ transferId: 'b', shareBps: 1, condition: { notBefore: '2020-01-01T00:00:00Z' } }),
    );
    await w.call(w.rights, 'ExecuteTransfer', STUDIO1, { transferId: 'a' });
    await expect(w.call(w.rights, 'ExecuteTransfer', STUDIO1, { transferId: 'b' })).rejects.toThrow(
      /^STATE: transfer b cannot execute: holder lic is not a holder/,
    );
    expect((await w.call<RightsTransferRecord>(w.rights, 'GetTransfer', STUDIO1, 'b')).status).toBe('pending');
    const cancelled = await w.invoke(w.rights, 'CancelTransfer', LICENSOR, { transferId: 'b', reason: 'sender left' });
    expect(cancelled.result).toMatchObject({ status: 'cancelled', reason: 'sender left' });
    expect(cancelled.event?.name).toBe('RightsTransferCancelled');
  });

  it('when a holder org proposes for its own holder, then it may; the licensor may for anyone; nobody else may', async () => {
    const w = await withRights();
    await w.call(w.rights, 'ProposeTransfer', STUDIO1, proposal({ transferId: 'own', fromHolderId: 'studio1' }));
    await expect(w.call(w.rights, 'ProposeTransfer', STUDIO2, proposal())).rejects.toThrow(
      /^FORBIDDEN: Studio2MSP may not propose transfers of lic's share/,
    );
    await expect(w.call(w.rights, 'ProposeTransfer', STUDIO1, proposal())).rejects.toThrow(/^FORBIDDEN: /);
    await expect(w.call(w.rights, 'ProposeTransfer', STUDIO2, proposal({ fromHolderId: 'ghost' }))).rejects.toThrow(
      /^FORBIDDEN: Studio2MSP may not propose transfers on rights r1/,
    );
    await expect(w.call(w.rights, 'ProposeTransfer', REGULATOR, proposal())).rejects.toThrow(/^FORBIDDEN: RegulatorMSP \(regulator\)/);
  });

  it.each<[string, Json, RegExp]>([
    ['more than the sender holds', { shareBps: 4001 }, /holds 4000 bps, fewer than 4001/],
    ['an unknown sender (licensor proposing)', { fromHolderId: 'ghost' }, /holder ghost is not a holder/],
    ['a transfer to itself', { toHolderId: 'lic', toMspId: LICENSOR }, /cannot transfer a share to itself/],
    ['a receiver under another org', { toHolderId: 'studio1', toMspId: STUDIO2 }, /belongs to Studio1MSP/],
    ['the regulator as receiver', { toMspId: REGULATOR }, /the regulator cannot hold rights/],
    ['an empty condition', { condition: {} }, /at least one of/],
    ['no condition', { condition: undefined }, /condition: is required/],
    [
      'a bad threshold',
      { condition: { revenueThreshold: { subjectType: 'work', subjectId: 'x', currency: 'JPY', amount: '-5' } } },
      /amount: must be a decimal string/,
    ],
    ['an approver outside the consortium', { condition: { approvals: ['OtherMSP'] } }, /OtherMSP is not an org/],
    ['the regulator as approver', { condition: { approvals: [REGULATOR] } }, /the regulator does not approve/],
    ['a zero share', { shareBps: 0 }, /shareBps: must be an integer from 1 to 10000/],
  ])('when a proposal has %s, then INVALID', async (_label, over, message) => {
    const w = await withRights();
    await expect(w.call(w.rights, 'ProposeTransfer', LICENSOR, proposal(over))).rejects.toThrow(/^INVALID: /);
    await expect(w.call(w.rights, 'ProposeTransfer', LICENSOR, proposal(over))).rejects.toThrow(message);
  });

  it('when ids or subjects are missing or taken, then NOT_FOUND or CONFLICT; a full subject is STATE', async () => {
    const w = await withRights();
    await expect(w.call(w.rights, 'ProposeTransfer', LICENSOR, proposal({ rightsId: 'none' }))).rejects.toThrow(/^NOT_FOUND: rights none/);
    const threshold = (subjectId: string): Json => ({
      revenueThreshold: { subjectType: 'output', subjectId, currency: 'JPY', amount: '10' },
    });
    await expect(w.call(w.rights, 'ProposeTransfer', LICENSOR, proposal({ condition: threshold('nope') }))).rejects.toThrow(
      /^NOT_FOUND: output nope/,
    );
    await w.call(w.rights, 'ProposeTransfer', LICENSOR, proposal());
    await expect(w.call(w.rights, 'ProposeTransfer', LICENSOR, proposal())).rejects.toThrow(/^CONFLICT: transfer tr-1 already exists/);
    // Pending slots of a subject are only for orgs holding something in it: the licensor holds
    // nothing in out-1 until its owner names it a holder.
    await expect(
      w.call(w.rights, 'ProposeTransfer', LICENSOR, proposal({ transferId: 'early', shareBps: 1, condition: threshold('out-1') })),
    ).rejects.toThrow(
      /^FORBIDDEN: LicensorMSP may not add threshold transfers on output out-1: it holds nothing in it \(holders: Studio1MSP\)/,
    );
    await create(w, { rightsId: 'r-out', subjectType: 'output', subjectId: 'out-1', holders, licensorMsp: LICENSOR }, STUDIO1);
    for (let i = 0; i < MAX_PENDING_PER_SUBJECT; i += 1) {
      await w.call(w.rights, 'ProposeTransfer', LICENSOR, proposal({ transferId: `t${i}`, shareBps: 1, condition: threshold('out-1') }));
    }
    await expect(
      w.call(w.rights, 'ProposeTransfer', LICENSOR, proposal({ transferId: 'one-more', shareBps: 1, condition: threshold('out-1') })),
    ).rejects.toThrow(/^STATE: output out-1 already has 16 pending transfers in JPY/);
    // Another currency on the same subject has its own bound; cancelling frees a slot.
    await w.call(
      w.rights,
      'ProposeTransfer',
      LICENSOR,
      proposal({
        transferId: 'usd',
        shareBps: 1,
        condition: { revenueThreshold: { subjectType: 'output', subjectId: 'out-1', currency: 'USD', amount: '1' } },
      }),
    );
    await w.call(w.rights, 'CancelTransfer', LICENSOR, { transferId: 't0' });
    await w.call(w.rights, 'ProposeTransfer', LICENSOR, proposal({ transferId: 'one-more', shareBps: 1, condition: threshold('out-1') }));
    await expect(w.call(w.rights, 'GetTransfer', STUDIO1, 'none')).rejects.toThrow(/^NOT_FOUND: transfer none/);
  });

  it('when the wrong org approves, executes or cancels, then FORBIDDEN; closed transfers are STATE', async () => {
    const w = await withRights();
    await w.call(w.rights, 'ProposeTransfer', LICENSOR, proposal());
    await expect(w.call(w.rights, 'ApproveTransfer', STUDIO1, { transferId: 'tr-1' })).rejects.toThrow(
      /^FORBIDDEN: Studio1MSP is not asked to approve transfer tr-1/,
    );
    await expect(w.call(w.rights, 'ApproveTransfer', REGULATOR, { transferId: 'tr-1' })).rejects.toThrow(/^FORBIDDEN: /);
    await expect(w.call(w.rights, 'ExecuteTransfer', REGULATOR, { transferId: 'tr-1' })).rejects.toThrow(/^FORBIDDEN: /);
    await expect(w.call(w.rights, 'CancelTransfer', REGULATOR, { transferId: 'tr-1' })).rejects.toThrow(/^FORBIDDEN: /);
    await expect(w.call(w.rights, 'CancelTransfer', STUDIO2, { transferId: 'tr-1' })).rejects.toThrow(
      /^FORBIDDEN: Studio2MSP may not cancel transfer tr-1: only its proposer LicensorMSP or the sender's org LicensorMSP may/,
    );
    await expect(w.call(w.rights, 'ApproveTransfer', STUDIO2, { transferId: 'none' })).rejects.toThrow(/^NOT_FOUND: transfer none/);
    await expect(w.call(w.rights, 'CancelTransfer', LICENSOR, { transferId: 'tr-1', reason: '' })).rejects.toThrow(/^INVALID: .*reason/);
    await w.call(w.rights, 'CancelTransfer', LICENSOR, { transferId: 'tr-1' });
    await expect(w.call(w.rights, 'CancelTransfer', LICENSOR, { transferId: 'tr-1' })).rejects.toThrow(
      /^STATE: transfer tr-1 is cancelled, not pending/,
    );
    await expect(w.call(w.rights, 'ApproveTransfer', STUDIO2, { transferId: 'tr-1' })).rejects.toThrow(
      /^STATE: transfer tr-1 is cancelled/,
    );
    await expect(w.call(w.rights, 'ExecuteTransfer', STUDIO2, { transferId: 'tr-1' })).rejects.toThrow(/^STATE: /);
  });
});

describe('access sweep', () => {
  const w = new RoyaltyWorld();
  const contracts: Contract[] = [w.rights, w.revenue, w.market];
  const cases = contracts.flatMap((contract) =>
    declaredTransactions(contract).map((tx) => [contract.getName(), tx.name, tx.tag?.includes('SUBMIT') ?? false, contract] as const),
  );

  it.each(cases.filter(([, , submit]) => submit))(
    'when the regulator calls %s:%s, then FORBIDDEN before anything else',
    async (_name, fn, _submit, contract) => {
      await expect(w.call(contract, fn, REGULATOR, {})).rejects.toThrow(/^FORBIDDEN: RegulatorMSP \(regulator\) may not /);
    },
  );

  it.each(cases)('when an org outside the consortium calls %s:%s, then FORBIDDEN', async (_name, fn, _submit, contract) => {
    await expect(w.call(contract, fn, 'OutsiderMSP', {})).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not an org/);
  });
});

describe('transaction names', () => {
  it('when the royalty contracts are inspected, then their transactions are exactly the shared names', () => {
    const w = new RoyaltyWorld();
    const pairs: [object, Record<string, string>][] = [
      [w.rights, Transactions.rights],
      [w.revenue, Transactions.revenue],
      [w.market, Transactions.market],
    ];
    for (const [contract, names] of pairs) {
      const declared = declaredTransactions(contract as Contract)
        .map((tx) => tx.name)
        .sort();
      expect(declared).toEqual(Object.values(names).sort());
    }
  });
});
