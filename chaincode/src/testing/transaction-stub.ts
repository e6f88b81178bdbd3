/* eslint-disable @typescript-eslint/require-await --
   The stub mirrors the shim's promise API: `async` turns a refusal into a rejection, as the shim's are. */
import { createHash } from 'node:crypto';

import type {
  ChaincodeProposal,
  ChaincodeResponse,
  ChaincodeStub,
  Iterators,
  SerializedIdentity,
  SplitCompositekey,
  StateQueryResponse,
  Timestamp,
} from 'fabric-shim-api';

import { compareKeys, copy } from './key-store';
import type { MemoryLedger } from './memory-ledger';
import type { MemoryIdentity } from './memory-identity';
import { iterable, ListIterator, timestampOf } from './query-iterators';

const COMPOSITE_NS = '\u0000';
const MIN_RUNE = '\u0000';
const MAX_RUNE = '\u{10FFFF}';
const EMPTY_KEY_SUBSTITUTE = '\u0001';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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

/** A transaction's writes, last write per key, in key order (as in a Fabric read-write set). */
export interface WriteSet {
  /** Public writes; `value: null` is a delete. */
  readonly state: readonly { readonly key: string; readonly value: Uint8Array | null }[];
  /** Private writes per collection; `value: null` is a delete. */
  readonly private: readonly { readonly collection: string; readonly key: string; readonly value: Uint8Array | null }[];
  /** Key-level endorsement policies set. */
  readonly validationParameters: readonly { readonly key: string; readonly value: Uint8Array }[];
}

/** Members of a collection: the MSP IDs named in its signature policy. */
export function policyMembers(policy: string): Set<string> {
  const members = new Set<string>();
  for (const match of policy.matchAll(/'([^'.]+)\.(?:member|peer|admin|client|orderer)'/g)) {
    if (match[1] !== undefined) members.add(match[1]);
  }
  return members;
}

/** Everything a transaction started on a {@link MemoryLedger} needs to know about it. */
export interface TxSetup {
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
