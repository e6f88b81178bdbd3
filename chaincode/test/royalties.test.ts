import { createHash } from 'node:crypto';
import { StatusCode, type Status } from '@hyperledger/fabric-gateway';
import type { OrgClient } from '../../network/src/client';
import { Clients, errorText, evaluateJson, runId, submitJson } from '../../network/test/support/test-network';
import { ExpectedPool, type ExpectedHolder, poolCut, splitByShares } from './support/royalty-expectations';

/**
 * Rights and royalties on the real network: Fabric's validation enforcing the key-level endorsement
 * policy of a rights record, the access rule and idempotency of revenue reports, and an exact
 * distribution with a threshold transfer executed inside the revenue transaction that crosses it.
 */

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const decoder = new TextDecoder();
const id = (name: string): string => `${name}-${runId}`;

type Holder = ExpectedHolder;
interface RightsRecord {
  rightsId: string;
  holders: Holder[];
  transferCount: number;
  licensorMsp: string;
}
interface TransferRecord {
  transferId: string;
  status: string;
  closedTxId?: string;
}
interface Payout {
  holderId: string;
  mspId: string;
  amount: string;
}
interface RevenueRecord {
  reference: string;
  txId: string;
  amount: string;
  modelId?: string;
  rightsId?: string;
  dataPoolShareBps: number;
  holderPayouts: Payout[];
  poolAdditions: { modelId: string; amount: string }[];
  executedTransfers: string[];
  voidedTransfers: string[];
}
interface PoolView {
  pool: { trainingSize: number; poolIn: string; index: string; carry: string; events: number };
  identityHolds: boolean;
}
interface StatementLine {
  modelId: string;
  currency: string;
  itemCount: number;
  trainingSize: number;
  accrued: string;
  claimed: string;
  claimable: string;
}
interface Statement {
  providerId: string;
  lines: StatementLine[];
  totals: { currency: string; accrued: string }[];
  complete: boolean;
}
interface ModelRecord {
  modelId: string;
  status: string;
  trainingSize: number;
  dataPoolShareBps: number;
}
interface RevenueEvent {
  revenue: RevenueRecord;
  executedTransfers: { transfer: TransferRecord; rights: RightsRecord }[];
}

const STUDIO1 = 'Studio1MSP';
const STUDIO2 = 'Studio2MSP';
const LICENSOR = 'LicensorMSP';
const REGULATOR = 'RegulatorMSP';
const POOL_SHARE_BPS = 2500;
const termsId = id('terms');
/** The shared model's training items per provider: uneven, so the index carries remainders. */
const sharedItems = { [id('prov-a')]: 1, [id('prov-b')]: 2, [id('prov-c')]: 4 };
const simpleProvider = id('prov-s');
const models = { simple: id('model-simple'), shared: id('model-shared') };
const outputs = { endorse: id('out-endorse'), simple: id('out-simple'), shared: id('out-shared') };
let clients: Clients;

async function refusal(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (error: unknown) => errorText(error),
  );
}

/** Submits through the gateway's explicit steps, optionally pinning the endorsing orgs, and returns the commit status. */
async function submitWithStatus(
  client: OrgClient,
  name: string,
  request: unknown,
  endorsingOrganizations?: string[],
): Promise<{ status: Status; result: unknown }> {
  const proposal = client.contract.newProposal(name, {
    arguments: [JSON.stringify(request)],
    ...(endorsingOrganizations === undefined ? {} : { endorsingOrganizations }),
  });
  const transaction = await proposal.endorse().catch((error: unknown) => {
    throw new Error(`${name} was not endorsed: ${errorText(error)}`, { cause: error });
  });
  const commit = await transaction.submit();
  const status = await commit.getStatus();
  return { status, result: JSON.parse(decoder.decode(transaction.getResult())) as unknown };
}

