import { newLogger } from 'fabric-shim';
import type { ChaincodeStub } from 'fabric-shim-api';

/**
 * Multi-key reads and batched writes over the chaincode protocol of Fabric ≥ 3.1
 * (`GET_STATE_MULTIPLE`, `WRITE_BATCH_STATE`). Every plain getState/putState is one round trip to the
 * peer, serialised per transaction by the shim, so a 1000-item batch would cost thousands of round
 * trips; these messages carry up to {@link MAX_BATCH} keys each. The Node shim (2.5) predates them,
 * so this module frames them itself and sends them through the shim's own per-transaction queue.
 * Where that is not available (the in-memory stub of unit tests) it falls back to one call per key,
 * with the same results, counts the fallback ({@link unbatchedCalls}) and logs it once per reason:
 * a warning when the shim's protos cannot be loaded (a peer then pays one round trip per key), at
 * info level when the stub has no shim handler (as in unit tests).
 */

/** The peer's default `chaincode.runtimeParams.maxSizeGetMultipleKeys` / `maxSizeWriteBatch`. */
export const MAX_BATCH = 1000;

const GET_STATE_MULTIPLE = 25;
const WRITE_BATCH_STATE = 24;
const WRITE_PUT_STATE = 9;
const WRITE_DEL_STATE = 10;

export interface StateWrite {
  readonly key: string;
  /** `undefined` deletes the key. */
  readonly value: Uint8Array | undefined;
}

// --- protobuf wire format: just the three small messages used here ---

function varint(value: number, out: number[]): void {
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

class Writer {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  bytes(field: number, data: Uint8Array): this {
    const head: number[] = [];
    varint((field << 3) | 2, head);
    varint(data.length, head);
    this.push(Uint8Array.from(head));
    this.push(data);
    return this;
  }

  string(field: number, text: string): this {
    return text === '' ? this : this.bytes(field, Buffer.from(text, 'utf8'));
  }

  uint(field: number, value: number): this {
    const head: number[] = [];
    varint(field << 3, head);
    varint(value, head);
    this.push(Uint8Array.from(head));
    return this;
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts, this.length);
  }

  private push(part: Uint8Array): void {
    this.parts.push(part);
    this.length += part.length;
  }
}

/** `GetStateMultiple { repeated string keys = 1; string collection = 2; }` */
export function encodeGetStateMultiple(keys: readonly string[], collection = ''): Uint8Array {
  const w = new Writer();
  for (const key of keys) w.bytes(1, Buffer.from(key, 'utf8'));
  return w.string(2, collection).finish();
}

/** `WriteBatchState { repeated WriteRecord rec = 1; }`, `WriteRecord { key = 1; value = 2; collection = 3; type = 5; }` */
export function encodeWriteBatch(writes: readonly StateWrite[]): Uint8Array {
  const w = new Writer();
  for (const write of writes) {
    const rec = new Writer().string(1, write.key);
    if (write.value !== undefined) rec.bytes(2, write.value);
    rec.uint(5, write.value === undefined ? WRITE_DEL_STATE : WRITE_PUT_STATE);
    w.bytes(1, rec.finish());
  }
  return w.finish();
}

/** `GetStateMultipleResult { repeated bytes values = 1; }`; a missing key comes back empty. */
export function decodeGetStateMultipleResult(payload: Uint8Array): Uint8Array[] {
  const values: Uint8Array[] = [];
  let pos = 0;
  const readVarint = (): number => {
    let result = 0;
    let shift = 1;
    for (;;) {
      if (pos >= payload.length) throw new Error('truncated GetStateMultipleResult');
      const byte = payload[pos++] as number;
      result += (byte & 0x7f) * shift;
      if (byte < 0x80) return result;
      shift *= 128;
    }
  };
  while (pos < payload.length) {
    const tag = readVarint();
    const wire = tag & 7;
    if (wire === 2) {
      const length = readVarint();
      if (pos + length > payload.length) throw new Error('truncated GetStateMultipleResult');
      if (tag >> 3 === 1) values.push(payload.subarray(pos, pos + length));
      pos += length;
    } else if (wire === 0) {
      readVarint();
    } else {
      throw new Error(`unexpected wire type ${wire} in GetStateMultipleResult`);
    }
  }
  return values;
}

// --- sending through the shim ---

interface ShimMessage {
  setType(type: number): void;
  setPayload(payload: Uint8Array): void;
  setTxid(txid: string): void;
  setChannelId(channelId: string): void;
}

interface ShimHandler {
  _askPeerAndListen(msg: ShimMessage, method: string): Promise<Uint8Array>;
}

