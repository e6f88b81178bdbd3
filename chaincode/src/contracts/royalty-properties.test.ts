import fc from 'fast-check';
import type { Context, Contract } from 'fabric-contract-api';

import { HOLDER_CREDIT_SHARDS, holderShard } from '../domain/holder-shards';
import { entitlement, poolFromJson, ROYALTY_SCALE } from '../domain/royalty-index';
import type { RevenueRecord, RightsRecord, RoyaltyPoolRecord, SettlementRecord, SubjectRevenueRecord } from '../ledger/records';
import { Keys, compositeKey } from '../ledger/keys';
import { toJson } from '../shared/codec';
import type { MemoryLedger, MemoryStub } from '../testing/memory-stub';
import { LICENSOR, REGULATOR, RoyaltyWorld, STUDIO1, STUDIO2 } from '../testing/royalty-fixture';

import type { HolderBalances, Statement, Totals } from './revenue';

const CURRENCIES = ['JPY', 'USD'] as const;
const SUBJECTS = [
  { subjectType: 'output', subjectId: 'out' },
  { subjectType: 'model', subjectId: 'ft' },
  { subjectType: 'model', subjectId: 'base' },
] as const;
const sum = (values: Iterable<bigint>): bigint => [...values].reduce((a, b) => a + b, 0n);

/** A base model, a model fine-tuned on it, an output of the fine-tuned model, rights on the output. */
interface Setup {
  readonly baseItems: number[];
  readonly ftItems: number[];
  readonly poolBps: number;
  readonly holderBps: number;
}

interface Step {
  readonly kind: 'revenue' | 'claimProvider' | 'claimHolder' | 'settle' | 'propose';
  readonly subject: number;
  readonly amount: bigint;
  readonly currency: number;
  readonly who: number;
}

const setups: fc.Arbitrary<Setup> = fc.record({
  baseItems: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  ftItems: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  poolBps: fc.integer({ min: 0, max: 10_000 }),
  holderBps: fc.integer({ min: 1, max: 9_999 }),
});

const steps: fc.Arbitrary<Step[]> = fc.array(
  fc.record({
    kind: fc.constantFrom('revenue', 'revenue', 'revenue', 'claimProvider', 'claimHolder', 'settle', 'propose'),
    subject: fc.nat({ max: 2 }),
    amount: fc.bigInt({ min: 1n, max: 10n ** 7n }),
    currency: fc.nat({ max: 1 }),
    who: fc.nat({ max: 9 }),
  }),
  { minLength: 1, maxLength: 14 },
);

async function build(setup: Setup): Promise<{ w: RoyaltyWorld; providers: string[] }> {
  const w = new RoyaltyWorld();
  await w.publishTerms('t', setup.poolBps);
  const base = Object.fromEntries(setup.baseItems.map((n, i) => [`b${i}`, n]));
  const ft = Object.fromEntries(setup.ftItems.map((n, i) => [`f${i}`, n]));
  await w.trainModel('base', base, { termsId: 't' });
  await w.trainModel('ft', ft, { termsId: 't', baseModelId: 'base' });
  await w.registerOutput('out', 'ft');
  await w.call(w.rights, 'Create', STUDIO1, {
    rightsId: 'r',
    licensorMsp: LICENSOR,
    subjectType: 'output',
    subjectId: 'out',
    holders: [
      { holderId: 'h1', mspId: STUDIO1, shareBps: setup.holderBps },
      { holderId: 'h2', mspId: LICENSOR, shareBps: 10_000 - setup.holderBps },
    ],
  });
  return { w, providers: [...Object.keys(base), ...Object.keys(ft)] };
}

