import type { EventPosition, LedgerEvent } from '../fabric/ledger';

/**
 * Event IDs name a chaincode event by its place on the ledger, `<blockNumber>:<transactionId>` (Fabric
 * keeps one chaincode event per transaction), so an ID is also the position to resume after.
 */

export function eventId(event: Pick<LedgerEvent, 'blockNumber' | 'transactionId'>): string {
  return `${event.blockNumber.toString()}:${event.transactionId}`;
}

/** Parses an event ID into the position just after that event; undefined when malformed. */
export function positionAfter(id: string): EventPosition | undefined {
  const match = /^(\d{1,20}):([0-9a-f]{1,128})$/.exec(id.trim());
  if (match === null) return undefined;
  return { blockNumber: BigInt(match[1] as string), transactionId: match[2] as string };
}

/** The JSON an event is delivered as (SSE `data:` and webhook body). */
export function eventBody(event: LedgerEvent): Record<string, unknown> {
  return {
    id: eventId(event),
    blockNumber: event.blockNumber.toString(),
    transactionId: event.transactionId,
    eventName: event.eventName,
    payload: event.payload,
  };
}
