import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashApiKey, newApiKey } from './auth';
import { parseConfig, type GatewayConfigInput } from './config';
import { GATEWAY_NODE_FLAGS, gatewayConfigFor, type NetworkView } from './launch';
import { poll } from '@kiseki/network/dist/retry';
import { publishOpenTerms, registerProviders } from '@kiseki/network/dist/bench/seed';
import { cpuBetween, type ComponentCpu } from '@kiseki/network/dist/bench/cpu';
import {
  heaviestFunctions,
  loadAverage,
  median,
  runLoad,
  spread,
  type CpuProfile,
  type LoadResult,
  type RssSample,
} from '@kiseki/network/dist/bench/stats';

/**
 * What the gateway benchmarks share: one org's gateway started as its own process (as in production)
 * with a fresh API key, optionally under `--cpu-prof`/`--heap-prof`; and the comparison of a REST call
 * with the same chaincode call made directly, repeated and summarised as min/median/max ratios.
 */

/** The parts of the network's bench context (network/src/bench/suite.ts) the gateway suites use. */
export interface GatewayBenchContext {
  readonly status: NetworkView;
  readonly tag: string;
  readonly scale: number;
  readonly log: { info(message: string): void };
  client(mspId: string): { contract: { submitTransaction(name: string, ...args: string[]): Promise<Uint8Array> } };
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/**
 * Waits until a gateway process started by a benchmark answers `/healthz`, failing early when the
 * process exits and after `timeoutMs` (default three minutes: on shared cores under load a gateway's
 * start-up alone can take a minute). `fetchImpl` carries e.g. an HTTPS agent trusting the org's CA.
 * @throws Error naming the log file.
 */
export async function waitGatewayHealthy(
  url: string,
  child: ChildProcess,
  logFile: string,
  options: { timeoutMs?: number; fetchImpl?: typeof fetch } = {},
): Promise<void> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const up = await poll(
    async () => {
      if (child.exitCode !== null) throw new Error(`the gateway exited; see ${logFile}`);
      return fetchImpl(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
    },
    { everyMs: 200, timeoutMs: options.timeoutMs ?? 180_000 },
  );
  if (up === undefined) throw new Error(`the gateway did not become healthy; see ${logFile}`);
}

export interface BenchGatewayOptions {
  view: NetworkView;
  mspId: string;
  /** Prefix of the temporary directory (keys, config, state, log, profiles). */
  name: string;
  /** Fields laid over the org's usual configuration (timeouts, limits, database…). */
  overrides?: (base: GatewayConfigInput) => Partial<GatewayConfigInput>;
  cpuProfile?: boolean;
  heapProfile?: boolean;
}

export interface BenchGateway {
  readonly url: string;
  readonly apiKey: string;
  readonly pid: number;
  readonly dir: string;
  readonly logFile: string;
  readonly profileDir: string;
  /** Stops the process (SIGTERM) and waits for it, so its profiles are written. */
  stop(): Promise<void>;
}

/** Starts one org's gateway as its own process with a fresh studio-operator key. */
export async function startBenchGateway(options: BenchGatewayOptions): Promise<BenchGateway> {
  const { view } = options;
  const index = view.orgs.findIndex((o) => o.mspId === options.mspId);
  const dir = mkdtempSync(join(tmpdir(), `${options.name}-`));
  const apiKey = newApiKey();
  writeFileSync(
    join(dir, 'keys.json'),
    JSON.stringify({ keys: [{ keyHash: hashApiKey(apiKey), clientId: 'bench', role: 'studio-operator' }] }),
  );
  const port = await freePort();
  const base: GatewayConfigInput = {
    ...gatewayConfigFor(view, index),
    listen: { host: '127.0.0.1', port },
    apiKeysFile: join(dir, 'keys.json'),
    stateDir: join(dir, 'state'),
    logLevel: 'warn',
  };
  const input = { ...base, ...options.overrides?.(base) };
  parseConfig(input);
  writeFileSync(join(dir, 'gateway.json'), JSON.stringify(input));
  const logFile = join(dir, 'gateway.log');
  const profileDir = join(dir, 'profile');
  mkdirSync(profileDir);
  const flags = [
    ...GATEWAY_NODE_FLAGS,
    ...(options.cpuProfile === true ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ...(options.heapProfile === true ? ['--heap-prof', `--heap-prof-dir=${profileDir}`] : []),
    // Diagnostics (e.g. `--trace-gc`, whose lines land in the gateway's log).
    ...(process.env.KISEKI_BENCH_GATEWAY_FLAGS ?? '').split(' ').filter((flag) => flag !== ''),
  ];
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...flags, join(__dirname, 'main.js')], {
    stdio: ['ignore', out, out],
    env: { ...process.env, KISEKI_GATEWAY_CONFIG: join(dir, 'gateway.json') },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitGatewayHealthy(url, child, logFile, { timeoutMs: 60_000 });
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
  return {
    url,
    apiKey,
    pid: child.pid as number,
    dir,
    logFile,
    profileDir,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The heaviest functions of the CPU profile a stopped bench gateway wrote, with the profile's path. */
export function gatewayCpuProfile(
  gateway: BenchGateway,
  top = 12,
): { file: string; heaviest: ReturnType<typeof heaviestFunctions> } | undefined {
  const file = readdirSync(gateway.profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) return undefined;
  const path = join(gateway.profileDir, file);
  return { file: path, heaviest: heaviestFunctions(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, top) };
}

/** REST against direct at one concurrency, over several runs. */
export interface Comparison {
  inFlight: number;
  /** REST throughput ÷ direct throughput, each run. */
  ratios: number[];
  ratio: { min: number; median: number; max: number };
  rest: LoadResult[];
  direct: LoadResult[];
  /** The machine's load average when each run started. */
  load: string[];
  /** CPU seconds per operation by component, summed over the runs (when the caller samples CPU). */
  cpu?: { rest: Record<string, number>; direct: Record<string, number> };
}

/**
 * Runs `rest` and `direct` (each op gets a run-unique prefix and its index) one after the other at
 * each concurrency, `runs` times, alternating which goes first so that neither always meets the
 * other's tail of commits.
 */
export async function compareRestDirect(options: {
  levels: readonly (readonly [inFlight: number, count: number])[];
  runs: number;
  rest: (prefix: string, i: number) => Promise<unknown>;
  direct: (prefix: string, i: number) => Promise<unknown>;
  restLabel: string;
  directLabel: string;
  onRun?: (comparison: Comparison) => void;
  /** CPU seconds used so far by each component (see network/src/bench/cpu.ts). */
  cpuNow?: () => ComponentCpu;
}): Promise<Comparison[]> {
  const measured = async (side: Record<string, number>, work: () => Promise<LoadResult>): Promise<LoadResult> => {
    const before = options.cpuNow?.();
    const result = await work();
    if (before !== undefined && options.cpuNow !== undefined)
      for (const [component, seconds] of Object.entries(cpuBetween(before, options.cpuNow())))
        side[component] = (side[component] ?? 0) + seconds / Math.max(1, result.operations);
    return result;
  };
  const out: Comparison[] = [];
  for (const [inFlight, count] of options.levels) {
    const comparison: Comparison = {
      inFlight,
      ratios: [],
      ratio: { min: NaN, median: NaN, max: NaN },
      rest: [],
      direct: [],
      load: [],
      ...(options.cpuNow === undefined ? {} : { cpu: { rest: {}, direct: {} } }),
    };
    for (let r = 0; r < options.runs; r += 1) {
      comparison.load.push(loadAverage());
      const viaRest = (): Promise<LoadResult> =>
        measured(comparison.cpu?.rest ?? {}, () =>
          runLoad(`${options.restLabel} run ${r + 1}`, inFlight, count, (i) => options.rest(`r${inFlight}-${r}`, i)),
        );
      const viaDirect = (): Promise<LoadResult> =>
        measured(comparison.cpu?.direct ?? {}, () =>
          runLoad(`${options.directLabel} run ${r + 1}`, inFlight, count, (i) => options.direct(`d${inFlight}-${r}`, i)),
        );
      let rest: LoadResult;
      let direct: LoadResult;
      if (r % 2 === 0) {
        rest = await viaRest();
        direct = await viaDirect();
      } else {
        direct = await viaDirect();
        rest = await viaRest();
      }
      comparison.rest.push(rest);
      comparison.direct.push(direct);
      comparison.ratios.push(rest.perSecond / direct.perSecond);
      comparison.ratio = spread(comparison.ratios);
      options.onRun?.(comparison);
    }
    out.push(comparison);
  }
  return out;
}

/** One line per concurrency: the ratio's spread, p50 and p99 beside each other, the load. */
export function formatComparison(c: Comparison): string {
  const p = (list: LoadResult[], key: 'p50Ms' | 'p99Ms'): string => median(list.map((l) => l[key])).toFixed(0);
  const p99Ratio = median(c.rest.map((l) => l.p99Ms)) / median(c.direct.map((l) => l.p99Ms));
  return (
    `  ${String(c.inFlight).padStart(3)} in flight: REST/direct min ${c.ratio.min.toFixed(2)} / median ${c.ratio.median.toFixed(2)} / max ${c.ratio.max.toFixed(2)} ` +
    `(runs ${c.ratios.map((v) => v.toFixed(2)).join(', ')}; goal min ≥ 0.9); median p50 REST ${p(c.rest, 'p50Ms')} vs direct ${p(c.direct, 'p50Ms')} ms, ` +
    `p99 REST ${p(c.rest, 'p99Ms')} vs direct ${p(c.direct, 'p99Ms')} ms (${p99Ratio.toFixed(2)}×; goal ≤ 1.5×); load ${c.load.join(' | ')}` +
    (c.cpu === undefined
      ? ''
      : `\n        CPU-ms per op, REST: ${cpuPerOp(c.cpu.rest, c.ratios.length)}\n        CPU-ms per op, direct: ${cpuPerOp(c.cpu.direct, c.ratios.length)}`)
  );
}

/** CPU milliseconds per operation by component (averaged over the runs), heaviest first, and the total. */
function cpuPerOp(perOpSummed: Record<string, number>, runs: number): string {
  const entries = Object.entries(perOpSummed)
    .map(([component, s]) => [component, (s / runs) * 1000] as const)
    .sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((n, [, ms]) => n + ms, 0);
  return `${entries
    .filter(([, ms]) => ms >= 0.05)
    .map(([component, ms]) => `${component} ${ms.toFixed(2)}`)
    .join(', ')}; total ${total.toFixed(2)}`;
}

/** What a bench needs of an org's direct client. */
interface Submitter {
  contract: { submitTransaction(name: string, ...args: string[]): Promise<Uint8Array> };
}

/**
 * Registers a provider at Studio1 and publishes open worldwide terms from the licensor: what the
 * gateway benchmarks register their data against (the ledger benchmarks' seed).
 */
export async function seedProviderAndTerms(
  client: (mspId: string) => Submitter,
  ids: { providerId: string; termsId: string },
): Promise<void> {
  await registerProviders(client('Studio1MSP').contract, [ids.providerId]);
  await publishOpenTerms(client('LicensorMSP').contract, ids.termsId, 1000);
}

/** A gateway's memory as its `/metrics` reports it (prom-client's process metrics), MiB. */
export interface GatewayMemory {
  /** Live objects in the V8 heap (`nodejs_heap_size_used_bytes`). */
  readonly heapUsedMiB: number;
  /** Memory outside the V8 heap held by JavaScript objects, Buffers above all (`nodejs_external_memory_bytes`). */
  readonly externalMiB: number;
}

/** The heap and external memory in a `/metrics` text; NaN for a series that is missing. */
export function parseGatewayMemory(metricsText: string): GatewayMemory {
  const mib = (name: string): number => {
    const line = metricsText.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    const value = line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
    return value / 2 ** 20;
  };
  return { heapUsedMiB: mib('nodejs_heap_size_used_bytes'), externalMiB: mib('nodejs_external_memory_bytes') };
}

/**
 * Samples a gateway's V8 heap and external memory from its `/metrics` beside the RSS sampler (same
 * clock, same work counter): RSS that climbs while these stay level is memory the C allocator keeps
 * for the process, not objects the gateway keeps (docs/performance.md, "Gateway memory during bulk
 * ingest"). A sample that fails (the gateway busy or gone) is skipped.
 */
export class GatewayMemorySampler {
  readonly #url: string;
  readonly #clock: () => number;
  readonly #samples: (GatewayMemory & { t: number; work: number })[] = [];
  readonly #timer: NodeJS.Timeout;
  #work: () => number = () => 0;
  #pending: Promise<void> | undefined;

  constructor(url: string, clock: () => number, intervalMs = 2000) {
    this.#url = url;
    this.#clock = clock;
    this.#timer = setInterval(() => void this.sample(), intervalMs);
    this.#timer.unref();
  }

  countWith(work: () => number): void {
    this.#work = work;
  }

  /** Takes one sample now (unless one is still being taken). */
  sample(): Promise<void> {
    this.#pending ??= (async () => {
      try {
        const response = await fetch(`${this.#url}/metrics`, { signal: AbortSignal.timeout(5_000) });
        if (response.ok) this.#samples.push({ t: this.#clock(), work: this.#work(), ...parseGatewayMemory(await response.text()) });
      } catch {
        // No sample this time.
      } finally {
        this.#pending = undefined;
      }
    })();
    return this.#pending;
  }

  /** One series between two times of the clock, in the RSS sampler's shape (for `summarizeRss`). */
  series(field: keyof GatewayMemory, from = 0, to = Number.POSITIVE_INFINITY): RssSample[] {
    return this.#samples.filter((s) => s.t >= from && s.t <= to).map((s) => ({ t: s.t, work: s.work, mib: s[field] }));
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#pending;
  }
}
