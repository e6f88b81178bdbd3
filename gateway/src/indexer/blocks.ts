import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';

/**
 * Decodes a Fabric block into what the index keeps: its transactions (id, validation code, creator's
 * MSP, function, time, chaincode event) and, for valid transactions, the chaincode's public writes.
 * Pure: no database, no network.
 */

export interface IndexedWrite {
  /** The composite key's object type ('' for a key that is not composite). */
  readonly keyType: string;
  readonly keyAttrs: readonly string[];
  readonly isDelete: boolean;
  /** The value as JSON when it is JSON (every record is); otherwise undefined and `valueHex` set. */
  readonly value: unknown;
  readonly valueHex: string | undefined;
}

export interface IndexedTransaction {
  readonly txIndex: number;
  readonly txId: string;
  readonly validationCode: number;
  readonly creatorMsp: string | undefined;
  readonly chaincode: string | undefined;
  readonly fn: string | undefined;
  readonly txTime: string | undefined;
  readonly eventName: string | undefined;
  readonly eventPayload: unknown;
  /** Writes to the indexed chaincode's namespace; empty unless the transaction is valid. */
  readonly writes: readonly IndexedWrite[];
}

export interface IndexedBlock {
  readonly number: bigint;
  readonly transactions: readonly IndexedTransaction[];
  readonly blockTime: string | undefined;
}

const SEPARATOR = '\u0000';
const ENDORSER_TRANSACTION = common.HeaderType.ENDORSER_TRANSACTION;
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Splits a Fabric composite key (`U+0000 type U+0000 a U+0000 b U+0000`). */
export function splitKey(key: string): { keyType: string; keyAttrs: string[] } {
  if (!key.startsWith(SEPARATOR)) return { keyType: '', keyAttrs: [key] };
  const parts = key.slice(1).split(SEPARATOR);
  parts.pop();
  const [keyType = '', ...keyAttrs] = parts;
  return { keyType, keyAttrs };
}

/** Joins a split key back into Fabric's form (the inverse of {@link splitKey}). */
export function joinKey(keyType: string, keyAttrs: readonly string[]): string {
  if (keyType === '') return keyAttrs[0] ?? '';
  return `${SEPARATOR}${keyType}${SEPARATOR}${keyAttrs.map((a) => `${a}${SEPARATOR}`).join('')}`;
}

/** JSON when the bytes are UTF-8 JSON that PostgreSQL's jsonb can hold (no U+0000); undefined otherwise. */
export function jsonValue(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  try {
    const text = decoder.decode(bytes);
    if (text.includes('\u0000') || text.includes('\\u0000')) return undefined;
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function timestampIso(ts: { getSeconds(): number; getNanos(): number } | undefined): string | undefined {
  if (ts === undefined) return undefined;
  const ms = ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6);
  return new Date(ms).toISOString();
}

function decodeWrites(action: peer.ChaincodeAction, namespace: string): IndexedWrite[] {
  const results = action.getResults_asU8();
  if (results.length === 0) return [];
  const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(results);
  const writes: IndexedWrite[] = [];
  for (const ns of rwset.getNsRwsetList()) {
    if (ns.getNamespace() !== namespace) continue;
    const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
    for (const write of kv.getWritesList()) {
      const { keyType, keyAttrs } = splitKey(write.getKey());
      const bytes = write.getValue_asU8();
      const value = write.getIsDelete() ? undefined : jsonValue(bytes);
      writes.push({
        keyType,
        keyAttrs,
        isDelete: write.getIsDelete(),
        value,
        valueHex: write.getIsDelete() || value !== undefined ? undefined : hex(bytes),
      });
    }
  }
  return writes;
}

function decodeTransaction(
  envelopeBytes: Uint8Array,
  txIndex: number,
  validationCode: number,
  namespace: string,
): IndexedTransaction | undefined {
  const envelope = common.Envelope.deserializeBinary(envelopeBytes);
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const header = payload.getHeader();
  if (header === undefined) return undefined;
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  if (channelHeader.getType() !== ENDORSER_TRANSACTION) return undefined;
  const signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
  let creatorMsp: string | undefined;
  try {
    creatorMsp = msp.SerializedIdentity.deserializeBinary(signatureHeader.getCreator_asU8()).getMspid();
  } catch {
    creatorMsp = undefined;
  }
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  let chaincode: string | undefined;
  let fn: string | undefined;
  let eventName: string | undefined;
  let eventPayload: unknown;
  const writes: IndexedWrite[] = [];
  for (const txAction of transaction.getActionsList()) {
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(txAction.getPayload_asU8());
    const proposal = peer.ChaincodeProposalPayload.deserializeBinary(actionPayload.getChaincodeProposalPayload_asU8());
    const spec = peer.ChaincodeInvocationSpec.deserializeBinary(proposal.getInput_asU8()).getChaincodeSpec();
    chaincode ??= spec?.getChaincodeId()?.getName();
    const first = spec?.getInput()?.getArgsList_asU8()[0];
    if (first !== undefined && fn === undefined) fn = Buffer.from(first).toString('utf8');
    const endorsed = actionPayload.getAction();
    if (endorsed === undefined) continue;
    const response = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
    const action = peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8());
    const eventBytes = action.getEvents_asU8();
    if (eventBytes.length > 0) {
      const event = peer.ChaincodeEvent.deserializeBinary(eventBytes);
      if (event.getEventName() !== '') {
        eventName = event.getEventName();
        eventPayload = jsonValue(event.getPayload_asU8());
      }
    }
    if (validationCode === peer.TxValidationCode.VALID) writes.push(...decodeWrites(action, namespace));
  }
  return {
    txIndex,
    txId: channelHeader.getTxId(),
    validationCode,
    creatorMsp,
    chaincode,
    fn,
    txTime: timestampIso(channelHeader.getTimestamp()),
    eventName,
    eventPayload,
    writes,
  };
}

/** Decodes a block as delivered by the peer; only endorser transactions appear, config blocks have none. */
export function decodeBlock(block: common.Block, namespace: string): IndexedBlock {
  const number = BigInt(block.getHeader()?.getNumber() ?? 0);
  const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
  const transactions: IndexedTransaction[] = [];
  const data = block.getData()?.getDataList_asU8() ?? [];
  data.forEach((bytes, index) => {
    const tx = decodeTransaction(bytes, index, filter[index] ?? peer.TxValidationCode.INVALID_OTHER_REASON, namespace);
    if (tx !== undefined) transactions.push(tx);
  });
  return { number, transactions, blockTime: transactions[0]?.txTime };
}
