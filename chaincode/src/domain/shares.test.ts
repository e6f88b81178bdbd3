import fc from 'fast-check';
import { HoldersRequest } from '../shared/requests';
import { BPS_TOTAL, MAX_HOLDERS, moveShare, shareIssues, sortHolders, splitByShares, splitByWeights, type ShareHolder } from './shares';

/** Holders as a request carries them: checked by the chaincode's schema, then put in canonical order. */
const parseHolders = (value: unknown): ShareHolder[] => sortHolders(HoldersRequest.parse(value));

/** Random valid holder sets: n distinct ids, shares ≥ 1 summing to 10000. */
const holderSets = (max = 8): fc.Arbitrary<ShareHolder[]> =>
  fc
    .integer({ min: 1, max })
    .chain((n) =>
      fc.tuple(
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/), { minLength: n, maxLength: n }),
        fc.uniqueArray(fc.integer({ min: 1, max: BPS_TOTAL - 1 }), { minLength: n - 1, maxLength: n - 1 }),
        fc.array(fc.constantFrom('Studio1MSP', 'Studio2MSP', 'LicensorMSP'), { minLength: n, maxLength: n }),
      ),
    )
    .map(([ids, cuts, msps]) => {
      const points = [0, ...[...cuts].sort((a, b) => a - b), BPS_TOTAL];
      return ids.map((holderId, i) => ({
        holderId,
        mspId: msps[i] as string,
        shareBps: (points[i + 1] as number) - (points[i] as number),
      }));
    });

describe('share validation', () => {
  it('when shares sum to exactly 10000, then the set is valid and comes back sorted by holderId', () => {
    const parsed = parseHolders([
      { holderId: 'zed', mspId: 'LicensorMSP', shareBps: 2500 },
      { holderId: 'amy', mspId: 'Studio1MSP', shareBps: 7500 },
    ]);
    expect(parsed).toEqual([
      { holderId: 'amy', mspId: 'Studio1MSP', shareBps: 7500 },
      { holderId: 'zed', mspId: 'LicensorMSP', shareBps: 2500 },
    ]);
  });

  it.each<[string, unknown]>([
    ['not an array', { holderId: 'a' }],
    ['empty', []],
    ['short of 10000', [{ holderId: 'a', mspId: 'M', shareBps: 9999 }]],
    [
      'over 10000',
      [
        { holderId: 'a', mspId: 'M', shareBps: 6000 },
        { holderId: 'b', mspId: 'M', shareBps: 4001 },
      ],
    ],
    [
      'a repeated holder',
      [
        { holderId: 'a', mspId: 'M', shareBps: 5000 },
        { holderId: 'a', mspId: 'M', shareBps: 5000 },
      ],
    ],
    [
      'a zero share',
      [
        { holderId: 'a', mspId: 'M', shareBps: 10000 },
        { holderId: 'b', mspId: 'M', shareBps: 0 },
      ],
    ],
    [
      'a fractional share',
      [
        { holderId: 'a', mspId: 'M', shareBps: 5000.5 },
        { holderId: 'b', mspId: 'M', shareBps: 4999.5 },
      ],
    ],
    ['a malformed msp', [{ holderId: 'a', mspId: 'bad msp', shareBps: 10000 }]],
    ['a malformed holder id', [{ holderId: 'a~b', mspId: 'M', shareBps: 10000 }]],
  ])('when the holders are %s, then the request schema refuses them', (_label, holders) => {
    expect(HoldersRequest.safeParse(holders).success).toBe(false);
  });

  it('when there are more than the maximum holders, then the set is refused', () => {
    const many = Array.from({ length: MAX_HOLDERS + 1 }, (_, i) => ({ holderId: `h${i}`, mspId: 'M', shareBps: 1 }));
    expect(shareIssues(many)).toContain(`at most ${MAX_HOLDERS} holders`);
  });

  it('when random valid sets are generated, then every one validates', () => {
    fc.assert(
      fc.property(holderSets(MAX_HOLDERS), (holders) => {
        expect(shareIssues(holders)).toEqual([]);
      }),
    );
  });
});

