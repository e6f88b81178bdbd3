import fc from 'fast-check';
import { formatAmount, isCurrency, MAX_AMOUNT_DIGITS, parseAmount, parseCurrency } from './amounts';

describe('amounts', () => {
  it('when a canonical decimal string is parsed, then it becomes the same BigInt', () => {
    expect(parseAmount('0', 'amount', false)).toBe(0n);
    expect(parseAmount('1', 'amount')).toBe(1n);
    expect(parseAmount('123456789012345678901234567890', 'amount')).toBe(123456789012345678901234567890n);
  });

  it.each([['-1'], ['01'], ['1.5'], [' 1'], ['1e3'], [''], [12], [null], ['9'.repeat(MAX_AMOUNT_DIGITS + 1)]])(
    'when the amount is %p, then it is refused as INVALID',
    (value) => {
      expect(() => parseAmount(value, 'amount')).toThrow(/^INVALID: amount must be a decimal string/);
    },
  );

  it('when zero is given where a positive amount is required, then it is refused', () => {
    expect(() => parseAmount('0', 'price')).toThrow('INVALID: price must be greater than zero');
  });

  it('when any non-negative BigInt is formatted and parsed back, then it round-trips', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 36n - 1n }), (value) => {
        expect(parseAmount(formatAmount(value), 'x', false)).toBe(value);
      }),
    );
  });

  it('when a negative amount is formatted, then it throws (a bug, never user input)', () => {
    expect(() => formatAmount(-1n)).toThrow(RangeError);
  });

  it('when currency codes are checked, then only three upper-case letters pass', () => {
    expect(parseCurrency('JPY')).toBe('JPY');
    for (const bad of ['jpy', 'JP', 'JPYY', 'J1Y', '', 3, undefined]) expect(isCurrency(bad)).toBe(false);
    expect(() => parseCurrency('usd')).toThrow('INVALID: currency must be a three-letter upper-case currency code');
  });
});
