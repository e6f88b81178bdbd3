import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The gateway's Prometheus series on prom-client, in a registry of their own (several gateways can run
 * in one process, as in tests), plus Node's process metrics (CPU, memory, heap, event-loop lag, file
 * descriptors, GC), rendered in the text exposition format at `/metrics`.
 */

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface MetricsOptions {
  /** Collect Node's default process metrics too (default true). */
  processMetrics?: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'kiseki_http_requests_total',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'kiseki_http_request_duration_seconds',
    help: 'HTTP request duration by route and method.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly transactions = new Counter({
    name: 'kiseki_fabric_transactions_total',
    help: 'Submitted transactions by operation and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly transactionDuration = new Histogram({
    name: 'kiseki_fabric_transaction_duration_seconds',
    help: 'Endorse-to-commit time by operation.',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly uploadBytes = new Counter({
    name: 'kiseki_upload_bytes_total',
    help: 'Bytes received by upload routes.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly reaped = new Counter({
    name: 'kiseki_staging_reaped_total',
    help: 'Abandoned staged uploads settled by the reaper, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly sseClients = new Gauge({ name: 'kiseki_sse_clients', help: 'Open server-sent event streams.', registers: [this.registry] });
  readonly webhookDeliveries = new Counter({
    name: 'kiseki_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly sseSlowClosed = new Counter({
    name: 'kiseki_sse_slow_clients_closed_total',
    help: 'Event streams closed because the client read too slowly.',
    registers: [this.registry],
  });

  constructor(options: Readonly<MetricsOptions> = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The content type of `render()`'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every series in the text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
