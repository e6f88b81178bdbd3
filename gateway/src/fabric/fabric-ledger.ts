import type { Checkpoint, Network, Status, SubmittedTransaction, Transaction } from '@hyperledger/fabric-gateway';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { toJson } from '@kiseki/chaincode/shared/codec';
import { fullJitter, retry as retryWith } from '@kiseki/network/dist/retry';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { fabricToAppError, isFabricError, RETRYABLE_VALIDATION_CODES, validationCodeName } from './errors';
import type { EventPosition, EventStream, Ledger, LedgerEvent, SubmitResult, TransactionStatus, TxContext } from './ledger';

export interface FabricLedgerOptions {
  network: Network;
  chaincode: string;
  retry: { mvccAttempts: number; baseDelayMs: number };
  /** Deadlines of a write; see config `timeouts`. Defaults suit a loopback network. */
  timeouts?: { submitMs: number; commitStatusMs: number; writeMs: number; commitResubmitMs: number };
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
/** A transaction is taken for lost when one ordered this much later has committed before it. */
const OVERTAKEN_AFTER_MS = 2_000;

export class FabricLedger implements Ledger {
  readonly #options: Readonly<FabricLedgerOptions>;
  /** When this gateway last saw one of its transactions commit (0: never). */
  #lastCommitAt = 0;
  /** When the most recently ordered of its committed transactions was ordered. */
  #newestCommittedOrderedAt = 0;

  constructor(options: Readonly<FabricLedgerOptions>) {
    this.#options = options;
  }

  async submit(contract: string, transaction: string, request: Record<string, unknown>, context: TxContext): Promise<SubmitResult> {
    const { network, chaincode, retry, logger } = this.#options;
    const target = network.getContract(chaincode, contract);
    const argument = toJson(request);
    const deadline = Date.now() + this.#timeouts.writeMs;
    // The acting API client travels in the transient map: every endorser sees it (so the chaincode may
    // record it deterministically) while the request itself keeps exactly the fields DESIGN §7 names.
    const transientData = { ...context.transient, [CLIENT_REF_TRANSIENT_KEY]: context.clientId };
    // Why the last attempt is worth repeating (an MVCC-style invalidation or endorsement skew), if it is.
    let again: { message: string; fields: Record<string, unknown> } | undefined;
    return await retryWith(
      async (attempt) => {
        again = undefined;
        const proposal = target.newProposal(transaction, { arguments: [argument], transientData });
        const transactionId = proposal.getTransactionId();
        context.onTransactionId?.(transactionId);
        try {
          const endorsed = await proposal.endorse();
          context.onEndorsed?.({ transactionId, result: parseResult(endorsed.getResult()) });
          const submitted = await this.#order(endorsed, transactionId, deadline);
          context.onOrdered?.({ transactionId, result: parseResult(submitted.getResult()) });
          const status = await this.#awaitCommit(endorsed, submitted, transactionId, deadline);
          if (status.successful) {
            return { result: parseResult(submitted.getResult()), transactionId, blockNumber: status.blockNumber.toString() };
          }
          const reason = validationCodeName(status.code);
          if (RETRYABLE_VALIDATION_CODES.has(status.code)) {
            again = { message: 'transaction invalidated, retrying', fields: { transactionId, reason, attempt, contract, transaction } };
          }
          throw new AppError('COMMIT_FAILED', `transaction ${transactionId} was invalidated: ${reason}`, { transactionId });
        } catch (error) {
          // Endorsers that read different versions (one peer a block behind under contention) return
          // different results; nothing was submitted, so a fresh proposal is safe — like an MVCC retry.
          if (isEndorsementSkew(error)) {
            again = { message: 'endorsements differed between peers, retrying', fields: { transactionId, attempt, contract, transaction } };
          }
          throw fabricToAppError(error, transactionId);
        }
      },
      {
        attempts: retry.mvccAttempts,
        delay: fullJitter(retry.baseDelayMs),
        retryIf: (outcome) => !outcome.ok && again !== undefined && Date.now() < deadline,
        onRetry: () => {
          if (again !== undefined) logger.warn(again.message, again.fields);
        },
      },
    );
  }

  get #timeouts(): NonNullable<FabricLedgerOptions['timeouts']> {
    return this.#options.timeouts ?? { submitMs: 5_000, commitStatusMs: 60_000, writeMs: 45_000, commitResubmitMs: 8_000 };
  }

