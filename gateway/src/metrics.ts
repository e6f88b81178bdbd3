/**
 * A small Prometheus registry (counters, gauges and histograms with labels) rendered in the text
 * exposition format at `/metrics`. Enough for the gateway's own series without another dependency.
 */

type Labels = Readonly<Record<string, string>>;

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

interface Series {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

export class Counter implements Series {
  readonly type = 'counter';
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  render(): string[] {
    return [...this.#values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

export class Gauge implements Series {
  readonly type = 'gauge';
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(value: number, labels: Labels = {}): void {
    this.#values.set(labelKey(labels), value);
  }
  add(by: number, labels: Labels = {}): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }
  render(): string[] {
    return [...this.#values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

export class Histogram implements Series {
  readonly type = 'histogram';
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const key = labelKey(labels);
    let s = this.#series.get(key);
    if (s === undefined) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) (s.counts[i] as number) += 1;
    });
    s.sum += value;
    s.count += 1;
  }
  render(): string[] {
    const lines: string[] = [];
    for (const [key, s] of this.#series) {
      const sep = key ? `${key},` : '';
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket{${sep}le="${bound}"} ${s.counts[i] ?? 0}`));
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${key ? `{${key}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${key ? `{${key}}` : ''} ${s.count}`);
    }
    return lines;
  }
}

/** The gateway's series. */
export class Metrics {
  readonly httpRequests = new Counter('kiseki_http_requests_total', 'HTTP requests by route, method and status.');
  readonly httpDuration = new Histogram('kiseki_http_request_duration_seconds', 'HTTP request duration by route and method.');
  readonly transactions = new Counter('kiseki_fabric_transactions_total', 'Submitted transactions by operation and outcome.');
  readonly transactionDuration = new Histogram('kiseki_fabric_transaction_duration_seconds', 'Endorse-to-commit time by operation.');
  readonly uploadBytes = new Counter('kiseki_upload_bytes_total', 'Bytes received by upload routes.');
  readonly reaped = new Counter('kiseki_staging_reaped_total', 'Abandoned staged uploads settled by the reaper, by outcome.');
  readonly sseClients = new Gauge('kiseki_sse_clients', 'Open server-sent event streams.');
  readonly webhookDeliveries = new Counter('kiseki_webhook_deliveries_total', 'Webhook delivery attempts by outcome.');
  readonly sseSlowClosed = new Counter('kiseki_sse_slow_clients_closed_total', 'Event streams closed because the client read too slowly.');

  readonly #all: readonly Series[] = [
    this.httpRequests,
    this.httpDuration,
    this.transactions,
    this.transactionDuration,
    this.uploadBytes,
    this.reaped,
    this.sseClients,
    this.webhookDeliveries,
    this.sseSlowClosed,
  ];

  /** Text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    for (const series of this.#all) {
      out.push(`# HELP ${series.name} ${series.help}`, `# TYPE ${series.name} ${series.type}`, ...series.render());
    }
    return out.join('\n') + '\n';
  }
}
