/**
 * A map that keeps about the `capacity` most recently used entries, in two generations: entries go
 * into the young map; when it is full it becomes the old one and the previous old one is dropped
 * whole. A hit in the old generation moves the entry back to the young one. Every operation is O(1)
 * and nothing is ever scanned, unlike an LRU that evicts from the front of one `Map` (V8 leaves
 * each deleted entry as a hole that the next "oldest key" lookup walks over until the table is
 * rebuilt, which made the eviction quadratic under bulk ingest).
 *
 * At most `capacity` entries are held, and at least the `capacity / 2` most recently used.
 */
export class RecentMap<K, V> {
  readonly #half: number;
  #young = new Map<K, V>();
  #old = new Map<K, V>();

  constructor(capacity: number) {
    this.#half = Math.max(1, Math.ceil(capacity / 2));
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get(key: K): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old !== undefined) {
      this.#old.delete(key);
      this.#put(key, old);
    }
    return old;
  }

  set(key: K, value: V): void {
    if (this.#young.has(key)) {
      this.#young.set(key, value);
      return;
    }
    this.#old.delete(key);
    this.#put(key, value);
  }

  /** Drops every entry `drop` says to. */
  deleteWhere(drop: (value: V, key: K) => boolean): void {
    for (const generation of [this.#young, this.#old]) for (const [key, value] of generation) if (drop(value, key)) generation.delete(key);
  }

  #put(key: K, value: V): void {
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }
}
