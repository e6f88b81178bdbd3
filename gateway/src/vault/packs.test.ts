import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { silentLogger } from '../logger';
import { FakeVault } from '../testing/fake-vault';
import { DigestGate, IdFilter, PackStore, packBinKey, packIndexKey } from './packs';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function through(chunks: Buffer[], expected: string, size: number): Promise<{ out: Buffer; error?: Error }> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk);
      callback();
    },
  });
  try {
    await pipeline(Readable.from(chunks), new DigestGate(expected, size, (digest) => new Error(`mismatch ${digest}`)), sink);
    return { out: Buffer.concat(out) };
  } catch (error) {
    return { out: Buffer.concat(out), error: error as Error };
  }
}

describe('DigestGate', () => {
  const chunks = [Buffer.from('first '), Buffer.from('second '), Buffer.from('last')];
  const whole = Buffer.concat(chunks);

  test('when the bytes match, then all of them pass', async () => {
    const { out, error } = await through(chunks, sha256(whole), whole.length);
    expect(error).toBeUndefined();
    expect(out.equals(whole)).toBe(true);
  });

  test('when the bytes differ, then the stream fails and the last chunk is never released', async () => {
    const { out, error } = await through(chunks, sha256(Buffer.from('other')), whole.length);
    expect(error?.message).toMatch(/^mismatch /);
    expect(out.toString()).toBe('first second ');
  });

  test('when more bytes arrive than announced, then the stream fails', async () => {
    const { error } = await through(chunks, sha256(whole), 5);
    expect(error?.message).toMatch(/more than 5 bytes/);
  });
});

describe('PackStore', () => {
  test('when a pack held refused items, then settling rewrites it with the registered ones only', async () => {
    const vault = new FakeVault();
    const packs = new PackStore(vault, silentLogger);
    const bytes = Buffer.from('aaabbbbcc');
    const items = [
      { dataId: 'a', contentDigest: sha256(Buffer.from('aaa')), size: 3, mediaType: 'text/plain', offset: 0 },
      { dataId: 'b', contentDigest: sha256(Buffer.from('bbbb')), size: 4, mediaType: 'text/plain', offset: 3 },
      { dataId: 'c', contentDigest: sha256(Buffer.from('cc')), size: 2, mediaType: 'text/plain', offset: 7 },
    ];
    await vault.put(packBinKey('p1'), bytes, 'application/octet-stream');
    await packs.settle(
      'p1',
      items,
      [items[0], items[2]].filter((i) => i !== undefined),
      () => Promise.resolve(bytes),
    );
    expect(vault.objects.has(packBinKey('p1'))).toBe(false);
    expect(vault.objects.has(packIndexKey('p1'))).toBe(false);
    const bins = [...vault.objects.keys()].filter((k) => k.endsWith('.bin'));
    expect(bins.map((k) => vault.objects.get(k)?.bytes.toString())).toEqual(['aaacc']);
    // Another gateway finds them by listing.
    const other = new PackStore(vault, silentLogger);
    expect((await other.read('c'))?.toString()).toBe('cc');
    expect(await other.read('b')).toBeUndefined();
  });

  test('when the reaper dropped the bytes of a chunk still in flight, then settling puts them back', async () => {
    const vault = new FakeVault();
    const packs = new PackStore(vault, silentLogger);
    const item = { dataId: 'x', contentDigest: sha256(Buffer.from('xyz')), size: 3, mediaType: 'text/plain', offset: 0 };
    await packs.settle('p2', [item], [item], () => Promise.resolve(Buffer.from('xyz')));
    expect((await packs.read('x'))?.toString()).toBe('xyz');
  });

  test('when more items were packed than the cache holds, then memory stays bounded and every item is still found', async () => {
    const vault = new FakeVault();
    const packs = new PackStore(vault, silentLogger, { maxCachedItems: 5 });
    const contents = new Map<string, string>();
    for (let p = 0; p < 4; p += 1) {
      let offset = 0;
      const items = Array.from({ length: 4 }, (_, i) => {
        const text = `pack${p}-item${i}`;
        contents.set(`d-${p}-${i}`, text);
        const item = {
          dataId: `d-${p}-${i}`,
          contentDigest: sha256(Buffer.from(text)),
          size: text.length,
          mediaType: 'text/plain',
          offset,
        };
        offset += text.length;
        return item;
      });
      const bytes = Buffer.from(items.map((i) => contents.get(i.dataId)).join(''));
      await vault.put(packBinKey(`p${p}`), bytes, 'application/octet-stream');
      await packs.settle(`p${p}`, items, items, () => Promise.resolve(bytes));
    }
    expect(packs.memory.cachedItems).toBeLessThanOrEqual(5);
    expect(packs.memory.packs).toBe(4);
    for (const [dataId, text] of contents) expect((await packs.read(dataId))?.toString()).toBe(text);
    expect(packs.memory.cachedItems).toBeLessThanOrEqual(5);
    expect(await packs.read('d-9-9')).toBeUndefined();
  });
});

describe('IdFilter', () => {
  test('when ids were added, then each is held; of ids never added about 1 % are false positives', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `cel-${i}`);
    const filter = IdFilter.of(ids);
    expect(ids.every((id) => filter.mayHold(IdFilter.probe(id)))).toBe(true);
    const strangers = Array.from({ length: 10_000 }, (_, i) => `other-${i}`).filter((id) => filter.mayHold(IdFilter.probe(id)));
    expect(strangers.length).toBeLessThan(300);
    expect(filter.bytes).toBe(1250);
  });
});
