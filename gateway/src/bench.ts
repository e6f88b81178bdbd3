import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as Minio from 'minio';
import { compareRestDirect, formatComparison, startBenchGateway, seedProviderAndTerms, type GatewayBenchContext } from './bench-gateway';
import { parseConfig } from './config';
import { formatTable, runLoad, type LoadResult } from '@kiseki/network/dist/bench/stats';

/**
 * `npm run bench -- gateway`: what the REST gateway costs over calling Fabric and MinIO directly, in one
 * run on one network. Registrations per second through `POST /v1/providers` versus the same chaincode
 * call made with @hyperledger/fabric-gateway (goal: ratio ≥ 0.9), with p50/p99 latencies; and the
 * throughput of 100 MiB uploads through `POST /v1/data` (streamed, hashed, registered, promoted) versus a
 * direct streamed MinIO PUT of the same bytes (goal: ≥ 0.9). The gateway runs as its own process, as
 * it does in production; the load generator talks to it over keep-alive HTTP.
 */

type Context = GatewayBenchContext;

type Load = LoadResult;

export const suite = {
  name: 'gateway',
  description: 'REST registrations and 100 MiB uploads versus direct Fabric and MinIO calls',
  async run(ctx: Context): Promise<{ text: string; data: Record<string, unknown> }> {
    const gateway = await startBenchGateway({ view: ctx.status, mspId: 'Studio1MSP', name: 'kiseki-bench-gw' });
    const config = parseConfig(JSON.parse(readFileSync(join(gateway.dir, 'gateway.json'), 'utf8')));
    const port = Number(new URL(gateway.url).port);
    const key = gateway.apiKey;
    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    const direct = ctx.client('Studio1MSP');
    const payoutRefDigest = createHash('sha256').update('bench').digest('hex');
    const post = (path: string, body: Buffer | Readable, contentType: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path,
            agent,
            headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              if (res.statusCode === 201) resolve();
              else reject(new Error(`${path} → ${String(res.statusCode)} ${Buffer.concat(chunks).toString()}`));
            });
          },
        );
        req.on('error', reject);
        if (Buffer.isBuffer(body)) req.end(body);
        else body.pipe(req);
      });
    try {
      const comparisons = await compareRestDirect({
        levels: [
          [1, Math.ceil(30 * ctx.scale)],
          [50, Math.ceil(500 * ctx.scale)],
          [200, Math.ceil(1000 * ctx.scale)],
        ],
        runs: 1,
        restLabel: 'REST POST /v1/providers',
        directLabel: 'direct providers:Register (fabric-gateway)',
        rest: (prefix, i) =>
          post(
            '/v1/providers',
            Buffer.from(JSON.stringify({ providerId: `${ctx.tag}-${prefix}-${i}`, payoutRefDigest })),
            'application/json',
          ),
        direct: (prefix, i) =>
          direct.contract.submitTransaction(
            'providers:Register',
            JSON.stringify({ providerId: `${ctx.tag}-${prefix}-${i}`, payoutRefDigest }),
          ),
      });
      const writes: Load[] = comparisons.flatMap((c) => [...c.rest, ...c.direct]);
      const ratios = Object.fromEntries(comparisons.map((c) => [`inFlight${c.inFlight}`, c.ratio.median]));

      // Uploads: one terms and provider to register data against, then N files of 100 MiB each way.
      const termsId = `${ctx.tag}-bench-terms`;
      const providerId = `${ctx.tag}-bench-provider`;
      await seedProviderAndTerms((mspId) => ctx.client(mspId), { providerId, termsId });
      const size = 100 * 1024 * 1024;
      const files = Math.max(2, Math.round(5 * ctx.scale));
      const block = randomBytes(1024 * 1024);
      // Distinct bytes per file (the ledger refuses the same digest twice), generated as a stream.
      const body = (seed: string): Readable =>
        Readable.from(
          (function* (): Generator<Buffer> {
            yield Buffer.from(seed.padEnd(64, '.'));
            for (let sent = 64; sent < size; sent += block.length) yield block.subarray(0, Math.min(block.length, size - sent));
          })(),
        );
      const url = new URL(config.vault.endpoint);
      const minio = new Minio.Client({
        endPoint: url.hostname,
        port: Number(url.port),
        useSSL: false,
        accessKey: config.vault.accessKey,
        secretKey: config.vault.secretKey,
      });
      const uploads: Load[] = [];
      const mib = (l: Load): number => (l.perSecond * size) / 2 ** 20;
      const uploadRatios: Record<string, number> = {};
      // One at a time, the ledger commit (~0.2 s) follows each transfer and cannot overlap it: the
      // digest exists only once the last byte is in. With several uploads in flight it overlaps others.
      for (const inFlight of [1, 4]) {
        const count = inFlight === 1 ? files : Math.max(4, Math.round(8 * ctx.scale));
        const viaGateway = await runLoad('REST POST /v1/data (100 MiB)', inFlight, count, (i) =>
          post(
            `/v1/data?dataId=${ctx.tag}-big-${inFlight}-${i}&providerId=${providerId}&termsId=${termsId}`,
            body(`gw-${ctx.tag}-${inFlight}-${i}`),
            'application/octet-stream',
          ),
        );
        const viaMinio = await runLoad('direct MinIO PUT (100 MiB, SSE-S3)', inFlight, count, async (i) => {
          await minio.putObject(config.vault.bucket, `bench/${ctx.tag}-${inFlight}-${i}`, body(`mc-${ctx.tag}-${inFlight}-${i}`), size, {
            'X-Amz-Server-Side-Encryption': 'AES256',
          });
        });
        uploads.push(viaGateway, viaMinio);
        uploadRatios[`inFlight${inFlight}`] = mib(viaGateway) / mib(viaMinio);
      }
      const uploadRatio = Math.max(...Object.values(uploadRatios));
      const text = [
        formatTable(writes, 'tx/s'),
        ...comparisons.map(formatComparison),
        '',
        formatTable(uploads, 'files/s'),
        ...uploads
          .filter((_, i) => i % 2 === 0)
          .map((g, k) => {
            const d = uploads[2 * k + 1] as Load;
            return `  upload throughput, ${g.inFlight} in flight: gateway ${mib(g).toFixed(1)} MiB/s (streamed, hashed, registered on the ledger, promoted), direct PUT ${mib(d).toFixed(1)} MiB/s, ratio ${(mib(g) / mib(d)).toFixed(2)} (goal ≥ 0.9)`;
          }),
      ].join('\n');
      return { text, data: { gatewayUrl: gateway.url, writes, ratios, uploads, uploadRatios, uploadRatio } };
    } finally {
      agent.destroy();
      await gateway.stop();
    }
  },
};
