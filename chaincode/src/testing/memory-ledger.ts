import { createHash } from 'node:crypto';

import type { Context, Contract } from 'fabric-contract-api';

import { toJson } from '../shared/codec';
import { EventPayloads } from '../shared/events';
import { check } from '../shared/schema';
import { describeIssues } from '../shared/validate';

import { compareKeys, hex, KeyStore } from './key-store';
import { MemoryIdentity } from './memory-identity';
import { type CollectionConfig, MemoryStub, type WriteSet } from './transaction-stub';

// fabric-contract-api logs every decorator at info level; tests want quiet unless told otherwise.
// (A peer always sets this variable for real chaincode, which never loads this module.)
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'WARNING';

const DEFAULT_START = Date.UTC(2025, 0, 1);

/** Options of a {@link MemoryLedger}. */
export interface MemoryLedgerOptions {
  /** Private data collections; without them any collection name is accepted and open to all. */
  readonly collections?: readonly CollectionConfig[];
  /** Channel ID reported by stubs (default `kiseki`). */
  readonly channelId?: string;
  /** Chaincode name, the namespace of query results (default `kiseki`). */
  readonly chaincodeName?: string;
  /** Time of the first transaction (RFC 3339 or epoch ms; default 2025-01-01T00:00:00Z). */
  readonly startTime?: string | number;
  /** How far the clock moves between transactions, in ms (default 1000). */
  readonly tickMs?: number;
}

/** Options of one transaction. */
export interface TxOptions {
  /** Transaction ID (default: a deterministic hex ID from a counter). */
  readonly txId?: string;
  /** Transaction time, RFC 3339 or epoch ms (default: the ledger's clock, which then ticks). */
  readonly timestamp?: string | number;
  /** Transient map entries; strings and objects are encoded as UTF-8 (objects as sorted-key JSON). */
  readonly transient?: Readonly<Record<string, string | Uint8Array | object>>;
  /** MSP of the endorsing peer (default: the caller's, as when each org uses its own gateway and peer). */
  readonly peerMspId?: string;
  /** Common name of the client identity (default `user@<mspId>`). */
  readonly clientName?: string;
  /** Certificate attributes of the client identity. */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** Options of {@link MemoryLedger.invoke}. */
export interface InvokeOptions extends TxOptions {
  /**
   * Check that a submitted transaction called `setEvent` exactly once (default true); evaluate-only
   * transactions are always checked to write nothing and emit nothing.
   */
  readonly expectOneEvent?: boolean;
}

/** The outcome of a successful {@link MemoryLedger.invoke}. */
export interface InvokeResult {
  readonly txId: string;
  /** Transaction time, RFC 3339 UTC. */
  readonly timestamp: string;
  /** Whether the transaction was a submit (committed) or evaluate-only. */
  readonly submitted: boolean;
  /** The response payload as the client receives it (UTF-8). */
  readonly payload: string;
  /** The payload parsed as JSON, or the payload itself when it is not JSON. */
  readonly result: unknown;
  /** The transaction's event (the last `setEvent`, as Fabric keeps), payload parsed as JSON. */
  readonly event: { readonly name: string; readonly payload: unknown } | undefined;
  /** How many times the transaction called `setEvent`. */
  readonly eventCount: number;
  readonly writeSet: WriteSet;
  /** The write set and event as deterministic text: equal inputs must give equal text. */
  readonly writeSetBytes: string;
}

/** One committed modification of a key. */
export interface Modification {
  readonly txId: string;
  readonly timestampMs: number;
  readonly value: Uint8Array | null;
}

function toMs(time: string | number): number {
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms)) throw new Error(`not a time: ${String(time)}`);
  return ms;
}

function toBytes(value: string | Uint8Array | object): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value);
  return Buffer.from(toJson(value), 'utf8');
}

/** `fabric:transactions` metadata that fabric-contract-api's `@Transaction` leaves on a contract. */
interface TransactionMetadata {
  readonly name: string;
  readonly tag?: readonly string[];
  readonly parameters?: readonly unknown[];
}

/** The transactions a contract declares with `@Transaction` (name, SUBMIT/EVALUATE tag, parameters). */
export function declaredTransactions(contract: Contract): readonly TransactionMetadata[] {
  const reflect = Reflect as unknown as { getMetadata?: (key: string, target: object) => unknown };
  if (typeof reflect.getMetadata !== 'function') throw new Error('reflect-metadata is not loaded');
  return (reflect.getMetadata('fabric:transactions', contract) as TransactionMetadata[] | undefined) ?? [];
}

