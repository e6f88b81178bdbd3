import { createHash } from 'node:crypto';
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { RecentMap } from './recent-map';
import type { OpenedObject, Vault } from './vault';

/**
 * Packs: small data items registered by one batch transaction live together in one vault object
 * (`packs/<packId>.bin`), found through the pack's index (`packs/<packId>.idx.json`: dataId, digest,
 * size, media type and byte offset of every item the ledger holds). One batch of 1,000 items thus costs
 * two PUTs instead of 1,000. An item is read with a ranged GET and its bytes are checked against the
 * digest its index records (the digest the ledger committed) as they stream.
 *
 * The index object is written only after the commit, and lists only items the ledger holds; a pack
 * that also held refused items is rewritten without them (see {@link PackStore.settle}). Every
 * gateway lists `packs/` again on a miss, so a pack written by another gateway of the same org is
 * found too. Memory stays bounded as the vault grows: the gateway keeps the locations of at most
 * `maxCachedItems` items (the most recently used; at least half of that), and of every pack it has seen only a Bloom filter of
 * its dataIds (10 bits per item); an item not in the cache is looked up in the indexes of the packs
 * whose filter may hold it (one GET, rarely two).
 */

export const PACKS_PREFIX = 'packs/';
const INDEX_SUFFIX = '.idx.json';
export const packBinKey = (packId: string): string => `${PACKS_PREFIX}${packId}.bin`;
export const packIndexKey = (packId: string): string => `${PACKS_PREFIX}${packId}${INDEX_SUFFIX}`;
const dataKey = (dataId: string): string => `data/${dataId}`;

/** One item as a pack's index records it. */
export interface PackedItem {
  dataId: string;
  contentDigest: string;
  size: number;
  mediaType: string;
  /** Byte offset in the pack. */
  offset: number;
}

interface PackIndexDoc {
  packId: string;
  items: PackedItem[];
}

/** Where an item's bytes are. */
interface Location {
  packId: string;
  offset: number;
  size: number;
  contentDigest: string;
  mediaType: string;
}

/** Items whose location a gateway keeps by default (about 3 MB; twenty packs of 1,000). */
export const DEFAULT_CACHED_ITEMS = 20_000;

export class PackStore {
  readonly #vault: Vault;
  readonly #logger: Logger;
  /** dataId → location, of the most recently used items. */
  readonly #where: RecentMap<string, Location>;
  /** Every pack seen (in the order seen) → a filter of its dataIds. */
  readonly #filters = new Map<string, IdFilter>();
  #refreshing: Promise<void> | undefined;

  constructor(vault: Vault, logger: Logger, options: { maxCachedItems?: number } = {}) {
    this.#vault = vault;
    this.#logger = logger;
    this.#where = new RecentMap(Math.max(1, options.maxCachedItems ?? DEFAULT_CACHED_ITEMS));
  }

  /** How many item locations and pack filters this gateway holds in memory. */
  get memory(): { cachedItems: number; packs: number; filterBytes: number } {
    let filterBytes = 0;
    for (const filter of this.#filters.values()) filterBytes += filter.bytes;
    return { cachedItems: this.#where.size, packs: this.#filters.size, filterBytes };
  }

  /** A new pack id; ids sort by creation time. */
  static newId(now = Date.now()): string {
    return `${now.toString(36).padStart(9, '0')}-${createHash('sha256').update(`${now}:${Math.random()}`).digest('hex').slice(0, 16)}`;
  }

  /** When the pack `packId` was created (ms since the epoch; NaN for an id not made by {@link newId}). */
  static createdAt(packId: string): number {
    return parseInt(packId.slice(0, packId.indexOf('-')), 36);
  }

  /**
   * Makes the pack `packId` hold exactly `held` (items the ledger holds, with their offsets in the
   * existing `.bin`) and indexes them: keeps the `.bin` when it holds nothing else, else writes a new
   * pack with only `held` (from `bin`, the old pack's bytes) and drops the old one. With nothing held
   * the pack goes. Idempotent.
   * @throws AppError `UNAVAILABLE` when the vault fails; the old pack then stays for the reaper.
   */
  async settle(
    packId: string,
    packed: readonly PackedItem[],
    held: readonly PackedItem[],
    bin: () => Promise<Buffer | undefined>,
  ): Promise<void> {
    if (held.length === packed.length && held.length > 0) {
      // A reaper that judged the chunk while its transaction was still in flight may have dropped the
      // bytes; whoever still has them puts them back before indexing.
      if (!(await this.#vault.exists(packBinKey(packId)))) {
        const bytes = await bin();
        if (bytes === undefined) throw new AppError('INTERNAL', `pack ${packId} has no bytes`);
        await this.#vault.put(packBinKey(packId), bytes, 'application/octet-stream');
      }
      await this.#writeIndex(packId, held);
      return;
    }
    if (held.length > 0) {
      const bytes = await bin();
      if (bytes === undefined) throw new AppError('INTERNAL', `pack ${packId} has no bytes`);
      const newId = PackStore.newId();
      let offset = 0;
      const items = held.map((item) => {
        const moved = { ...item, offset };
        offset += item.size;
        return moved;
      });
      await this.#vault.put(
        packBinKey(newId),
        held.map((item) => bytes.subarray(item.offset, item.offset + item.size)),
        'application/octet-stream',
      );
      await this.#writeIndex(newId, items);
    }
    await this.#vault.remove(packIndexKey(packId));
    await this.#vault.remove(packBinKey(packId));
    this.#forget(packId);
  }

  /** Indexes `items` of the pack `packId` without touching its bytes (more may follow via {@link settle}). */
  async writeIndex(packId: string, items: readonly PackedItem[]): Promise<void> {
    if (items.length > 0) await this.#writeIndex(packId, items);
  }

  async #writeIndex(packId: string, items: readonly PackedItem[]): Promise<void> {
    const doc: PackIndexDoc = { packId, items: [...items] };
    await this.#vault.put(packIndexKey(packId), Buffer.from(JSON.stringify(doc)), 'application/json');
    this.#learn(doc);
  }

  /** Remembers a pack: a filter of all its dataIds, and the locations of its items (most recent). */
  #learn(doc: PackIndexDoc): void {
    this.#filters.set(doc.packId, IdFilter.of(doc.items.map((item) => item.dataId)));
    for (const item of doc.items) this.#where.set(item.dataId, { ...locationOf(item), packId: doc.packId });
  }