  /**
   * Hands the endorsed transaction to the ordering service. The peer tries each orderer in turn; when
   * none accepts it (one stopped and the rest electing a leader) the same signed transaction — same ID,
   * so it can commit at most once — is handed over again with backoff until the write's deadline.
   */
  async #order(endorsed: Transaction, transactionId: string, deadline: number): Promise<SubmittedTransaction> {
    const { retry, logger } = this.#options;
    return await retryWith(() => endorsed.submit({ deadline: Math.min(Date.now() + this.#timeouts.submitMs, deadline) }), {
      delay: fullJitter(retry.baseDelayMs * 2, 2_000, 100),
      retryIf: (outcome) => !outcome.ok && isOrderingTransient(outcome.error),
      deadlineMs: deadline - Date.now(),
      onRetry: (outcome, attempt) => {
        logger.warn('the ordering service did not take the transaction; handing it over again', {
          transactionId,
          attempt,
          component: outcome.ok ? undefined : failingComponent(outcome.error),
        });
      },
    });
  }

  /**
   * Waits for the commit. A transaction an orderer accepted and then lost (it stopped before the
   * cluster agreed on it) never commits: when no commit is seen in `commitResubmitMs`, the same signed
   * transaction is handed to the orderers again; a duplicate of a committed one is simply invalid.
   * A busy network is not a lost transaction: while this gateway keeps seeing commits, none of them of
   * a transaction ordered clearly after this one, it keeps waiting instead of adding duplicates to the
   * orderers' queue.
   */
  async #awaitCommit(endorsed: Transaction, submitted: SubmittedTransaction, transactionId: string, deadline: number): Promise<Status> {
    const { logger } = this.#options;
    const orderedAt = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      const wait = Math.min(this.#timeouts.commitResubmitMs, this.#timeouts.commitStatusMs);
      const callDeadline = Math.min(Date.now() + wait, deadline);
      try {
        const status = await submitted.getStatus({ deadline: callDeadline });
        this.#lastCommitAt = Date.now();
        this.#newestCommittedOrderedAt = Math.max(this.#newestCommittedOrderedAt, orderedAt);
        return status;
      } catch (error) {
        // Timed out, or the peer answering the status call was briefly unreachable: either way the
        // transaction may be lost, and handing it over again is safe.
        const transient = isFabricError(error) && TRANSIENT_GRPC_CODES.has(error.code);
        if (!transient || Date.now() + 500 >= deadline) throw error;
        const overtaken = this.#newestCommittedOrderedAt > orderedAt + OVERTAKEN_AFTER_MS;
        const stalled = Date.now() - this.#lastCommitAt >= this.#timeouts.commitResubmitMs;
        if (!overtaken && !stalled) continue;
        logger.warn('no commit seen yet; handing the transaction to the orderers again', { transactionId, attempt, overtaken });
        try {
          await endorsed.submit({ deadline: Math.min(Date.now() + this.#timeouts.submitMs, deadline) });
        } catch (resubmitError) {
          if (!isOrderingTransient(resubmitError)) throw resubmitError;
        }
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
      if (
        converted.httpStatus < 500 ||
        /no such transaction|not found/i.test(`${error instanceof Error ? error.message : ''} ${detailText(error)}`)
      ) {
        return { transactionId, status: 'unknown' };
      }
      throw converted;
    }
    const code = processed.getValidationcode();
    let blockNumber: string | undefined;
    try {
      const block = common.Block.deserializeBinary(await qscc.evaluateTransaction('GetBlockByTxID', network.getName(), transactionId));
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
      from === undefined ? undefined : { getBlockNumber: () => from.blockNumber, getTransactionId: () => from.transactionId };
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
    const responsePayload = peer.ProposalResponsePayload.deserializeBinary(
      actionPayload.getAction()?.getProposalResponsePayload_asU8() ?? new Uint8Array(),
    );
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
    const eventBytes = chaincodeAction.getEvents_asU8();
    if (eventBytes.length === 0) return { mspId };
    const event = peer.ChaincodeEvent.deserializeBinary(eventBytes);
    const parsed = parseResult(event.getPayload_asU8());
    const clientRef =
      typeof parsed === 'object' && parsed !== null && typeof (parsed as { actingClient?: unknown }).actingClient === 'string'
        ? (parsed as { actingClient: string }).actingClient
        : undefined;
    return { mspId, eventName: event.getEventName(), ...(clientRef === undefined ? {} : { clientRef }) };
  } catch {
    return undefined;
  }
}

/** An ordering failure worth handing the same transaction over again: nobody took it, or not in time. */
/**
 * A hand-over the ordering service did not finish for a reason of the moment: no orderer reachable, no
 * answer in time, or the peer's stream to an orderer cancelled as that orderer went down. Handing the same
 * signed transaction over again is safe: its ID commits at most once.
 */
export function isOrderingTransient(error: unknown): boolean {
  if (!isFabricError(error) || error.name !== 'SubmitError') return false;
  return TRANSIENT_GRPC_CODES.has(error.code);
}

const TRANSIENT_GRPC_CODES: ReadonlySet<number> = new Set([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.CANCELLED]);

/** Which node failed, from the details Fabric attaches (`mspId@address: message`), for the log. */
export function failingComponent(error: unknown): string {
  if (!isFabricError(error)) return 'unknown';
  const details = (error.details ?? []).map((d) => `${d.mspId ?? '?'}@${d.address ?? '?'}: ${d.message ?? ''}`);
  return details.length > 0 ? details.join('; ') : error.message;
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
