import fc from 'fast-check';
import type { Context, Contract } from 'fabric-contract-api';

import { entitlement, poolFromJson, ROYALTY_SCALE } from '../domain/royalty-index';
import type { RevenueRecord, RightsRecord, RoyaltyPoolRecord, SettlementRecord, SubjectRevenueRecord } from '../domain/royalty-records';
import { compositeKey } from '../ledger/keys';
import { toJson } from '../shared/codec';
import type { MemoryLedger, MemoryStub } from '../testing/memory-stub';
import { LICENSOR, REGULATOR, RoyaltyWorld, STUDIO1, STUDIO2 } from '../testing/royalty-fixture';

import type { HolderBalances, Statement, Totals } from './revenue';
import { RoyaltyKeys } from './royalty-keys';


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
  await w.call(w.rights, 'Create', LICENSOR, {
    rightsId: 'r',
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
async function positions(w: RoyaltyWorld, providers: readonly string[]): Promise<Map<string, { accrued: bigint; claimed: bigint; claimable: bigint; itemCount: number }>> {
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
              await w.call(w.revenue, 'Record', step.who % 2 === 0 ? STUDIO1 : STUDIO2, { ...subject, amount: step.amount.toString(), currency, reference: `ref-${reference}` });
              recorded.set(currency, (recorded.get(currency) as bigint) + step.amount);
              break;
            }
            case 'claimProvider': {
              const providerId = providers[step.who % providers.length] as string;
              const claimable = sum([...before.entries()].filter(([k]) => k.startsWith(`${providerId}/`) && k.endsWith(`/${currency}`)).map(([, v]) => v.claimable));
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
              if (claimable === 0n) await expect(attempt).rejects.toThrow(/^(STATE|NOT_FOUND): /);
              else settlements.push((await attempt).settlementId);
              break;
            }
            case 'settle': {
              const settlementId = settlements.shift();
              if (settlementId === undefined) break;
              const settlement = await w.call<SettlementRecord>(w.revenue, 'GetSettlement', REGULATOR, settlementId);
              await w.call(w.revenue, 'MarkSettled', settlement.managingMsp, { settlementId, paymentReference: `pay-${settlementId.slice(0, 8)}` });
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

          for (const cur of CURRENCIES) {
            const totals = await w.call<Totals>(w.revenue, 'Totals', REGULATOR, { currency: cur });
            expect(totals.balanced).toBe(true);
            expect(BigInt(totals.revenue)).toBe(recorded.get(cur));
            // The carried remainder of each pool, from the providers' accrued amounts, and from its
            // closed form (carry + Σ (c·index mod S)) / S: both exact, both bounded by the providers.
            let remainder = 0n;
            for (const modelId of ['base', 'ft']) {
              const pool = w.ledger.getJson(RoyaltyKeys.royaltyPool(modelId, cur)) as RoyaltyPoolRecord | undefined;
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
            expect(BigInt(totals.settled) + BigInt(totals.payable) + BigInt(totals.holderUnclaimed) + accruedUnclaimed + remainder).toBe(recorded.get(cur));
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
}

const hex = (value: Uint8Array | undefined): string => (value === undefined ? '' : Buffer.from(value).toString('hex'));

async function simulate(ledger: MemoryLedger, contract: Contract, fn: string, mspId: string, request: unknown): Promise<Simulation> {
  const arg = toJson(request);
  const stub = ledger.begin(mspId, {}, `${contract.getName()}:${fn}`, [arg]);
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
  return { stub, result, stale };
}

describe('racing revenue reports and the threshold transfer', () => {
  it('when two reports that each cross the threshold are simulated on the same state, then the second fails validation and the transfer executes once', async () => {
    const w = new RoyaltyWorld();
    await w.publishTerms('t', 2000);
    await w.trainModel('m', { p1: 1 }, { termsId: 't' });
    await w.registerOutput('out', 'm');
    await w.call(w.rights, 'Create', LICENSOR, { rightsId: 'r', subjectType: 'output', subjectId: 'out', holders: [{ holderId: 'lic', mspId: LICENSOR, shareBps: 10_000 }] });
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
    const first = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, { subjectId: 'out', amount: '100', currency: 'JPY', reference: 'a' });
    const second = await simulate(w.ledger, w.revenue, 'Record', STUDIO2, { subjectId: 'out', amount: '150', currency: 'JPY', reference: 'b' });
    expect((first.result as RevenueRecord).executedTransfers).toEqual(['tr']);
    expect((second.result as RevenueRecord).executedTransfers).toEqual(['tr']);

    // Ordered first → committed. The second's read set is now stale on the keys that matter.
    expect(first.stale()).toEqual([]);
    w.ledger.commit(first.stub);
    const conflicts = second.stale();
    expect(conflicts).toEqual(
      expect.arrayContaining([
        `read ${RoyaltyKeys.subjectRevenue('output', 'out', 'JPY')}`,
        `read ${RoyaltyKeys.rightsTransfer('tr')}`,
        `read ${RoyaltyKeys.rights('r')}`,
        `read ${RoyaltyKeys.royaltyPool('m', 'JPY')}`,
        `range ${compositeKey('pendingTransfer', ['output', 'out', 'JPY'])}`,
      ]),
    );
    // So the peer invalidates it (MVCC_READ_CONFLICT) and applies none of its writes; the client retries.
    const retry = await simulate(w.ledger, w.revenue, 'Record', STUDIO2, { subjectId: 'out', amount: '150', currency: 'JPY', reference: 'b' });
    expect((retry.result as RevenueRecord).executedTransfers).toEqual([]);
    expect(retry.stale()).toEqual([]);
    w.ledger.commit(retry.stub);

    const rights = await w.call<RightsRecord>(w.rights, 'Get', REGULATOR, 'r');
    expect(rights.holders).toEqual([
      { holderId: 'lic', mspId: LICENSOR, shareBps: 6000 },
      { holderId: 's2', mspId: STUDIO2, shareBps: 4000 },
    ]);
    expect(rights.transferCount).toBe(1);
    const total = await w.call<SubjectRevenueRecord>(w.revenue, 'GetSubjectRevenue', REGULATOR, { subjectType: 'output', subjectId: 'out', currency: 'JPY' });
    expect(total).toMatchObject({ total: '250', events: 2 });
    expect((await w.call<Totals>(w.revenue, 'Totals', REGULATOR, { currency: 'JPY' })).balanced).toBe(true);
  });

  it('when a transfer is proposed while a revenue report is in flight, then the report fails validation on the pending range (phantom read)', async () => {
    const w = new RoyaltyWorld();
    await w.publishTerms('t', 0);
    await w.trainModel('m', { p1: 1 }, { termsId: 't' });
    await w.registerOutput('out', 'm');
    await w.call(w.rights, 'Create', LICENSOR, { rightsId: 'r', subjectType: 'output', subjectId: 'out', holders: [{ holderId: 'lic', mspId: LICENSOR, shareBps: 10_000 }] });
    const report = await simulate(w.ledger, w.revenue, 'Record', STUDIO1, { subjectId: 'out', amount: '100', currency: 'JPY', reference: 'a' });
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
