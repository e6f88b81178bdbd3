import { RecentMap } from './recent-map';

describe('RecentMap', () => {
  test('when more entries than its capacity are set, then it holds at most the capacity and at least the most recent half', () => {
    const map = new RecentMap<string, number>(100);
    for (let i = 0; i < 1000; i += 1) {
      map.set(`k${i}`, i);
      expect(map.size).toBeLessThanOrEqual(100);
    }
    for (let i = 950; i < 1000; i += 1) expect(map.get(`k${i}`)).toBe(i);
    expect(map.get('k0')).toBeUndefined();
    expect(map.get('k899')).toBeUndefined();
  });

  test('when an old entry is read, then it survives the next generation; an entry never read does not', () => {
    const map = new RecentMap<string, number>(4);
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3); // a, b now old
    expect(map.get('a')).toBe(1); // a back to young, beside c
    map.set('d', 4); // young full (c, a): it becomes old, b dropped
    expect(map.get('b')).toBeUndefined();
    expect(map.get('a')).toBe(1);
    expect(map.get('c')).toBe(3);
    expect(map.get('d')).toBe(4);
  });

  test('when a key is set again, then it holds the new value once', () => {
    const map = new RecentMap<string, number>(4);
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3);
    map.set('a', 10);
    expect(map.get('a')).toBe(10);
    expect(map.size).toBe(3);
  });

  test('when entries are dropped by a predicate, then exactly those go from both generations', () => {
    const map = new RecentMap<string, { pack: string }>(4);
    map.set('a', { pack: 'p1' });
    map.set('b', { pack: 'p2' });
    map.set('c', { pack: 'p1' });
    map.deleteWhere((v) => v.pack === 'p1');
    expect(map.get('a')).toBeUndefined();
    expect(map.get('c')).toBeUndefined();
    expect(map.get('b')).toEqual({ pack: 'p2' });
  });

  test('with a capacity of 20,000 and 1,000,000 entries set, it stays fast (no scan per eviction)', () => {
    const map = new RecentMap<string, number>(20_000);
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i += 1) map.set(`item-${i}`, i);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(map.size).toBeLessThanOrEqual(20_000);
  });
});
