/** Latency and throughput summaries for benchmarks (milliseconds, operations per second). */
export interface LoadResult {
  readonly label: string;
  readonly inFlight: number;
  readonly operations: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const index = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[index] as number;
}

/**
 * Runs `total` operations with at most `inFlight` outstanding, each timed individually.
 * `op(i)` gets the operation's index so callers can build unique requests.
 */
export async function runLoad(label: string, inFlight: number, total: number, op: (i: number) => Promise<unknown>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  let firstError: unknown;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      try {
        await op(i);
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors += 1;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  if (errors > 0) process.stderr.write(`  ${label}: ${errors} of ${total} failed; first: ${describeError(firstError)}\n`);
  return {
    label,
    inFlight,
    operations: total,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function formatTable(results: readonly LoadResult[], unit = 'ops/s'): string {
  const header = `  ${'measurement'.padEnd(46)} ${'in flight'.padStart(9)} ${'ops'.padStart(7)} ${unit.padStart(10)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'errors'.padStart(6)}`;
  const rows = results.map(
    (r) =>
      `  ${r.label.padEnd(46)} ${String(r.inFlight).padStart(9)} ${String(r.operations).padStart(7)} ${fmt(r.perSecond).padStart(10)} ${fmt(r.p50Ms).padStart(9)} ${fmt(r.p99Ms).padStart(9)} ${String(r.errors).padStart(6)}`,
  );
  return [header, ...rows].join('\n');
}

/** An error with the per-peer details that Fabric gateway errors carry (where the real reason is). */
export function describeError(error: unknown): string {
  const details = (error as { details?: { address?: string; message?: string }[] } | undefined)?.details;
  const list = Array.isArray(details) ? details.map((d) => `${d.address ?? '?'}: ${d.message ?? ''}`).join('; ') : '';
  return `${String(error)}${list ? ` [${list}]` : ''}`;
}
