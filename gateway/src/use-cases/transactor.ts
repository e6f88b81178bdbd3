import type { Principal } from '../auth';
import { toAppError } from '../errors';
import type { Ledger, SubmitResult, TransactionStatus, TxContext } from '../fabric/ledger';
import { createLedgerClient, type LedgerClient } from '../ledger/client';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { PendingWork } from '../pending-work';
import type { DocumentStore } from '../store/store';

/**
 * Submits transactions on behalf of an API client and keeps a local log of them (who, what, when,
 * outcome), so that every transaction can be traced back to the client that asked for it, and a client
 * whose request timed out can later ask what became of its transaction.
 */

export interface TxLogEntry {
  transactionId: string;
  operation: string;
  clientId: string;
  role: string;
  requestId?: string;
  state: 'pending' | 'committed' | 'failed';
  startedAt: string;
  finishedAt?: string;
  blockNumber?: string;
  errorCode?: string;
}

export interface TransactionView extends TransactionStatus {
  operation?: string;
  clientId?: string;
  submittedAt?: string;
}

const NAMESPACE = 'transactions';

export class Transactor {
  /** Submissions and their log writes still under way, awaited by {@link settle} before the store closes. */
  readonly #pending = new PendingWork();

  constructor(
    private readonly ledger: Ledger,
    private readonly store: DocumentStore,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /**
   * Submits `contract:transaction` for `principal`.
   * @throws AppError from the ledger adapter.
   */
  async submit(
    principal: Principal,
    requestId: string,
    contract: string,
    transaction: string,
    request: Record<string, unknown>,
    transient?: Readonly<Record<string, string>>,
    progress?: Pick<TxContext, 'onEndorsed' | 'onOrdered'>,
  ): Promise<SubmitResult> {
    const operation = `${contract}:${transaction}`;
    const started = Date.now();
    const attempts: string[] = [];
    const base = { operation, clientId: principal.clientId, role: principal.role, requestId };
    const log = (entry: TxLogEntry): Promise<void> =>
      this.store.put(NAMESPACE, entry.transactionId, entry).catch((error: unknown) => {
        this.logger.warn('could not write the transaction log', { transactionId: entry.transactionId, error: String(error) });
      });
    // Some submissions end after their request was answered (a hand-off's access record commits while the content streams).
    const release = this.#pending.hold();
    try {
      const result = await this.ledger.submit(contract, transaction, request, {
        clientId: principal.clientId,
        requestId,
        ...(transient === undefined ? {} : { transient }),
        ...(progress?.onEndorsed === undefined ? {} : { onEndorsed: progress.onEndorsed }),
        ...(progress?.onOrdered === undefined ? {} : { onOrdered: progress.onOrdered }),
        onTransactionId: (transactionId) => {
          attempts.push(transactionId);
        },
      });
      // Off the response path: the ledger already holds the transaction; the log adds who asked.
      void this.#pending.track(
        log({
          ...base,
          transactionId: result.transactionId,
          state: 'committed',
          startedAt: new Date(started).toISOString(),
          finishedAt: new Date().toISOString(),
          blockNumber: result.blockNumber,
        }),
      );
      this.metrics.transactions.inc({ operation, outcome: 'committed' });
      this.metrics.transactionDuration.observe({ operation }, (Date.now() - started) / 1000);
      this.logger.info('transaction committed', {
        ...base,
        transactionId: result.transactionId,
        blockNumber: result.blockNumber,
        durationMs: Date.now() - started,
      });
      return result;
    } catch (error) {
      const appError = toAppError(error);
      const last = attempts[attempts.length - 1];
      if (last !== undefined) {
        await log({
          ...base,
          transactionId: last,
          state: appError.outcomeUnknown ? 'pending' : 'failed',
          startedAt: new Date(started).toISOString(),
          finishedAt: new Date().toISOString(),
          errorCode: appError.code,
        });
      }
      this.metrics.transactions.inc({ operation, outcome: appError.code });
      throw error;
    } finally {
      release();
    }
  }

  /** Waits (at most `graceMs`) for submissions and log writes still under way, at shutdown before the store closes. */
  settle(graceMs = 10_000): Promise<void> {
    return this.#pending.settle(graceMs);
  }

  /** The typed ledger client acting for `principal`: its writes go through {@link submit}, so they are logged. */
  client(principal: Principal, requestId: string): LedgerClient {
    return createLedgerClient({
      submit: (contract, transaction, request, options) =>
        this.submit(principal, requestId, contract, transaction, request, options.transient, {
          ...(options.onEndorsed === undefined ? {} : { onEndorsed: options.onEndorsed }),
          ...(options.onOrdered === undefined ? {} : { onOrdered: options.onOrdered }),
        }),
      evaluate: (contract, transaction, args) => this.ledger.evaluate(contract, transaction, args),
    });
  }

  /** The ledger's view of a transaction, with what the local log knows (operation, client). */
  async status(transactionId: string): Promise<TransactionView> {
    const local = await this.store.get<TxLogEntry>(NAMESPACE, transactionId);
    const onLedger = await this.ledger.transactionStatus(transactionId);
    return {
      ...onLedger,
      ...(local === undefined ? {} : { operation: local.operation, clientId: local.clientId, submittedAt: local.startedAt }),
    };
  }

  /** The local log entry alone (no ledger call). */
  local(transactionId: string): Promise<TxLogEntry | undefined> {
    return this.store.get<TxLogEntry>(NAMESPACE, transactionId);
  }
}
