import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import {
  compareRestDirect,
  formatComparison,
  gatewayCpuProfile,
  GatewayMemorySampler,
  seedProviderAndTerms,
  startBenchGateway,
  type Comparison,
} from '@kiseki/gateway/dist/bench-gateway';
import type { NetworkView } from '@kiseki/gateway/dist/launch';
import { addCpu, componentCpu, cpuBetween, formatCpu, type ComponentCpu } from '@kiseki/network/dist/bench/cpu';
import {
  formatRss,
  formatTable,
  loadAverage,
  RssSampler,
  runLoad,
  spread,
  summarizeRss,
  type RssSummary,
} from '@kiseki/network/dist/bench/stats';
import { uploadBatch, type UploadItem } from './batch';
import { createKisekiClient } from './index';

/**
 * `npm run bench -- ingest [--scale s]`: bulk ingest end to end, in one run on one network.
 * - 100,000 items of 10 KiB (× scale) through `POST /v1/data/batch` with the typed client (bytes in
 *   the vault, digests on the ledger): items/s against the baseline one-key write of the same run
 *   (goal ≥ 10×) and against `data:RegisterBatch` called directly without content (goal ≥ 0.8×), in
 *   four rounds of alternating order (REST first, then direct first), each round's ratio beside the
 *   ratio of the totals, after a warm-up of 4,000 items on each side;
 *   vault bytes/s; the gateway's RSS sampled every second (start, peak, end, slope), and beside it the
 *   V8 heap in use and the external memory (Buffers) from the gateway's `/metrics`, so that growth of
 *   the process can be told apart from growth of what the gateway keeps.
 * - `POST /v1/providers` through the client versus the same call made directly at 1, 50 and 200 in
 *   flight, five runs each (at least 20, 500 and 1,000 operations per run): min/median/max of the
 *   ratio and p99 beside p50, with the load average and the CPU milliseconds per operation of each
 *   component (peers, chaincode, orderers, vault, gateway, this client) on each side.
 * - The CPU seconds per 1,000 items each component used in the REST batch and in the direct batch,
 *   read from /proc: on two cores the throughput ratio follows the ratio of CPU per item.
 * The gateway runs as its own process with `--cpu-prof` (and `--heap-prof` when
 * `KISEKI_BENCH_HEAP_PROF=1`); the profile's heaviest functions are listed. `KISEKI_BENCH_INGEST_ITEMS`
 * sets the number of batch items apart from `--scale` (which then sizes only the comparisons);
 * `KISEKI_BENCH_GATEWAY_INDEX=1` runs the block indexer inside the measured gateway too.
 */

interface Context {
  readonly status: NetworkView;
  readonly stateDir: string;
  readonly tag: string;
  readonly scale: number;
  readonly baseline: { readonly writeTps: number };
  readonly log: { info(message: string): void };
  client(mspId: string): { contract: { submitTransaction(name: string, ...args: string[]): Promise<Uint8Array> } };
}

const ITEM_BYTES = 10 * 1024;
const STREAMS = 4;
/** Rounds of REST batch and direct RegisterBatch, in alternating order. */
const ROUNDS = 4;
/** Items each side registers before the rounds, not measured: a fresh gateway and client run cold code. */
const WARM_UP_ITEMS = 4000;

/** Items of 10 KiB with distinct bytes (the ledger refuses the same digest twice). */
function* itemsFor(prefix: string, from: number, count: number, block: Buffer): Generator<UploadItem> {
  for (let i = from; i < from + count; i += 1) {
    const bytes = Buffer.from(block);
    bytes.write(`${prefix}-${i}`.padEnd(64, '.'), 0);
    yield { dataId: `${prefix}-${String(i).padStart(7, '0')}`, mediaType: 'image/png', bytes };
  }
}

