import { createHash } from 'node:crypto';
import { common, peer } from '@hyperledger/fabric-protos';
import { decodeBlock, decodeIdentity, headerBytes, toHex, validationFlag, type BlockParts } from '@kiseki/verifier';
import { AppError } from '../errors';
import type { ChainReader } from '../fabric/chain';
import type { Ledger } from '../fabric/ledger';

/**
 * Blocks as an explorer shows them: number, header hash, previous hash, and per transaction its ID,
 * type, submitting org, contract and function, and the validation code the peer recorded. Read
 * through the org's peer (`qscc`); values written are not shown (they are the records' own routes).
 */

export interface BlockTransaction {
  index: number;
  transactionId: string;
  type: string;
  creatorMsp: string;
  /** `contract:Function` as invoked, e.g. `outputs:Register`; empty for config transactions. */
  function: string;
  chaincode: string;
  validationCode: string;
}

export interface BlockSummary {
  number: string;
  hash: string;
  previousHash: string;
  dataHash: string;
  transactionCount: number;
  transactions: BlockTransaction[];
}

const VALIDATION_NAMES = new Map<number, string>(Object.entries(peer.TxValidationCode).map(([name, code]) => [code, name]));
const HEADER_NAMES = new Map<number, string>(Object.entries(common.HeaderType).map(([name, code]) => [code, name]));

function describeTransaction(block: BlockParts, index: number): BlockTransaction {
  const envelope = common.Envelope.deserializeBinary(block.data[index] ?? new Uint8Array(0));
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const channelHeader = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(0));
  const signatureHeader = common.SignatureHeader.deserializeBinary(payload.getHeader()?.getSignatureHeader_asU8() ?? new Uint8Array(0));
  let creatorMsp = '';
  try {
    creatorMsp = decodeIdentity(signatureHeader.getCreator_asU8()).mspId;
  } catch {
    creatorMsp = '';
  }
  let fn = '';
  let chaincode = '';
  if (channelHeader.getType() === common.HeaderType.ENDORSER_TRANSACTION) {
    try {
      const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
      const action = tx.getActionsList()[0];
      const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action?.getPayload_asU8() ?? new Uint8Array(0));
      const proposalPayload = peer.ChaincodeProposalPayload.deserializeBinary(actionPayload.getChaincodeProposalPayload_asU8());
      const spec = peer.ChaincodeInvocationSpec.deserializeBinary(proposalPayload.getInput_asU8()).getChaincodeSpec();
      chaincode = spec?.getChaincodeId()?.getName() ?? '';
      const first = spec?.getInput()?.getArgsList_asU8()[0];
      fn = first === undefined ? '' : Buffer.from(first).toString('utf8').slice(0, 128);
    } catch {
      fn = '';
    }
  }
  const flag = validationFlag(block, index);
  return {
    index,
    transactionId: channelHeader.getTxId(),
    type: HEADER_NAMES.get(channelHeader.getType()) ?? String(channelHeader.getType()),
    creatorMsp,
    function: fn,
    chaincode,
    validationCode: flag === undefined ? 'UNKNOWN' : (VALIDATION_NAMES.get(flag) ?? String(flag)),
  };
}

/** One block's summary from the bytes the peer served. */
export function summarizeBlock(bytes: Uint8Array): BlockSummary {
  const block = decodeBlock(bytes);
  const hash = toHex(
    new Uint8Array(
      createHash('sha256')
        .update(headerBytes(block.number, block.previousHash, block.dataHash))
        .digest(),
    ),
  );
  return {
    number: block.number.toString(),
    hash,
    previousHash: toHex(block.previousHash),
    dataHash: toHex(block.dataHash),
    transactionCount: block.data.length,
    transactions: block.data.map((_, index) => describeTransaction(block, index)),
  };
}

export class BlockBrowser {
  constructor(
    private readonly ledger: Pick<Ledger, 'height'>,
    private readonly chain: Pick<ChainReader, 'blockByNumber'>,
  ) {}

  /** Blocks from `before - 1` down, newest first, at most `limit`; `before` defaults to the height. */
  async list(before: bigint | undefined, limit: number): Promise<{ height: string; blocks: BlockSummary[]; next?: string }> {
    const height = await this.ledger.height();
    const top = before === undefined || before > height ? height : before;
    const blocks: BlockSummary[] = [];
    for (let n = top - 1n; n >= 0n && blocks.length < limit; n -= 1n) blocks.push(summarizeBlock(await this.chain.blockByNumber(n)));
    const last = blocks[blocks.length - 1];
    const next = last !== undefined && last.number !== '0' ? last.number : undefined;
    return { height: height.toString(), blocks, ...(next === undefined ? {} : { next }) };
  }

  async get(number: bigint): Promise<BlockSummary> {
    const height = await this.ledger.height();
    if (number >= height) throw new AppError('NOT_FOUND', `block ${number} is beyond the chain's height ${height}`);
    return summarizeBlock(await this.chain.blockByNumber(number));
  }
}
