import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
export function runLoad(label: string, inFlight: number, total: number, op: (i: number) => Promise<unknown>): Promise<LoadResult> {
  return load(label, inFlight, () => false, total, op);
}

/**
 * Runs operations with at most `inFlight` outstanding for `ms` milliseconds, then lets those started
 * finish. Two loads of the same length run side by side see the same machine, which a count-bounded
 * pair would not (the first to finish would leave the other alone).
 */
export function runLoadFor(label: string, inFlight: number, ms: number, op: (i: number) => Promise<unknown>): Promise<LoadResult> {
  const until = performance.now() + ms;
  return load(label, inFlight, () => performance.now() >= until, Number.POSITIVE_INFINITY, op);
}

async function load(
  label: string,
  inFlight: number,
  done: () => boolean,
  total: number,
  op: (i: number) => Promise<unknown>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  let firstError: unknown;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total && !done()) {
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
  if (errors > 0) process.stderr.write(`  ${label}: ${errors} of ${next} failed; first: ${describeError(firstError)}\n`);
  return {
    label,
    inFlight,
    operations: next,
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
  // fetch reports a refused or timed-out connection as "fetch failed" with the reason in its cause.
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const why = cause === undefined ? '' : ` (cause: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : JSON.stringify(cause)})`;
  return `${String(error)}${list ? ` [${list}]` : ''}${why}`;
}

/** The median of `values` (unsorted), NaN when empty. */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Smallest, median and largest of `values`: how a ratio spread over repeated runs. */
export function spread(values: readonly number[]): { min: number; median: number; max: number } {
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/** Least-squares slope of `y` over `x` (0 with fewer than two distinct x). */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The machine's 1/5/15-minute load average, for figures taken on a shared machine. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
}

/** The part of a V8 CPU profile (`--cpu-prof`) that self time needs. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function of a V8 CPU profile, heaviest first; `(idle)` and `(program)` included. */
export function heaviestFunctions(profile: CpuProfile, top = 12): { name: string; ms: number; share: number }[] {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byName = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    total += us;
    const where = node.callFrame.url === '' ? '' : ` ${path.basename(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    const name = `${node.callFrame.functionName || '(anonymous)'}${where}`;
    byName.set(name, (byName.get(name) ?? 0) + us);
  }
  return [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: us / 1000, share: total === 0 ? 0 : us / total }));
}

/** Resident set size of a process in MiB, from /proc (Linux); NaN when unknown. */
export function rssMiB(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line === undefined ? Number.NaN : Number(line.replace(/\D+/g, '')) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** One RSS sample: seconds since sampling started, MiB, and the work done so far (e.g. items). */
export interface RssSample {
  readonly t: number;
  readonly mib: number;
  readonly work: number;
}

/** What a stretch of RSS samples shows: start, peak, end, and how fast it grew. */
export interface RssSummary {
  readonly samples: number;
  readonly startMiB: number;
  readonly peakMiB: number;
  readonly endMiB: number;
  /** Least-squares slope over the whole stretch, MiB per minute. */
  readonly mibPerMinute: number;
  /** The same over its second half (after the ramp-up): flat memory shows ~0 here. */
  readonly secondHalfMibPerMinute: number;
  /** MiB per 10,000 units of work over the second half (items for an ingest). */
  readonly secondHalfMibPer10kWork: number;
}

export function summarizeRss(samples: readonly RssSample[]): RssSummary {
  const valid = samples.filter((s) => Number.isFinite(s.mib));
  const half = valid.slice(Math.floor(valid.length / 2));
  const perMinute = (list: readonly RssSample[]): number => slope(list.map((s) => [s.t / 60, s.mib] as const));
  const first = valid[0];
  const last = valid[valid.length - 1];
  return {
    samples: valid.length,
    startMiB: first?.mib ?? Number.NaN,
    peakMiB: valid.length === 0 ? Number.NaN : Math.max(...valid.map((s) => s.mib)),
    endMiB: last?.mib ?? Number.NaN,
    mibPerMinute: perMinute(valid),
    secondHalfMibPerMinute: perMinute(half),
    secondHalfMibPer10kWork: slope(half.map((s) => [s.work / 10_000, s.mib] as const)),
  };
}

export function formatRss(r: RssSummary): string {
  return (
    `start ${fmt(r.startMiB, 0)} MiB, peak ${fmt(r.peakMiB, 0)} MiB, end ${fmt(r.endMiB, 0)} MiB; slope ${fmt(r.mibPerMinute, 2)} MiB/min ` +
    `(second half ${fmt(r.secondHalfMibPerMinute, 2)} MiB/min, ${fmt(r.secondHalfMibPer10kWork, 2)} MiB per 10,000 items; ${r.samples} samples)`
  );
}

/**
 * Samples a process's RSS every `intervalMs` with a caller's work counter, until stopped. Phases are
 * sliced out by time (see {@link RssSampler.between}).
 */
export class RssSampler {
  readonly #pid: number;
  readonly #started = performance.now();
  readonly #samples: RssSample[] = [];
  readonly #timer: NodeJS.Timeout;
  #work: () => number;

  constructor(pid: number, intervalMs = 1000, work: () => number = () => 0) {
    this.#pid = pid;
    this.#work = work;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  /** Seconds since sampling started (to mark phases). */
  now(): number {
    return (performance.now() - this.#started) / 1000;
  }

  /** Counts work from now on with `work` (e.g. items registered so far). */
  countWith(work: () => number): void {
    this.#work = work;
  }

  sample(): RssSample {
    const s = { t: this.now(), mib: rssMiB(this.#pid), work: this.#work() };
    this.#samples.push(s);
    return s;
  }

  between(from: number, to = Number.POSITIVE_INFINITY): RssSample[] {
    return this.#samples.filter((s) => s.t >= from && s.t <= to);
  }

  stop(): RssSample[] {
    clearInterval(this.#timer);
    this.sample();
    return [...this.#samples];
  }
}
