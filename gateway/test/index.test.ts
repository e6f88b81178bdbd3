/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/restrict-plus-operands --
   response bodies are asserted as loose JSON */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { common } from '@hyperledger/fabric-protos';
import { startPostgres, stopPostgres } from '../../network/src/postgres';
import { silentLogger } from '../../network/src/log';
import { Clients, evaluateJson, runId, submitJson, TEST_BASE_PORT } from '../../network/test/support/test-network';
import type { OrgClient } from '../../network/src/client';
import { createPool, migrate } from '../src/db/database';
import { BlockIndexer } from '../src/indexer/listener';
import { compareIndexes, reconcile } from '../src/indexer/reconcile';
import { IndexStore } from '../src/indexer/store';
import { createLogger } from '../src/logger';
import { startTestGateway, type TestGateway } from './support/gateways';

/**
 * The org's index on the real network and a real PostgreSQL: equal to the ledger after a story,
 * rebuilt from block 0 identically, resuming after a failure mid-block with no gap or duplicate, and
 * every analytics answer checked against the same question asked of the ledger. The suite runs twice:
 * on the network's own database server, and on a separately started one named by URL (external).
 */

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const id = (name: string): string => `ix-${name}-${runId}`;
const termsA = id('terms-a');
const termsB = id('terms-b');
const providers = [id('prov-1'), id('prov-2')];
const modelId = id('model');
const outputId = id('output');
const cleanOutput = id('output-clean');
const cleanModel = id('model-clean');
const items = [0, 1, 2, 3, 4, 5].map((i) => ({
  dataId: id(`d${i}`),
  providerId: providers[i % 2] as string,
  termsId: i < 4 ? termsA : termsB,
}));
const cleanItems = [0, 1].map((i) => ({ dataId: id(`c${i}`), providerId: providers[0] as string, termsId: termsA }));
const sortIds = (ids: string[]): string[] => ids.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
let blockBeforeRevocation = 0n;

let clients: Clients;
let studio: OrgClient;

async function ledgerHeight(client: OrgClient): Promise<bigint> {
  const info = common.BlockchainInfo.deserializeBinary(
    await client.network.getContract('qscc').evaluateTransaction('GetChainInfo', clients.status.channel),
  );
  return BigInt(info.getHeight());
}

