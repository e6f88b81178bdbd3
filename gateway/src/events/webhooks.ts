import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { fullJitter, retry, sleep } from '@kiseki/network/dist/retry';
import type { Principal } from '../auth';
import { AppError } from '../errors';
import type { EventPosition, EventStream, Ledger, LedgerEvent } from '../fabric/ledger';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { LocalLeases, type LeaseStore } from '../store/leases';
import { PendingWork } from '../pending-work';
import type { DocumentStore } from '../store/store';
import { eventBody, eventId } from './event-id';
import { checkTarget, systemResolver, TargetAllowList, type CheckedTarget, type Resolver } from './webhook-targets';

/**
 * Signed webhooks with at-least-once delivery. Each registration has its own delivery loop and its own
 * checkpoint (the position after the last acknowledged event), saved as soon as the receiver answers
 * 2xx, so after a restart delivery resumes right after the last acknowledged event: nothing is missed,
 * and an acknowledged event is not sent again. Until acknowledged, an event is retried with backoff and
 * nothing after it is sent (order is kept). Receivers verify
 * `Kiseki-Signature: v1=<hex HMAC-SHA256(secret, "<Kiseki-Timestamp>.<body>")>` and may de-duplicate on
 * `Kiseki-Event-Id` (a crash between the receiver's 2xx and the checkpoint write is the one window in
 * which an event can arrive twice).
 *
 * Abuse limits: targets are checked by {@link checkTarget} at registration and before every delivery
 * (each delivery connects to the very address checked); a client holds at most `maxPerClient`
 * webhooks; an event is tried at most `maxAttempts` times, after which the webhook is `failed` (visible,
 * its checkpoint before the undelivered event) until its owner resumes it; only auditors and regulators
 * may start from a block before the current one; only the owner or an auditor sees or deletes one.
 *
 * Replicas: several gateway processes of one org may share the store (PostgreSQL). Each webhook is then
 * delivered by exactly one of them at a time: the one holding its lease ({@link LeaseStore}), renewed
 * every `leaseRenewMs`. A replica that cannot renew stops delivering before its lease can have expired
 * (it counts the time-to-live from before it asked), and the others, scanning the registrations on the
 * same beat, take an unheld or expired lease over and resume from the shared checkpoint.
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
  /** `failed`: delivery stopped after the retry budget; resume to try again from the checkpoint. */
  state?: 'active' | 'failed';
  failure?: WebhookFailure;
}

export interface WebhookFailure {
  at: string;
  attempts: number;
  eventId: string;
  lastError: string;
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
  /** Attempts per event before the webhook is marked `failed`. */
  maxAttempts?: number;
  /** Webhooks one client may hold. */
  maxPerClient?: number;
  /** Hosts and CIDR ranges allowed although not public (see webhook-targets.ts). */
  allowTargets?: readonly string[];
  /** How long a replica's hold on a webhook lasts without renewal (default 15 s). */
  leaseTtlMs?: number;
  /** How often leases are renewed and unheld webhooks looked for (default 5 s). */
  leaseRenewMs?: number;
}

/** The lease of one webhook's delivery loop. */
const leaseName = (id: string): string => `webhook:${id}`;
/** Safety margin: a replica stops this long before the store could consider its lease expired. */
const LEASE_MARGIN_MS = 1_000;

/** Roles that see and delete every client's webhooks and may replay from before the current block. */
const OVERSEERS = new Set(['auditor', 'regulator']);

