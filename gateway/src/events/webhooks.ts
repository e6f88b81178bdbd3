import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import type { EventPosition, EventStream, Ledger, LedgerEvent } from '../fabric/ledger';
import { backoffDelay } from '../fabric/retry';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { DocumentStore } from '../store/store';
import { eventBody, eventId } from './event-id';

/**
 * Signed webhooks with at-least-once delivery. Each registration has its own delivery loop and its own
 * checkpoint (the position after the last acknowledged event), saved as soon as the receiver answers
 * 2xx, so after a restart delivery resumes right after the last acknowledged event: nothing is missed,
 * and an acknowledged event is not sent again. Until acknowledged, an event is retried with backoff and
 * nothing after it is sent (order is kept). Receivers verify
 * `Kiseki-Signature: v1=<hex HMAC-SHA256(secret, "<Kiseki-Timestamp>.<body>")>` and may de-duplicate on
 * `Kiseki-Event-Id` (a crash between the receiver's 2xx and the checkpoint write is the one window in
 * which an event can arrive twice).
 */

export interface WebhookRegistration {
  id: string;
  url: string;
  /** Event names to deliver; all when absent. */
  events?: string[];
  clientId: string;
  secret: string;
  createdAt: string;
  /** First block to deliver from. */
  startBlock: string;
}

export type WebhookView = Omit<WebhookRegistration, 'secret'>;

interface Checkpoint {
  blockNumber: string;
  transactionId?: string;
}

const REGISTRATIONS = 'webhooks';
const CHECKPOINTS = 'webhook-checkpoints';

/** The signature header value for `body` sent at `timestamp` (seconds). */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookOptions {
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Backoff base and cap between failed attempts. */
  retryBaseMs: number;
  retryCapMs: number;
}

export class WebhookService {
  readonly #loops = new Map<string, AbortController>();
  #stopped = false;

  constructor(
    private readonly deps: { ledger: Ledger; store: DocumentStore; logger: Logger; metrics: Metrics; fetch?: typeof fetch },
    private readonly options: WebhookOptions = { timeoutMs: 10_000, retryBaseMs: 500, retryCapMs: 60_000 },
  ) {}

  /** Registers a webhook and starts delivering to it; the secret is returned only here. */
  async register(clientId: string, input: { url: string; events?: string[]; secret?: string; startBlock?: string }): Promise<WebhookRegistration> {
    const startBlock = input.startBlock ?? (await this.deps.ledger.height()).toString();
    const registration: WebhookRegistration = {
      id: randomUUID(),
      url: input.url,
      ...(input.events === undefined ? {} : { events: input.events }),
      clientId,
      secret: input.secret ?? randomBytes(32).toString('base64url'),
      createdAt: new Date().toISOString(),
      startBlock,
    };
    await this.deps.store.put(REGISTRATIONS, registration.id, registration);
    this.#start(registration);
    return registration;
  }

  async list(clientId?: string): Promise<WebhookView[]> {
    const all = await this.deps.store.list<WebhookRegistration>(REGISTRATIONS);
    return all.map(({ value }) => value).filter((r) => clientId === undefined || r.clientId === clientId).map(withoutSecret);
  }

  async get(id: string): Promise<WebhookView & { checkpoint?: Checkpoint }> {
    const registration = await this.deps.store.get<WebhookRegistration>(REGISTRATIONS, id);
    if (registration === undefined) throw new AppError('NOT_FOUND', `webhook ${id} not found`);
    const checkpoint = await this.deps.store.get<Checkpoint>(CHECKPOINTS, id);
    return { ...withoutSecret(registration), ...(checkpoint === undefined ? {} : { checkpoint }) };
  }

  async remove(id: string, clientId: string, mayRemoveAny: boolean): Promise<void> {
    const registration = await this.deps.store.get<WebhookRegistration>(REGISTRATIONS, id);
    if (registration === undefined) throw new AppError('NOT_FOUND', `webhook ${id} not found`);
    if (!mayRemoveAny && registration.clientId !== clientId) throw new AppError('FORBIDDEN', 'this webhook belongs to another client');
    this.#loops.get(id)?.abort();
    this.#loops.delete(id);
    await this.deps.store.delete(REGISTRATIONS, id);
    await this.deps.store.delete(CHECKPOINTS, id);
  }