/** Every provider's statement lines, keyed `provider/model/currency`. */
async function positions(
  w: RoyaltyWorld,
  providers: readonly string[],
): Promise<Map<string, { accrued: bigint; claimed: bigint; claimable: bigint; itemCount: number }>> {
  const out = new Map<string, { accrued: bigint; claimed: bigint; claimable: bigint; itemCount: number }>();
  for (const providerId of providers) {
    const statement = await w.call<Statement>(w.revenue, 'Statement', REGULATOR, { providerId });
    for (const line of statement.lines) {
      out.set(`${providerId}/${line.modelId}/${line.currency}`, {
        accrued: BigInt(line.accrued),
        claimed: BigInt(line.claimed),
        claimable: BigInt(line.claimable),
        itemCount: line.itemCount,
      });
    }
  }
  return out;
}

describe('royalty invariants over random sequences', () => {
  it('when registrations, revenues, transfers and claims interleave, then every unit is accounted for, shares sum to 10000 and accrued never drops but by a claim', async () => {
    await fc.assert(
      fc.asyncProperty(setups, steps, async (setup, sequence) => {
        const { w, providers } = await build(setup);
        const recorded = new Map<string, bigint>(CURRENCIES.map((c) => [c, 0n]));
        // Per `mspId/holderId/currency`: what the revenue records paid the holder, and what it claimed.
        const holders = new Map<string, { credited: bigint; claimed: bigint }>();
        const settlements: string[] = [];
        let before = await positions(w, providers);
        let reference = 0;
        let proposals = 0;
        for (const step of sequence) {
          const currency = CURRENCIES[step.currency] as string;
          let claimedBy: string | undefined;
          switch (step.kind) {
            case 'revenue': {
              const subject = SUBJECTS[step.subject];
              reference += 1;
              const revenue = await w.call<RevenueRecord>(w.revenue, 'Record', STUDIO1, {
                ...subject,
                amount: step.amount.toString(),
                currency,
                reference: `ref-${reference}`,
              });
              recorded.set(currency, (recorded.get(currency) as bigint) + step.amount);
              for (const payout of revenue.holderPayouts) {
                const key = `${payout.mspId}/${payout.holderId}/${currency}`;
                const position = holders.get(key) ?? { credited: 0n, claimed: 0n };
                position.credited += BigInt(payout.amount);
                holders.set(key, position);
              }
              break;
            }
            case 'claimProvider': {
              const providerId = providers[step.who % providers.length] as string;
              const claimable = sum(
                [...before.entries()]
                  .filter(([k]) => k.startsWith(`${providerId}/`) && k.endsWith(`/${currency}`))
                  .map(([, v]) => v.claimable),
              );
              const attempt = w.call<SettlementRecord>(w.revenue, 'Claim', STUDIO1, { providerId, currency });
              if (claimable === 0n) {
                await expect(attempt).rejects.toThrow(/^STATE: /);
              } else {
                const settlement = await attempt;
                expect(BigInt(settlement.amount)).toBe(claimable);
                settlements.push(settlement.settlementId);
                claimedBy = `${providerId}/`;
              }
              break;
            }
            case 'claimHolder': {
              const [holderId, mspId] = step.who % 2 === 0 ? ['h1', STUDIO1] : ['h2', LICENSOR];
              const balance = await w.call<HolderBalances>(w.revenue, 'HolderBalance', REGULATOR, { holderId, mspId, currency });
              const claimable = BigInt(balance.balances[0]?.claimable ?? '0');
              const attempt = w.call<SettlementRecord>(w.revenue, 'Claim', mspId, { holderId, currency });
              if (claimable === 0n) {
                await expect(attempt).rejects.toThrow(/^(STATE|NOT_FOUND): /);
              } else {
                const settlement = await attempt;
                // A claim takes the sum over every credit shard, exactly once.
                expect(BigInt(settlement.amount)).toBe(claimable);
                const position = holders.get(`${mspId}/${holderId}/${currency}`);
                expect(position && position.credited - position.claimed).toBe(claimable);
                if (position) position.claimed = position.credited;
                settlements.push(settlement.settlementId);
              }
              break;
            }
            case 'settle': {
              const settlementId = settlements.shift();
              if (settlementId === undefined) break;
              const settlement = await w.call<SettlementRecord>(w.revenue, 'GetSettlement', REGULATOR, settlementId);
              await w.call(w.revenue, 'MarkSettled', settlement.managingMsp, {
                settlementId,
                paymentReference: `pay-${settlementId.slice(0, 8)}`,
              });
              break;
            }
            case 'propose': {
              const rights = await w.call<RightsRecord>(w.rights, 'Get', REGULATOR, 'r');
              const from = rights.holders[step.who % rights.holders.length];
              if (from === undefined) throw new Error('rights without holders');
              proposals += 1;
              const request = {
                transferId: `tr-${proposals}`,
                rightsId: 'r',
                fromHolderId: from.holderId,
                toHolderId: `n${step.who}`,
                toMspId: STUDIO2,
                shareBps: Math.max(1, Math.floor(from.shareBps / 2)),
                condition: { revenueThreshold: { subjectType: 'output', subjectId: 'out', currency, amount: step.amount.toString() } },
              };
              const proposerMsp = from.mspId;
              await w.call(w.rights, 'ProposeTransfer', proposerMsp, request).catch((error: unknown) => {
                expect((error as Error).message).toMatch(/^(INVALID|STATE): /);
              });
              break;
            }
          }

          // Shares always sum to exactly 10000.
          const rights = await w.call<RightsRecord>(w.rights, 'Get', REGULATOR, 'r');
          expect(rights.holders.reduce((total, h) => total + h.shareBps, 0)).toBe(10_000);

          // Accrued never decreases; claimable decreases only by the provider's own claim (to zero).
          const after = await positions(w, providers);
          for (const [key, was] of before) {
            const now = after.get(key);
            expect(now).toBeDefined();
            expect((now?.accrued ?? 0n) >= was.accrued).toBe(true);
            if (claimedBy !== undefined && key.startsWith(claimedBy) && key.endsWith(`/${currency}`)) expect(now?.claimable).toBe(0n);
            else expect((now?.claimable ?? 0n) >= was.claimable).toBe(true);
          }
          before = after;

          // Every holder's balance (the sum of its credit shards) is what revenue paid it, less its claims.
          for (const [key, expected] of holders) {
            const [mspId, holderId, cur] = key.split('/') as [string, string, string];
            const view = await w.call<HolderBalances>(w.revenue, 'HolderBalance', REGULATOR, { holderId, mspId, currency: cur });
            expect(view.balances).toEqual([
              {
                currency: cur,
                credited: expected.credited.toString(),
                claimed: expected.claimed.toString(),
                claimable: (expected.credited - expected.claimed).toString(),
              },
            ]);
          }

          for (const cur of CURRENCIES) {
            const totals = await w.call<Totals>(w.revenue, 'Totals', REGULATOR, { currency: cur });
            expect(totals.balanced).toBe(true);
            expect(BigInt(totals.revenue)).toBe(recorded.get(cur));
            const ofCurrency = [...holders].filter(([key]) => key.endsWith(`/${cur}`)).map(([, p]) => p);
            expect(BigInt(totals.holderCredited)).toBe(sum(ofCurrency.map((p) => p.credited)));
            expect(BigInt(totals.holderUnclaimed)).toBe(sum(ofCurrency.map((p) => p.credited - p.claimed)));
            // The carried remainder of each pool, from the providers' accrued amounts, and from its
            // closed form (carry + Σ (c·index mod S)) / S: both exact, both bounded by the providers.
            let remainder = 0n;
            for (const modelId of ['base', 'ft']) {
              const pool = w.ledger.getJson(Keys.royaltyPool(modelId, cur)) as RoyaltyPoolRecord | undefined;
              if (pool === undefined) continue;
              const lines = [...after.entries()].filter(([k]) => k.includes(`/${modelId}/${cur}`)).map(([, v]) => v);
              const left = BigInt(pool.poolIn) - sum(lines.map((l) => l.accrued));
              const state = poolFromJson(pool);
              const closed = sum(lines.map((l) => (BigInt(l.itemCount) * state.index) % ROYALTY_SCALE)) + state.carry;
              expect(closed % ROYALTY_SCALE).toBe(0n);
              expect(left).toBe(closed / ROYALTY_SCALE);
              expect(left >= 0n && left <= BigInt(lines.length)).toBe(true);
              expect(sum(lines.map((l) => entitlement(state.index, BigInt(l.itemCount))))).toBe(sum(lines.map((l) => l.accrued)));
              remainder += left;
            }
            const accruedUnclaimed = sum([...after.entries()].filter(([k]) => k.endsWith(`/${cur}`)).map(([, v]) => v.claimable));
            // sum(revenue) = settled + payable + accrued-unclaimed (holders and providers) + carried remainder.
            expect(BigInt(totals.settled) + BigInt(totals.payable) + BigInt(totals.holderUnclaimed) + accruedUnclaimed + remainder).toBe(
              recorded.get(cur),
            );
          }
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});

/**
 * Fabric's validation, reduced to what protects revenue: every key a transaction read (value seen
 * at simulation) and every range it scanned (keys and values seen) must be unchanged when it
 * commits, otherwise the peer marks it MVCC_READ_CONFLICT (or PHANTOM_READ_CONFLICT) and applies
 * none of its writes. The memory stub does not track read sets, so this wraps it.
 */
interface Simulation {
  readonly stub: MemoryStub;
  readonly result: unknown;
  readonly stale: () => string[];
  /** Keys read and range prefixes scanned (the read set). */
  readonly reads: ReadonlySet<string>;
  readonly ranges: ReadonlySet<string>;
}

/** The keys `writer` writes that `reader` read or scanned: what would invalidate `reader` if `writer` committed first. */
function conflictingKeys(reader: Simulation, writer: Simulation): string[] {
  return writer.stub
    .writeSet()
    .state.map((write) => write.key)
    .filter((key) => reader.reads.has(key) || [...reader.ranges].some((prefix) => key.startsWith(prefix)));
}

const hex = (value: Uint8Array | undefined): string => (value === undefined ? '' : Buffer.from(value).toString('hex'));

async function simulate(
  ledger: MemoryLedger,
  contract: Contract,
  fn: string,
  mspId: string,
  request: unknown,
  txId?: string,
): Promise<Simulation> {
  const arg = toJson(request);
  const stub = ledger.begin(mspId, txId === undefined ? {} : { txId }, `${contract.getName()}:${fn}`, [arg]);
  const reads = new Map<string, string>();
  const ranges = new Map<string, string>();
  const snapshot = (prefix: string): string => JSON.stringify(ledger.keys(prefix).map((key) => [key, hex(ledger.getState(key))]));
  const tracked = new Proxy(stub, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (property === 'getState') {
        return async (key: string) => {
          reads.set(key, hex(ledger.getState(key)));
          return target.getState(key);
        };
      }
      if (property === 'getStateByPartialCompositeKey') {
        return (objectType: string, attributes: string[]) => {
          const prefix = compositeKey(objectType, attributes);
          ranges.set(prefix, snapshot(prefix));
          return target.getStateByPartialCompositeKey(objectType, attributes);
        };
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const ctx = contract.createContext();
  ctx.stub = tracked;
  ctx.clientIdentity = stub.identity;
  await contract.beforeTransaction(ctx);
  const dispatcher = contract as unknown as { aroundTransaction(ctx: Context, fn: string, parameters: readonly string[]): Promise<string> };
  const returned = await dispatcher.aroundTransaction(ctx, fn, [arg]);
  // Writes are buffered in the context and reach the stub when the transaction function returns.
  await contract.afterTransaction(ctx, returned);
  const result = JSON.parse(returned) as unknown;
  const stale = (): string[] => [
    ...[...reads].filter(([key, seen]) => hex(ledger.getState(key)) !== seen).map(([key]) => `read ${key}`),
    ...[...ranges].filter(([prefix, seen]) => snapshot(prefix) !== seen).map(([prefix]) => `range ${prefix}`),
  ];
  return { stub, result, stale, reads: new Set(reads.keys()), ranges: new Set(ranges.keys()) };
}

describe('racing revenue reports and the threshold transfer', () => {
  it('when two reports that each cross the threshold are simulated on the same state, then the second fails validation and the transfer executes once', async () => {
    const w = new RoyaltyWorld();
    await w.publishTerms('t', 2000);
    await w.trainModel('m', { p1: 1 }, { termsId: 't' });
    await w.registerOutput('out', 'm');
    await w.call(w.rights, 'Create', STUDIO1, {
      rightsId: 'r',
      licensorMsp: LICENSOR,
      subjectType: 'output',
      subjectId: 'out',
      holders: [{ holderId: 'lic', mspId: LICENSOR, shareBps: 10_000 }],
    });
    await w.call(w.rights, 'ProposeTransfer', LICENSOR, {
      transferId: 'tr',
      rightsId: 'r',
      fromHolderId: 'lic',
      toHolderId: 's2',
      toMspId: STUDIO2,
      shareBps: 4000,
      condition: { revenueThreshold: { subjectType: 'output', subjectId: 'out', currency: 'JPY', amount: '100' } },
    });

    // Both endorsed against the same committed state: each would execute the transfer.
    const first = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, {
      subjectId: 'out',
      amount: '100',
      currency: 'JPY',
      reference: 'a',
    });
    const second = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, {
      subjectId: 'out',
      amount: '150',
      currency: 'JPY',
      reference: 'b',
    });
    expect((first.result as RevenueRecord).executedTransfers).toEqual(['tr']);
    expect((second.result as RevenueRecord).executedTransfers).toEqual(['tr']);

    // Ordered first → committed. The second's read set is now stale on the keys that matter.
    expect(first.stale()).toEqual([]);
    w.ledger.commit(first.stub);
    const conflicts = second.stale();
    expect(conflicts).toEqual(
      expect.arrayContaining([
        `read ${Keys.subjectRevenue('output', 'out', 'JPY')}`,
        `read ${Keys.rightsTransfer('tr')}`,
        `read ${Keys.rights('r')}`,
        `read ${Keys.royaltyPool('m', 'JPY')}`,
        `range ${compositeKey('pendingTransfer', ['output', 'out', 'JPY'])}`,
      ]),
    );
    // So the peer invalidates it (MVCC_READ_CONFLICT) and applies none of its writes; the client retries.
    const retry = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, {
      subjectId: 'out',
      amount: '150',
      currency: 'JPY',
      reference: 'b',
    });
    expect((retry.result as RevenueRecord).executedTransfers).toEqual([]);
    expect(retry.stale()).toEqual([]);
    w.ledger.commit(retry.stub);

    const rights = await w.call<RightsRecord>(w.rights, 'Get', REGULATOR, 'r');
    expect(rights.holders).toEqual([
      { holderId: 'lic', mspId: LICENSOR, shareBps: 6000 },
      { holderId: 's2', mspId: STUDIO2, shareBps: 4000 },
    ]);
    expect(rights.transferCount).toBe(1);
    const total = await w.call<SubjectRevenueRecord>(w.revenue, 'GetSubjectRevenue', REGULATOR, {
      subjectType: 'output',
      subjectId: 'out',
      currency: 'JPY',
    });
    expect(total).toMatchObject({ total: '250', events: 2 });
    expect((await w.call<Totals>(w.revenue, 'Totals', REGULATOR, { currency: 'JPY' })).balanced).toBe(true);
  });

  it('when a transfer is proposed while a revenue report is in flight, then the report fails validation on the pending range (phantom read)', async () => {
    const w = new RoyaltyWorld();
    await w.publishTerms('t', 0);
    await w.trainModel('m', { p1: 1 }, { termsId: 't' });
    await w.registerOutput('out', 'm');
    await w.call(w.rights, 'Create', STUDIO1, {
      rightsId: 'r',
      licensorMsp: LICENSOR,
      subjectType: 'output',
      subjectId: 'out',
      holders: [{ holderId: 'lic', mspId: LICENSOR, shareBps: 10_000 }],
    });
    const report = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, {
      subjectId: 'out',
      amount: '100',
      currency: 'JPY',
      reference: 'a',
    });
    await w.call(w.rights, 'ProposeTransfer', LICENSOR, {
      transferId: 'tr',
      rightsId: 'r',
      fromHolderId: 'lic',
      toHolderId: 's2',
      toMspId: STUDIO2,
      shareBps: 1,
      condition: { revenueThreshold: { subjectType: 'output', subjectId: 'out', currency: 'JPY', amount: '50' } },
    });
    expect(report.stale()).toEqual([`range ${compositeKey('pendingTransfer', ['output', 'out', 'JPY'])}`]);
  });
});

/** A transaction ID whose holder payouts land on `shard` (searched deterministically). */
function txIdOnShard(label: string, shard: number): string {
  for (let i = 0; ; i += 1) {
    const txId = `${label}-${i}`;
    if (holderShard(txId) === shard) return txId;
  }
}

describe('racing revenue reports that pay the same holder', () => {
  /** Two sealed models with a data pool, one output of each, no rights: Studio1 (the owner) is paid on both. */
  async function twoOutputs(): Promise<RoyaltyWorld> {
    const w = new RoyaltyWorld();
    await w.publishTerms('t', 2000);
    await w.trainModel('m1', { p1: 1 }, { termsId: 't' });
    await w.trainModel('m2', { p2: 2 }, { termsId: 't' });
    await w.registerOutput('o1', 'm1');
    await w.registerOutput('o2', 'm2');
    return w;
  }
  const report = (subjectId: string, reference: string, amount = '1000'): Record<string, string> => ({
    subjectId,
    amount,
    currency: 'JPY',
    reference,
  });

  it("when two reports on different subjects pay the same holder from different shards, then neither read set conflicts with the other's writes, and both count", async () => {
    const w = await twoOutputs();
    const [txA, txB] = [txIdOnShard('tx-a', 3), txIdOnShard('tx-b', 11)];
    const first = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, report('o1', 'r1'), txA);
    const second = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, report('o2', 'r2', '501'), txB);
    expect((first.result as RevenueRecord).holderPayouts).toEqual([{ holderId: STUDIO1, mspId: STUDIO1, amount: '800' }]);
    expect((second.result as RevenueRecord).holderPayouts).toEqual([{ holderId: STUDIO1, mspId: STUDIO1, amount: '401' }]);

    // Neither writes a key the other read, so in either order both are valid (even in one block).
    expect(conflictingKeys(second, first)).toEqual([]);
    expect(conflictingKeys(first, second)).toEqual([]);
    w.ledger.commit(first.stub);
    expect(second.stale()).toEqual([]);
    w.ledger.commit(second.stub);

    expect(w.ledger.keys(compositeKey('holderCredit', [STUDIO1, STUDIO1, 'JPY']))).toEqual([
      Keys.holderCredit(STUDIO1, STUDIO1, 'JPY', 3),
      Keys.holderCredit(STUDIO1, STUDIO1, 'JPY', 11),
    ]);
    const balance = await w.call<HolderBalances>(w.revenue, 'HolderBalance', REGULATOR, {
      holderId: STUDIO1,
      mspId: STUDIO1,
      currency: 'JPY',
    });
    expect(balance.balances).toEqual([{ currency: 'JPY', credited: '1201', claimed: '0', claimable: '1201' }]);
    const totals = await w.call<Totals>(w.revenue, 'Totals', REGULATOR, { currency: 'JPY' });
    expect(totals).toMatchObject({ revenue: '1501', holderCredited: '1201', poolIn: '300', balanced: true });
  });

  it('when two reports on different subjects happen to pick the same shard, then they conflict on that shard key only', async () => {
    const w = await twoOutputs();
    const first = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, report('o1', 'r1'), txIdOnShard('tx-a', 5));
    const second = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, report('o2', 'r2'), txIdOnShard('tx-b', 5));
    expect(conflictingKeys(second, first)).toEqual([Keys.holderCredit(STUDIO1, STUDIO1, 'JPY', 5)]);
    w.ledger.commit(first.stub);
    expect(second.stale()).toEqual([`read ${Keys.holderCredit(STUDIO1, STUDIO1, 'JPY', 5)}`]);
  });

  it('when two reports on the same subject race, then they still conflict on the subject total and the pool, whatever their shards', async () => {
    const w = await twoOutputs();
    const first = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, report('o1', 'r1'), txIdOnShard('tx-a', 0));
    const second = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, report('o1', 'r2'), txIdOnShard('tx-b', 1));
    expect(conflictingKeys(second, first)).toEqual([Keys.royaltyPool('m1', 'JPY'), Keys.subjectRevenue('output', 'o1', 'JPY')].sort());
    expect(conflictingKeys(first, second)).toEqual([Keys.royaltyPool('m1', 'JPY'), Keys.subjectRevenue('output', 'o1', 'JPY')].sort());
    w.ledger.commit(first.stub);
    expect(second.stale().sort()).toEqual([`read ${Keys.royaltyPool('m1', 'JPY')}`, `read ${Keys.subjectRevenue('output', 'o1', 'JPY')}`]);
  });

  it('when a holder claims while a payout to it is in flight, then the claim (which read every shard) is invalidated, never the payout', async () => {
    const w = await twoOutputs();
    for (let i = 0; i < 6; i += 1) await w.call(w.revenue, 'Record', STUDIO1, report(i % 2 === 0 ? 'o1' : 'o2', `seed-${i}`));
    const payout = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, report('o2', 'late'), txIdOnShard('tx-p', 7));
    const claim = await simulate(w.ledger, w.revenue, 'Claim', STUDIO1, { holderId: STUDIO1, currency: 'JPY', settlementId: 'c1' });
    // The claim read all shards (one multi-key read), including the empty one the payout writes; it
    // writes only the claim record, which no payout reads.
    const shardKeys = Keys.holderCredits(STUDIO1, STUDIO1, 'JPY');
    expect(shardKeys).toHaveLength(HOLDER_CREDIT_SHARDS);
    expect(shardKeys.filter((key) => !claim.reads.has(key))).toEqual([]);
    expect((claim.result as SettlementRecord).amount).toBe('4800');
    expect(conflictingKeys(payout, claim)).toEqual([]);
    w.ledger.commit(claim.stub);
    expect(payout.stale()).toEqual([]);
    w.ledger.commit(payout.stub);

    const conflicted = await simulate(w.ledger, w.revenue, 'Claim', STUDIO1, { holderId: STUDIO1, currency: 'JPY', settlementId: 'c2' });
    const racing = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, report('o1', 'later'), txIdOnShard('tx-q', 9));
    w.ledger.commit(racing.stub);
    expect(conflicted.stale()).toEqual([`read ${Keys.holderCredit(STUDIO1, STUDIO1, 'JPY', 9)}`]);
    expect((conflicted.result as SettlementRecord).amount).toBe('800');

    const balance = await w.call<HolderBalances>(w.revenue, 'HolderBalance', REGULATOR, { holderId: STUDIO1, mspId: STUDIO1 });
    expect(balance.balances).toEqual([{ currency: 'JPY', credited: '6400', claimed: '4800', claimable: '1600' }]);
    expect((await w.call<Totals>(w.revenue, 'Totals', REGULATOR, { currency: 'JPY' })).balanced).toBe(true);
  });
});
