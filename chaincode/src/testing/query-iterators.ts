import type { Iterators, Timestamp } from 'fabric-shim-api';

/** What the memory stub's range, partial-key and history queries return, shaped as the shim's. */

/** Minimal stand-in for the protobuf `Long` of `Timestamp.seconds` (what callers use of it). */
class EpochSeconds {
  readonly #value: number;
  constructor(value: number) {
    this.#value = value;
  }
  toNumber(): number {
    return this.#value;
  }
  toInt(): number {
    return this.#value;
  }
  toString(): string {
    return String(this.#value);
  }
}

export function timestampOf(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds: new EpochSeconds(seconds) as unknown as Timestamp['seconds'], nanos: (ms - seconds * 1000) * 1_000_000 };
}

export class ListIterator<T> implements Iterators.CommonIterator<T> {
  #index = 0;
  #closed = false;
  constructor(private readonly items: readonly T[]) {}

  next(): Promise<Iterators.NextResult<T>> {
    if (this.#closed) return Promise.reject(new Error('iterator is closed'));
    const value = this.items[this.#index];
    if (value === undefined) return Promise.resolve({ done: true, value: undefined as unknown as T });
    this.#index += 1;
    return Promise.resolve({ done: false, value });
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

/** A promise that is also async-iterable over the iterator it resolves to, as the shim returns. */
export function iterable<R, T>(promise: Promise<R>, iteratorOf: (result: R) => Iterators.CommonIterator<T>): Promise<R> & AsyncIterable<T> {
  const out = promise as Promise<R> & AsyncIterable<T>;
  out[Symbol.asyncIterator] = () => {
    let iterator: Iterators.CommonIterator<T> | undefined;
    return {
      next: async (): Promise<IteratorResult<T>> => {
        iterator ??= iteratorOf(await promise);
        const next = await iterator.next();
        if (next.done) {
          await iterator.close();
          return { done: true, value: undefined };
        }
        return { done: false, value: next.value };
      },
      return: async (): Promise<IteratorResult<T>> => {
        await iterator?.close();
        return { done: true, value: undefined };
      },
    };
  };
  return out;
}