async function waitForHeight(store: IndexStore, height: bigint, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await store.height()) < height) {
    if (Date.now() > deadline) throw new Error(`index at ${await store.height()} blocks, expected ${height}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  clients = await Clients.create();
  studio = clients.org('Studio1MSP');
  const licensor = clients.org('LicensorMSP');
  const studio2 = clients.org('Studio2MSP');
  for (const termsId of [termsA, termsB]) {
    await submitJson(licensor, 'terms:Publish', {
      termsId,
      aiTraining: true,
      commercialUse: true,
      derivatives: true,
      attribution: true,
      territory: 'JP',
      validFrom: '2024-01-01T00:00:00Z',
      dataPoolShareBps: 2000,
      legalTextDigest: sha256(`text ${termsId}`),
    });
  }
  await submitJson(studio, 'providers:RegisterBatch', {
    items: providers.map((providerId) => ({ providerId, payoutRefDigest: sha256(providerId) })),
  });
  await submitJson(studio, 'data:RegisterBatch', {
    items: [...items, ...cleanItems].map((i) => ({
      ...i,
      contentDigest: sha256(`content ${i.dataId}`),
      mediaType: 'image/png',
      size: 1000,
    })),
  });
  for (const [model, set] of [
    [modelId, items],
    [cleanModel, cleanItems],
  ] as const) {
    await submitJson(studio, 'models:Register', { modelId: model });
    await submitJson(studio, 'models:AttestTrainingBatch', { modelId: model, dataIds: sortIds(set.map((i) => i.dataId)) });
    await submitJson(studio, 'models:Seal', { modelId: model });
  }
  await submitJson(studio, 'outputs:Register', {
    outputId,
    modelId,
    contentDigest: sha256(outputId),
    mediaType: 'image/png',
    rightsIds: [],
  });
  await submitJson(studio, 'outputs:Register', {
    outputId: cleanOutput,
    modelId: cleanModel,
    contentDigest: sha256(cleanOutput),
    mediaType: 'image/png',
    rightsIds: [],
  });
  await submitJson(studio, 'revenue:Record', {
    subjectType: 'output',
    subjectId: outputId,
    amount: '100003',
    currency: 'JPY',
    reference: id('sale-1'),
  });
  await submitJson(studio, 'market:Offer', {
    offerId: id('offer'),
    subjectType: 'model',
    subjectId: modelId,
    termsId: termsA,
    price: '5000',
    currency: 'JPY',
  });
  await submitJson(studio2, 'market:Purchase', { offerId: id('offer'), purchaseId: id('grant') });
  blockBeforeRevocation = (await ledgerHeight(studio)) - 1n;
  await submitJson(studio, 'data:RevokeConsent', { dataId: items[0]?.dataId, reason: 'withdrawn' });
  await submitJson(studio, 'data:SetDisputed', { dataId: items[1]?.dataId, disputed: true, reason: 'ownership contested' });
});

afterAll(() => {
  clients.closeAll();
});

interface Target {
  name: string;
  url(): string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

const external = ((): Target => {
  let dir = '';
  let url = '';
  return {
    name: 'an external database (KISEKI_DATABASE_URL to a separately started server)',
    url: () => url,
    setup: async () => {
      dir = mkdtempSync(join(tmpdir(), 'kiseki-external-pg-'));
      url = (await startPostgres(dir, TEST_BASE_PORT + 1000, silentLogger, {})).url;
    },
    teardown: async () => {
      await stopPostgres(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
})();

const networkDatabase: Target = {
  name: "the network's own database",
  url: () => clients.status.database?.url ?? '',
  setup: () => Promise.resolve(),
  teardown: () => Promise.resolve(),
};

describe.each([networkDatabase, external])('the index on $name', (target) => {
  const schema = `it_ix_${runId}_${target === external ? 'x' : 'n'}`.toLowerCase();
  let gateway: TestGateway;
  let pool: Pool;
  let store: IndexStore;
  let height: bigint;
  const extraSchemas: string[] = [];

  const get = async (
    path: string,
    role: 'auditor' | 'regulator' | 'provider-agent' = 'auditor',
  ): Promise<{ status: number; body: any; headers: Headers }> => {
    const res = await gateway.call('GET', path, { role });
    const text = await res.text();
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: res.headers };
  };

  beforeAll(async () => {
    await target.setup();
    gateway = await startTestGateway('Studio1MSP', (c) => ({ ...c, database: { url: target.url(), schema } }));
    pool = createPool({ url: target.url(), schema, poolSize: 4 });
    store = new IndexStore(pool, clients.status.channel);
    height = await ledgerHeight(studio);
    await waitForHeight(store, height);
  });

  afterAll(async () => {
    await gateway.stop();
    for (const s of [schema, ...extraSchemas]) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await pool.end();
    await target.teardown();
  });

  it('when the story is indexed, then every indexed record equals its ledger read (reconciliation finds no difference)', async () => {
    const contract = studio.contract;
    const report = await reconcile(pool, async (fn, key) => {
      try {
        return JSON.parse(Buffer.from(await contract.evaluateTransaction(fn, key)).toString('utf8')) as unknown;
      } catch {
        return undefined;
      }
    });
    expect(report.differences).toEqual([]);
    expect(report.perType.data).toBeGreaterThanOrEqual(items.length + cleanItems.length);
    expect(report.checked).toBeGreaterThanOrEqual(15);
  });

  it('when records are listed, then filters, cursor paging, "as of block N", CSV and the height work, for the regulator too', async () => {
    const filter = `providerId:${providers[0]}`;
    const all = await get(`/v1/audit/records/data?filter=${encodeURIComponent(filter)}`, 'regulator');
    expect(all.status).toBe(200);
    const expected = sortIds([...items, ...cleanItems].filter((i) => i.providerId === providers[0]).map((i) => i.dataId));
    expect(all.body.items.map((i: any) => i.record.dataId)).toEqual(expected);
    expect(BigInt(all.body.height)).toBeGreaterThanOrEqual(height);
    expect(all.headers.get('kiseki-index-height')).toBe(all.body.height);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(
        `/v1/audit/records/data?limit=2&filter=${encodeURIComponent(filter)}${cursor === undefined ? '' : `&cursor=${cursor}`}`,
      );
      paged.push(...page.body.items.map((i: any) => i.record.dataId));
      cursor = page.body.nextCursor;
    } while (cursor !== undefined);
    expect(paged).toEqual(expected);
    const before = await get(
      `/v1/audit/records/data?filter=${encodeURIComponent(`dataId:${items[0]?.dataId}`)}&asOf=${blockBeforeRevocation}`,
    );
    expect(before.body).toMatchObject({ asOfBlock: blockBeforeRevocation.toString(), items: [{ record: { status: 'active' } }] });
    const now = await get(`/v1/audit/records/data?filter=${encodeURIComponent(`dataId:${items[0]?.dataId}`)}`);
    expect(now.body.items[0].record.status).toBe('consent-revoked');
    const history = await get(`/v1/audit/records/data/history?key=${encodeURIComponent(items[0]?.dataId ?? '')}`);
    expect(history.body.versions.map((v: any) => v.record.status)).toEqual(['active', 'consent-revoked']);
    const csv = await get(`/v1/audit/records/models?filter=${encodeURIComponent(`modelId:${modelId}`)}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const [header, row] = (csv.body as string).trim().split('\r\n');
    expect(header).toContain('modelId');
    expect(row).toContain(modelId);
    expect(csv.headers.get('kiseki-index-height')).toMatch(/^\d+$/);
  });

  it('when data items are listed by provider, terms or collector (GET /v1/data), then the index answers with the ledger records and its height', async () => {
    const mine = [...items, ...cleanItems];
    const ledger = new Map<string, unknown>();
    for (const item of mine) ledger.set(item.dataId, await evaluateJson(studio, 'data:Get', item.dataId));
    const listAll = async (query: string, role: 'auditor' | 'provider-agent' = 'auditor'): Promise<{ records: any[]; height: bigint }> => {
      const records: any[] = [];
      let cursor: string | undefined;
      let last = 0n;
      do {
        const page = await get(`/v1/data?${query}&limit=3${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`, role);
        expect(page.status).toBe(200);
        expect(page.headers.get('kiseki-index-height')).toBe(page.body.height);
        last = BigInt(page.body.height);
        records.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor !== undefined);
      return { records, height: last };
    };
    const byProvider = await listAll(`providerId=${providers[1]}`, 'provider-agent');
    expect(byProvider.height).toBeGreaterThanOrEqual(height);
    expect(byProvider.records).toEqual(
      sortIds(mine.filter((i) => i.providerId === providers[1]).map((i) => i.dataId)).map((dataId) => ledger.get(dataId)),
    );
    const byTerms = await listAll(`termsId=${termsB}`);
    expect(byTerms.records).toEqual(sortIds(items.filter((i) => i.termsId === termsB).map((i) => i.dataId)).map((d) => ledger.get(d)));
    const byCollector = (await get(`/v1/data?collectorMsp=Studio1MSP&limit=200`)).body.items.map((r: any) => r.dataId);
    expect(byCollector.length).toBeGreaterThan(0);
    expect((await get(`/v1/data?providerId=${providers[1]}&termsId=${termsB}`)).status).toBe(400);
  });

  it("when a provider's agent asks the audit API, then it is refused; an unknown type or a block not yet indexed is invalid", async () => {
    expect((await get('/v1/audit/records/data', 'provider-agent')).status).toBe(403);
    expect((await get('/v1/audit/records/nonsense')).status).toBe(400);
    expect((await get(`/v1/audit/records/data?asOf=${10n ** 12n}`)).status).toBe(400);
  });

  it('when analytics are asked, then each answer equals the same question computed from ledger reads', async () => {
    // Ledger side: the items' statuses and the models' training sets from the chaincode's own reads.
    const statuses = new Map<string, string>();
    for (const item of [...items, ...cleanItems])
      statuses.set(item.dataId, (await evaluateJson<{ status: string }>(studio, 'data:Get', item.dataId)).status);
    const output = await evaluateJson<{ modelId: string }>(studio, 'outputs:Get', outputId);
    const trainingIds = (
      await evaluateJson<{ ids: string[] }>(studio, 'models:ListTrainingIds', JSON.stringify({ modelId: output.modelId, pageSize: 100 }))
    ).ids;
    const flagged = sortIds(trainingIds.filter((d) => statuses.get(d) !== 'active'));

    const revoked = await get('/v1/audit/analytics/revoked-inputs');
    const mine = revoked.body.rows.filter((r: any) => r.outputId === outputId || r.outputId === cleanOutput);
    expect(mine).toEqual([{ outputId, modelId, consentRevoked: 1, disputed: 1, dataIds: flagged }]);

    const composition = await get(`/v1/audit/analytics/model-composition?modelId=${modelId}`);
    const counts = (
      await evaluateJson<{ items: { providerId: string; count: number }[] }>(
        studio,
        'models:ListProviderCounts',
        JSON.stringify({ modelId }),
      )
    ).items;
    expect(
      composition.body.rows
        .filter((r: any) => r.by === 'provider')
        .map((r: any) => [r.id, r.items])
        .sort(),
    ).toEqual(counts.map((c) => [c.providerId, c.count]).sort());
    const byTerms = Object.fromEntries(composition.body.rows.filter((r: any) => r.by === 'terms').map((r: any) => [r.id, r.items]));
    expect(byTerms).toEqual({
      [termsA]: items.filter((i) => i.termsId === termsA).length,
      [termsB]: items.filter((i) => i.termsId === termsB).length,
    });

    const coverage = await get('/v1/audit/analytics/terms-coverage');
    const rowA = coverage.body.rows.find((r: any) => r.termsId === termsA);
    const cleanIds = (
      await evaluateJson<{ ids: string[] }>(studio, 'models:ListTrainingIds', JSON.stringify({ modelId: cleanModel, pageSize: 100 }))
    ).ids;
    const termsOf = new Map([...items, ...cleanItems].map((i) => [i.dataId, i.termsId]));
    const ledgerTrainingA = [...trainingIds, ...cleanIds].filter((d) => termsOf.get(d) === termsA).length;
    expect(rowA).toMatchObject({ trainingItems: ledgerTrainingA, models: 2 });

    const quality = await get('/v1/audit/analytics/items-per-terms-provider');
    for (const providerId of providers) {
      // Every item this test registered, read back from the ledger one by one (no list keys on chain).
      const ledgerItems: { dataId: string; providerId: string; termsId: string; status: string }[] = [];
      for (const item of [...items, ...cleanItems].filter((i) => i.providerId === providerId))
        ledgerItems.push(await evaluateJson(studio, 'data:Get', item.dataId));
      for (const termsId of [termsA, termsB]) {
        const here = ledgerItems.filter((d) => d.termsId === termsId);
        const row = quality.body.rows.find((r: any) => r.providerId === providerId && r.termsId === termsId);
        if (here.length === 0) expect(row).toBeUndefined();
        else
          expect(row).toMatchObject({
            items: here.length,
            active: here.filter((d) => d.status === 'active').length,
            consentRevoked: here.filter((d) => d.status === 'consent-revoked').length,
            disputed: here.filter((d) => d.status === 'disputed').length,
          });
      }
    }

    for (const providerId of providers) {
      const income = await get(`/v1/audit/analytics/provider-income?providerId=${providerId}`);
      const statement = await evaluateJson<{
        lines: { modelId: string; currency: string; itemCount: number; accrued: string; claimed: string; claimable: string }[];
      }>(studio, 'revenue:Statement', JSON.stringify({ providerId }));
      const ledgerLines = statement.lines.map((l) => [l.modelId, l.currency, l.itemCount, l.accrued, l.claimed, l.claimable]).sort();
      const indexLines = income.body.rows
        .filter((r: any) => r.currency !== null)
        .map((r: any) => [r.modelId, r.currency, r.items, r.accrued, r.claimed, r.claimable])
        .sort();
      expect(indexLines).toEqual(ledgerLines);
    }

    const changes = await get('/v1/audit/analytics/status-changes');
    const touched = changes.body.rows.filter((r: any) => r.dataIds.includes(items[0]?.dataId) || r.dataIds.includes(items[1]?.dataId));
    expect(touched.reduce((n: number, r: any) => n + r.consentRevoked, 0)).toBeGreaterThanOrEqual(1);
    expect(touched.reduce((n: number, r: any) => n + r.disputed, 0)).toBeGreaterThanOrEqual(1);
    expect(touched.every((r: any) => r.outputsTouched >= 1)).toBe(true);

    const revenue = await get('/v1/audit/analytics/revenue-over-time');
    const subject = await evaluateJson<{ total: string }>(
      studio,
      'revenue:GetSubjectRevenue',
      JSON.stringify({ subjectType: 'output', subjectId: outputId, currency: 'JPY' }),
    );
    const sum = revenue.body.rows
      .filter((r: any) => r.kind === 'subject' && r.id === `output:${outputId}`)
      .reduce((n: bigint, r: any) => n + BigInt(r.amount), 0n);
    expect(sum.toString()).toBe(subject.total);

    const offers = await get('/v1/audit/analytics/offers-grants');
    const offer = await evaluateJson<{ status: string; price: string }>(studio, 'market:GetOffer', id('offer'));
    const grant = await evaluateJson<{ offerId: string }>(studio, 'market:GetGrant', id('grant'));
    expect(grant.offerId).toBe(id('offer'));
    expect(offers.body.rows.find((r: any) => r.offerId === id('offer'))).toMatchObject({
      status: offer.status,
      price: offer.price,
      grants: 1,
      activeGrants: 1,
    });
    expect(revoked.body.height).toMatch(/^\d+$/);
  });

  it('when rebuilt from block 0 while a failure strikes mid-block, then it resumes from its checkpoint and its tables equal the live index: no gap, no duplicate', async () => {
    const rebuilt = `${schema}_rb`;
    extraSchemas.push(rebuilt);
    const rbPool = createPool({ url: target.url(), schema: rebuilt, poolSize: 4 });
    await migrate(rbPool, rebuilt);
    let failures = 0;
    const failAt = height / 2n;
    const rbStore = new IndexStore(rbPool, clients.status.channel, {
      beforeCommit: (block) => {
        if (block.number === failAt && failures === 0) {
          failures += 1;
          throw new Error('listener killed mid-block');
        }
      },
    });
    const indexer = new BlockIndexer({
      pool: rbPool,
      schema: rebuilt,
      network: studio.network,
      chaincode: clients.status.chaincode.name,
      store: rbStore,
      logger: createLogger('error'),
      retryMs: 200,
    });
    indexer.start();
    try {
      await waitForHeight(rbStore, height);
    } finally {
      await indexer.stop();
    }
    expect(failures).toBe(1);
    expect(await compareIndexes(pool, schema, rebuilt, height - 1n)).toEqual([]);
    const blocks = (
      await rbPool.query<{ n: string; max: string }>('SELECT count(*)::text AS n, max(block_number)::text AS max FROM index_blocks')
    ).rows[0];
    expect(blocks?.n).toBe(String(Number(blocks?.max) + 1));
    await rbPool.end();
  });
});
