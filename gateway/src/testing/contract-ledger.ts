import { createHash } from 'node:crypto';
import type { Contract } from 'fabric-contract-api';
import { TransientKeys } from '@kiseki/chaincode/shared/names';
import type { ModelRecord } from '@kiseki/chaincode/shared/records';
import { AppError } from '../errors';
import { fabricToAppError } from '../fabric/errors';
import type { EventPosition, EventStream, Ledger, LedgerEvent, SubmitResult, TransactionStatus, TxContext } from '../fabric/ledger';
import { ledgerClient, type LedgerClient } from '../ledger/client';
import { contracts, loadCollections, MemoryLedger } from './chaincode';

/**
 * A {@link Ledger} for unit tests that runs the real contracts on the chaincode's in-memory ledger, as
 * the org `mspId` (the gateway's identity): a chaincode change that breaks the gateway fails a unit
 * test. Each submit commits one block holding its one chaincode event, so event streams, positions and
 * resumption behave as on a peer. Refusals (`CONFLICT: …`) are converted exactly as a peer's are.
 */

export interface SubmitCall {
  /** `contract:transaction`. */
  operation: string;
  request: Record<string, unknown>;
  context: TxContext;
}

export class ContractLedger implements Ledger {
  /** The chaincode's state, for tests that look at what was written. */
  readonly memory: MemoryLedger;
  readonly submitted: SubmitCall[] = [];
  readonly emitted: LedgerEvent[] = [];
  readonly committed = new Map<string, TransactionStatus>();
  /** When set, every call fails with it (e.g. an unreachable peer). */
  failWith: AppError | undefined;
  /** When set, submits fail with it (e.g. a commit timeout) while reads still work. */
  failSubmitWith: AppError | undefined;
  /** When set, a submit commits and then fails with it: the answer was lost after the commit. */
  failAfterCommitWith: AppError | undefined;
  readonly #contracts = new Map<string, Contract>();
  /** Submits run one after the other, as the ordering service puts them in one order. */
  #ordering: Promise<unknown> = Promise.resolve();
  #block = 5n;
  #tx = 0;
  readonly #waiters = new Set<() => void>();

  constructor(readonly mspId = 'Studio1MSP') {
    this.memory = new MemoryLedger({ collections: loadCollections() });
  }

  /** A typed client acting as org `mspId`, for setting up state (terms by the licensor, …) through the real contracts. */
  as(mspId: string, clientId = 'test-setup'): LedgerClient {
    return ledgerClient(new ContractLedgerAs(this, mspId), { clientId });
  }

  /**
   * Terms `termsId` published by the licensor (withdrawn when asked) and provider `providerId` managed
   * by this org: what a data registration needs.
   */
  async seed(options: { termsId?: string; providerId?: string; withdrawn?: boolean } = {}): Promise<void> {
    const termsId = options.termsId ?? 't1';
    const licensor = this.as('LicensorMSP');
    await licensor.terms.publish({
      termsId,
      aiTraining: true,
      commercialUse: true,
      derivatives: true,
      attribution: false,
      territory: 'worldwide',
      validFrom: '2020-01-01T00:00:00Z',
      dataPoolShareBps: 3000,
      legalTextDigest: createHash('sha256').update(`legal text of ${termsId}`).digest('hex'),
    });
    if (options.withdrawn === true) await licensor.terms.withdraw({ termsId, reason: 'withdrawn for the test' });
    const providerId = options.providerId ?? 'p1';
    await this.as(this.mspId).providers.register({
      providerId,
      payoutRefDigest: createHash('sha256').update(`payout of ${providerId}`).digest('hex'),
    });
  }

  nextTransactionId(): string {
    this.#tx += 1;
    return createHash('sha256').update(`tx-${this.#tx}`).digest('hex');
  }