  #forget(packId: string): void {
    this.#filters.delete(packId);
    this.#where.deleteWhere((location) => location.packId === packId);
  }

  async #readIndex(packId: string): Promise<PackIndexDoc | undefined> {
    const raw = await this.#vault.get(packIndexKey(packId));
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw.toString('utf8')) as PackIndexDoc;
    } catch (error) {
      this.#logger.warn('packs: unreadable index', { packId, error: String(error) });
      return undefined;
    }
  }

  /** Loads the indexes of packs this gateway has not seen (one listing, shared by concurrent callers). */
  async #refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        for (const key of await this.#vault.list(PACKS_PREFIX)) {
          if (!key.endsWith(INDEX_SUFFIX)) continue;
          const packId = key.slice(PACKS_PREFIX.length, -INDEX_SUFFIX.length);
          if (this.#filters.has(packId)) continue;
          const doc = await this.#readIndex(packId);
          if (doc !== undefined) this.#learn(doc);
        }
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  /** The item's location from the indexes of the packs whose filter may hold it, newest first. */
  async #search(dataId: string): Promise<Location | undefined> {
    const probe = IdFilter.probe(dataId);
    const candidates = [...this.#filters.entries()].filter(([, filter]) => filter.mayHold(probe)).map(([packId]) => packId);
    for (const packId of candidates.reverse()) {
      const doc = await this.#readIndex(packId);
      if (doc === undefined) {
        this.#forget(packId);
        continue;
      }
      if (!doc.items.some((i) => i.dataId === dataId)) continue;
      // Neighbours in a pack tend to be read together: keep the whole pack's locations.
      this.#learn(doc);
      return this.#where.get(dataId);
    }
    return undefined;
  }

  async #locate(dataId: string): Promise<Location | undefined> {
    const known = this.#where.get(dataId);
    if (known !== undefined) return known;
    const found = await this.#search(dataId);
    if (found !== undefined) return found;
    await this.#refresh();
    return this.#where.get(dataId) ?? (await this.#search(dataId));
  }

  /** Whether the content of `dataId` is in this vault, on its own or in a pack. */
  async has(dataId: string): Promise<boolean> {
    return (await this.#locate(dataId)) !== undefined || (await this.#vault.exists(dataKey(dataId)));
  }

  /**
   * Opens the content of `dataId`: its own object, or its range of a pack, checked against the digest
   * the index records while it streams (the stream fails before its last chunk on a mismatch).
   */
  async openData(dataId: string): Promise<OpenedObject | undefined> {
    const own = await this.#vault.open(dataKey(dataId));
    if (own !== undefined) return own;
    const location = await this.#locate(dataId);
    if (location === undefined) return undefined;
    const opened = await this.#vault.open(packBinKey(location.packId), { offset: location.offset, length: location.size });
    if (opened === undefined) {
      // The pack moved (rewritten by another gateway): look again once.
      this.#forget(location.packId);
      const again = await this.#locate(dataId);
      if (again === undefined || again.packId === location.packId) return undefined;
      return this.openData(dataId);
    }
    const expected = location.contentDigest;
    const gate = new DigestGate(
      expected,
      location.size,
      (digest) =>
        new AppError('DIGEST_MISMATCH', `the packed content of ${dataId} does not match its digest (expected ${expected}, got ${digest})`),
    );
    opened.body.on('error', (error) => gate.destroy(error));
    return { body: opened.body.pipe(gate), size: location.size, contentType: location.mediaType };
  }

  /**
   * Writes a packed item at `data/<dataId>` (checked against its digest) so that it can be handed out
   * as a presigned URL; a no-op when it is there already. Returns false when the item is nowhere.
   */
  async materialize(dataId: string): Promise<boolean> {
    if (await this.#vault.exists(dataKey(dataId))) return true;
    const opened = await this.openData(dataId);
    if (opened === undefined) return false;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of opened.body as AsyncIterable<Buffer>) chunks.push(chunk);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('UNAVAILABLE', `the vault failed to read the content of ${dataId}`, { cause: error });
    }
    await this.#vault.put(dataKey(dataId), Buffer.concat(chunks), opened.contentType);
    return true;
  }

  /** Reads the whole content of `dataId` (tests and small items). */
  async read(dataId: string): Promise<Buffer | undefined> {
    const opened = await this.openData(dataId);
    if (opened === undefined) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of opened.body as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /** Items in packs (after a listing; reads every index: tests and tools). */
  async packedIds(): Promise<string[]> {
    await this.#refresh();
    const ids: string[] = [];
    for (const packId of this.#filters.keys()) {
      const doc = await this.#readIndex(packId);
      for (const item of doc?.items ?? []) ids.push(item.dataId);
    }
    return ids.sort();
  }
}