/** The chaincode event a committed transaction emitted, read back from its block. */
async function eventOf(client: OrgClient, status: Status): Promise<{ name: string; payload: unknown }> {
  const events = await client.network.getChaincodeEvents(clients.status.chaincode.name, { startBlock: status.blockNumber });
  try {
    for await (const event of events) {
      if (event.transactionId === status.transactionId)
        return { name: event.eventName, payload: JSON.parse(decoder.decode(event.payload)) };
      if (event.blockNumber > status.blockNumber) break;
    }
  } finally {
    events.close();
  }
  throw new Error(`no chaincode event for transaction ${status.transactionId} in block ${status.blockNumber}`);
}

/** Registers the items, trains a model on them in one batch (ids ascending) and seals it. */
async function sealedModel(studio: OrgClient, modelId: string, itemsPerProvider: Readonly<Record<string, number>>): Promise<ModelRecord> {
  const items = Object.entries(itemsPerProvider).flatMap(([providerId, count]) =>
    Array.from({ length: count }, (_, i) => ({ dataId: `${modelId}-${providerId}-d${i}`, providerId })),
  );
  await submitJson(studio, 'data:RegisterBatch', {
    items: items.map(({ dataId, providerId }) => ({
      dataId,
      providerId,
      termsId,
      contentDigest: sha256(`content of ${dataId}`),
      mediaType: 'image/png',
      size: 2048,
    })),
  });
  await submitJson(studio, 'models:Register', { modelId });
  const dataIds = items.map((item) => item.dataId).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  await submitJson(studio, 'models:AttestTrainingBatch', { modelId, dataIds });
  return submitJson<ModelRecord>(studio, 'models:Seal', { modelId });
}

async function registerOutput(studio: OrgClient, outputId: string, modelId: string): Promise<void> {
  await submitJson(studio, 'outputs:Register', {
    outputId,
    modelId,
    contentDigest: sha256(`output ${outputId}`),
    mediaType: 'image/png',
    rightsIds: [],
  });
}

const amounts = (payouts: readonly Payout[]): Record<string, string> => Object.fromEntries(payouts.map((p) => [p.holderId, p.amount]));
const expectedAmounts = (split: Map<string, bigint>): Record<string, string> =>
  Object.fromEntries([...split].map(([holderId, amount]) => [holderId, amount.toString()]));

beforeAll(async () => {
  clients = await Clients.create();
  const licensor = clients.org(LICENSOR);
  const studio = clients.org(STUDIO1);
  await submitJson(licensor, 'terms:Publish', {
    termsId,
    aiTraining: true,
    commercialUse: true,
    derivatives: true,
    attribution: true,
    territory: 'JP',
    validFrom: '2024-01-01T00:00:00Z',
    dataPoolShareBps: POOL_SHARE_BPS,
    legalTextDigest: sha256('licence text'),
  });
  await submitJson(studio, 'providers:RegisterBatch', {
    items: [simpleProvider, ...Object.keys(sharedItems)].map((providerId) => ({
      providerId,
      payoutRefDigest: sha256(`payout ${providerId}`),
    })),
  });
  await sealedModel(studio, models.simple, { [simpleProvider]: 2 });
  const shared = await sealedModel(studio, models.shared, sharedItems);
  expect(shared).toMatchObject({ status: 'sealed', trainingSize: 7, dataPoolShareBps: POOL_SHARE_BPS });
  await registerOutput(studio, outputs.endorse, models.simple);
  await registerOutput(studio, outputs.simple, models.simple);
  await registerOutput(studio, outputs.shared, models.shared);
});
afterAll(() => {
  clients.closeAll();
});

