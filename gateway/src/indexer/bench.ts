import { createHash } from 'node:crypto';
import type { NetworkStatus } from '@kiseki/network';
import { poll, sleep } from '@kiseki/network/dist/retry';
import { common } from '@hyperledger/fabric-protos';
import type { Network } from '@hyperledger/fabric-gateway';
import { Pool } from 'pg';
import { createPool, migrate } from '../db/database';
import { createLogger } from '../logger';
import { AuditReader } from './audit';
import { BlockIndexer } from './listener';
import { IndexStore } from './store';

/**
 * `npm run bench -- index`: how far the org's index trails its peer while the provenance load runs
 * (data:RegisterBatch, 1000 items per transaction, 4 in flight), how fast it rebuilds from block 0
 * beside the ledger's own write speed, and how long an audit list takes over 10^5 and 10^6 indexed records.
 */

interface OrgClientLike {
  readonly network: Network;
  readonly contract: {
    submitAsync(
      name: string,
      options: { arguments: string[] },
    ): Promise<{ getStatus(): Promise<{ successful: boolean; blockNumber: bigint; code: number }> }>;
  };
}
interface Ctx {
  readonly status: NetworkStatus;
  readonly tag: string;
  readonly scale: number;
  readonly log: { info(line: string): void };
  client(mspId: string): OrgClientLike;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const pct = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
};

async function timeQuery(runs: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return { p50: pct(times, 50), p99: pct(times, 99) };
}

/** Fills a schema with `count` synthetic data records of the indexed shape (for the 10^6 query figure). */
async function syntheticRecords(pool: Pool, count: number): Promise<void> {
  await pool.query(
    `INSERT INTO index_state (key_type, key_attrs, value, block_number, tx_index, tx_id)
    SELECT 'data', ARRAY['syn-' || lpad(i::text, 8, '0')],
      jsonb_build_object('docType', 'data', 'dataId', 'syn-' || lpad(i::text, 8, '0'), 'providerId', 'syn-prov-' || (i % 100), 'termsId', 'syn-terms-' || (i % 7),
        'status', CASE WHEN i % 50 = 0 THEN 'consent-revoked' ELSE 'active' END, 'size', 1000, 'mediaType', 'image/png'),
      i / 1000, i % 1000, 'syn'
    FROM generate_series(1, $1::int) AS i`,
    [count],
  );
  await pool.query('ANALYZE index_state');
}