/** POSTs a delivery to the checked address only; resolves with the status code. */
function post(
  target: CheckedTarget,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<number> {
  const [first] = target.addresses;
  if (first === undefined) return Promise.reject(new Error('no checked address'));
  // Pin the connection to the addresses checked a moment ago: no second DNS answer is consulted.
  const lookup = ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void): void => {
    if (options.all === true) callback(null, target.addresses);
    else callback(null, first.address, first.family);
  }) as unknown as LookupFunction;
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target.url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        lookup,
        signal,
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export class WebhookService {
  readonly #loops = new Map<string, AbortController>();
  /** Delivery loops and the lease scan still running, awaited by `stop()` before the store closes. */
  readonly #running = new PendingWork();
  readonly #allow: TargetAllowList;
  readonly #resolve: Resolver;
  readonly #maxAttempts: number;
  readonly #maxPerClient: number;
  readonly #leases: LeaseStore;
  readonly #leaseTtlMs: number;
  readonly #leaseRenewMs: number;
  /** This process, as a lease holder. */
  readonly #replica = randomUUID();
  /** Webhooks whose lease this replica holds, with the local time until which it may act on it. */
  readonly #held = new Map<string, number>();
  #scanner: NodeJS.Timeout | undefined;
  #scanning = false;
  #stopped = false;

  /** @throws Error for a malformed allow-list entry. */
  constructor(
    private readonly deps: {
      ledger: Ledger;
      store: DocumentStore;
      logger: Logger;
      metrics: Metrics;
      resolve?: Resolver;
      leases?: LeaseStore;
    },
    private readonly options: WebhookOptions = { timeoutMs: 10_000, retryBaseMs: 500, retryCapMs: 60_000 },
  ) {
    this.#allow = new TargetAllowList(options.allowTargets);
    this.#resolve = deps.resolve ?? systemResolver;
    this.#maxAttempts = options.maxAttempts ?? 10;
    this.#maxPerClient = options.maxPerClient ?? 10;
    this.#leases = deps.leases ?? new LocalLeases();
    this.#leaseTtlMs = options.leaseTtlMs ?? 15_000;
    this.#leaseRenewMs = options.leaseRenewMs ?? 5_000;
    if (this.#leaseRenewMs * 2 + LEASE_MARGIN_MS > this.#leaseTtlMs) {
      throw new Error('webhook leaseTtlMs must exceed twice leaseRenewMs plus one second');
    }
  }

  /**
   * Registers a webhook and starts delivering to it; the secret is returned only here.
   * @throws AppError `INVALID` for a refused target, `FORBIDDEN` for a replay by a role that may not,
   * `CONFLICT` past the per-client limit.
   */
  async register(
    principal: Principal,
    input: { url: string; events?: string[]; secret?: string; startBlock?: string },
  ): Promise<WebhookRegistration> {
    await checkTarget(input.url, this.#allow, this.#resolve);
    const height = await this.deps.ledger.height();
    if (input.startBlock !== undefined && BigInt(input.startBlock) < height && !OVERSEERS.has(principal.role)) {
      throw new AppError('FORBIDDEN', `only auditors and regulators may replay from before the current block (${height.toString()})`);
    }
    const own = (await this.deps.store.list<WebhookRegistration>(REGISTRATIONS)).filter(
      ({ value }) => value.clientId === principal.clientId,
    );
    if (own.length >= this.#maxPerClient) {
      throw new AppError('CONFLICT', `a client may hold at most ${this.#maxPerClient} webhooks; delete one first`);
    }
    const registration: WebhookRegistration = {
      id: randomUUID(),
      url: input.url,
      ...(input.events === undefined ? {} : { events: input.events }),
      clientId: principal.clientId,
      secret: input.secret ?? randomBytes(32).toString('base64url'),
      createdAt: new Date().toISOString(),
      startBlock: input.startBlock ?? height.toString(),
      state: 'active',
    };
    await this.deps.store.put(REGISTRATIONS, registration.id, registration);
    await this.#claimSoon(registration);
    return registration;
  }

  /** The caller's webhooks; an auditor or regulator sees every client's. */
  async list(principal: Principal): Promise<WebhookView[]> {
    const all = await this.deps.store.list<WebhookRegistration>(REGISTRATIONS);
    return all
      .map(({ value }) => value)
      .filter((r) => OVERSEERS.has(principal.role) || r.clientId === principal.clientId)
      .map(withoutSecret);
  }

  async #owned(id: string, principal: Principal): Promise<WebhookRegistration> {
    const registration = await this.deps.store.get<WebhookRegistration>(REGISTRATIONS, id);
    if (registration === undefined) throw new AppError('NOT_FOUND', `webhook ${id} not found`);
    if (registration.clientId !== principal.clientId && !OVERSEERS.has(principal.role)) {
      throw new AppError('FORBIDDEN', 'this webhook belongs to another client');
    }
    return registration;
  }

  /** A webhook with its checkpoint and state (owner, auditor or regulator). */
  async get(id: string, principal: Principal): Promise<WebhookView & { checkpoint?: Checkpoint }> {
    const registration = await this.#owned(id, principal);
    const checkpoint = await this.deps.store.get<Checkpoint>(CHECKPOINTS, id);
    return { ...withoutSecret(registration), ...(checkpoint === undefined ? {} : { checkpoint }) };
  }

  async remove(id: string, principal: Principal): Promise<void> {
    await this.#owned(id, principal);
    this.#halt(id);
    await this.deps.store.delete(REGISTRATIONS, id);
    await this.deps.store.delete(CHECKPOINTS, id);
    await this.#leases.release(leaseName(id), this.#replica);
  }

  /** Resumes a `failed` webhook from its checkpoint (the event that failed is delivered first). */
  async resume(id: string, principal: Principal): Promise<WebhookView> {
    const registration = await this.#owned(id, principal);
    if (registration.state !== 'failed') throw new AppError('STATE', 'this webhook is active; only a failed one can be resumed');
    const resumed: WebhookRegistration = { ...registration, state: 'active' };
    delete resumed.failure;
    await this.deps.store.put(REGISTRATIONS, id, resumed);
    await this.#claimSoon(resumed);
    return withoutSecret(resumed);
  }

  /**
   * Starts the delivery loops of every stored active registration whose lease this replica gets, then
   * renews them and looks for unheld ones every `leaseRenewMs`.
   */
  async startAll(): Promise<void> {
    await this.#scan();
    if (this.#stopped || this.#scanner !== undefined) return;
    this.#scanner = setInterval(() => void this.#running.track(this.#scan()), this.#leaseRenewMs);
    this.#scanner.unref();
  }

  /**
   * Stops every delivery loop and hands their leases back, so another replica takes over at once.
   * Resolves once loops and scans have let go of the store (or after `graceMs`), so the caller may close it.
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#scanner);
    for (const controller of this.#loops.values()) controller.abort();
    this.#loops.clear();
    await this.#running.settle(graceMs);
    const held = [...this.#held.keys()];
    this.#held.clear();
    await Promise.allSettled(held.map((id) => this.#leases.release(leaseName(id), this.#replica)));
  }

  /** One beat: renew or take the lease of every active registration; stop loops of the gone or lost. */
  async #scan(): Promise<void> {
    if (this.#scanning || this.#stopped) return;
    this.#scanning = true;
    try {
      const active = new Set<string>();
      for (const { value } of await this.deps.store.list<WebhookRegistration>(REGISTRATIONS)) {
        if (value.state === 'failed') continue;
        active.add(value.id);
        await this.#claim(value);
      }
      for (const id of [...this.#loops.keys()]) {
        if (active.has(id)) continue;
        this.#halt(id);
        await this.#leases.release(leaseName(id), this.#replica);
      }
    } catch (error) {
      this.deps.logger.warn('webhook lease scan failed; held leases run out unless renewed', { error: String(error) });
    } finally {
      this.#scanning = false;
    }
  }

  /** Takes or renews the registration's lease and runs its loop here; stops the loop if another replica has it. */
  async #claim(registration: WebhookRegistration): Promise<void> {
    if (this.#stopped) return;
    const asked = Date.now();
    if (await this.#leases.acquire(leaseName(registration.id), this.#replica, this.#leaseTtlMs)) {
      this.#held.set(registration.id, asked + this.#leaseTtlMs - LEASE_MARGIN_MS);
      this.#start(registration);
    } else {
      this.#halt(registration.id);
    }
  }

  /** Claims a webhook just stored; if the lease store fails now, the next scan claims it. */
  async #claimSoon(registration: WebhookRegistration): Promise<void> {
    try {
      await this.#claim(registration);
    } catch (error) {
      this.deps.logger.warn('webhook stored but not claimed yet; the next lease scan will', {
        webhookId: registration.id,
        error: String(error),
      });
    }
  }

  /** Whether this replica may still act for the webhook. */
  #holds(id: string): boolean {
    const until = this.#held.get(id);
    return until !== undefined && Date.now() < until;
  }

  #halt(id: string): void {
    this.#held.delete(id);
    this.#loops.get(id)?.abort();
    this.#loops.delete(id);
  }

  #start(registration: WebhookRegistration): void {
    if (this.#stopped || this.#loops.has(registration.id)) return;
    const controller = new AbortController();
    this.#loops.set(registration.id, controller);
    void this.#running.track(this.#run(registration, controller.signal));
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
            : {
                blockNumber: BigInt(saved.blockNumber),
                ...(saved.transactionId === undefined ? {} : { transactionId: saved.transactionId }),
              };
        stream = await this.deps.ledger.events(from);
        for await (const event of stream) {
          if (stopped(signal)) break;
          if (!this.#holds(registration.id)) {
            log.info('webhook lease no longer held here; another replica delivers');
            this.#halt(registration.id);
            break;
          }
          if (registration.events === undefined || registration.events.includes(event.eventName)) {
            const failure = await this.#deliverUntilAcknowledged(registration, event, signal, log);
            if (failure !== undefined) {
              await this.#markFailed(registration.id, failure);
              log.warn('webhook failed after its retry budget; stopped until resumed', { ...failure });
              this.#halt(registration.id);
              await this.#leases.release(leaseName(registration.id), this.#replica);
            }
            if (stopped(signal) || !this.#holds(registration.id)) break;
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
      // Resolves early when the loop is stopped; the while condition then ends it.
      await sleep(this.#backoff(failures) + 100, signal).catch(() => undefined);
    }
  }

  async #markFailed(id: string, failure: WebhookFailure): Promise<void> {
    const current = await this.deps.store.get<WebhookRegistration>(REGISTRATIONS, id);
    if (current === undefined) return;
    await this.deps.store.put(REGISTRATIONS, id, { ...current, state: 'failed', failure } satisfies WebhookRegistration);
  }

  /** Delivers one event until acknowledged; returns the failure once the attempts are spent. */
  async #deliverUntilAcknowledged(
    registration: WebhookRegistration,
    event: LedgerEvent,
    signal: AbortSignal,
    log: ReturnType<Logger['child']>,
  ): Promise<WebhookFailure | undefined> {
    const body = JSON.stringify(eventBody(event));
    const id = eventId(event);
    let lastError = '';
    let attempts = 0;
    let outcome: 'acknowledged' | 'refused' | 'failed' | 'stopped';
    try {
      outcome = await retry(
        async (attempt): Promise<typeof outcome> => {
          attempts = attempt;
          const timestamp = Math.floor(Date.now() / 1000).toString();
          try {
            // Checked again at every attempt: the name may resolve elsewhere now.
            const target = await checkTarget(registration.url, this.#allow, this.#resolve);
            const status = await post(
              target,
              {
                'Content-Type': 'application/json',
                'Kiseki-Webhook-Id': registration.id,
                'Kiseki-Event-Id': id,
                'Kiseki-Event-Name': event.eventName,
                'Kiseki-Timestamp': timestamp,
                'Kiseki-Signature': signWebhook(registration.secret, timestamp, body),
              },
              body,
              signal,
              this.options.timeoutMs,
            );
            if (status >= 200 && status < 300) {
              this.deps.metrics.webhookDeliveries.inc({ outcome: 'acknowledged' });
              return 'acknowledged';
            }
            lastError = `the receiver answered ${status}`;
            this.deps.metrics.webhookDeliveries.inc({ outcome: 'refused' });
            log.warn('webhook receiver refused an event', { eventId: id, status, attempt });
            return 'refused';
          } catch (error) {
            if (stopped(signal)) return 'stopped';
            lastError = error instanceof Error ? error.message : String(error);
            this.deps.metrics.webhookDeliveries.inc({ outcome: 'failed' });
            log.warn('webhook delivery failed', { eventId: id, attempt, error: lastError });
            return 'failed';
          }
        },
        {
          attempts: this.#maxAttempts,
          delay: (attempt) => this.#backoff(attempt) + 50,
          retryIf: (o) => o.ok && (o.value === 'refused' || o.value === 'failed') && this.#holds(registration.id),
          signal,
        },
      );
    } catch {
      // Stopped while waiting to retry.
      return undefined;
    }
    if ((outcome === 'refused' || outcome === 'failed') && attempts >= this.#maxAttempts) {
      return { at: new Date().toISOString(), attempts, eventId: id, lastError };
    }
    return undefined;
  }

  /** Delay before retry `attempt`: exponential backoff with full jitter within the configured base and cap. */
  #backoff(attempt: number): number {
    return fullJitter(this.options.retryBaseMs, this.options.retryCapMs)(attempt);
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
