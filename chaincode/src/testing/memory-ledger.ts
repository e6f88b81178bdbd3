/* eslint-disable @typescript-eslint/require-await --
   The stub mirrors the shim's promise API: `async` turns a refusal into a rejection, as the shim's are. */
import { createHash } from 'node:crypto';

import type { Context, Contract } from 'fabric-contract-api';
import type {
  ChaincodeProposal,
  ChaincodeResponse,
  ChaincodeStub,
  ClientIdentity,
  Iterators,
  SerializedIdentity,
  SplitCompositekey,
  StateQueryResponse,
  Timestamp,
} from 'fabric-shim-api';

import { toJson } from '../shared/codec';
import { compareIds } from '../shared/merkle';

/**
 * An in-memory ledger and a `ChaincodeStub` over it that behave like a Fabric peer (v3, LevelDB), for
 * chaincode unit tests without a network:
 *
 * - a missing key reads as empty bytes; writing empty bytes is a delete;
 * - a transaction reads the committed state only, never its own writes;
 * - range and partial-composite-key queries return keys in UTF-8 byte order, with Fabric's pagination
 *   (the bookmark is the next key, '' after the last page) and its rule that a transaction that ran
 *   a paginated (or private-data range) query may not write, and vice versa;
 * - `getHistoryForKey` returns committed modifications newest first;
 * - private data per collection, with `memberOnlyRead` / `memberOnlyWrite` enforced against the
 *   caller's org and the transient map;
 * - `setEvent` overwrites (Fabric keeps one event per transaction) and counts its calls;
 * - key-level endorsement policies (`setStateValidationParameter`) are stored and read back;
 * - a chosen client MSP ID, a controllable transaction time and ID, and the write set of every
 *   transaction as deterministic bytes.
 *
 * {@link MemoryLedger.invoke} runs one transaction of a contract the way fabric-contract-api does
 * (fresh context, before/around/after hooks) and commits its writes only if it succeeds.
 */

// fabric-contract-api logs every decorator at info level; tests want quiet unless told otherwise.
// (A peer always sets this variable for real chaincode, which never loads this module.)
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'WARNING';

const COMPOSITE_NS = '\u0000';
const MIN_RUNE = '\u0000';
const MAX_RUNE = '\u{10FFFF}';
const EMPTY_KEY_SUBSTITUTE = '\u0001';
const DEFAULT_START = Date.UTC(2025, 0, 1);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A self-signed test certificate (no key exists for it anywhere): fabric-shim's `ClientIdentity`
 * parses the creator's certificate, so a stub handed to the real shim dispatcher must carry one.
 */
export const TEST_CLIENT_CERT = `-----BEGIN CERTIFICATE-----
MIIBwDCCAWegAwIBAgIUBXnsMJj/GYxOOZqlWH3uufVQBiEwCgYIKoZIzj0EAwIw
NTEiMCAGA1UEAwwZdXNlcjFAc3R1ZGlvMS5raXNla2kudGVzdDEPMA0GA1UECwwG
Y2xpZW50MCAXDTI2MTEyNTEyNDc0OFoYDzIxMjYxMTAxMTI0NzQ4WjA1MSIwIAYD
VQQDDBl1c2VyMUBzdHVkaW8xLmtpc2VraS50ZXN0MQ8wDQYDVQQLDAZjbGllbnQw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQrBYaCKZ/oYnz3QDZSVAIm9LyXX2NO
KSVhZr6mMRwMp7ngrPIALOJW+ElKBW1VQYa0l1RlQjhqhmaPGW3AugfPo1MwUTAd
BgNVHQ4EFgQUYR1pqZi7hL6TyjU0dRJMOiz3HXQwHwYDVR0jBBgwFoAUYR1pqZi7
hL6TyjU0dRJMOiz3HXQwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBE
AiBK04oD0ZcHahQ7/L3IPYI2684kG/r/dCWhjLGTotFkxwIgcaDvXFhVqF64Fu/U
ffSSJVOFWqyCLc6xoDGx/jTDUww=
-----END CERTIFICATE-----
`;

