import type { Checkpoint, Network } from '@hyperledger/fabric-gateway';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { toJson } from '@kiseki/chaincode/shared/codec';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { fabricToAppError, RETRYABLE_VALIDATION_CODES, validationCodeName } from './errors';
import type { EventPosition, EventStream, Ledger, LedgerEvent, SubmitResult, TransactionStatus, TxContext } from './ledger';
import { backoffDelay, sleep } from './retry';

export interface FabricLedgerOptions {
  network: Network;
  chaincode: string;
  retry: { mvccAttempts: number; baseDelayMs: number };
  logger: Logger;
  /** Releases the connection (gateway, then gRPC client). */
  close: () => void;
}

const utf8 = new TextDecoder();

/** Transient-map key carrying the API client that asked for a transaction. */
export const CLIENT_REF_TRANSIENT_KEY = 'clientRef';

/** Parses a chaincode result: JSON when it is JSON, the raw text otherwise, undefined when empty. */
export function parseResult(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  const text = utf8.decode(bytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * {@link Ledger} over @hyperledger/fabric-gateway. Writes send one sorted-key JSON argument, with the
 * acting client as `clientRef` in the transient map; reads take string arguments. Deadlines come from the connection's
 * default call options.
 */
export class FabricLedger implements Ledger {
  readonly #options: Readonly<FabricLedgerOptions>;

  constructor(options: Readonly<FabricLedgerOptions>) {
    this.#options = options;
  }

  async submit(contract: string, transaction: string, request: Record<string, unknown>, context: TxContext): Promise<SubmitResult> {
    const { network, chaincode, retry, logger } = this.#options;
    const target = network.getContract(chaincode, contract);
    const argument = toJson(request);
    // The acting API client travels in the transient map: every endorser sees it (so the chaincode may
    // record it deterministically) while the request itself keeps exactly the fields DESIGN §7 names.
    const transientData = { ...context.transient, [CLIENT_REF_TRANSIENT_KEY]: context.clientId };
    for (let attempt = 1; ; attempt += 1) {
      const proposal = target.newProposal(transaction, { arguments: [argument], transientData });
      const transactionId = proposal.getTransactionId();
      context.onTransactionId?.(transactionId);
      try {
        const endorsed = await proposal.endorse();
        const submitted = await endorsed.submit();
        const status = await submitted.getStatus();
        if (status.successful) {
          return { result: parseResult(submitted.getResult()), transactionId, blockNumber: status.blockNumber.toString() };
        }
        const reason = validationCodeName(status.code);
        if (RETRYABLE_VALIDATION_CODES.has(status.code) && attempt < retry.mvccAttempts) {
          logger.warn('transaction invalidated, retrying', { transactionId, reason, attempt, contract, transaction });
          await sleep(backoffDelay(attempt, retry.baseDelayMs));
          continue;
        }
        throw new AppError('COMMIT_FAILED', `transaction ${transactionId} was invalidated: ${reason}`, { transactionId });
      } catch (error) {
        // Endorsers that read different versions (one peer a block behind under contention) return
        // different results; nothing was submitted, so a fresh proposal is safe — like an MVCC retry.
        if (isEndorsementSkew(error) && attempt < retry.mvccAttempts) {
          logger.warn('endorsements differed between peers, retrying', { transactionId, attempt, contract, transaction });
          await sleep(backoffDelay(attempt, retry.baseDelayMs));
          continue;
        }
        throw fabricToAppError(error, transactionId);
      }
    }
  }

  async evaluate(contract: string, transaction: string, args: readonly string[]): Promise<unknown> {
    const { network, chaincode } = this.#options;
    try {
      return parseResult(await network.getContract(chaincode, contract).evaluate(transaction, { arguments: [...args] }));
    } catch (error) {
      throw fabricToAppError(error);
    }
  }

  async transactionStatus(transactionId: string): Promise<TransactionStatus> {
    const { network } = this.#options;
    const qscc = network.getContract('qscc');
    let processed: peer.ProcessedTransaction;
    try {
      const bytes = await qscc.evaluateTransaction('GetTransactionByID', network.getName(), transactionId);
      processed = peer.ProcessedTransaction.deserializeBinary(bytes);
    } catch (error) {
      const converted = fabricToAppError(error);
      if (converted.httpStatus < 500 || /no such transaction|not found/i.test(`${error instanceof Error ? error.message : ''} ${detailText(error)}`)) {
        return { transactionId, status: 'unknown' };
      }
      throw converted;
    }
    const code = processed.getValidationcode();
    let blockNumber: string | undefined;
    try {
      const block = common.Block.deserializeBinary(
        await qscc.evaluateTransaction('GetBlockByTxID', network.getName(), transactionId),
      );
      const number = block.getHeader()?.getNumber();
      blockNumber = number === undefined ? undefined : String(number);
    } catch {
      blockNumber = undefined;
    }
    const actor = ledgerActor(processed);
    return {
      transactionId,
      status: code === 0 ? 'committed' : 'invalid',
      validationCode: validationCodeName(code),
      ...(blockNumber ? { blockNumber } : {}),
      ...(actor === undefined ? {} : { ledgerActor: actor }),
    };
  }

  async height(): Promise<bigint> {
    const { network } = this.#options;
    try {
      const bytes = await network.getContract('qscc').evaluateTransaction('GetChainInfo', network.getName());
      return BigInt(common.BlockchainInfo.deserializeBinary(bytes).getHeight());
    } catch (error) {
      throw fabricToAppError(error);
    }
  }

  async events(from?: EventPosition): Promise<EventStream> {
    const { network, chaincode } = this.#options;
    const checkpoint: Checkpoint | undefined =
      from === undefined
        ? undefined
        : { getBlockNumber: () => from.blockNumber, getTransactionId: () => from.transactionId };
    const inner = await network.getChaincodeEvents(chaincode, checkpoint === undefined ? {} : { checkpoint });
    async function* mapped(): AsyncGenerator<LedgerEvent> {
      for await (const event of inner) {
        yield {
          blockNumber: event.blockNumber,
          transactionId: event.transactionId,
          eventName: event.eventName,
          payload: parseResult(event.payload),
        };
      }
    }
    const iterator = mapped();
    return {
      [Symbol.asyncIterator]: () => iterator,
      close: () => {
        inner.close();
      },
    };
  }

  close(): void {
    this.#options.close();
  }
}

/**
 * Who acted, as the block itself records it: the creator's MSP (from the signed header) and the API
 * client the chaincode recorded in the transaction's event (`actingClient`), when there is one.
 * `undefined` when the envelope cannot be read as an endorser transaction.
 */
export function ledgerActor(processed: peer.ProcessedTransaction): { mspId: string; clientRef?: string; eventName?: string } | undefined {
  try {
    const envelope = processed.getTransactionenvelope();
    if (envelope === undefined) return undefined;
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const signature = common.SignatureHeader.deserializeBinary(payload.getHeader()?.getSignatureHeader_asU8() ?? new Uint8Array());
    const mspId = msp.SerializedIdentity.deserializeBinary(signature.getCreator_asU8()).getMspid();
    const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
    const action = transaction.getActionsList()[0];
    if (action === undefined) return { mspId };
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const responsePayload = peer.ProposalResponsePayload.deserializeBinary(actionPayload.getAction()?.getProposalResponsePayload_asU8() ?? new Uint8Array());
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
    const eventBytes = chaincodeAction.getEvents_asU8();
    if (eventBytes.length === 0) return { mspId };
    const event = peer.ChaincodeEvent.deserializeBinary(eventBytes);
    const parsed = parseResult(event.getPayload_asU8());
    const clientRef = typeof parsed === 'object' && parsed !== null && typeof (parsed as { actingClient?: unknown }).actingClient === 'string'
      ? (parsed as { actingClient: string }).actingClient
      : undefined;
    return { mspId, eventName: event.getEventName(), ...(clientRef === undefined ? {} : { clientRef }) };
  } catch {
    return undefined;
  }
}

/** An endorsement refused only because the peers' simulated results differ (no chaincode error). */
export function isEndorsementSkew(error: unknown): boolean {
  const details = detailText(error);
  return details.includes('ProposalResponsePayloads do not match') && !/chaincode response 500/.test(details);
}

function detailText(error: unknown): string {
  if (error !== null && typeof error === 'object' && 'details' in error && Array.isArray(error.details)) {
    return (error.details as { message?: string }[]).map((d) => d.message ?? '').join(' ');
  }
  return '';
}