export const suite = {
  name: 'ingest',
  description: 'bulk ingest through the REST batch route with the typed client, versus the baseline and direct RegisterBatch',
  async run(ctx: Context): Promise<{ text: string; data: Record<string, unknown> }> {
    const gateway = await startBenchGateway({
      view: ctx.status,
      mspId: 'Studio1MSP',
      name: 'kiseki-bench-ingest',
      cpuProfile: true,
      heapProfile: process.env.KISEKI_BENCH_HEAP_PROF === '1',
      overrides: (base) => ({
        // The measured gateway serves the API; indexing the peer's blocks into PostgreSQL is one replica's
        // job per org (`database.index`), measured by `npm run bench -- index`. KISEKI_BENCH_GATEWAY_INDEX=1
        // runs the indexer in this process as well.
        ...(base.database == null ? {} : { database: { ...base.database, index: process.env.KISEKI_BENCH_GATEWAY_INDEX === '1' } }),
        // The same deadlines as the direct client (network/src/client.ts: 60 s per endorse, submit and
        // commit-status call, so up to 180 s for one write), so that under load both wait alike instead
        // of the gateway answering 504 where the direct call would still succeed.
        timeouts: { evaluateMs: 10_000, endorseMs: 60_000, submitMs: 60_000, commitStatusMs: 60_000, writeMs: 180_000 },
        // The bench's one API key is a studio backend sending 200 requests at once: its per-key limits
        // are sized for that load (the defaults, 64 in flight and 1000/s, would answer most of them 429).
        limits: { concurrentPerKey: 512, ratePerSecond: 10_000, burst: 20_000 },
      }),
    });
    const rss = new RssSampler(gateway.pid, 1000);
    const memory = new GatewayMemorySampler(gateway.url, () => rss.now(), 2000);
    const client = createKisekiClient({ baseUrl: gateway.url, apiKey: gateway.apiKey });
    const bare = createKisekiClient({ baseUrl: gateway.url, apiKey: gateway.apiKey, idempotencyKeys: false });
    const direct = ctx.client('Studio1MSP');
    const payoutRefDigest = createHash('sha256').update('bench').digest('hex');
    const providerId = `${ctx.tag}-provider`;
    const termsId = `${ctx.tag}-terms`;
    await seedProviderAndTerms((mspId) => ctx.client(mspId), { providerId, termsId });
    const block = randomBytes(ITEM_BYTES);
    const lines: string[] = [];
    try {
      // 1–2. Bulk ingest through REST (several streamed requests at once, each of many chunks) and the
      // same registrations made directly without content (1,000-item RegisterBatch, 4 in flight), in
      // rounds of alternating order: the network's cost per item drifts over a run (its state grows,
      // compactions come and go), and a REST phase always first would always meet a younger ledger.
      const fixed = Number(process.env.KISEKI_BENCH_INGEST_ITEMS);
      const total = Number.isSafeInteger(fixed) && fixed > 0 ? fixed : Math.max(2000, Math.round(100_000 * ctx.scale));
      const restPerRound = Math.ceil(total / ROUNDS);
      const directPerRound = Math.max(2000, Math.min(restPerRound, 20_000));
      let answered = 0;
      let registeredSoFar = 0;
      const byStatus: Record<string, number> = {};
      const errors = new Map<string, { count: number; first: string }>();
      rss.countWith(() => registeredSoFar);
      memory.countWith(() => registeredSoFar);
      const cpuNow = () => componentCpu(ctx.stateDir, { gateway: gateway.pid });
      let restFrom = rss.now();
      const progress = setInterval(() => {
        const s = rss.sample();
        ctx.log.info(
          `  REST batch: ${registeredSoFar} of ${total} registered (${answered} answered: ${JSON.stringify(byStatus)}) after ${s.t.toFixed(0)} s; gateway RSS ${s.mib.toFixed(0)} MiB; load ${loadAverage()}`,
        );
      }, 15_000);
      const rest = { registered: 0, seconds: 0, cpu: {} as ComponentCpu, summaries: [] as unknown[] };
      const directSide = { items: 0, seconds: 0, cpu: {} as ComponentCpu };
      const rounds: { rest: number; direct: number; load: string }[] = [];
      const restRound = async (from: number, count: number): Promise<number> => {
        const per = Math.ceil(count / STREAMS);
        const cpuFrom = cpuNow();
        const started = performance.now();
        const summaries = await Promise.all(
          Array.from({ length: STREAMS }, (_, s) =>
            uploadBatch(client, itemsFor(`${ctx.tag}-rest`, from + s * per, Math.max(0, Math.min(per, count - s * per)), block), {
              providerId,
              termsId,
              onResult: (r) => {
                answered += 1;
                byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
                if (r.error !== undefined) {
                  const key = `${r.status} ${r.error.code}`;
                  const seen = errors.get(key);
                  if (seen === undefined) errors.set(key, { count: 1, first: r.error.message.slice(0, 300) });
                  else seen.count += 1;
                }
                if (r.status === 'registered') registeredSoFar += 1;
              },
            }),
          ),
        );
        const seconds = (performance.now() - started) / 1000;
        const registered = summaries.reduce((n, s) => n + s.registered, 0);
        rest.registered += registered;
        rest.seconds += seconds;
        rest.cpu = addCpu(rest.cpu, cpuBetween(cpuFrom, cpuNow()));
        rest.summaries.push(...summaries);
        return registered / seconds;
      };
      const directRound = async (from: number, count: number): Promise<number> => {
        const cpuFrom = cpuNow();
        const run = await runLoad('direct data:RegisterBatch ×1000 (no content)', 4, Math.ceil(count / 1000), async (b) => {
          const items = Array.from({ length: 1000 }, (_, i) => {
            const n = from + b * 1000 + i;
            return {
              dataId: `${ctx.tag}-direct-${String(n).padStart(7, '0')}`,
              providerId,
              termsId,
              contentDigest: createHash('sha256').update(`${ctx.tag}-direct-${n}`).digest('hex'),
              mediaType: 'image/png',
              size: ITEM_BYTES,
            };
          });
          await direct.contract.submitTransaction('data:RegisterBatch', JSON.stringify({ items }));
        });
        const items = Math.ceil(count / 1000) * 1000;
        directSide.items += items;
        directSide.seconds += run.seconds;
        directSide.cpu = addCpu(directSide.cpu, cpuBetween(cpuFrom, cpuNow()));
        return items / run.seconds;
      };
      try {
        // Warm-up, not counted: the first thousands of items through a fresh gateway ran at two thirds
        // of the speed of the rest (code not yet optimised, connections and pools still opening).
        await restRound(total, WARM_UP_ITEMS);
        await directRound(ROUNDS * directPerRound, WARM_UP_ITEMS);
        Object.assign(rest, { registered: 0, seconds: 0, cpu: {}, summaries: [] });
        Object.assign(directSide, { items: 0, seconds: 0, cpu: {} });
        registeredSoFar = 0;
        restFrom = rss.now();
        for (let r = 0; r < ROUNDS; r += 1) {
          const load = loadAverage();
          const restFromItem = r * restPerRound;
          const restCount = Math.min(restPerRound, total - restFromItem);
          let restRate: number;
          let directRate: number;
          if (r % 2 === 0) {
            restRate = await restRound(restFromItem, restCount);
            directRate = await directRound(r * directPerRound, directPerRound);
          } else {
            directRate = await directRound(r * directPerRound, directPerRound);
            restRate = await restRound(restFromItem, restCount);
          }
          rounds.push({ rest: restRate, direct: directRate, load });
          ctx.log.info(
            `  round ${r + 1} (${r % 2 === 0 ? 'REST first' : 'direct first'}): REST batch ${restRate.toFixed(0)} items/s, direct ${directRate.toFixed(0)} items/s, ratio ${(restRate / directRate).toFixed(2)} (load ${load})`,
          );
        }
      } finally {
        clearInterval(progress);
      }
      const restTo = rss.sample().t;
      await memory.sample();
      const restRss = summarizeRss(rss.between(restFrom, restTo));
      const restHeap = summarizeRss(memory.series('heapUsedMiB', restFrom));
      const restExternal = summarizeRss(memory.series('externalMiB', restFrom));
      const registered = rest.registered;
      const outcomes = JSON.stringify(rest.summaries);
      const restRate = registered / rest.seconds;
      const directRate = directSide.items / directSide.seconds;
      const ratios = spread(rounds.map((r) => r.rest / r.direct));
      const headline = [
        `  REST batch: ${registered} of ${total} items of 10 KiB in ${rest.seconds.toFixed(1)} s (${ROUNDS} rounds) with ${STREAMS} streamed requests → ${restRate.toFixed(0)} items/s, vault ${((restRate * ITEM_BYTES) / 2 ** 20).toFixed(1)} MiB/s`,
        `  direct data:RegisterBatch without content: ${directSide.items} items → ${directRate.toFixed(0)} items/s`,
        `  baseline one-key write (same run): ${ctx.baseline.writeTps.toFixed(1)} tx/s`,
        `  REST batch / baseline: ${(restRate / ctx.baseline.writeTps).toFixed(1)}× (goal ≥ 10×); REST batch / direct RegisterBatch: ${(restRate / directRate).toFixed(2)} (goal ≥ 0.8; rounds ${rounds.map((r) => (r.rest / r.direct).toFixed(2)).join(', ')}, min ${ratios.min.toFixed(2)} / max ${ratios.max.toFixed(2)}; after a warm-up of ${WARM_UP_ITEMS} items each)`,
        `  REST batch ${formatCpu(rest.cpu, rest.seconds, registered, 1000, 'items')}`,
        `  direct RegisterBatch ${formatCpu(directSide.cpu, directSide.seconds, directSide.items, 1000, 'items')}`,
        `  gateway RSS during the batch rounds: ${formatRss(restRss)}`,
        `  gateway V8 heap in use during the batch rounds: ${formatRss(restHeap)}`,
        `  gateway external memory (Buffers) during the batch rounds: ${formatRss(restExternal)}`,
      ];
      lines.push(...headline, `  REST batch answers per request: ${outcomes}`);
      for (const [key, e] of errors) lines.push(`  REST batch items ${key}: ${e.count}; first: ${e.first}`);
      ctx.log.info(headline.join('\n'));

      // 3. Single registrations, REST (typed client) versus direct, five runs at each concurrency.
      const comparisonsFrom = rss.now();
      rss.countWith(() => 0);
      memory.countWith(() => 0);
      const comparisons: Comparison[] = await compareRestDirect({
        // Each run lasts about ten seconds whatever the scale: a run of 100 operations at 50 in flight
        // lasted two, a handful of blocks, and its ratio swung ±20 % from one run to the next.
        levels: [
          [1, Math.max(20, Math.ceil(30 * ctx.scale))],
          [50, Math.max(500, Math.ceil(500 * ctx.scale))],
          [200, Math.max(1000, Math.ceil(1000 * ctx.scale))],
        ],
        runs: 5,
        cpuNow,
        restLabel: 'REST POST /v1/providers (client)',
        directLabel: 'direct providers:Register',
        rest: async (prefix, i) => {
          const { response } = await bare.POST('/v1/providers', {
            body: { providerId: `${ctx.tag}-${prefix}-${i}`, payoutRefDigest },
          });
          if (response.status !== 201) throw new Error(`POST /v1/providers → ${response.status}`);
        },
        direct: (prefix, i) =>
          direct.contract.submitTransaction(
            'providers:Register',
            JSON.stringify({ providerId: `${ctx.tag}-${prefix}-${i}`, payoutRefDigest }),
          ),
        onRun: (c) => {
          ctx.log.info(
            `  ${c.inFlight} in flight, run ${c.ratios.length}: REST/direct ${c.ratios[c.ratios.length - 1]?.toFixed(2)} (load ${loadAverage()})`,
          );
        },
      });
      const comparisonRss = summarizeRss(rss.between(comparisonsFrom));
      const allRss = summarizeRss(rss.stop());
      lines.push(
        '',
        formatTable(
          comparisons.flatMap((c) => c.rest.flatMap((r, i) => [r, c.direct[i] ?? r])),
          'tx/s',
        ),
        '',
      );
      const comparisonLines = comparisons.map(formatComparison);
      lines.push(...comparisonLines);
      lines.push(`  gateway RSS during the comparisons: ${formatRss(comparisonRss)}`);
      lines.push(`  gateway RSS over the whole suite: ${formatRss(allRss)}`);
      lines.push(`  machine load at the end: ${loadAverage()} (1/5/15 min); ${os.cpus().length} cores`);

      // 4. Where the gateway spent its CPU.
      await memory.stop();
      await gateway.stop();
      const profile = gatewayCpuProfile(gateway);
      if (profile !== undefined) {
        lines.push('', `  gateway CPU profile (${profile.file}), self time:`);
        for (const f of profile.heaviest)
          lines.push(`    ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}`);
      }
      lines.push('', '  summary', ...headline, ...comparisonLines);
      return {
        text: lines.join('\n'),
        data: {
          total,
          registered,
          restSeconds: rest.seconds,
          restRate,
          directRate,
          rounds,
          cpu: { rest: rest.cpu, direct: directSide.cpu },
          baselineTps: ctx.baseline.writeTps,
          rss: { rest: restRss, comparisons: comparisonRss, all: allRss } satisfies Record<string, RssSummary>,
          memory: { restHeapUsed: restHeap, restExternal } satisfies Record<string, RssSummary>,
          comparisons,
          heaviest: profile?.heaviest,
          gatewayDir: gateway.dir,
        },
      };
    } finally {
      rss.stop();
      await memory.stop();
      await gateway.stop();
    }
  },
};