export const suite = {
  name: 'index',
  description: 'index lag under the provenance load, rebuild speed, audit-list latency',
  async run(ctx: Ctx): Promise<{ text: string; data: Record<string, unknown> }> {
    const database = ctx.status.database;
    if (database === null) throw new Error('the bench network has no database');
    const schema = `bench_${ctx.tag.replace(/[^a-z0-9]/g, '_')}`.toLowerCase();
    const pool = createPool({ url: database.url, schema, poolSize: 8 });
    await migrate(pool, schema);
    const studio = ctx.client('Studio1MSP');
    const licensor = ctx.client('LicensorMSP');
    const logger = createLogger('error');
    const store = new IndexStore(pool, ctx.status.channel);
    const indexer = new BlockIndexer({
      pool,
      schema,
      network: studio.network,
      chaincode: ctx.status.chaincode.name,
      store,
      logger,
      retryMs: 200,
    });
    indexer.start();

    const submit = async (client: OrgClientLike, name: string, request: unknown): Promise<bigint> => {
      const commit = await client.contract.submitAsync(name, { arguments: [JSON.stringify(request)] });
      const status = await commit.getStatus();
      if (!status.successful) throw new Error(`${name} failed validation (${status.code})`);
      return status.blockNumber;
    };
    const termsId = `${ctx.tag}-terms`;
    await submit(licensor, 'terms:Publish', {
      termsId,
      aiTraining: true,
      commercialUse: true,
      derivatives: true,
      attribution: true,
      territory: 'JP',
      validFrom: '2024-01-01T00:00:00Z',
      dataPoolShareBps: 1000,
      legalTextDigest: sha256(termsId),
    });
    const providers = Array.from({ length: 10 }, (_, i) => `${ctx.tag}-prov-${i}`);
    await submit(ctx.client('Studio1MSP'), 'providers:RegisterBatch', {
      items: providers.map((providerId) => ({ providerId, payoutRefDigest: sha256(providerId) })),
    });

    // Lag: every committed block's commit time at the client against the moment the index holds it;
    // and, sampled every 100 ms, how many blocks the index is behind the highest committed one.
    const items = Math.max(2000, Math.round(100_000 * ctx.scale));
    const batch = 1000;
    const inFlight = 4;
    const committedAt = new Map<bigint, number>();
    let highest = -1n;
    const lagBlocks: number[] = [];
    const lagMs: number[] = [];
    const sampling = { on: true };
    const sampler = (async () => {
      const seen = new Set<bigint>();
      while (sampling.on) {
        const height = await store.height();
        const now = performance.now();
        for (const [block, at] of committedAt) {
          if (block < height && !seen.has(block)) {
            seen.add(block);
            lagMs.push(now - at);
          }
        }
        if (highest >= 0n) lagBlocks.push(Math.max(0, Number(highest + 1n - height)));
        await sleep(100);
      }
    })();
    const versionsBefore = Number((await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM index_versions')).rows[0]?.n ?? 0);
    const loadStart = performance.now();
    let next = 0;
    const batches = Math.ceil(items / batch);
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        for (;;) {
          const b = next++;
          if (b >= batches) return;
          const request = {
            items: Array.from({ length: Math.min(batch, items - b * batch) }, (_, i) => {
              const dataId = `${ctx.tag}-d${String(b * batch + i).padStart(7, '0')}`;
              return {
                dataId,
                providerId: providers[(b * batch + i) % providers.length],
                termsId,
                contentDigest: sha256(dataId),
                mediaType: 'image/png',
                size: 1000,
              };
            }),
          };
          const block = await submit(studio, 'data:RegisterBatch', request);
          committedAt.set(block, performance.now());
          if (block > highest) highest = block;
        }
      }),
    );
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const ledgerHeight = BigInt(
      common.BlockchainInfo.deserializeBinary(
        await studio.network.getContract('qscc').evaluateTransaction('GetChainInfo', ctx.status.channel),
      ).getHeight(),
    );
    await poll(async () => (await store.height()) >= ledgerHeight, { everyMs: 100 });
    sampling.on = false;
    await sampler;
    const catchUpSeconds = (performance.now() - loadStart) / 1000;
    const loadRecords =
      Number((await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM index_versions')).rows[0]?.n ?? 0) - versionsBefore;

    // Rebuild from block 0, the listener alone.
    await indexer.stop();
    const totalVersions = Number((await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM index_versions')).rows[0]?.n ?? 0);
    await store.reset();
    const rebuildStart = performance.now();
    indexer.start();
    await poll(async () => (await store.height()) >= ledgerHeight, { everyMs: 100 });
    const rebuildSeconds = (performance.now() - rebuildStart) / 1000;
    await indexer.stop();

    // Audit-list latency: one page of 100 filtered by provider, a deep cursor page, and "as of".
    const audit = new AuditReader(pool);
    const indexedData = Number(
      (await pool.query<{ n: string }>("SELECT count(*)::text AS n FROM index_state WHERE key_type = 'data'")).rows[0]?.n ?? 0,
    );
    const mid = ledgerHeight / 2n;
    const listNow = await timeQuery(30, () => audit.list('data', { filters: { providerId: providers[3] as string }, limit: 100 }));
    const listAsOf = await timeQuery(10, () => audit.list('data', { filters: {}, limit: 100, asOf: mid }));
    const synthetic = `${schema}_m`;
    const synPool = createPool({ url: database.url, schema: synthetic, poolSize: 2 });
    await migrate(synPool, synthetic);
    await synPool.query("INSERT INTO index_checkpoint (singleton, channel, block_number) VALUES (true, 'syn', 1000)");
    const million = Math.max(100_000, Math.round(1_000_000 * Math.min(1, ctx.scale * 10)));
    await syntheticRecords(synPool, million);
    const synAudit = new AuditReader(synPool);
    const listMillion = await timeQuery(30, () => synAudit.list('data', { filters: { providerId: 'syn-prov-42' }, limit: 100 }));
    const listMillionPlain = await timeQuery(30, () =>
      synAudit.list('data', { filters: {}, limit: 100, cursor: Buffer.from(JSON.stringify(['syn-00500000'])).toString('base64url') }),
    );
    await synPool.query(`DROP SCHEMA ${synthetic} CASCADE`);
    await synPool.end();
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();

    const data = {
      items,
      blocks: ledgerHeight.toString(),
      ledger: { seconds: loadSeconds, itemsPerSecond: items / loadSeconds, recordsPerSecond: loadRecords / loadSeconds },
      lag: {
        blocksP50: pct(lagBlocks, 50),
        blocksP99: pct(lagBlocks, 99),
        msP50: pct(lagMs, 50),
        msP99: pct(lagMs, 99),
        catchUpAfterLoadSeconds: catchUpSeconds - loadSeconds,
      },
      rebuild: {
        records: totalVersions,
        seconds: rebuildSeconds,
        recordsPerSecond: totalVersions / rebuildSeconds,
        blocksPerSecond: Number(ledgerHeight) / rebuildSeconds,
      },
      auditList: {
        indexedDataRecords: indexedData,
        filteredPageP50Ms: listNow.p50,
        asOfPageP50Ms: listAsOf.p50,
        syntheticRecords: million,
        syntheticFilteredPageP50Ms: listMillion.p50,
        syntheticCursorPageP50Ms: listMillionPlain.p50,
      },
    };
    const f = (n: number): string => (Number.isFinite(n) ? n.toFixed(n >= 100 ? 0 : 1) : '-');
    const text = [
      `  load: ${items} items in ${batches} data:RegisterBatch transactions (${inFlight} in flight) in ${f(loadSeconds)} s: ${f(data.ledger.itemsPerSecond)} items/s, ${f(data.ledger.recordsPerSecond)} ledger writes/s`,
      `  index lag behind the peer: p50 ${f(data.lag.blocksP50)} / p99 ${f(data.lag.blocksP99)} blocks; commit → indexed p50 ${f(data.lag.msP50)} ms / p99 ${f(data.lag.msP99)} ms`,
      `  rebuild from block 0: ${totalVersions} records (${ledgerHeight} blocks) in ${f(rebuildSeconds)} s = ${f(data.rebuild.recordsPerSecond)} records/s (ledger wrote ${f(data.ledger.recordsPerSecond)}/s)`,
      `  audit list, page of 100: over ${indexedData} indexed data records p50 ${f(listNow.p50)} ms (filtered), as of block ${mid} p50 ${f(listAsOf.p50)} ms`,
      `  audit list over ${million} records (synthetic rows of the same shape): filtered p50 ${f(listMillion.p50)} ms, cursor page p50 ${f(listMillionPlain.p50)} ms`,
    ].join('\n');
    return { text, data };
  },
};
