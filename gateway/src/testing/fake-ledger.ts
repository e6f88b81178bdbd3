import { createHash } from 'node:crypto';
import { AppError } from '../errors';
import { fabricToAppError } from '../fabric/errors';
import type { EventPosition, EventStream, Ledger, LedgerEvent, SubmitResult, TransactionStatus, TxContext } from '../fabric/ledger';

/**
 * An in-memory {@link Ledger} for unit tests. Transactions are handlers keyed `contract:transaction`;
 * a handler that throws an Error whose message starts with a chaincode code (`CONFLICT: …`) is
 * converted exactly as a peer's refusal would be. Each submit commits one block with one event, so
 * event streams, positions and resumption behave as on a peer.
 */

export type Handler = (request: Record<string, unknown>, ledger: FakeLedger) => unknown;
export type ReadHandler = (args: readonly string[], ledger: FakeLedger) => unknown;

export interface SubmitCall {
  operation: string;
  request: Record<string, unknown>;
  context: TxContext;
}

export class FakeLedger implements Ledger {
  readonly writes = new Map<string, Handler>();
  readonly reads = new Map<string, ReadHandler>();
  readonly submitted: SubmitCall[] = [];
  readonly emitted: LedgerEvent[] = [];
  readonly committed = new Map<string, TransactionStatus>();
  /** Records by `contract/id`, for handlers that want a store. */
  readonly state = new Map<string, unknown>();
  /** When set, every call fails with it (e.g. an unreachable peer). */
  failWith: AppError | undefined;
  /** When set, submits fail with it (e.g. a commit timeout) while reads still work. */
  failSubmitWith: AppError | undefined;
  /** When set, an operation without a handler answers NOT_FOUND, as a peer over an empty ledger would. */
  unknownIsNotFound = false;
  #block = 5n;
  #tx = 0;
  readonly #waiters = new Set<() => void>();

  onWrite(operation: string, handler: Handler): this {
    this.writes.set(operation, handler);
    return this;
  }

  onRead(operation: string, handler: ReadHandler): this {
    this.reads.set(operation, handler);
    return this;
  }

  nextTransactionId(): string {
    this.#tx += 1;
    return createHash('sha256').update(`tx-${this.#tx}`).digest('hex');
  }

  /** Appends an event in a new block, as a committed transaction would. */
  emit(eventName: string, payload: unknown, transactionId = this.nextTransactionId()): LedgerEvent {
    this.#block += 1n;
    const event: LedgerEvent = { blockNumber: this.#block, transactionId, eventName, payload };
    this.emitted.push(event);
    for (const wake of [...this.#waiters]) wake();
    return event;
  }

  async submit(contract: string, transaction: string, request: Record<string, unknown>, context: TxContext): Promise<SubmitResult> {
    await Promise.resolve();
    const operation = `${contract}:${transaction}`;
    const transactionId = this.nextTransactionId();
    context.onTransactionId?.(transactionId);
    const failure = this.failWith ?? this.failSubmitWith;
    if (failure !== undefined) {
      throw new AppError(failure.code, failure.message, { transactionId, outcomeUnknown: failure.outcomeUnknown });
    }
    this.submitted.push({ operation, request, context });
    const handler = this.writes.get(operation);
    if (handler === undefined && this.unknownIsNotFound)
      throw new AppError('NOT_FOUND', `NOT_FOUND: nothing for ${operation}`, { transactionId });
    if (handler === undefined) throw new AppError('INTERNAL', `fake ledger: no handler for ${operation}`);
    let result: unknown;
    try {
      result = handler(request, this);
    } catch (error) {
      throw fabricToAppError(error, transactionId);
    }
    context.onEndorsed?.({ transactionId, result });
    context.onOrdered?.({ transactionId, result });
    const event = this.emit(`${transaction}d`, { operation, request }, transactionId);
    this.committed.set(transactionId, {
      transactionId,
      status: 'committed',
      validationCode: 'VALID',
      blockNumber: event.blockNumber.toString(),
    });
    return { result, transactionId, blockNumber: event.blockNumber.toString() };
  }

  async evaluate(contract: string, transaction: string, args: readonly string[]): Promise<unknown> {
    await Promise.resolve();
    if (this.failWith !== undefined) throw this.failWith;
    const handler = this.reads.get(`${contract}:${transaction}`);
    if (handler === undefined && this.unknownIsNotFound)
      throw new AppError('NOT_FOUND', `NOT_FOUND: nothing for ${contract}:${transaction}`);
    if (handler === undefined) throw new AppError('INTERNAL', `fake ledger: no read handler for ${contract}:${transaction}`);
    try {
      return handler(args, this);
    } catch (error) {
      throw fabricToAppError(error);
    }
  }

  transactionStatus(transactionId: string): Promise<TransactionStatus> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    return Promise.resolve(this.committed.get(transactionId) ?? { transactionId, status: 'unknown' });
  }

  height(): Promise<bigint> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    return Promise.resolve(this.#block + 1n);
  }

  events(from?: EventPosition): Promise<EventStream> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    let index = 0;
    if (from === undefined) {
      index = this.emitted.length;
    } else {
      while (index < this.emitted.length && (this.emitted[index] as LedgerEvent).blockNumber < from.blockNumber) index += 1;
      if (from.transactionId !== undefined) {
        const at = this.emitted.findIndex((e) => e.blockNumber === from.blockNumber && e.transactionId === from.transactionId);
        if (at >= 0) index = at + 1;
      }
    }
    let closed = false;
    let wake: (() => void) | undefined;
    const events = this.emitted;
    const waiters = this.#waiters;
    const iterator: AsyncIterator<LedgerEvent> = {
      next: async () => {
        while (!closed && index >= events.length) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            waiters.add(resolve);
          });
          if (wake !== undefined) waiters.delete(wake);
        }
        if (closed) return { done: true, value: undefined };
        const value = events[index] as LedgerEvent;
        index += 1;
        return { done: false, value };
      },
    };
    return Promise.resolve({
      [Symbol.asyncIterator]: () => iterator,
      close: () => {
        closed = true;
        wake?.();
      },
    });
  }

  close(): void {
    this.failWith = new AppError('UNAVAILABLE', 'closed');
  }
}
