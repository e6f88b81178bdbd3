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
 *
 * Backpressure: the next event is taken from the peer only once the client has drained what it was
 * sent, so a slow reader costs the gateway at most `maxBufferedBytes`; a client that does not drain
 * within `slowClientMs` (or lets more than that pile up) gets a last `resume` event naming the last
 * event id sent, and is closed. It reconnects with that id as Last-Event-ID and misses nothing.
 */

export interface SseOptions {
  heartbeatMs: number;
  /** Reconnection delay suggested to clients. */
  retryMs: number;
  /** Unsent bytes a client may leave queued before it is closed with a `resume` event. */
  maxBufferedBytes?: number;
  /** How long a client may take to drain its queue before it is closed with a `resume` event. */
  slowClientMs?: number;
}

/** Resolves true once `res` drained, false after `ms` or when it closed first. */
function drained(res: Response, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => {
      done(true);
    };
    const onClose = (): void => {
      done(false);
    };
    const timer = setTimeout(() => {
      done(false);
    }, ms);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
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
  deps.metrics.sseClients.inc();
  // An object, not a local boolean: `end` flips it from event handlers while the loop below runs.
  const state = { ended: false };
  const end = (): void => {
    if (state.ended) return;
    state.ended = true;
    clearInterval(heartbeat);
    stream.close();
    unregister();
    deps.metrics.sseClients.dec();
    res.end();
  };
  const heartbeat = setInterval(() => {
    // A client that has not drained needs no keep-alive; only queue one on an idle connection.
    if (res.writableLength === 0) res.write(': keep-alive\n\n');
  }, deps.options.heartbeatMs);
  const unregister = deps.registry.add(end);
  req.on('close', end);
  const maxBuffered = deps.options.maxBufferedBytes ?? 1024 * 1024;
  const slowMs = deps.options.slowClientMs ?? 15_000;
  let lastSent: string | undefined;
  const closeSlowClient = (): void => {
    if (state.ended) return;
    deps.metrics.sseSlowClosed.inc();
    deps.logger.info('closing a slow event-stream client', { lastEventId: lastSent, buffered: res.writableLength });
    res.write(
      `event: resume\ndata: ${JSON.stringify({ lastEventId: lastSent ?? null, reason: 'the client read too slowly; reconnect with this Last-Event-ID' })}\n\n`,
    );
    end();
    // What is still queued is dropped shortly: a client that reads nothing must not hold it.
    setTimeout(() => {
      if (!res.writableFinished) res.destroy();
    }, 2_000).unref();
  };
  try {
    for await (const event of stream) {
      if (state.ended) break;
      if (names !== undefined && !names.has(event.eventName)) continue;
      const id = eventId(event);
      const accepted = res.write(`id: ${id}\nevent: ${event.eventName}\ndata: ${JSON.stringify(eventBody(event))}\n\n`);
      lastSent = id;
      if (res.writableLength > maxBuffered || (!accepted && !(await drained(res, slowMs)))) {
        closeSlowClient();
        break;
      }
    }
  } catch (error) {
    if (!state.ended) {
      deps.logger.warn('event stream from the peer broke; the client will reconnect', { error: String(error) });
      res.write(
        `event: stream-error\ndata: ${JSON.stringify({ message: 'the event stream from the peer broke; reconnect with Last-Event-ID' })}\n\n`,
      );
    }
  } finally {
    end();
  }
}