const locationOf = (item: PackedItem): Omit<Location, 'packId'> => ({
  offset: item.offset,
  size: item.size,
  contentDigest: item.contentDigest,
  mediaType: item.mediaType,
});

/**
 * A Bloom filter over a pack's dataIds: 10 bits per id and 7 probes (about 1 % false positives),
 * probes derived from two hashes of the id (double hashing).
 */
export class IdFilter {
  static readonly BITS_PER_ID = 10;
  static readonly PROBES = 7;
  readonly #bits: Uint8Array;

  private constructor(bits: Uint8Array) {
    this.#bits = bits;
  }

  static of(ids: readonly string[]): IdFilter {
    const filter = new IdFilter(new Uint8Array(Math.max(8, Math.ceil((ids.length * IdFilter.BITS_PER_ID) / 8))));
    for (const id of ids) filter.#add(IdFilter.probe(id));
    return filter;
  }

  /**
   * The two hashes an id's probes derive from (computed once per lookup, shared by every filter):
   * FNV-1a over the id's UTF-16 code units from two offsets. The filters live in memory only, so the
   * hash needs to spread ids, not resist anyone; a SHA-256 per id cost more than the rest of the
   * filter during bulk ingest.
   */
  static probe(id: string): readonly [number, number] {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ id.length;
    for (let i = 0; i < id.length; i += 1) {
      const c = id.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    // A final mix, so that ids differing in their last character differ in every bit.
    h1 = Math.imul(h1 ^ (h1 >>> 15), 0x2c1b3c6d);
    h2 = Math.imul(h2 ^ (h2 >>> 13), 0x297a2d39);
    return [(h1 ^ (h1 >>> 12)) >>> 0, ((h2 ^ (h2 >>> 16)) | 1) >>> 0];
  }

  get bytes(): number {
    return this.#bits.length;
  }

  #bit([h1, h2]: readonly [number, number], i: number): number {
    return ((h1 + Math.imul(i, h2)) >>> 0) % (this.#bits.length * 8);
  }

  #add(probe: readonly [number, number]): void {
    for (let i = 0; i < IdFilter.PROBES; i += 1) {
      const bit = this.#bit(probe, i);
      this.#bits[bit >> 3] = (this.#bits[bit >> 3] as number) | (1 << (bit & 7));
    }
  }

  mayHold(probe: readonly [number, number]): boolean {
    for (let i = 0; i < IdFilter.PROBES; i += 1) {
      const bit = this.#bit(probe, i);
      if (((this.#bits[bit >> 3] as number) & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }
}

/**
 * Passes bytes through while hashing them, always holding the latest chunk back; the held chunk is
 * released at the end only when the digest and the size match, else the stream fails without it, so
 * whoever reads it never receives the whole content.
 */
export class DigestGate extends Transform {
  readonly #hash = createHash('sha256');
  readonly #expected: string;
  readonly #size: number;
  readonly #mismatch: (digest: string) => Error;
  #received = 0;
  #held: Buffer | undefined;

  /** `options` sets the buffering (e.g. `highWaterMark`); the gate's behaviour does not depend on it. */
  constructor(expected: string, size: number, mismatchError: (digest: string) => Error, options: TransformOptions = {}) {
    super(options);
    this.#expected = expected;
    this.#size = size;
    this.#mismatch = mismatchError;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#received += chunk.length;
    if (this.#received > this.#size) {
      callback(this.#mismatch(`more than ${this.#size} bytes`));
      return;
    }
    this.#hash.update(chunk);
    const release = this.#held;
    this.#held = chunk;
    callback(null, release);
  }

  override _flush(callback: TransformCallback): void {
    const digest = this.#hash.digest('hex');
    if (digest !== this.#expected || this.#received !== this.#size) {
      callback(this.#mismatch(digest));
      return;
    }
    callback(null, this.#held);
  }
}