type MessageFactory = () => ShimMessage;
let messageFactory: MessageFactory | null | undefined;
let protosError = '';

/** Why a multi-key call went key by key. */
export type UnbatchedReason = 'no-shim-handler' | 'protos-unavailable';

const unbatched: Record<UnbatchedReason, number> = { 'no-shim-handler': 0, 'protos-unavailable': 0 };
const logged = new Set<UnbatchedReason>();
let logger: ReturnType<typeof newLogger> | undefined;

/** How many multi-key reads and writes fell back to one call per key since the process started, by reason. */
export function unbatchedCalls(): Readonly<Record<UnbatchedReason, number>> {
  return { ...unbatched };
}

function noteUnbatched(reason: UnbatchedReason): void {
  unbatched[reason] += 1;
  if (logged.has(reason)) return;
  logged.add(reason);
  logger ??= newLogger('kiseki/peer-batch');
  if (reason === 'protos-unavailable') {
    logger.warn(`batched state access unavailable (fabric-shim protos not loadable: ${protosError}); reading and writing one key per call`);
  } else {
    logger.info('batched state access unavailable (the stub has no shim handler); reading and writing one key per call');
  }
}

/** The handler to batch through, or `undefined` (counted and logged) when batching is unavailable. */
function batchHandler(stub: ChaincodeStub): ShimHandler | undefined {
  const handler = shimHandler(stub);
  if (handler === undefined) {
    noteUnbatched('no-shim-handler');
    return undefined;
  }
  if (newMessage() === undefined) {
    noteUnbatched('protos-unavailable');
    return undefined;
  }
  return handler;
}

/** The shim's own ChaincodeMessage class (from the protos package it was built with), if loadable. */
function newMessage(): ShimMessage | undefined {
  if (messageFactory === undefined) {
    try {
      const shimDir = require.resolve('fabric-shim');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const protos = require(require.resolve('@hyperledger/fabric-protos', { paths: [shimDir] })) as {
        peer: { ChaincodeMessage: new () => ShimMessage };
      };
      messageFactory = () => new protos.peer.ChaincodeMessage();
    } catch (err) {
      protosError = err instanceof Error ? err.message : String(err);
      messageFactory = null;
    }
  }
  return messageFactory ? messageFactory() : undefined;
}

function shimHandler(stub: ChaincodeStub): ShimHandler | undefined {
  const handler = (stub as unknown as { handler?: Partial<ShimHandler> }).handler;
  return handler && typeof handler._askPeerAndListen === 'function' ? (handler as ShimHandler) : undefined;
}

async function ask(stub: ChaincodeStub, handler: ShimHandler, type: number, payload: Uint8Array, method: string): Promise<Uint8Array> {
  const msg = newMessage();
  if (!msg) throw new Error('fabric-shim protos are not loadable');
  msg.setType(type);
  msg.setPayload(payload);
  msg.setTxid(stub.getTxID());
  msg.setChannelId(stub.getChannelID());
  return handler._askPeerAndListen(msg, method);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Whether this stub talks to a real peer that can take batched messages. */
export function supportsBatches(stub: ChaincodeStub): boolean {
  return shimHandler(stub) !== undefined && newMessage() !== undefined;
}

/** Values of many public keys, in order; an absent key gives an empty array (like getState). */
export async function getStates(stub: ChaincodeStub, keys: readonly string[]): Promise<Uint8Array[]> {
  const handler = keys.length <= 1 ? undefined : batchHandler(stub);
  if (!handler) {
    const out: Uint8Array[] = [];
    for (const key of keys) out.push(await stub.getState(key));
    return out;
  }
  const out: Uint8Array[] = [];
  for (const part of chunks(keys, MAX_BATCH)) {
    const values = decodeGetStateMultipleResult(
      await ask(stub, handler, GET_STATE_MULTIPLE, encodeGetStateMultiple(part), 'GetStateMultiple'),
    );
    if (values.length !== part.length) throw new Error(`peer returned ${values.length} values for ${part.length} keys`);
    out.push(...values);
  }
  return out;
}

/** Applies many public-state writes (puts and deletes) in as few round trips as the peer allows. */
export async function putStates(stub: ChaincodeStub, writes: readonly StateWrite[]): Promise<void> {
  const handler = writes.length <= 1 ? undefined : batchHandler(stub);
  if (!handler) {
    for (const write of writes) {
      if (write.value === undefined) await stub.deleteState(write.key);
      else await stub.putState(write.key, write.value);
    }
    return;
  }
  for (const part of chunks(writes, MAX_BATCH)) {
    await ask(stub, handler, WRITE_BATCH_STATE, encodeWriteBatch(part), 'WriteBatchState');
  }
}