  /** Starts the delivery loops of every stored registration. */
  async startAll(): Promise<void> {
    for (const { value } of await this.deps.store.list<WebhookRegistration>(REGISTRATIONS)) this.#start(value);
  }

  stop(): void {
    this.#stopped = true;
    for (const controller of this.#loops.values()) controller.abort();
    this.#loops.clear();
  }

  #start(registration: WebhookRegistration): void {
    if (this.#stopped || this.#loops.has(registration.id)) return;
    const controller = new AbortController();
    this.#loops.set(registration.id, controller);
    void this.#run(registration, controller.signal);
  }

  async #run(registration: WebhookRegistration, signal: AbortSignal): Promise<void> {
    const log = this.deps.logger.child({ webhookId: registration.id });
    let failures = 0;
    while (!stopped(signal)) {
      let stream: EventStream | undefined;
      const onAbort = (): void => stream?.close();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const saved = await this.deps.store.get<Checkpoint>(CHECKPOINTS, registration.id);
        const from: EventPosition =
          saved === undefined
            ? { blockNumber: BigInt(registration.startBlock) }
            : { blockNumber: BigInt(saved.blockNumber), ...(saved.transactionId === undefined ? {} : { transactionId: saved.transactionId }) };
        stream = await this.deps.ledger.events(from);
        for await (const event of stream) {
          if (stopped(signal)) break;
          if (registration.events === undefined || registration.events.includes(event.eventName)) {
            await this.#deliverUntilAcknowledged(registration, event, signal, log);
            if (stopped(signal)) break;
          }
          await this.deps.store.put(CHECKPOINTS, registration.id, {
            blockNumber: event.blockNumber.toString(),
            transactionId: event.transactionId,
          } satisfies Checkpoint);
          failures = 0;
        }
      } catch (error) {
        if (stopped(signal)) break;
        failures += 1;
        log.warn('webhook event stream broke; reopening from the checkpoint', { error: String(error) });
      } finally {
        signal.removeEventListener('abort', onAbort);
        stream?.close();
      }
      await abortableSleep(backoffDelay(failures, this.options.retryBaseMs, this.options.retryCapMs) + 100, signal);
    }
  }

  async #deliverUntilAcknowledged(registration: WebhookRegistration, event: LedgerEvent, signal: AbortSignal, log: ReturnType<Logger['child']>): Promise<void> {
    const body = JSON.stringify(eventBody(event));
    const doFetch = this.deps.fetch ?? fetch;
    for (let attempt = 1; !stopped(signal); attempt += 1) {
      const timestamp = Math.floor(Date.now() / 1000).toString();
      try {
        const response = await doFetch(registration.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Kiseki-Webhook-Id': registration.id,
            'Kiseki-Event-Id': eventId(event),
            'Kiseki-Event-Name': event.eventName,
            'Kiseki-Timestamp': timestamp,
            'Kiseki-Signature': signWebhook(registration.secret, timestamp, body),
          },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]),
          redirect: 'manual',
        });
        await response.body?.cancel();
        if (response.status >= 200 && response.status < 300) {
          this.deps.metrics.webhookDeliveries.inc({ outcome: 'acknowledged' });
          return;
        }
        this.deps.metrics.webhookDeliveries.inc({ outcome: 'refused' });
        log.warn('webhook receiver refused an event', { eventId: eventId(event), status: response.status, attempt });
      } catch (error) {
        if (stopped(signal)) return;
        this.deps.metrics.webhookDeliveries.inc({ outcome: 'failed' });
        log.warn('webhook delivery failed', { eventId: eventId(event), attempt, error: String(error) });
      }
      await abortableSleep(backoffDelay(attempt, this.options.retryBaseMs, this.options.retryCapMs) + 50, signal);
    }
  }
}

function withoutSecret(registration: WebhookRegistration): WebhookView {
  const view: Partial<WebhookRegistration> = { ...registration };
  delete view.secret;
  return view as WebhookView;
}

/** Read through a call so that flow analysis does not assume the signal cannot change meanwhile. */
function stopped(signal: AbortSignal): boolean {
  return signal.aborted;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
