import { parseRfc3339 } from './time';

describe('parseRfc3339', () => {
  it('when valid timestamps are given, then they map to epoch milliseconds', () => {
    expect(parseRfc3339('2024-01-01T00:00:00Z')).toBe(Date.UTC(2024, 0, 1));
    expect(parseRfc3339('2024-01-01T09:00:00+09:00')).toBe(Date.UTC(2024, 0, 1));
    expect(parseRfc3339('2023-12-31T19:30:00-04:30')).toBe(Date.UTC(2024, 0, 1));
    expect(parseRfc3339('2024-02-29T12:00:00.123456789Z')).toBe(Date.UTC(2024, 1, 29, 12, 0, 0, 123));
    expect(parseRfc3339('2024-01-01T00:00:00.5Z')).toBe(Date.UTC(2024, 0, 1, 0, 0, 0, 500));
  });

  it.each([
    '2023-02-29T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01t00:00:00z',
    '2024-01-01T00:00:00',
    '2024-01-01',
    '2024-01-01T00:00:00+24:00',
  ])('when %s is given, then it is not a timestamp', (value) => {
    expect(parseRfc3339(value)).toBeUndefined();
  });
});
