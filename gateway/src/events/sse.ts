import type { Request, Response } from 'express';
import { AppError } from '../errors';
import type { EventPosition, Ledger } from '../fabric/ledger';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { eventBody, eventId, positionAfter } from './event-id';

/**
 * Server-sent events: chaincode events as they commit, resumable. Each event's `id` is its ledger
 * position, so a client that reconnects with `Last-Event-ID` continues right after the last event it
 * received — across gateway restarts too, since the position lives in the ledger, not in the gateway.
 */

export interface SseOptions {
  heartbeatMs: number;
  /** Reconnection delay suggested to clients. */
  retryMs: number;
}

/** Open streams, so that shutdown can end them. */
export class SseRegistry {
  readonly #open = new Set<() => void>();
  add(end: () => void): () => void {
    this.#open.add(end);
    return () => this.#open.delete(end);
  }
  get size(): number {
    return this.#open.size;
  }
  endAll(): void {
    for (const end of [...this.#open]) end();
  }
}

/**
 * Where a stream starts: after `Last-Event-ID` (header or `lastEventId` query), else at `startBlock`,
 * else at the next block.
 * @throws AppError `INVALID` for a malformed event ID.
 */
export function startPosition(lastEventId: string | undefined, startBlock: bigint | undefined): EventPosition | undefined {
  if (lastEventId !== undefined && lastEventId !== '') {
    const position = positionAfter(lastEventId);
    if (position === undefined) {
      throw new AppError('INVALID', 'Last-Event-ID must be an event id like "12:ab34…"', {
        issues: [{ path: 'header.Last-Event-ID', code: 'invalid_format', message: 'must be <blockNumber>:<transactionId>' }],
      });
    }
    return position;
  }
  return startBlock === undefined ? undefined : { blockNumber: startBlock };
}

export async function streamEvents(
  deps: { ledger: Ledger; logger: Logger; metrics: Metrics; registry: SseRegistry; options: SseOptions },
  req: Request,
  res: Response,
  from: EventPosition | undefined,
  names: ReadonlySet<string> | undefined,
): Promise<void> {
  // Open the ledger stream before answering 200, so an unreachable peer is still a clean 503.
  const stream = await deps.ledger.events(from);
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write(`retry: ${deps.options.retryMs}\n\n`);
  deps.metrics.sseClients.add(1);
  // An object, not a local boolean: `end` flips it from event handlers while the loop below runs.
  const state = { ended: false };
  const end = (): void => {
    if (state.ended) return;
    state.ended = true;
    clearInterval(heartbeat);
    stream.close();
    unregister();
    deps.metrics.sseClients.add(-1);
    res.end();
  };
  const heartbeat = setInterval(() => {
    res.write(': keep-alive\n\n');
  }, deps.options.heartbeatMs);
  const unregister = deps.registry.add(end);
  req.on('close', end);
  try {
    for await (const event of stream) {
      if (state.ended) break;
      if (names !== undefined && !names.has(event.eventName)) continue;
      res.write(`id: ${eventId(event)}\nevent: ${event.eventName}\ndata: ${JSON.stringify(eventBody(event))}\n\n`);
    }
  } catch (error) {
    if (!state.ended) {
      deps.logger.warn('event stream from the peer broke; the client will reconnect', { error: String(error) });
      res.write(`event: stream-error\ndata: ${JSON.stringify({ message: 'the event stream from the peer broke; reconnect with Last-Event-ID' })}\n\n`);
    }
  } finally {
    end();
  }
}