function parsePayload(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Deterministic text of a write set and event, for comparing transactions byte for byte. */
export function encodeWriteSet(writeSet: WriteSet, event?: { readonly name: string; readonly payload: Uint8Array }): string {
  return JSON.stringify({
    state: writeSet.state.map(({ key, value }) => [key, hex(value)]),
    private: writeSet.private.map(({ collection, key, value }) => [collection, key, hex(value)]),
    validationParameters: writeSet.validationParameters.map(({ key, value }) => [key, hex(value)]),
    event: event === undefined ? null : [event.name, hex(event.payload)],
  });
}

/**
 * An in-memory channel ledger for one chaincode: committed public state with history, private data
 * collections, key-level endorsement policies, a clock and a transaction counter.
 *
 * ```ts
 * const ledger = new MemoryLedger({ collections: require('../../collections_config.json') });
 * const { result, event } = await ledger.invoke(new DataContract(), 'Register', 'Studio1MSP', [request]);
 * await expect(ledger.invoke(contract, 'Register', 'RegulatorMSP', [request])).rejects.toThrow(/^FORBIDDEN:/);
 * ```
 */
export class MemoryLedger {
  readonly channelId: string;
  readonly chaincodeName: string;
  readonly collections: readonly CollectionConfig[] | undefined;
  /** @internal committed public state */
  readonly committed = new KeyStore();
  readonly #private = new Map<string, KeyStore>();
  readonly #validation = new Map<string, Uint8Array>();
  readonly #history = new Map<string, Modification[]>();
  readonly #tickMs: number;
  #nextMs: number;
  #txCount = 0;

  constructor(options: MemoryLedgerOptions = {}) {
    this.channelId = options.channelId ?? 'kiseki';
    this.chaincodeName = options.chaincodeName ?? 'kiseki';
    this.collections = options.collections;
    this.#tickMs = options.tickMs ?? 1000;
    this.#nextMs = options.startTime === undefined ? DEFAULT_START : toMs(options.startTime);
  }

  /** Sets the time of the next transaction that does not give its own (RFC 3339 or epoch ms). */
  setTime(time: string | number): void {
    this.#nextMs = toMs(time);
  }

  /** Time of the next transaction that does not give its own, epoch ms. */
  get nextTime(): number {
    return this.#nextMs;
  }

  /** Committed value of a public key, or `undefined`. */
  getState(key: string): Uint8Array | undefined {
    const value = this.committed.get(key);
    return value === undefined ? undefined : Buffer.from(value);
  }

  /** Committed value of a public key parsed as JSON, or `undefined`. */
  getJson(key: string): unknown {
    const value = this.committed.get(key);
    return value === undefined ? undefined : (JSON.parse(Buffer.from(value).toString('utf8')) as unknown);
  }

  /** Committed public keys in order, optionally only those starting with `prefix`. */
  keys(prefix = ''): string[] {
    return this.committed.keys().filter((key) => key.startsWith(prefix));
  }

  /** Committed value of a private key, or `undefined`. */
  getPrivate(collection: string, key: string): Uint8Array | undefined {
    const value = this.#private.get(collection)?.get(key);
    return value === undefined ? undefined : Buffer.from(value);
  }

  /** Committed key-level endorsement policy of a key (private keys: `collection U+0000 key`). */
  validationParameter(key: string): Uint8Array | undefined {
    return this.#validation.get(key);
  }

  /** @internal committed modifications of a key, newest first */
  historyOf(key: string): readonly Modification[] {
    return [...(this.#history.get(key) ?? [])].reverse();
  }

  /** @internal committed private state of a collection */
  privateStore(collection: string): KeyStore {
    let store = this.#private.get(collection);
    if (store === undefined) {
      store = new KeyStore();
      this.#private.set(collection, store);
    }
    return store;
  }

  /** The whole committed state as deterministic text (public, private, policies), for equality checks. */
  dump(): string {
    const state = this.committed.keys().map((key) => [key, hex(this.committed.get(key) ?? null)]);
    const priv = [...this.#private.keys()].sort(compareKeys).map((collection) => {
      const store = this.#private.get(collection) as KeyStore;
      return [collection, store.keys().map((key) => [key, hex(store.get(key) ?? null)])];
    });
    const validation = [...this.#validation.keys()].sort(compareKeys).map((key) => [key, hex(this.#validation.get(key) ?? null)]);
    return JSON.stringify({ state, private: priv, validation });
  }

  /**
   * Starts a transaction by `mspId` and returns its stub; nothing is committed until {@link commit}.
   * `fcn`/`args` are what `getFunctionAndParameters` reports.
   */
  begin(mspId: string, opts: TxOptions = {}, fcn = '', args: readonly string[] = []): MemoryStub {
    this.#txCount += 1;
    let timestampMs: number;
    if (opts.timestamp !== undefined) {
      timestampMs = toMs(opts.timestamp);
    } else {
      timestampMs = this.#nextMs;
      this.#nextMs += this.#tickMs;
    }
    const txId = opts.txId ?? createHash('sha256').update(`memory-ledger-tx-${this.#txCount}`).digest('hex');
    const transient = new Map(Object.entries(opts.transient ?? {}).map(([key, value]) => [key, toBytes(value)]));
    return new MemoryStub({
      ledger: this,
      identity: new MemoryIdentity(mspId, opts.clientName, opts.attributes),
      txId,
      timestampMs,
      transient,
      peerMspId: opts.peerMspId ?? mspId,
      fcn,
      args,
    });
  }

  /** Commits a transaction's writes (public, private, policies) and records their history. */
  commit(stub: MemoryStub): void {
    const writes = stub.writeSet();
    const txId = stub.getTxID();
    const timestampMs = stub.getDateTimestamp().getTime();
    for (const { key, value } of writes.state) {
      this.committed.set(key, value);
      if (value === null) this.#validation.delete(key);
      let history = this.#history.get(key);
      if (history === undefined) {
        history = [];
        this.#history.set(key, history);
      }
      history.push({ txId, timestampMs, value: value === null ? null : Buffer.from(value) });
    }
    for (const { collection, key, value } of writes.private) this.privateStore(collection).set(key, value);
    for (const { key, value } of writes.validationParameters) this.#validation.set(key, Buffer.from(value));
    for (const [key, value] of stub.privateValidationWrites()) this.#validation.set(key, Buffer.from(value));
  }

  /**
   * Runs one transaction of `contract` as fabric-contract-api would — a fresh context from
   * `createContext()`, `beforeTransaction`, the function through `aroundTransaction`,
   * `afterTransaction` — with the caller in `mspId`. A submitted (`@Transaction()`) function's
   * writes are committed only if it succeeds; a failure rejects with the function's error and changes
   * nothing. An evaluate-only (`@Transaction(false)`) function must neither write nor emit.
   *
   * @param fn the transaction (method) name, e.g. `Register`.
   * @param args the string arguments; anything else is passed as sorted-key JSON.
   * @throws the transaction's own error, or an Error when `fn` is not a declared transaction, the
   * argument count is wrong, or the one-event / read-only rules are broken.
   */
  async invoke(
    contract: Contract,
    fn: string,
    mspId: string,
    args: readonly unknown[] = [],
    opts: InvokeOptions = {},
  ): Promise<InvokeResult> {
    const declared = declaredTransactions(contract).find((tx) => tx.name === fn);
    if (declared === undefined) throw new Error(`contract ${contract.getName()} declares no transaction ${fn}`);
    const submitted = declared.tag?.includes('SUBMIT') ?? false;
    const strings = args.map((arg) => (typeof arg === 'string' ? arg : toJson(arg)));
    const expected = declared.parameters?.length ?? strings.length;
    if (expected !== strings.length) throw new Error(`Expected ${expected} parameters, but ${strings.length} have been supplied`);

    const stub = this.begin(mspId, opts, `${contract.getName()}:${fn}`, strings);
    const ctx = contract.createContext();
    ctx.stub = stub;
    ctx.clientIdentity = stub.identity;
    await contract.beforeTransaction(ctx);
    // fabric-contract-api types `fn` as a Function, but the dispatcher passes the method name.
    const dispatcher = contract as unknown as {
      aroundTransaction(ctx: Context, fn: string, parameters: readonly string[]): Promise<unknown>;
    };
    const result = await dispatcher.aroundTransaction(ctx, fn, strings);
    await contract.afterTransaction(ctx, result);

    const writeSet = stub.writeSet();
    const writes = writeSet.state.length + writeSet.private.length + writeSet.validationParameters.length;
    if (!submitted && (writes > 0 || stub.events.length > 0)) {
      throw new Error(`evaluate-only transaction ${fn} wrote ${writes} keys and emitted ${stub.events.length} events`);
    }
    if (submitted && (opts.expectOneEvent ?? true) && stub.events.length !== 1) {
      throw new Error(`transaction ${fn} must emit exactly one event; it called setEvent ${stub.events.length} times`);
    }
    if (stub.event !== undefined) checkEventPayload(stub.event.name, parsePayload(Buffer.from(stub.event.payload).toString('utf8')));
    if (submitted) this.commit(stub);

    const payload = serializeResult(result);
    const event = stub.event;
    return {
      txId: stub.getTxID(),
      timestamp: new Date(stub.getDateTimestamp().getTime()).toISOString(),
      submitted,
      payload,
      result: parsePayload(payload),
      event: event === undefined ? undefined : { name: event.name, payload: parsePayload(Buffer.from(event.payload).toString('utf8')) },
      eventCount: stub.events.length,
      writeSet,
      writeSetBytes: encodeWriteSet(writeSet, event),
    };
  }
}

/**
 * Checks a chaincode event's payload against its schema (shared/events), so every unit test that emits an
 * event also checks the schema clients parse it with.
 * @throws Error naming the event and every issue.
 */
function checkEventPayload(name: string, payload: unknown): void {
  const schema = (EventPayloads as Readonly<Record<string, (typeof EventPayloads)[keyof typeof EventPayloads]>>)[name];
  // Only the chaincode's own events have schemas; a test contract may emit others.
  if (schema === undefined) return;
  const result = check(schema, payload);
  if (!result.ok) throw new Error(`event ${name} does not match its schema: ${describeIssues(result.issues)}`);
}

/** What fabric-contract-api's JSON serializer sends for a returned value. */
function serializeResult(result: unknown): string {
  if (result === undefined || result === null) return '';
  if (typeof result === 'string' || typeof result === 'number' || typeof result === 'boolean') return String(result);
  if (result instanceof Uint8Array) return JSON.stringify(Buffer.from(result));
  return JSON.stringify(result);
}