/** A private data collection as in `collections_config.json`. */
export interface CollectionConfig {
  readonly name: string;
  /** Signature policy such as `OR('Org1MSP.member', 'Org2MSP.member')`: its MSP IDs are the members. */
  readonly policy: string;
  readonly memberOnlyRead?: boolean;
  readonly memberOnlyWrite?: boolean;
  readonly requiredPeerCount?: number;
  readonly maxPeerCount?: number;
  readonly blockToLive?: number;
}

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

/** A transaction's writes, last write per key, in key order (as in a Fabric read-write set). */
export interface WriteSet {
  /** Public writes; `value: null` is a delete. */
  readonly state: readonly { readonly key: string; readonly value: Uint8Array | null }[];
  /** Private writes per collection; `value: null` is a delete. */
  readonly private: readonly { readonly collection: string; readonly key: string; readonly value: Uint8Array | null }[];
  /** Key-level endorsement policies set. */
  readonly validationParameters: readonly { readonly key: string; readonly value: Uint8Array }[];
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

/** UTF-8 byte order of keys (LevelDB's order); keys are well-formed Unicode, so code point order. */
export function compareKeys(a: string, b: string): number {
  return compareIds(a, b);
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

function copy(bytes: Uint8Array | undefined | null): Buffer {
  return bytes ? Buffer.from(bytes) : Buffer.alloc(0);
}

function hex(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes).toString('hex');
}

/** Members of a collection: the MSP IDs named in its signature policy. */
export function policyMembers(policy: string): Set<string> {
  const members = new Set<string>();
  for (const match of policy.matchAll(/'([^'.]+)\.(?:member|peer|admin|client|orderer)'/g)) {
    if (match[1] !== undefined) members.add(match[1]);
  }
  return members;
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

function timestampOf(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds: new EpochSeconds(seconds) as unknown as Timestamp['seconds'], nanos: (ms - seconds * 1000) * 1_000_000 };
}

