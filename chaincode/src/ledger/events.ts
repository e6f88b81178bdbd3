import { toBytes } from '../shared/codec';
import type { EventName } from '../shared/names';

import type { KisekiContext } from './context';

/**
 * The one chaincode event of a transaction. Fabric keeps only the last `setEvent` of a transaction,
 * so a second call would silently drop the first event's effects: each transaction calls
 * {@link emitEvent} once, at its end, with a payload that lists all its effects.
 */

/**
 * Emits the transaction's event (payload as sorted-key JSON).
 * @throws Error when this transaction has already emitted an event (a programming error).
 */
export function emitEvent(ctx: KisekiContext, name: EventName, payload: Readonly<Record<string, unknown>>): void {
  if (ctx.emittedEvent !== undefined) {
    throw new Error(`one event per transaction: ${ctx.emittedEvent} was already emitted, refusing ${name}`);
  }
  ctx.emittedEvent = name;
  // Who acted: the API client the creator's gateway authenticated, when it named one (the org is
  // the transaction's creator).
  const client = ctx.actingClient;
  ctx.stub.setEvent(name, toBytes(client === undefined ? payload : { ...payload, actingClient: client }));
}
