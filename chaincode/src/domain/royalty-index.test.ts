import fc from 'fast-check';
import {
  accrued,
  addToPool,
  carriedRemainder,
  EMPTY_POOL,
  entitlement,
  poolFromJson,
  poolIdentityHolds,
  poolToJson,
  ROYALTY_SCALE,
  type PoolIndex,
} from './royalty-index';

/** The remainder from its closed form, (carry + Σ (c·index mod S)) / S, which must be an integer. */
function remainderClosedForm(pool: PoolIndex, counts: readonly bigint[]): bigint {
  const numerator = counts.reduce((sum, c) => sum + ((c * pool.index) % ROYALTY_SCALE), pool.carry);
  expect(numerator % ROYALTY_SCALE).toBe(0n);
  return numerator / ROYALTY_SCALE;
}

describe('royalty index', () => {
  it('when 100 units go to 3 items, then the index is 33.33… per item and the scaled remainder carries', () => {
    const pool = addToPool(EMPTY_POOL, 100n, 3n);
    expect(pool.index).toBe((100n * ROYALTY_SCALE) / 3n);
    expect(pool.carry).toBe((100n * ROYALTY_SCALE) % 3n);
    expect(poolIdentityHolds(pool, 3n)).toBe(true);
    // Providers with 1 and 2 items: 33 and 66 now, one unit carried.
    expect(entitlement(pool.index, 1n)).toBe(33n);
    expect(entitlement(pool.index, 2n)).toBe(66n);
    expect(carriedRemainder(pool, [1n, 2n])).toBe(1n);
    // Two more units: 102 / 3 = 34 per item; the carried unit is now paid out, nothing is lost.
    const later = addToPool(pool, 2n, 3n);
    expect(entitlement(later.index, 1n)).toBe(34n);
    expect(entitlement(later.index, 2n)).toBe(68n);
    expect(carriedRemainder(later, [1n, 2n])).toBe(0n);
  });

  it('when one unit at a time goes to a pool of 7 items, then the carry accumulates until it pays out', () => {
    let pool = EMPTY_POOL;
    for (let i = 1n; i <= 7n; i += 1n) {
      pool = addToPool(pool, 1n, 7n);
      expect(poolIdentityHolds(pool, 7n)).toBe(true);
    }
    expect(entitlement(pool.index, 1n)).toBe(1n);
    expect(pool.carry).toBe(0n);
  });

  it('when a pool has no items or the amount is negative, then adding refuses', () => {
    expect(() => addToPool(EMPTY_POOL, 1n, 0n)).toThrow(RangeError);
    expect(() => addToPool(EMPTY_POOL, -1n, 1n)).toThrow(RangeError);
    expect(poolIdentityHolds(EMPTY_POOL, 0n)).toBe(true);
  });

  it('when a provider claimed more than its entitlement, then accrued throws (corrupt state)', () => {
    expect(accrued(ROYALTY_SCALE * 5n, 2n, 3n)).toBe(7n);
    expect(() => accrued(ROYALTY_SCALE * 5n, 2n, 11n)).toThrow(RangeError);
  });

  it('when a pool is stored and read back, then it is unchanged; malformed fields are refused', () => {
    const pool = addToPool(addToPool(EMPTY_POOL, 12345n, 17n), 999n, 17n);
    expect(poolFromJson(poolToJson(pool))).toEqual(pool);
    expect(() => poolFromJson({ poolIn: '-1', index: '0', carry: '0' })).toThrow(RangeError);
    expect(() => poolFromJson({ poolIn: '1', index: '01', carry: '0' })).toThrow(RangeError);
  });

  const counts = fc.array(fc.bigInt({ min: 1n, max: 1000n }), { minLength: 1, maxLength: 12 });
  const amounts = fc.array(fc.bigInt({ min: 0n, max: 10n ** 15n }), { maxLength: 25 });

  it('when random revenue lands on random providers, then identity, exact remainder, its bound and monotonicity hold', () => {
    fc.assert(
      fc.property(counts, amounts, (itemCounts, additions) => {
        const size = itemCounts.reduce((a, b) => a + b, 0n);
        let pool = EMPTY_POOL;
        let previous = itemCounts.map(() => 0n);
        let total = 0n;
        for (const amount of additions) {
          pool = addToPool(pool, amount, size);
          total += amount;
          expect(poolIdentityHolds(pool, size)).toBe(true);
          expect(pool.poolIn).toBe(total);
          const due = itemCounts.map((c) => entitlement(pool.index, c));
          due.forEach((value, i) => {
            expect(value >= (previous[i] as bigint)).toBe(true);
          });
          previous = due;
          const remainder = carriedRemainder(pool, itemCounts);
          expect(remainder).toBe(remainderClosedForm(pool, itemCounts));
          expect(remainder >= 0n).toBe(true);
          expect(remainder <= BigInt(itemCounts.length)).toBe(true);
          // Nothing is lost: every unit is someone's entitlement or in the carried remainder.
          expect(due.reduce((a, b) => a + b, 0n) + remainder).toBe(total);
        }
      }),
    );
  });

  it('when revenue and claims interleave randomly, then claimed + accrued + remainder = pool, and accrued drops only by a claim', () => {
    const steps = fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('revenue' as const), amount: fc.bigInt({ min: 0n, max: 10n ** 9n }) }),
        fc.record({ kind: fc.constant('claim' as const), who: fc.nat() }),
      ),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(counts, steps, (itemCounts, sequence) => {
        const size = itemCounts.reduce((a, b) => a + b, 0n);
        const claimed = itemCounts.map(() => 0n);
        let pool = EMPTY_POOL;
        let before = itemCounts.map(() => 0n);
        for (const step of sequence) {
          let claimer = -1;
          if (step.kind === 'revenue') {
            pool = addToPool(pool, step.amount, size);
          } else {
            claimer = step.who % itemCounts.length;
            claimed[claimer] =
              (claimed[claimer] as bigint) + accrued(pool.index, itemCounts[claimer] as bigint, claimed[claimer] as bigint);
          }
          const now = itemCounts.map((c, i) => accrued(pool.index, c, claimed[i] as bigint));
          now.forEach((value, i) => {
            if (i === claimer) expect(value).toBe(0n);
            else expect(value >= (before[i] as bigint)).toBe(true);
          });
          before = now;
          const paidOrDue = claimed.reduce((a, b) => a + b, 0n) + now.reduce((a, b) => a + b, 0n);
          expect(paidOrDue + carriedRemainder(pool, itemCounts)).toBe(pool.poolIn);
        }
      }),
    );
  });

  it('when the pool is huge (10^5 providers, amounts near 10^30), then arithmetic stays exact', () => {
    const size = 100_000n;
    let pool = EMPTY_POOL;
    for (const amount of [10n ** 30n - 1n, 7n, 10n ** 29n + 3n]) pool = addToPool(pool, amount, size);
    expect(poolIdentityHolds(pool, size)).toBe(true);
    // 100,000 providers of one item each: the remainder is bounded by their number.
    const perProvider = entitlement(pool.index, 1n);
    const remainder = pool.poolIn - perProvider * size;
    expect(remainder >= 0n && remainder <= size).toBe(true);
  });
});