class ListIterator<T> implements Iterators.CommonIterator<T> {
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
function iterable<R, T>(promise: Promise<R>, iteratorOf: (result: R) => Iterators.CommonIterator<T>): Promise<R> & AsyncIterable<T> {
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

/** The client identity of a memory transaction. */
export class MemoryIdentity implements ClientIdentity {
  constructor(
    readonly mspId: string,
    readonly name: string = `user@${mspId}`,
    private readonly attributes: Readonly<Record<string, string>> = {},
  ) {}

  getMSPID(): string {
    return this.mspId;
  }

  getID(): string {
    return `x509::/CN=${this.name}::/CN=ca.${this.mspId}`;
  }

  getIDBytes(): Uint8Array {
    return Buffer.from(TEST_CLIENT_CERT);
  }

  getAttributeValue(attrName: string): string | null {
    return Object.prototype.hasOwnProperty.call(this.attributes, attrName) ? (this.attributes[attrName] as string) : null;
  }

  assertAttributeValue(attrName: string, attrValue: string): boolean {
    return this.getAttributeValue(attrName) === attrValue;
  }
}

/** Everything a transaction started on a {@link MemoryLedger} needs to know about it. */
interface TxSetup {
  readonly ledger: MemoryLedger;
  readonly identity: MemoryIdentity;
  readonly txId: string;
  readonly timestampMs: number;
  readonly transient: Map<string, Uint8Array>;
  readonly peerMspId: string;
  readonly fcn: string;
  readonly args: readonly string[];
}

/**
 * A `ChaincodeStub` for one transaction over a {@link MemoryLedger}. Writes are buffered until
 * {@link MemoryLedger.commit}; reads see the committed state only.
 */
export class MemoryStub implements ChaincodeStub {
  readonly identity: MemoryIdentity;
  /** Every `setEvent` call, in order (Fabric keeps only the last). */
  readonly events: { readonly name: string; readonly payload: Uint8Array }[] = [];
  readonly #setup: TxSetup;
  readonly #writes = new Map<string, Uint8Array | null>();
  readonly #privateWrites = new Map<string, Map<string, Uint8Array | null>>();
  readonly #validationWrites = new Map<string, Uint8Array>();
  readonly #privateValidationWrites = new Map<string, Uint8Array>();
  #writePerformed = false;
  #paginatedQueryPerformed = false;
  #privateQueryPerformed = false;

  constructor(setup: TxSetup) {
    this.#setup = setup;
    this.identity = setup.identity;
  }

  /** The event Fabric would emit (the last `setEvent`). */
  get event(): { readonly name: string; readonly payload: Uint8Array } | undefined {
    return this.events[this.events.length - 1];
  }

  /** This transaction's writes, last write per key, in key order. */
  writeSet(): WriteSet {
    const state = [...this.#writes.entries()].sort(([a], [b]) => compareKeys(a, b)).map(([key, value]) => ({ key, value }));
    const collections = [...this.#privateWrites.keys()].sort(compareKeys);
    const priv = collections.flatMap((collection) =>
      [...(this.#privateWrites.get(collection) as Map<string, Uint8Array | null>).entries()]
        .sort(([a], [b]) => compareKeys(a, b))
        .map(([key, value]) => ({ collection, key, value })),
    );
    const validationParameters = [...this.#validationWrites.entries()]
      .sort(([a], [b]) => compareKeys(a, b))
      .map(([key, value]) => ({ key, value }));
    return { state, private: priv, validationParameters };
  }

  /** @internal The private validation parameters written, by `collection U+0000 key`. */
  privateValidationWrites(): ReadonlyMap<string, Uint8Array> {
    return this.#privateValidationWrites;
  }

  // --- transaction facts ---------------------------------------------------------------------

  getArgs(): string[] {
    return [this.#setup.fcn, ...this.#setup.args];
  }

  /** What fabric-shim's dispatcher reads (not part of the `ChaincodeStub` interface). */
  getBufferArgs(): Buffer[] {
    return this.getArgs().map((arg) => Buffer.from(arg, 'utf8'));
  }

  getStringArgs(): string[] {
    return this.getArgs();
  }

  getFunctionAndParameters(): { params: string[]; fcn: string } {
    return { fcn: this.#setup.fcn, params: [...this.#setup.args] };
  }

  getTxID(): string {
    return this.#setup.txId;
  }

  getChannelID(): string {
    return this.#setup.ledger.channelId;
  }

  getCreator(): SerializedIdentity {
    return { mspid: this.identity.mspId, idBytes: this.identity.getIDBytes() };
  }

  getMspID(): string {
    return this.#setup.peerMspId;
  }

  getTransient(): Map<string, Uint8Array> {
    return new Map([...this.#setup.transient.entries()].map(([key, value]) => [key, copy(value)]));
  }

  getSignedProposal(): ChaincodeProposal.SignedProposal {
    throw new Error('the memory stub has no signed proposal');
  }

  getTxTimestamp(): Timestamp {
    return timestampOf(this.#setup.timestampMs);
  }

  getDateTimestamp(): Date {
    return new Date(this.#setup.timestampMs);
  }

  getBinding(): string {
    return createHash('sha256').update(this.#setup.txId).digest('hex');
  }

  // --- public state --------------------------------------------------------------------------

  async getState(key: string): Promise<Uint8Array> {
    return copy(this.#setup.ledger.committed.get(key));
  }

  async putState(key: string, value: Uint8Array): Promise<void> {
    this.#beforeWrite();
    checkKey(key);
    const bytes: unknown = typeof value === 'string' ? Buffer.from(value) : value;
    if (!(bytes instanceof Uint8Array)) throw new Error('value must be bytes');
    this.#writes.set(key, bytes.length === 0 ? null : Buffer.from(bytes));
  }

  async deleteState(key: string): Promise<void> {
    this.#beforeWrite();
    checkKey(key);
    this.#writes.set(key, null);
  }

  async setStateValidationParameter(key: string, ep: Uint8Array): Promise<void> {
    this.#beforeWrite();
    checkKey(key);
    this.#validationWrites.set(key, Buffer.from(ep));
  }

  async getStateValidationParameter(key: string): Promise<Uint8Array> {
    return copy(this.#setup.ledger.validationParameter(key));
  }

  getStateByRange(startKey: string, endKey: string): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const run = async (): Promise<Iterators.StateQueryIterator> => {
      checkSimpleKeys(startKey, endKey);
      return new ListIterator(this.#range(startKey || EMPTY_KEY_SUBSTITUTE, endKey));
    };
    return iterable(run(), (iterator) => iterator);
  }

  getStateByRangeWithPagination(
    startKey: string,
    endKey: string,
    pageSize: number,
    bookmark = '',
  ): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    const run = async (): Promise<StateQueryResponse<Iterators.StateQueryIterator>> => {
      checkSimpleKeys(startKey, endKey);
      return this.#paginated(startKey || EMPTY_KEY_SUBSTITUTE, endKey, pageSize, bookmark);
    };
    return iterable(run(), (response) => response.iterator);
  }

  getStateByPartialCompositeKey(
    objectType: string,
    attributes: string[],
  ): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const run = async (): Promise<Iterators.StateQueryIterator> => {
      const start = this.createCompositeKey(objectType, attributes);
      return new ListIterator(this.#range(start, start + MAX_RUNE));
    };
    return iterable(run(), (iterator) => iterator);
  }

  getStateByPartialCompositeKeyWithPagination(
    objectType: string,
    attributes: string[],
    pageSize: number,
    bookmark = '',
  ): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    const run = async (): Promise<StateQueryResponse<Iterators.StateQueryIterator>> => {
      const start = this.createCompositeKey(objectType, attributes);
      return this.#paginated(start, start + MAX_RUNE, pageSize, bookmark);
    };
    return iterable(run(), (response) => response.iterator);
  }

  getQueryResult(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return iterable(
      Promise.reject(new Error('ExecuteQuery not supported for leveldb')),
      (iterator: Iterators.StateQueryIterator) => iterator,
    );
  }

  getQueryResultWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    return iterable(
      Promise.reject(new Error('ExecuteQuery not supported for leveldb')),
      (response: StateQueryResponse<Iterators.StateQueryIterator>) => response.iterator,
    );
  }

  getHistoryForKey(key: string): Promise<Iterators.HistoryQueryIterator> & AsyncIterable<Iterators.KeyModification> {
    const run = async (): Promise<Iterators.HistoryQueryIterator> => {
      const entries = this.#setup.ledger.historyOf(key).map((m) => ({
        isDelete: m.value === null,
        value: copy(m.value),
        timestamp: timestampOf(m.timestampMs),
        txId: m.txId,
      }));
      return new ListIterator(entries);
    };
    return iterable(run(), (iterator) => iterator);
  }

  async invokeChaincode(): Promise<ChaincodeResponse> {
    throw new Error('the memory stub does not call other chaincodes');
  }

  setEvent(name: string, payload: Uint8Array): void {
    if (typeof name !== 'string' || name === '') throw new Error('Event name must be a non-empty string');
    this.events.push({ name, payload: copy(payload) });
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    checkAttribute(objectType);
    if (!Array.isArray(attributes)) throw new Error('attributes must be an array');
    let key = COMPOSITE_NS + objectType + MIN_RUNE;
    for (const attribute of attributes) {
      checkAttribute(attribute);
      key += attribute + MIN_RUNE;
    }
    return key;
  }

  splitCompositeKey(compositeKey: string): SplitCompositekey {
    const result: SplitCompositekey = { objectType: null as unknown as string, attributes: [] };
    if (compositeKey && compositeKey.length > 1 && compositeKey.startsWith(COMPOSITE_NS)) {
      const parts = compositeKey.substring(1).split(MIN_RUNE);
      result.objectType = parts[0] as string;
      parts.pop();
      if (parts.length > 1) result.attributes = parts.slice(1);
    }
    return result;
  }

  // --- private data ------------------------------------------------------------------------

  async getPrivateData(collection: string, key: string): Promise<Uint8Array> {
    const config = this.#collection(collection);
    this.#checkRead(collection, config);
    // A peer of an org outside the collection does not hold its data.
    if (config !== undefined && !policyMembers(config.policy).has(this.#setup.peerMspId)) return Buffer.alloc(0);
    return copy(this.#setup.ledger.privateStore(collection).get(key));
  }

  async getPrivateDataHash(collection: string, key: string): Promise<Uint8Array> {
    this.#collection(collection);
    const value = this.#setup.ledger.privateStore(collection).get(key);
    return value === undefined ? Buffer.alloc(0) : createHash('sha256').update(value).digest();
  }

  async putPrivateData(collection: string, key: string, value: Uint8Array): Promise<void> {
    this.#privateWrite(collection, key).set(key, value.length === 0 ? null : Buffer.from(value));
  }

  async deletePrivateData(collection: string, key: string): Promise<void> {
    this.#privateWrite(collection, key).set(key, null);
  }

  async purgePrivateData(collection: string, key: string): Promise<void> {
    return this.deletePrivateData(collection, key);
  }

  async setPrivateDataValidationParameter(collection: string, key: string, ep: Uint8Array): Promise<void> {
    this.#privateWrite(collection, key);
    this.#privateValidationWrites.set(collection + MIN_RUNE + key, Buffer.from(ep));
  }

  async getPrivateDataValidationParameter(collection: string, key: string): Promise<Uint8Array> {
    return copy(this.#setup.ledger.validationParameter(collection + MIN_RUNE + key));
  }

  getPrivateDataByRange(
    collection: string,
    startKey: string,
    endKey: string,
  ): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const run = async (): Promise<Iterators.StateQueryIterator> => this.#privateRange(collection, startKey, endKey);
    return iterable(run(), (iterator) => iterator);
  }

  getPrivateDataByPartialCompositeKey(
    collection: string,
    objectType: string,
    attributes: string[],
  ): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const run = async (): Promise<Iterators.StateQueryIterator> => {
      const start = this.createCompositeKey(objectType, attributes);
      return this.#privateRange(collection, start, start + MAX_RUNE);
    };
    return iterable(run(), (iterator) => iterator);
  }

  getPrivateDataQueryResult(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return iterable(
      Promise.reject(new Error('ExecuteQuery not supported for leveldb')),
      (iterator: Iterators.StateQueryIterator) => iterator,
    );
  }

  // --- internals ---------------------------------------------------------------------------

  #beforeWrite(): void {
    if (this.#paginatedQueryPerformed) {
      throw new Error(
        `txid [${this.#setup.txId}]: unsuppored transaction. Transaction has already performed a paginated query. Writes are not allowed`,
      );
    }
    if (this.#privateQueryPerformed) {
      throw new Error(
        `txid [${this.#setup.txId}]: unsuppored transaction. Transaction has already performed queries on pvt data. Writes are not allowed`,
      );
    }
    this.#writePerformed = true;
  }

  #range(start: string, end: string): Iterators.KV[] {
    const store = this.#setup.ledger.committed;
    return store.range(start, end).map((key) => ({ namespace: this.#setup.ledger.chaincodeName, key, value: copy(store.get(key)) }));
  }

  #paginated(start: string, end: string, pageSize: number, bookmark: string): StateQueryResponse<Iterators.StateQueryIterator> {
    if (this.#writePerformed) {
      throw new Error(
        `txid [${this.#setup.txId}]: unsuppored transaction. Paginated queries are supported only in a read-only transaction`,
      );
    }
    if (!Number.isSafeInteger(pageSize) || pageSize <= 0) throw new Error('pageSize must be a positive integer');
    this.#paginatedQueryPerformed = true;
    // Like the peer: a non-empty bookmark replaces the start key.
    const from = bookmark !== '' ? bookmark : start;
    const store = this.#setup.ledger.committed;
    const keys = store.range(from, end);
    const page = keys.slice(0, pageSize).map((key) => ({ namespace: this.#setup.ledger.chaincodeName, key, value: copy(store.get(key)) }));
    const next = keys[pageSize];
    // Like the Node shim: metadata that encodes to no bytes (nothing fetched, no bookmark) is left out.
    if (page.length === 0 && next === undefined)
      return { iterator: new ListIterator(page) } as unknown as StateQueryResponse<Iterators.StateQueryIterator>;
    return {
      iterator: new ListIterator(page),
      metadata: { fetchedRecordsCount: page.length, bookmark: next ?? '' },
    };
  }

  #collection(name: string): CollectionConfig | undefined {
    if (typeof name !== 'string' || name === '') throw new Error('collection must be a non-empty string');
    const configs = this.#setup.ledger.collections;
    if (configs === undefined) return undefined;
    const config = configs.find((c) => c.name === name);
    if (config === undefined) throw new Error(`collection ${name} could not be found`);
    return config;
  }

  #checkRead(collection: string, config: CollectionConfig | undefined): void {
    if (config?.memberOnlyRead && !policyMembers(config.policy).has(this.identity.mspId)) {
      throw new Error(
        `tx creator does not have read access permission on privatedata in chaincodeName:${this.#setup.ledger.chaincodeName} collectionName: ${collection}`,
      );
    }
  }

  #privateWrite(collection: string, key: string): Map<string, Uint8Array | null> {
    const config = this.#collection(collection);
    if (config?.memberOnlyWrite && !policyMembers(config.policy).has(this.identity.mspId)) {
      throw new Error(
        `tx creator does not have write access permission on privatedata in chaincodeName:${this.#setup.ledger.chaincodeName} collectionName: ${collection}`,
      );
    }
    this.#beforeWrite();
    checkKey(key);
    let writes = this.#privateWrites.get(collection);
    if (writes === undefined) {
      writes = new Map();
      this.#privateWrites.set(collection, writes);
    }
    return writes;
  }

  #privateRange(collection: string, start: string, end: string): Iterators.StateQueryIterator {
    const config = this.#collection(collection);
    this.#checkRead(collection, config);
    if (this.#writePerformed) {
      throw new Error(
        `txid [${this.#setup.txId}]: unsuppored transaction. Queries on pvt data is supported only in a read-only transaction`,
      );
    }
    this.#privateQueryPerformed = true;
    const store = this.#setup.ledger.privateStore(collection);
    const items = store.range(start, end).map((key) => ({ namespace: this.#setup.ledger.chaincodeName, key, value: copy(store.get(key)) }));
    return new ListIterator(items);
  }
}

function checkAttribute(value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) throw new Error('object type or attribute not a non-zero length string');
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string' || key === '') throw new Error('key must be a non-empty string');
  if (LONE_SURROGATE.test(key)) throw new Error('Key should be a valid utf8 string');
}

function checkSimpleKeys(...keys: string[]): void {
  for (const key of keys) {
    if (key && key.startsWith(COMPOSITE_NS)) {
      throw new Error(`first character of the key [${key}] contains a null character which is not allowed`);
    }
  }
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

/** fabric-shim's own contract dispatcher (what `fabric-chaincode-node start` runs), built from contract classes. */
export interface ShimChaincode {
  Invoke(stub: unknown): Promise<ChaincodeResponse>;
}

/**
 * Builds fabric-shim's contract dispatcher for `contractClasses` with the default JSON serializer, as
 * the peer-launched chaincode does. Use with {@link dispatch} to check that metadata, argument
 * marshalling and error messages work through the real shim, not only through {@link MemoryLedger.invoke}.
 */
export function shimChaincode(contractClasses: readonly (new () => Contract)[]): ShimChaincode {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { JSONSerializer } = require('fabric-contract-api') as { JSONSerializer: unknown };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract') as new (
    contracts: readonly (new () => Contract)[],
    serializers: unknown,
    metadata: unknown,
    title: string,
    version: string,
  ) => ShimChaincode;
  const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
  return new ChaincodeFromContract(contractClasses, serializers, {}, 'kiseki', '0.0.0-test');
}

/**
 * Runs `fcn` (`<contract>:<transaction>`) through a {@link ShimChaincode} on `ledger` as `mspId`,
 * committing the writes when the shim answers 200. Returns what a client would see.
 */
export async function dispatch(
  ledger: MemoryLedger,
  chaincode: ShimChaincode,
  fcn: string,
  mspId: string,
  args: readonly string[],
  opts: TxOptions = {},
): Promise<{ status: number; message: string; payload: string; eventCount: number }> {
  const stub = ledger.begin(mspId, opts, fcn, args);
  const response = await chaincode.Invoke(stub);
  if (response.status === 200) ledger.commit(stub);
  return {
    status: response.status,
    message: response.message ?? '',
    payload: Buffer.from(response.payload ?? []).toString('utf8'),
    eventCount: stub.events.length,
  };
}

/** What fabric-contract-api's JSON serializer sends for a returned value. */
function serializeResult(result: unknown): string {
  if (result === undefined || result === null) return '';
  if (typeof result === 'string' || typeof result === 'number' || typeof result === 'boolean') return String(result);
  if (result instanceof Uint8Array) return JSON.stringify(Buffer.from(result));
  return JSON.stringify(result);
}
