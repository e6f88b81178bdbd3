import { compareIds } from '../shared/merkle';

/** Committed state of the memory ledger: one sorted key store per namespace or collection. */

/** UTF-8 byte order of keys (LevelDB's order); keys are well-formed Unicode, so code point order. */
export function compareKeys(a: string, b: string): number {
  return compareIds(a, b);
}

export function copy(bytes: Uint8Array | undefined | null): Buffer {
  return bytes ? Buffer.from(bytes) : Buffer.alloc(0);
}

export function hex(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes).toString('hex');
}

/**
 * A sorted set of keys with a value map: the committed state of one namespace or collection. New keys
 * are merged into the order lazily, at the next query, so committing thousands of keys stays cheap.
 */
export class KeyStore {
  readonly #values = new Map<string, Uint8Array>();
  #sorted: string[] = [];
  #pending: string[] = [];
  #removed = false;

  get size(): number {
    return this.#values.size;
  }

  get(key: string): Uint8Array | undefined {
    return this.#values.get(key);
  }

  set(key: string, value: Uint8Array | null): void {
    if (value === null || value.length === 0) {
      if (this.#values.delete(key)) this.#removed = true;
      return;
    }
    if (!this.#values.has(key)) this.#pending.push(key);
    this.#values.set(key, Buffer.from(value));
  }

  /** Keys in [start, end) in order; `end` '' means no upper bound. */
  range(start: string, end: string): string[] {
    const sorted = this.keys();
    const out: string[] = [];
    for (let i = this.#lowerBound(start); i < sorted.length; i += 1) {
      const key = sorted[i] as string;
      if (end !== '' && compareKeys(key, end) >= 0) break;
      out.push(key);
    }
    return out;
  }

  /** Every key, in order. */
  keys(): readonly string[] {
    if (this.#pending.length > 0 || this.#removed) {
      const pending = this.#pending.sort(compareKeys);
      const merged: string[] = [];
      let i = 0;
      let j = 0;
      while (i < this.#sorted.length || j < pending.length) {
        const a = this.#sorted[i];
        const b = pending[j];
        const takeA = b === undefined || (a !== undefined && compareKeys(a, b) <= 0);
        const key = (takeA ? a : b) as string;
        if (takeA) i += 1;
        else j += 1;
        // A key deleted then written again can sit in both lists: keep one, and only live keys.
        if (this.#values.has(key) && merged[merged.length - 1] !== key) merged.push(key);
      }
      this.#sorted = merged;
      this.#pending = [];
      this.#removed = false;
    }
    return this.#sorted;
  }

  #lowerBound(key: string): number {
    const sorted = this.#sorted;
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareKeys(sorted[mid] as string, key) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