describe('rights and royalties on the real network', () => {
  it("when a rights change is endorsed without a holder's org, then validation rejects it (ENDORSEMENT_POLICY_FAILURE) and the rights stay; endorsed by the holders' orgs, it commits", async () => {
    const licensor = clients.org(LICENSOR);
    const studio1 = clients.org(STUDIO1);
    const rightsId = id('rights-endorse');
    const transferId = id('transfer-endorse');
    const [fromHolder, stayHolder, toHolder] = [id('h-licensor'), id('h-studio2'), id('h-studio1')];
    // Only the output's owner creates its rights; it names the licensor that co-signs.
    await submitJson(studio1, 'rights:Create', {
      rightsId,
      subjectType: 'output',
      subjectId: outputs.endorse,
      licensorMsp: LICENSOR,
      holders: [
        { holderId: fromHolder, mspId: LICENSOR, shareBps: 4000 },
        { holderId: stayHolder, mspId: STUDIO2, shareBps: 6000 },
      ],
    });
    await submitJson(licensor, 'rights:ProposeTransfer', {
      transferId,
      rightsId,
      fromHolderId: fromHolder,
      toHolderId: toHolder,
      toMspId: STUDIO1,
      shareBps: 1000,
      condition: { notBefore: '2020-01-01T00:00:00Z' },
    });
    const before = await evaluateJson<RightsRecord>(studio1, 'rights:Get', rightsId);

    // Studio1 + the licensor satisfy the chaincode-level policy (2 of 3) but not the rights key's own
    // policy, which also needs Studio2 (a holder): every endorser ran the chaincode and agreed.
    const bypass = await submitWithStatus(studio1, 'rights:ExecuteTransfer', { transferId }, [STUDIO1, LICENSOR]);
    expect((bypass.result as { rights: RightsRecord }).rights.transferCount).toBe(1);
    expect(bypass.status.successful).toBe(false);
    expect(bypass.status.code).toBe(StatusCode.ENDORSEMENT_POLICY_FAILURE);
    expect(await evaluateJson<RightsRecord>(studio1, 'rights:Get', rightsId)).toEqual(before);
    expect((await evaluateJson<TransferRecord>(studio1, 'rights:GetTransfer', transferId)).status).toBe('pending');

    const endorsed = await submitWithStatus(studio1, 'rights:ExecuteTransfer', { transferId }, [STUDIO2, LICENSOR]);
    expect(endorsed.status.successful).toBe(true);
    const after = await evaluateJson<RightsRecord>(studio1, 'rights:Get', rightsId);
    expect(after.transferCount).toBe(1);
    expect(after.holders).toEqual(
      [
        { holderId: toHolder, mspId: STUDIO1, shareBps: 1000 },
        { holderId: fromHolder, mspId: LICENSOR, shareBps: 3000 },
        { holderId: stayHolder, mspId: STUDIO2, shareBps: 6000 },
      ].sort((a, b) => (a.holderId < b.holderId ? -1 : 1)),
    );
    expect(await evaluateJson<TransferRecord>(studio1, 'rights:GetTransfer', transferId)).toMatchObject({
      status: 'executed',
      closedTxId: endorsed.status.transactionId,
    });
  });

  it('when the regulator records revenue, then it is refused with FORBIDDEN and nothing is recorded', async () => {
    const regulator = clients.org(REGULATOR);
    const reference = id('ref-regulator');
    const subject = JSON.stringify({ subjectType: 'output', subjectId: outputs.simple, currency: 'JPY' });
    const totalBefore = await evaluateJson<unknown>(regulator, 'revenue:GetSubjectRevenue', subject);
    const text = await refusal(
      submitJson(regulator, 'revenue:Record', { subjectId: outputs.simple, amount: '1000', currency: 'JPY', reference }),
    );
    expect(text).toMatch(/FORBIDDEN/);
    expect(await refusal(evaluateJson(regulator, 'revenue:Get', JSON.stringify({ recorderMsp: REGULATOR, reference })))).toMatch(
      /NOT_FOUND/,
    );
    expect(await evaluateJson<unknown>(regulator, 'revenue:GetSubjectRevenue', subject)).toEqual(totalBefore);
  });

  it('when a revenue reference is repeated, then it is refused with CONFLICT and the pool, statement and totals do not change', async () => {
    const studio = clients.org(STUDIO1);
    const request = { subjectId: outputs.simple, amount: '12345', currency: 'JPY', reference: id('ref-once') };
    const snapshot = async (): Promise<unknown[]> => [
      await evaluateJson<PoolView>(studio, 'revenue:GetPool', JSON.stringify({ modelId: models.simple, currency: 'JPY' })),
      await evaluateJson<Statement>(studio, 'revenue:Statement', JSON.stringify({ providerId: simpleProvider })),
      await evaluateJson<unknown>(
        studio,
        'revenue:GetSubjectRevenue',
        JSON.stringify({ subjectType: 'output', subjectId: outputs.simple, currency: 'JPY' }),
      ),
      await evaluateJson<unknown>(studio, 'revenue:HolderBalance', JSON.stringify({ holderId: STUDIO1, mspId: STUDIO1 })),
    ];
    const first = await submitJson<RevenueRecord>(studio, 'revenue:Record', request);
    expect(first).toMatchObject({
      reference: request.reference,
      amount: '12345',
      modelId: models.simple,
      dataPoolShareBps: POOL_SHARE_BPS,
    });
    const before = await snapshot();

    expect(await refusal(submitJson(studio, 'revenue:Record', request))).toMatch(/CONFLICT: .*already recorded/);
    expect(await refusal(submitJson(studio, 'revenue:Record', { ...request, amount: '99' }))).toMatch(/CONFLICT/);
    expect(await snapshot()).toEqual(before);
    expect(
      await evaluateJson<RevenueRecord>(studio, 'revenue:Get', JSON.stringify({ recorderMsp: STUDIO1, reference: request.reference })),
    ).toEqual(first);

    // A report retried while the first attempt is still in flight: exactly one of them pays.
    const raced = { ...request, reference: id('ref-raced') };
    const outcomes = await Promise.all(
      [0, 1].map(() =>
        submitWithStatus(studio, 'revenue:Record', raced).then(
          (r) => r.status,
          (e: unknown) => errorText(e),
        ),
      ),
    );
    const committed = outcomes.filter((o) => typeof o !== 'string' && o.successful);
    expect(committed).toHaveLength(1);
    for (const other of outcomes.filter((o) => !committed.includes(o as Status))) {
      if (typeof other === 'string') expect(other).toMatch(/CONFLICT/);
      else expect(other.code).toBe(StatusCode.MVCC_READ_CONFLICT);
    }
    const [poolBefore] = before as [PoolView];
    const [poolAfter] = (await snapshot()) as [PoolView];
    expect(BigInt(poolAfter.pool.poolIn) - BigInt(poolBefore.pool.poolIn)).toBe(poolCut(12345n, POOL_SHARE_BPS));
    expect(poolAfter.pool.events).toBe(poolBefore.pool.events + 1);
  });

  it('when revenue on an output of a model trained on several providers crosses a threshold, then shares are exact and the transfer executes once, in that transaction', async () => {
    const licensor = clients.org(LICENSOR);
    const studio = clients.org(STUDIO1);
    const rightsId = id('rights-shared');
    const transferId = id('transfer-threshold');
    const [ha, hb, hc, hd] = ['h-a', 'h-b', 'h-c', 'h-d'].map(id) as [string, string, string, string];
    let holders: Holder[] = [
      { holderId: ha, mspId: STUDIO1, shareBps: 3333 },
      { holderId: hb, mspId: STUDIO2, shareBps: 3333 },
      { holderId: hc, mspId: LICENSOR, shareBps: 3334 },
    ];
    await submitJson(studio, 'rights:Create', {
      rightsId,
      subjectType: 'output',
      subjectId: outputs.shared,
      licensorMsp: LICENSOR,
      holders,
    });
    await submitJson(licensor, 'rights:ProposeTransfer', {
      transferId,
      rightsId,
      fromHolderId: hc,
      toHolderId: hd,
      toMspId: STUDIO2,
      shareBps: 1000,
      condition: { revenueThreshold: { subjectType: 'output', subjectId: outputs.shared, currency: 'JPY', amount: '5000' } },
    });

    const pool = new ExpectedPool(7n);
    const record = async (amount: bigint, reference: string): Promise<{ status: Status; result: RevenueRecord }> => {
      // No endorsing orgs named: the gateway must find the ones a due transfer's rights key needs.
      const submitted = await submitWithStatus(studio, 'revenue:Record', {
        subjectId: outputs.shared,
        amount: amount.toString(),
        currency: 'JPY',
        reference: id(reference),
      });
      const outcome = { status: submitted.status, result: submitted.result as RevenueRecord };
      expect(outcome.status.successful).toBe(true);
      const cut = poolCut(amount, POOL_SHARE_BPS);
      pool.add(cut);
      expect(outcome.result.poolAdditions).toEqual([{ modelId: models.shared, amount: cut.toString() }]);
      expect(amounts(outcome.result.holderPayouts)).toEqual(expectedAmounts(splitByShares(amount - cut, holders)));
      return outcome;
    };

    const below = await record(1999n, 'rev-1');
    expect(below.result.executedTransfers).toEqual([]);
    const crossing = await record(3001n, 'rev-2'); // cumulative 5000 ≥ 5000
    expect(crossing.result.executedTransfers).toEqual([transferId]);
    const event = await eventOf(studio, crossing.status);
    expect(event.name).toBe('RevenueRecorded');
    const payload = event.payload as RevenueEvent;
    expect(payload.revenue.executedTransfers).toEqual([transferId]);
    expect(payload.executedTransfers).toHaveLength(1);
    expect(payload.executedTransfers[0]?.transfer).toMatchObject({
      transferId,
      status: 'executed',
      closedTxId: crossing.status.transactionId,
    });
    holders = [
      { holderId: ha, mspId: STUDIO1, shareBps: 3333 },
      { holderId: hb, mspId: STUDIO2, shareBps: 3333 },
      { holderId: hc, mspId: LICENSOR, shareBps: 2334 },
      { holderId: hd, mspId: STUDIO2, shareBps: 1000 },
    ];
    expect(payload.executedTransfers[0]?.rights.holders).toEqual(holders);

    const later = await record(777n, 'rev-3'); // paid with the new shares, and nothing executes again
    expect(later.result.executedTransfers).toEqual([]);
    expect(await evaluateJson<RightsRecord>(studio, 'rights:Get', rightsId)).toMatchObject({ transferCount: 1, holders });
    expect(await evaluateJson<TransferRecord>(studio, 'rights:GetTransfer', transferId)).toMatchObject({
      status: 'executed',
      closedTxId: crossing.status.transactionId,
    });
    expect(await refusal(submitJson(studio, 'rights:ExecuteTransfer', { transferId }))).toMatch(/STATE: .*executed, not pending/);

    const view = await evaluateJson<PoolView>(
      clients.org(REGULATOR),
      'revenue:GetPool',
      JSON.stringify({ modelId: models.shared, currency: 'JPY' }),
    );
    expect(view).toMatchObject({ identityHolds: true, pool: { trainingSize: 7, events: 3 } });
    expect(view.pool).toMatchObject({ poolIn: pool.poolIn.toString(), index: pool.index.toString(), carry: pool.carry.toString() });
    let attributed = 0n;
    for (const [providerId, items] of Object.entries(sharedItems)) {
      const statement = await evaluateJson<Statement>(studio, 'revenue:Statement', JSON.stringify({ providerId, currency: 'JPY' }));
      const accrued = pool.accrued(items);
      attributed += accrued;
      expect(statement.lines).toEqual([
        {
          modelId: models.shared,
          currency: 'JPY',
          itemCount: items,
          trainingSize: 7,
          accrued: accrued.toString(),
          claimed: '0',
          claimable: accrued.toString(),
        },
      ]);
      expect(statement.totals).toEqual([{ currency: 'JPY', accrued: accrued.toString(), claimed: '0', claimable: accrued.toString() }]);
    }
    // What is not attributed yet is the carried remainder: less than one unit per provider, plus the carry.
    const carried = pool.poolIn - attributed;
    expect(carried >= 0n && carried <= BigInt(Object.keys(sharedItems).length)).toBe(true);
  });
});
