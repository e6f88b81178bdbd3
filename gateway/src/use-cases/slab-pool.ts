/**
 * Reusable memory for the item bytes of a batch upload. Item bytes arrive as views of the HTTP
 * parser's chunks and live until their pack is in the vault: a second or two, long enough for V8
 * to promote their buffers to the old generation, where only a full mark-compact frees them. Ten
 * MiB per chunk of 1,000 items made the gateway run one every one or two seconds under bulk ingest
 * (about a quarter of its CPU). Copied into slabs taken from a pool and given back once the pack is
 * written, the bytes allocate nothing new, and the parser's chunks die young.
 */

/** Bytes per slab. */
export const SLAB_BYTES = 1024 * 1024;

export class SlabPool {
  readonly #idle: Buffer[] = [];
  readonly #maxIdle: number;

  /** Keeps at most `maxIdleBytes` of slabs between uses; more in use at once are allocated and dropped. */
  constructor(maxIdleBytes = 64 * SLAB_BYTES) {
    this.#maxIdle = Math.floor(maxIdleBytes / SLAB_BYTES);
  }

  get idleSlabs(): number {
    return this.#idle.length;
  }

  take(): Buffer {
    return this.#idle.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
  }

  give(slabs: readonly Buffer[]): void {
    for (const slab of slabs) if (this.#idle.length < this.#maxIdle) this.#idle.push(slab);
  }
}

/**
 * The slabs of one chunk: items are copied in one after another. The views it returns are valid
 * until {@link release}, after which the slabs serve other chunks.
 */
export class SlabWriter {
  readonly #pool: SlabPool;
  #slabs: Buffer[] = [];
  #used = SLAB_BYTES;
  #released = false;

  constructor(pool: SlabPool) {
    this.#pool = pool;
  }

  /** A copy of `bytes` in this chunk's slabs; an item larger than a quarter slab keeps its own buffer. */
  copy(bytes: Buffer): Buffer {
    if (this.#released) throw new Error('slab writer already released');
    if (bytes.length > SLAB_BYTES / 4) return bytes;
    if (this.#used + bytes.length > SLAB_BYTES) {
      this.#slabs.push(this.#pool.take());
      this.#used = 0;
    }
    const slab = this.#slabs[this.#slabs.length - 1] as Buffer;
    bytes.copy(slab, this.#used);
    const view = slab.subarray(this.#used, this.#used + bytes.length);
    this.#used += bytes.length;
    return view;
  }

  /** Gives the slabs back; idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#pool.give(this.#slabs);
    this.#slabs = [];
  }
}
