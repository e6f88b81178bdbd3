import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { get, request, type IncomingMessage } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { freePort, seedProviderAndTerms, waitGatewayHealthy, type GatewayBenchContext } from './bench-gateway';
import { hashApiKey, newApiKey } from './auth';
import type { GatewayConfigInput } from './config';
import { GATEWAY_NODE_FLAGS, gatewayConfigFor } from './launch';
import { percentile } from '@kiseki/network/dist/bench/stats';
import { cpuSeconds } from '@kiseki/network/dist/bench/cpu';

/**
 * `npm run bench -- exchange`: a cross-org download against a direct one, in the same run on the same
 * network. Studio1 holds an item (100 MiB by default) in its own vault bucket; Studio2 bought a dataset
 * licence covering it. Each org's gateway runs as its own process, as `npm start` launches them, and the
 * benchmark process is the client: it downloads the item through Studio2's gateway (entitlement,
 * signed request to Studio1's gateway, `access:Record`, the bytes from Studio1's vault — read by
 * Studio2's gateway with the presigned URL Studio1's hands off, or relayed by Studio1's — digest
 * checked by Studio2) and directly from Studio1's vault with the presigned URL Studio1's gateway hands its
 * owner, hashing both. The two alternate, several repetitions; goal: exchange ≥ 0.8× direct.
 *
 * `KISEKI_BENCH_EXCHANGE_MIB` sets the size, `KISEKI_BENCH_EXCHANGE_REPS` the repetitions,
 * `KISEKI_BENCH_EXCHANGE_HANDOFF=relay` has Studio2 ask for relayed bytes (default: presigned), and
 * `KISEKI_BENCH_CPU_PROF=<dir>` starts both gateways with `--cpu-prof` writing there,
 * `KISEKI_BENCH_GATEWAY_FLAGS` passes other Node flags to both (e.g. `--trace-gc`), and
 * `KISEKI_BENCH_KEEP_LOGS=1` prints where their logs are.
 */

type Context = GatewayBenchContext;

/** One timed download: status, what arrived, and when. */
export interface Download {
  readonly status: number;
  readonly size: number;
  readonly digest: string;
  /** From the request to the first body byte. */
  readonly firstByteMs: number;
  readonly seconds: number;
  /** How the holder handed the content over (`x-kiseki-handoff`), when the answer says. */
  readonly handoff?: string;
}

/** GETs `url` and hashes the body as it arrives, keeping nothing. */
export function download(url: string, headers: Record<string, string> = {}): Promise<Download> {
  const started = performance.now();
  return new Promise((done, fail) => {
    get(url, { headers }, (res: IncomingMessage) => {
      const hash = createHash('sha256');
      let size = 0;
      let firstByteMs = Number.NaN;
      res.on('data', (chunk: Buffer) => {
        if (size === 0) firstByteMs = performance.now() - started;
        hash.update(chunk);
        size += chunk.length;
      });
      res.on('end', () => {
        const handoff = res.headers['x-kiseki-handoff'];
        done({
          status: res.statusCode ?? 0,
          size,
          digest: hash.digest('hex'),
          firstByteMs,
          seconds: (performance.now() - started) / 1000,
          ...(typeof handoff === 'string' ? { handoff } : {}),
        });
      });
      res.on('error', fail);
    }).on('error', fail);
  });
}

/** Runs `work` and says how much CPU each of `pids` used meanwhile. */
async function withCpu<T>(
  pids: Record<string, number | null | undefined>,
  work: () => Promise<T>,
): Promise<T & { cpu: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const result = await work();
  const cpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid) - (before[k] ?? Number.NaN)]));
  return { ...result, cpu };
}

interface Gateway {
  readonly url: string;
  readonly key: string;
  readonly child: ChildProcess;
}

type Measured = Download & { cpu: Record<string, number> };

