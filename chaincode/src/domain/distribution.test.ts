import fc from 'fast-check';
import { MAX_POOL_LEVELS, planDistribution, type LineageLevel } from './distribution';
import type { ShareHolder } from './shares';

const holders: ShareHolder[] = [
  { holderId: 'amy', mspId: 'Studio1MSP', shareBps: 7000 },
  { holderId: 'bob', mspId: 'LicensorMSP', shareBps: 3000 },
];
const sum = (values: readonly { amount: bigint }[]): bigint => values.reduce((acc, v) => acc + v.amount, 0n);

describe('distribution plan', () => {
  it('when revenue lands on a fine-tuned model, then holders, its pool and its base pool share it exactly', () => {
    const plan = planDistribution({
      amount: 10_001n,
      holders,
      dataPoolShareBps: 3000,
      lineage: [
        { modelId: 'ft', trainingSize: 10n, lineageShareBps: 2000 },
        { modelId: 'base', trainingSize: 1000n, lineageShareBps: 2000 },
      ],
    });
    // pool = floor(10001 × 0.3) = 3000: 600 passes up, 2400 stays; holders split 7001 → 4900.7 / 2100.3.
    expect(plan.poolAdditions).toEqual([
      { modelId: 'ft', amount: 2400n },
      { modelId: 'base', amount: 600n },
    ]);
    expect(plan.holderPayouts).toEqual([
      { holderId: 'amy', mspId: 'Studio1MSP', amount: 4901n },
      { holderId: 'bob', mspId: 'LicensorMSP', amount: 2100n },
    ]);
  });

  it('when there is no model, then holders get everything whatever the pool share', () => {
    const plan = planDistribution({ amount: 100n, holders, dataPoolShareBps: 5000, lineage: [] });
    expect(plan.poolAdditions).toEqual([]);
    expect(sum(plan.holderPayouts)).toBe(100n);
  });

  it('when the pool share is 100 %, then holders get nothing and zero payouts are left out', () => {
    const plan = planDistribution({
      amount: 100n,
      holders,
      dataPoolShareBps: 10000,
      lineage: [{ modelId: 'm', trainingSize: 1n, lineageShareBps: 0 }],
    });
    expect(plan).toEqual({ holderPayouts: [], poolAdditions: [{ modelId: 'm', amount: 100n }] });
  });

  it('when inputs are out of rule, then planning refuses', () => {
    expect(() => planDistribution({ amount: -1n, holders, dataPoolShareBps: 0, lineage: [] })).toThrow(RangeError);
    expect(() => planDistribution({ amount: 1n, holders, dataPoolShareBps: 10001, lineage: [] })).toThrow(RangeError);
    expect(() =>
      planDistribution({ amount: 1n, holders, dataPoolShareBps: 1, lineage: [{ modelId: 'm', trainingSize: 0n, lineageShareBps: 0 }] }),
    ).toThrow(RangeError);
    const loop = { modelId: 'm', trainingSize: 1n, lineageShareBps: 1 };
    expect(() => planDistribution({ amount: 1n, holders, dataPoolShareBps: 1, lineage: [loop, loop] })).toThrow(/repeats/);
  });

  it('when the lineage is deeper than the bound, then only the first levels receive anything', () => {
    const lineage: LineageLevel[] = Array.from({ length: MAX_POOL_LEVELS + 3 }, (_, i) => ({
      modelId: `m${i}`,
      trainingSize: 1n,
      lineageShareBps: 5000,
    }));
    const plan = planDistribution({ amount: 1n << 20n, holders, dataPoolShareBps: 10000, lineage });
    expect(plan.poolAdditions.map((a) => a.modelId)).toEqual(lineage.slice(0, MAX_POOL_LEVELS).map((l) => l.modelId));
    expect(sum(plan.poolAdditions)).toBe(1n << 20n);
  });

  it('when any amount, pool share and lineage are planned, then payouts + pool additions = amount exactly', () => {
    const level = fc.record({
      modelId: fc.constant(''),
      trainingSize: fc.bigInt({ min: 1n, max: 10n ** 6n }),
      lineageShareBps: fc.integer({ min: 0, max: 10000 }),
    });
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.integer({ min: 0, max: 10000 }),
        fc.array(level, { maxLength: 10 }),
        (amount, poolBps, levels) => {
          const lineage = levels.map((l, i) => ({ ...l, modelId: `m${i}` }));
          const plan = planDistribution({ amount, holders, dataPoolShareBps: poolBps, lineage });
          expect(sum(plan.holderPayouts) + sum(plan.poolAdditions)).toBe(amount);
          const pool = lineage.length === 0 ? 0n : (amount * BigInt(poolBps)) / 10000n;
          expect(sum(plan.poolAdditions)).toBe(pool);
          for (const part of [...plan.holderPayouts, ...plan.poolAdditions]) expect(part.amount > 0n).toBe(true);
        },
      ),
    );
  });
});