  /** Appends an event in a new block, as a committed transaction does. */
  emit(eventName: string, payload: unknown, transactionId = this.nextTransactionId()): LedgerEvent {
    this.#block += 1n;
    const event: LedgerEvent = { blockNumber: this.#block, transactionId, eventName, payload };
    this.emitted.push(event);
    this.committed.set(transactionId, {
      transactionId,
      status: 'committed',
      validationCode: 'VALID',
      blockNumber: this.#block.toString(),
    });
    for (const wake of [...this.#waiters]) wake();
    return event;
  }

  submit(contract: string, transaction: string, request: Record<string, unknown>, context: TxContext): Promise<SubmitResult> {
    return this.submitAs(this.mspId, contract, transaction, request, context);
  }

  /**
   * Data items `dataIds` (provider `p1`, terms `t1`, as {@link seed} makes them; content digest from the
   * id) registered by this org, in batches of 1,000.
   */
  async registerData(dataIds: readonly string[], providerId = 'p1', termsId = 't1'): Promise<void> {
    const items = dataIds.map((dataId) => ({
      dataId,
      providerId,
      termsId,
      contentDigest: createHash('sha256').update(`content of ${dataId}`).digest('hex'),
      mediaType: 'image/png',
      size: 1024,
    }));
    const studio = this.as(this.mspId);
    for (let i = 0; i < items.length; i += 1000) await studio.data.registerBatch({ items: items.slice(i, i + 1000) });
  }

  /**
   * Model `modelId` of this org trained on `dataIds` (registered here, after {@link seed}) and sealed
   * unless `seal: false`; its record.
   */
  async sealedModel(
    modelId: string,
    dataIds: readonly string[],
    options: { providerId?: string; termsId?: string; seal?: boolean } = {},
  ): Promise<ModelRecord> {
    await this.registerData(dataIds, options.providerId, options.termsId);
    const studio = this.as(this.mspId);
    const sorted = [...dataIds].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    let model = (await studio.models.register({ modelId })).result;
    for (let i = 0; i < sorted.length; i += 1000) {
      model = (await studio.models.attestTrainingBatch({ modelId, dataIds: sorted.slice(i, i + 1000) })).result;
    }
    return options.seal === false ? model : (await studio.models.seal({ modelId })).result;
  }

  /** {@link submit} by another org's gateway; `logged: false` leaves it out of {@link submitted} (test set-up). */
  submitAs(
    mspId: string,
    contract: string,
    transaction: string,
    request: Record<string, unknown>,
    context: TxContext,
    logged = true,
  ): Promise<SubmitResult> {
    const run = this.#ordering.then(() => this.#submitNow(mspId, contract, transaction, request, context, logged));
    this.#ordering = run.catch(() => undefined);
    return run;
  }

  async #submitNow(
    mspId: string,
    contract: string,
    transaction: string,
    request: Record<string, unknown>,
    context: TxContext,
    logged = true,
  ): Promise<SubmitResult> {
    await Promise.resolve();
    const transactionId = this.nextTransactionId();
    context.onTransactionId?.(transactionId);
    const failure = this.failWith ?? this.failSubmitWith;
    if (failure !== undefined) {
      throw new AppError(failure.code, failure.message, { transactionId, outcomeUnknown: failure.outcomeUnknown });
    }
    if (logged) this.submitted.push({ operation: `${contract}:${transaction}`, request, context });
    let outcome;
    try {
      outcome = await this.memory.invoke(this.#contract(contract), transaction, mspId, [request], {
        txId: transactionId,
        transient: { ...context.transient, [TransientKeys.clientRef]: context.clientId },
      });
    } catch (error) {
      throw fabricToAppError(error, transactionId);
    }
    context.onEndorsed?.({ transactionId, result: outcome.result });
    context.onOrdered?.({ transactionId, result: outcome.result });
    const event = this.emit(outcome.event?.name ?? '', outcome.event?.payload, transactionId);
    const lost = this.failAfterCommitWith;
    if (lost !== undefined) throw new AppError(lost.code, lost.message, { transactionId, outcomeUnknown: lost.outcomeUnknown });
    return { result: outcome.payload === '' ? undefined : outcome.result, transactionId, blockNumber: event.blockNumber.toString() };
  }

  evaluate(contract: string, transaction: string, args: readonly string[]): Promise<unknown> {
    return this.evaluateAs(this.mspId, contract, transaction, args);
  }

  /** {@link evaluate} on another org's peer. */
  async evaluateAs(mspId: string, contract: string, transaction: string, args: readonly string[]): Promise<unknown> {
    await Promise.resolve();
    if (this.failWith !== undefined) throw this.failWith;
    try {
      const outcome = await this.memory.invoke(this.#contract(contract), transaction, mspId, args);
      return outcome.payload === '' ? undefined : outcome.result;
    } catch (error) {
      throw fabricToAppError(error);
    }
  }

  transactionStatus(transactionId: string): Promise<TransactionStatus> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    return Promise.resolve(this.committed.get(transactionId) ?? { transactionId, status: 'unknown' });
  }

  height(): Promise<bigint> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    return Promise.resolve(this.#block + 1n);
  }

  events(from?: EventPosition): Promise<EventStream> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    let index = 0;
    if (from === undefined) {
      index = this.emitted.length;
    } else {
      while (index < this.emitted.length && (this.emitted[index] as LedgerEvent).blockNumber < from.blockNumber) index += 1;
      if (from.transactionId !== undefined) {
        const at = this.emitted.findIndex((e) => e.blockNumber === from.blockNumber && e.transactionId === from.transactionId);
        if (at >= 0) index = at + 1;
      }
    }
    let closed = false;
    let wake: (() => void) | undefined;
    const events = this.emitted;
    const waiters = this.#waiters;
    const iterator: AsyncIterator<LedgerEvent> = {
      next: async () => {
        while (!closed && index >= events.length) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            waiters.add(resolve);
          });
          if (wake !== undefined) waiters.delete(wake);
        }
        if (closed) return { done: true, value: undefined };
        const value = events[index] as LedgerEvent;
        index += 1;
        return { done: false, value };
      },
    };
    return Promise.resolve({
      [Symbol.asyncIterator]: () => iterator,
      close: () => {
        closed = true;
        wake?.();
      },
    });
  }

  close(): void {
    this.failWith = new AppError('UNAVAILABLE', 'closed');
  }

  #contract(name: string): Contract {
    // Built on first use, so that tests that never call a contract do not pay for it.
    if (this.#contracts.size === 0) {
      for (const ContractClass of contracts) {
        const instance = new ContractClass();
        this.#contracts.set(instance.getName(), instance);
      }
    }
    const contract = this.#contracts.get(name);
    if (contract === undefined) throw new AppError('NOT_FOUND', `NOT_FOUND: no contract ${name}`);
    return contract;
  }
}

/** The same ledger seen through another org's gateway and peer. */
class ContractLedgerAs implements Pick<Ledger, 'submit' | 'evaluate'> {
  constructor(
    private readonly ledger: ContractLedger,
    private readonly mspId: string,
  ) {}

  submit(contract: string, transaction: string, request: Record<string, unknown>, context: TxContext): Promise<SubmitResult> {
    return this.ledger.submitAs(this.mspId, contract, transaction, request, context, false);
  }

  evaluate(contract: string, transaction: string, args: readonly string[]): Promise<unknown> {
    return this.ledger.evaluateAs(this.mspId, contract, transaction, args);
  }
}