const median = (values: readonly number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

export const suite = {
  name: 'exchange',
  description: "a 100 MiB cross-org download through both orgs' gateways against a direct download from the holder's vault",
  async run(ctx: Context): Promise<{ text: string; data: Record<string, unknown> }> {
    const view = ctx.status;
    const mib = Number(process.env.KISEKI_BENCH_EXCHANGE_MIB ?? '100');
    const reps = Number(process.env.KISEKI_BENCH_EXCHANGE_REPS ?? String(Math.max(3, Math.round(5 * ctx.scale))));
    const handoff = process.env.KISEKI_BENCH_EXCHANGE_HANDOFF === 'relay' ? 'relay' : 'presigned';
    const profDir = process.env.KISEKI_BENCH_CPU_PROF === undefined ? undefined : resolve(process.env.KISEKI_BENCH_CPU_PROF);
    if (profDir !== undefined) mkdirSync(profDir, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'kiseki-bench-exchange-'));
    if (process.env.KISEKI_BENCH_KEEP_LOGS !== undefined) ctx.log.info(`gateway logs in ${dir}`);
    const children: ChildProcess[] = [];
    const ports = { Studio1MSP: await freePort(), Studio2MSP: await freePort() };
    const urlOf = (mspId: keyof typeof ports): string => `http://127.0.0.1:${ports[mspId]}`;

    const start = async (mspId: keyof typeof ports): Promise<Gateway> => {
      const index = view.orgs.findIndex((o) => o.mspId === mspId);
      const key = newApiKey();
      writeFileSync(
        join(dir, `${mspId}-keys.json`),
        JSON.stringify({ keys: [{ keyHash: hashApiKey(key), clientId: 'bench', role: 'studio-operator' }] }),
      );
      const base = gatewayConfigFor(view, index);
      const input: GatewayConfigInput = {
        ...base,
        listen: { host: '127.0.0.1', port: ports[mspId] },
        apiKeysFile: join(dir, `${mspId}-keys.json`),
        stateDir: join(dir, `state-${mspId}`),
        logLevel: 'warn',
        limits: { perKey: false },
        // The other studio's gateway is the one started here, not the one `npm start` would run.
        exchange: {
          orgs: (base.exchange?.orgs ?? []).map(({ vaultUrl, ...o }) =>
            o.mspId in ports
              ? { ...o, url: urlOf(o.mspId as keyof typeof ports), ...(handoff === 'relay' || vaultUrl === undefined ? {} : { vaultUrl }) }
              : { mspId: o.mspId, caCertPath: o.caCertPath },
          ),
        },
      };
      writeFileSync(join(dir, `${mspId}.json`), JSON.stringify(input));
      const logFile = join(dir, `${mspId}.log`);
      const prof = profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=gateway-${mspId}.cpuprofile`];
      const flags = (process.env.KISEKI_BENCH_GATEWAY_FLAGS ?? '').split(' ').filter((f) => f !== '');
      const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, ...flags, ...prof, join(__dirname, 'main.js')], {
        stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')],
        env: { ...process.env, KISEKI_GATEWAY_CONFIG: join(dir, `${mspId}.json`) },
      });
      children.push(child);
      await waitGatewayHealthy(urlOf(mspId), child, logFile);
      return { url: urlOf(mspId), key, child };
    };

    const call = (gw: Gateway, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> =>
      fetch(`${gw.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${gw.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then(async (res) => ({ status: res.status, body: await res.json() }));
    /** Retries while the answer is one a peer that has not committed the last block yet would give. */
    const until = async (send: () => Promise<{ status: number; body: unknown }>, want: number): Promise<unknown> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const res = await send();
        if (res.status === want) return res.body;
        if (Date.now() > deadline) throw new Error(`expected ${want}, got ${res.status}: ${JSON.stringify(res.body)}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    };

    try {
      const [holder, requester] = await Promise.all([start('Studio1MSP'), start('Studio2MSP')]);
      const termsId = `${ctx.tag}-terms`;
      const providerId = `${ctx.tag}-provider`;
      const dataId = `${ctx.tag}-big`;
      const datasetId = `${ctx.tag}-ds`;
      const offerId = `${ctx.tag}-offer`;
      const grantId = `${ctx.tag}-grant`;
      await seedProviderAndTerms((mspId) => ctx.client(mspId), { providerId, termsId });
      // The item, streamed into Studio1's vault through its gateway (hashed and registered there).
      const size = mib * 1024 * 1024;
      const block = randomBytes(1024 * 1024);
      const expected = createHash('sha256');
      const chunks = function* (): Generator<Buffer> {
        for (let sent = 0; sent < size; sent += block.length) {
          const chunk = block.subarray(0, Math.min(block.length, size - sent));
          // The first chunk carries the run's tag: the ledger refuses the same digest twice.
          const bytes = sent === 0 ? Buffer.concat([Buffer.from(ctx.tag.padEnd(64, '.')), chunk.subarray(64)]) : chunk;
          expected.update(bytes);
          yield bytes;
        }
      };
      const uploaded = await new Promise<number>((done, fail) => {
        const req = request(
          `${holder.url}/v1/data?dataId=${dataId}&providerId=${providerId}&termsId=${termsId}`,
          { method: 'POST', headers: { authorization: `Bearer ${holder.key}`, 'content-type': 'application/octet-stream' } },
          (res) => {
            res.resume();
            res.on('end', () => {
              done(res.statusCode ?? 0);
            });
          },
        );
        req.on('error', fail);
        Readable.from(chunks()).pipe(req);
      });
      if (uploaded !== 201) throw new Error(`uploading the item answered ${uploaded}`);
      const digest = expected.digest('hex');
      await until(() => call(holder, 'POST', '/v1/datasets', { datasetId, dataIds: [dataId] }), 201);
      await until(
        () =>
          call(holder, 'POST', '/v1/offers', {
            offerId,
            subjectType: 'dataset',
            subjectId: datasetId,
            termsId,
            price: '1000',
            currency: 'JPY',
          }),
        201,
      );
      await until(() => call(requester, 'POST', '/v1/purchases', { offerId, purchaseId: grantId }), 201);

      // CPU each stage of the chain uses per download: where the time goes on shared cores.
      const vaultPid = (view as { vault: { pid?: number | null } }).vault.pid;
      const pids = { vault: vaultPid, holder: holder.child.pid, requester: requester.child.pid, client: process.pid };
      const viaExchange = async (): Promise<Measured> => {
        const got = await withCpu(pids, () =>
          download(`${requester.url}/v1/data/${dataId}/content?grantId=${grantId}`, { authorization: `Bearer ${requester.key}` }),
        );
        if (got.status !== 200 || got.digest !== digest) throw new Error(`the exchange answered ${got.status} with ${got.size} bytes`);
        if (got.handoff !== handoff) throw new Error(`the holder answered with hand-off ${got.handoff ?? 'unknown'}, not ${handoff}`);
        return got;
      };
      // Direct: the owner asks its own gateway for a presigned URL, then reads from the vault; only the
      // read is timed (the yardstick), the URL's cost is reported beside it.
      const direct = async (): Promise<Measured & { presignMs: number }> => {
        const t0 = performance.now();
        const { url } = (await until(() => call(holder, 'GET', `/v1/data/${dataId}/content`), 200)) as { url: string };
        const presignMs = performance.now() - t0;
        const got = await withCpu(pids, () => download(url));
        if (got.status !== 200 || got.digest !== digest) throw new Error(`the vault answered ${got.status} with ${got.size} bytes`);
        return { ...got, presignMs };
      };
      // Warm-up: the grant visible on Studio2's peer, the holder's digest check of the stored object done once.
      await until(async () => {
        const got = await download(`${requester.url}/v1/data/${dataId}/content?grantId=${grantId}`, {
          authorization: `Bearer ${requester.key}`,
        });
        return { status: got.status, body: got.size };
      }, 200);
      await direct();

      const loadBefore = loadavg();
      const rounds: { direct: Measured & { presignMs: number }; exchange: Measured; ratio: number }[] = [];
      for (let i = 0; i < reps; i += 1) {
        // Alternate which goes first, so that neither always runs right after the other.
        let d: Measured & { presignMs: number };
        let x: Measured;
        if (i % 2 === 0) {
          d = await direct();
          x = await viaExchange();
        } else {
          x = await viaExchange();
          d = await direct();
        }
        rounds.push({ direct: d, exchange: x, ratio: d.seconds / x.seconds });
      }
      const loadAfter = loadavg();
      const rate = (s: number): number => mib / s;
      const directMedian = median(rounds.map((r) => r.direct.seconds));
      const exchangeMedian = median(rounds.map((r) => r.exchange.seconds));
      const ratios = rounds.map((r) => r.ratio).sort((a, b) => a - b);
      const summary = {
        mib,
        reps,
        handoff,
        directMiBps: rate(directMedian),
        exchangeMiBps: rate(exchangeMedian),
        ratioOfMedians: directMedian / exchangeMedian,
        ratio: { min: ratios[0] ?? Number.NaN, median: median(ratios), max: ratios[ratios.length - 1] ?? Number.NaN },
        exchangeFirstByteMsP50: median(rounds.map((r) => r.exchange.firstByteMs)),
        directFirstByteMsP50: median(rounds.map((r) => r.direct.firstByteMs)),
        presignMsP50: median(rounds.map((r) => r.direct.presignMs)),
        loadAverage: { before: loadBefore, after: loadAfter },
      };
      const row = (label: string, d: Measured): string =>
        `${label.padEnd(44)} ${rate(d.seconds).toFixed(1).padStart(8)} MiB/s ${d.seconds.toFixed(2).padStart(7)} s  first byte ${d.firstByteMs.toFixed(0).padStart(5)} ms`;
      const cpuOf = (pick: (r: (typeof rounds)[number]) => Measured): string =>
        Object.keys(pids)
          .map((k) => `${k} ${median(rounds.map((r) => pick(r).cpu[k] ?? Number.NaN)).toFixed(2)}`)
          .join(', ');
      const text = [
        `  ${mib} MiB, ${reps} repetitions alternating; each gateway its own process, this process the client (hashes both); cross-org hand-off: ${handoff}`,
        ...rounds.flatMap((r, i) => [
          `  #${i + 1} ${row('direct (presigned URL, holder vault)', r.direct)}   (URL from the gateway: ${r.direct.presignMs.toFixed(0)} ms, not timed)`,
          `  #${i + 1} ${row(handoff === 'relay' ? 'cross-org (Studio2 gateway ← Studio1 gateway)' : 'cross-org (Studio2 gateway ← Studio1 vault)', r.exchange)}   ratio ${r.ratio.toFixed(2)}`,
        ]),
        `  p50: direct ${summary.directMiBps.toFixed(1)} MiB/s, cross-org ${summary.exchangeMiBps.toFixed(1)} MiB/s, ratio of p50s ${summary.ratioOfMedians.toFixed(2)} (goal ≥ 0.8)`,
        `  per-repetition ratio: min ${summary.ratio.min.toFixed(2)}, median ${summary.ratio.median.toFixed(2)}, max ${summary.ratio.max.toFixed(2)}`,
        `  first byte p50: cross-org ${summary.exchangeFirstByteMsP50.toFixed(0)} ms (entitlement, signed request, access:Record ordered), direct ${summary.directFirstByteMsP50.toFixed(0)} ms`,
        `  CPU seconds per download, p50: cross-org ${cpuOf((r) => r.exchange)}; direct ${cpuOf((r) => r.direct)}`,
        `  load average (1/5/15 min): before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
        ...(profDir === undefined ? [] : [`  CPU profiles of both gateways: ${profDir}`]),
      ].join('\n');
      return { text, data: { ...summary, rounds } };
    } finally {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) {
                done();
                return;
              }
              // A clean exit lets --cpu-prof write its profile.
              child.once('exit', () => {
                done();
              });
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
            }),
        ),
      );
    }
  },
};
