import { Context, Contract } from 'fabric-contract-api';

import { invalid } from '../shared/errors';
import { TransientKeys } from '../shared/names';
import { CLIENT_REF_PATTERN } from '../shared/validate';

import { putStates } from './peer-batch';

/**
 * The per-transaction context of every Kiseki contract. fabric-contract-api creates a fresh one for
 * each invocation (through {@link KisekiContract.createContext}), so what it carries lives exactly as
 * long as one transaction.
 */
export class KisekiContext extends Context {
  /**
   * Records already read from the committed state in this transaction, by key (validated values, or
   * `null` for a missing key), so a batch that touches one provider or one terms record a thousand
   * times reads it once. Only reads are cached: like the peer, a transaction never sees its own writes.
   */
  readonly reads = new Map<string, unknown>();

  /** Raw values fetched ahead in one multi-key read (see `prefetch` in ledger/state), by key. */
  readonly prefetched = new Map<string, Uint8Array>();

  /**
   * Public-state writes of this transaction, in order, sent to the peer in batches when the
   * transaction function returns (`undefined` deletes). Safe because, as on the peer, reads never
   * see this transaction's own writes.
   */
  readonly writes = new Map<string, Uint8Array | undefined>();

  /** Name of the event this transaction emitted, if any (one per transaction, see `ledger/events`). */
  emittedEvent: string | undefined;

  #actingClient: { value: string | undefined } | undefined;

  /**
   * The API client of the calling org that asked for this transaction, as its gateway authenticated
   * it (transient `clientRef`; every endorser receives the same transient map, so records and events
   * built from it stay identical across peers). `undefined` when the caller sent none.
   * @throws KisekiError `INVALID` when the value is not a client reference.
   */
  get actingClient(): string | undefined {
    if (this.#actingClient === undefined) {
      const bytes = this.stub.getTransient().get(TransientKeys.clientRef);
      let value: string | undefined;
      if (bytes !== undefined && bytes.length > 0) {
        value = Buffer.from(bytes).toString('utf8');
        if (!CLIENT_REF_PATTERN.test(value)) throw invalid(`transient ${TransientKeys.clientRef} must match ${CLIENT_REF_PATTERN.source}`);
      }
      this.#actingClient = { value };
    }
    return this.#actingClient.value;
  }
}

/**
 * Base class of every Kiseki contract: gives transactions a {@link KisekiContext}. Declare the first
 * parameter of each transaction as `ctx: KisekiContext` (fabric-contract-api recognises the context
 * parameter by that exact class) and decorate reads with `@Transaction(false)`.
 */
export abstract class KisekiContract extends Contract {
  override createContext(): KisekiContext {
    return new KisekiContext();
  }

  /** Sends the transaction's buffered writes; runs only when the function succeeded. */
  override async afterTransaction(ctx: KisekiContext): Promise<void> {
    if (ctx.writes.size === 0) return;
    const writes = [...ctx.writes].map(([key, value]) => ({ key, value }));
    ctx.writes.clear();
    await putStates(ctx.stub, writes);
  }
}
