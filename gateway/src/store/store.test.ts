import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, MemoryStore, type DocumentStore } from './store';

describe.each([
  ['FileStore', (): DocumentStore => new FileStore(mkdtempSync(join(tmpdir(), 'kiseki-store-')))],
  ['MemoryStore', (): DocumentStore => new MemoryStore()],
])('%s', (_name, make) => {
  test('when a key is created twice at once, then exactly one create wins', async () => {
    const store = make();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.create('ns', 'same key', { i })));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  test('when documents are put, read, listed and deleted, then keys of any form round-trip in key order', async () => {
    const store = make();
    await store.put('ns', 'b/1\nx', { v: 2 });
    await store.put('ns', 'a', { v: 1 });
    expect(await store.get('ns', 'b/1\nx')).toEqual({ v: 2 });
    expect((await store.list<{ v: number }>('ns')).map((e) => e.key)).toEqual(['a', 'b/1\nx']);
    await store.delete('ns', 'a');
    expect(await store.get('ns', 'a')).toBeUndefined();
    expect(await store.list('other')).toEqual([]);
  });
});