describe('largest-remainder split', () => {
  it('when 100 is split three ways equally, then the tie goes to the smallest id', () => {
    const parts = splitByWeights(100n, [
      { id: 'c', weight: 1 },
      { id: 'a', weight: 1 },
      { id: 'b', weight: 1 },
    ]);
    expect(parts).toEqual([33n, 34n, 33n]);
  });

  it('when remainders differ, then the larger remainder gets the extra unit first', () => {
    // 10 × 0.45 = 4.5, 10 × 0.35 = 3.5, 10 × 0.2 = 2: one unit left, both .5 remainders tie → id order.
    expect(
      splitByShares(10n, [
        { holderId: 'b', mspId: 'M', shareBps: 4500 },
        { holderId: 'a', mspId: 'M', shareBps: 3500 },
        { holderId: 'c', mspId: 'M', shareBps: 2000 },
      ]).map((p) => p.amount),
    ).toEqual([4n, 4n, 2n]);
    // 7 × 0.6 = 4.2, 7 × 0.4 = 2.8: the larger remainder (.8) wins although its id sorts later.
    expect(
      splitByWeights(
        7n,
        [
          { id: 'a', weight: 6000 },
          { id: 'z', weight: 4000 },
        ],
        BPS_TOTAL,
      ),
    ).toEqual([4n, 3n]);
  });

  it('when weights do not add up to the stated total, then the split refuses', () => {
    expect(() => splitByWeights(1n, [{ id: 'a', weight: 1 }], 2)).toThrow(RangeError);
    expect(() => splitByWeights(-1n, [{ id: 'a', weight: 1 }])).toThrow(RangeError);
  });

  it('when any amount is split by any valid holder set, then parts sum to it exactly and each is within one unit of its exact share', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), holderSets(MAX_HOLDERS), (amount, holders) => {
        const parts = splitByShares(amount, holders);
        expect(parts.reduce((sum, part) => sum + part.amount, 0n)).toBe(amount);
        for (const part of parts) {
          const exactFloor = (amount * BigInt(part.holder.shareBps)) / BigInt(BPS_TOTAL);
          expect(part.amount === exactFloor || part.amount === exactFloor + 1n).toBe(true);
        }
      }),
    );
  });

  it('when the holders are given in another order, then each holder still gets the same amount (deterministic)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), holderSets(), (amount, holders) => {
        const forward = new Map(splitByShares(amount, holders).map((p) => [p.holder.holderId, p.amount]));
        const backward = new Map(splitByShares(amount, [...holders].reverse()).map((p) => [p.holder.holderId, p.amount]));
        expect(backward).toEqual(forward);
      }),
    );
  });
});

describe('moving a share', () => {
  const holders: ShareHolder[] = [
    { holderId: 'amy', mspId: 'Studio1MSP', shareBps: 6000 },
    { holderId: 'bob', mspId: 'LicensorMSP', shareBps: 4000 },
  ];

  it('when part of a share moves to a new holder, then the new holder appears and the sum stays 10000', () => {
    expect(moveShare(holders, 'amy', { holderId: 'cat', mspId: 'Studio2MSP' }, 1000)).toEqual([
      { holderId: 'amy', mspId: 'Studio1MSP', shareBps: 5000 },
      { holderId: 'bob', mspId: 'LicensorMSP', shareBps: 4000 },
      { holderId: 'cat', mspId: 'Studio2MSP', shareBps: 1000 },
    ]);
  });

  it('when a whole share moves to an existing holder, then the sender disappears and the receiver merges', () => {
    expect(moveShare(holders, 'bob', { holderId: 'amy', mspId: 'Studio1MSP' }, 4000)).toEqual([
      { holderId: 'amy', mspId: 'Studio1MSP', shareBps: 10000 },
    ]);
  });

  it.each<[string, string, { holderId: string; mspId: string }, number, RegExp]>([
    ['unknown sender', 'zed', { holderId: 'cat', mspId: 'M' }, 1, /not a holder/],
    ['more than held', 'bob', { holderId: 'cat', mspId: 'M' }, 4001, /fewer than/],
    ['to itself', 'bob', { holderId: 'bob', mspId: 'LicensorMSP' }, 1, /itself/],
    ['receiver under another org', 'bob', { holderId: 'amy', mspId: 'Studio2MSP' }, 1, /belongs to Studio1MSP/],
    ['zero', 'bob', { holderId: 'cat', mspId: 'M' }, 0, /positive integer/],
  ])('when moving to %s, then it is refused as INVALID', (_label, from, to, bps, message) => {
    expect(() => moveShare(holders, from, to, bps)).toThrow(message);
    expect(() => moveShare(holders, from, to, bps)).toThrow(/^INVALID: /);
  });

  it('when random valid moves are applied in sequence, then shares always sum to exactly 10000', () => {
    fc.assert(
      fc.property(
        holderSets(),
        fc.array(fc.tuple(fc.nat(), fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/), fc.integer({ min: 1, max: BPS_TOTAL })), { maxLength: 30 }),
        (start, moves) => {
          let current = start;
          for (const [pick, to, bps] of moves) {
            const from = current[pick % current.length] as ShareHolder;
            const receiver = current.find((h) => h.holderId === to);
            const next = (): ShareHolder[] =>
              moveShare(current, from.holderId, { holderId: to, mspId: receiver?.mspId ?? 'Studio2MSP' }, bps);
            if (to === from.holderId || bps > from.shareBps || (!receiver && current.length >= MAX_HOLDERS && bps < from.shareBps)) {
              expect(next).toThrow(/^INVALID: /);
              continue;
            }
            current = next();
            expect(current.reduce((sum, h) => sum + h.shareBps, 0)).toBe(BPS_TOTAL);
            expect(shareIssues(current)).toEqual([]);
          }
        },
      ),
    );
  });
});
