import { sleep } from '@kiseki/network/dist/retry';
import type { KisekiClient } from './index';

/**
 * Follows the gateway's server-sent event stream and resumes it: after a dropped connection or a
 * gateway restart it reconnects with `Last-Event-ID`, so no event is missed or seen twice.
 */

export interface LedgerEventMessage {
  /** `<block>:<txId>`; pass it back as `lastEventId` to resume after this event. */
  id: string;
  event: string;
  data: unknown;
}

export interface FollowOptions {
  /** Only these event names. */
  events?: string[];
  /** Resume right after this event. */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Wait before reconnecting, in ms; default: the server's `retry:` hint or 2 s. */
  reconnectMs?: number;
}

/** Yields events until `signal` aborts, reconnecting with the last id seen. */
export async function* followEvents(client: KisekiClient, options: FollowOptions = {}): AsyncGenerator<LedgerEventMessage> {
  const { baseUrl, apiKey } = client.options;
  let lastEventId = options.lastEventId;
  let retryMs = options.reconnectMs ?? 2_000;
  const query = options.events === undefined ? '' : `?events=${encodeURIComponent(options.events.join(','))}`;
  const aborted = (): boolean => options.signal?.aborted === true;
  while (!aborted()) {
    try {
      const res = await (client.options.fetch ?? fetch)(`${baseUrl.replace(/\/$/, '')}/v1/events${query}`, {
        headers: {
          authorization: `Bearer ${apiKey}`,
          accept: 'text/event-stream',
          ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
        },
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      if (res.ok && res.body !== null) {
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let at: number;
          while ((at = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, at);
            buffer = buffer.slice(at + 2);
            const fields = new Map<string, string>();
            for (const line of block.split('\n')) {
              const colon = line.indexOf(':');
              if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
            }
            const retry = Number(fields.get('retry'));
            if (options.reconnectMs === undefined && Number.isFinite(retry) && retry > 0) retryMs = retry;
            const id = fields.get('id');
            const data = fields.get('data');
            if (id === undefined || data === undefined) continue;
            lastEventId = id;
            yield { id, event: fields.get('event') ?? 'message', data: JSON.parse(data) as unknown };
          }
        }
      } else {
        await res.body?.cancel();
      }
    } catch {
      // A dropped connection or a gateway restart: reconnect below.
      if (aborted()) return;
    }
    // Ends early when the signal aborts; the loop condition then stops.
    await sleep(retryMs, options.signal).catch(() => undefined);
  }
}
