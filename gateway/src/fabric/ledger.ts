/**
 * What the gateway needs from the ledger, as an interface so that use cases and routes can be tested
 * against a fake that behaves like the peer. The Fabric implementation is {@link FabricLedger}.
 */

/** Who asked for a transaction, recorded with it for audit. */
export interface TxContext {
  /** The API client (never personal data). */
  clientId: string;
  /** The HTTP request id, for correlating logs. */
  requestId?: string;
  /** Private inputs for the chaincode (transient map; never written to the block). */
  transient?: Readonly<Record<string, string>>;
  /** Called with each transaction ID as soon as it is known (once per attempt). */
  onTransactionId?: (transactionId: string) => void;
  /**
   * Called once the transaction is endorsed (the chaincode ran and judged the request), before it is
   * handed to the ordering service, with the chaincode's result (once per attempt).
   */
  onEndorsed?: (endorsed: { transactionId: string; result: unknown }) => void;
  /**
   * Called once the transaction is endorsed and accepted by the ordering service, before its commit
   * is awaited, with the chaincode's result (once per attempt).
   */
  onOrdered?: (ordered: { transactionId: string; result: unknown }) => void;
}

export interface SubmitResult {
  /** The chaincode's return value, parsed from JSON (undefined when it returned nothing). */
  result: unknown;
  transactionId: string;
  /** Block that holds the committed transaction (decimal string). */
  blockNumber: string;
}

/** Final or pending state of a transaction as the ledger knows it. */
export interface TransactionStatus {
  transactionId: string;
  /** `committed` = valid and in a block; `invalid` = in a block but rejected; `unknown` = not (yet) found. */
  status: 'committed' | 'invalid' | 'unknown';
  validationCode?: string;
  blockNumber?: string;
  /** Who acted, as the ledger records it: the creator's org and the API client the chaincode stored. */
  ledgerActor?: { mspId: string; clientRef?: string; eventName?: string };
}

/** A chaincode event, as delivered by the peer. */
export interface LedgerEvent {
  blockNumber: bigint;
  transactionId: string;
  eventName: string;
  /** The event payload parsed from JSON (raw string when it is not JSON). */
  payload: unknown;
}

/** Where to resume an event stream: after `transactionId` in `blockNumber`, or from the start of the block. */
export interface EventPosition {
  blockNumber: bigint;
  transactionId?: string;
}

export interface EventStream extends AsyncIterable<LedgerEvent> {
  close(): void;
}

export interface Ledger {
  /**
   * Endorses, orders and waits for the commit of `contract:transaction` with one JSON argument.
   * Retries MVCC read conflicts with backoff.
   * @throws AppError mapped from the chaincode code (4xx) or the failure (502/503/504 with transactionId).
   */
  submit(contract: string, transaction: string, request: Record<string, unknown>, context: TxContext): Promise<SubmitResult>;
  /**
   * Evaluates a read on the org's peer.
   * @throws AppError as for {@link submit}.
   */
  evaluate(contract: string, transaction: string, args: readonly string[]): Promise<unknown>;
  /** Looks a transaction up on the channel (qscc). */
  transactionStatus(transactionId: string): Promise<TransactionStatus>;
  /** Current chain height (number of blocks); also serves as the readiness probe of the peer. */
  height(): Promise<bigint>;
  /** Chaincode events from `from` (exclusive of the event named there), or from the next block when absent. */
  events(from?: EventPosition): Promise<EventStream>;
  close(): void;
}
