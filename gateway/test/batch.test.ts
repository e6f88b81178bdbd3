/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument --
   response bodies are asserted as loose JSON */
import { createHash, randomBytes } from 'node:crypto';
import { startNode, stopNode } from '../../network/src/network';
import { TEST_STATE_DIR } from '../../network/test/support/test-network';
import { connectFabric } from '../src/fabric/connection';
import { FabricLedger } from '../src/fabric/fabric-ledger';
import { silentLogger } from '../src/logger';
import { Metrics } from '../src/metrics';
import { BATCH_MEDIA_TYPE, encodeFrame } from '../src/use-cases/batch-frames';
import { reapBatches } from '../src/use-cases/batch-register';
import { PackStore } from '../src/vault/packs';
import { eventually, startTestGateway, unsettledBatches, type TestGateway } from './support/gateways';

/**
 * Batch uploads on the real network and MinIO: a mixed batch answered item by item, batches broken
 * off by the client, the vault or the peer (after the reaper, ledger and vault agree item by item),
 * and an upload session resumed across a gateway restart.
 */

const json = (res: Response): Promise<any> => res.json();
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const id = (name: string): string => `bt-${name}-${run}`;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const opts = { stateDir: TEST_STATE_DIR };
const LIMIT = 64 * 1024;

let studio: TestGateway;
let licensor: TestGateway;
const termsId = id('terms');
const providerId = id('provider');

beforeAll(async () => {
  [studio, licensor] = await Promise.all([
    startTestGateway('Studio1MSP', (c) => ({
      ...c,
      limits: { uploadMaxBytes: LIMIT },
      vault: { ...c.vault, stagingMaxAgeMs: 1, reapIntervalMs: 3_600_000 },
    })),
    startTestGateway('LicensorMSP'),
  ]);
  const terms = await licensor.call('POST', '/v1/terms', {
    role: 'licensor-operator',
    body: {
      termsId,
      aiTraining: true,
      commercialUse: true,
      derivatives: true,
      attribution: true,
      territory: 'JP',
      validFrom: '2024-01-01T00:00:00Z',
      dataPoolShareBps: 1000,
      legalTextDigest: 'a'.repeat(64),
    },
  });
  expect(terms.status).toBe(201);
  expect(
    (await studio.call('POST', '/v1/providers', { role: 'studio-operator', body: { providerId, payoutRefDigest: 'b'.repeat(64) } })).status,
  ).toBe(201);
});

afterAll(async () => {
  await startNode('vault', opts).catch(() => undefined);
  await startNode('peer0.studio1', opts).catch(() => undefined);
  await Promise.all([studio, licensor].map((g) => g.stop()));
});

interface Item {
  dataId: string;
  bytes: Buffer;
  extra?: Record<string, unknown>;
}
const items = (name: string, count: number, size = 2048): Item[] =>
  Array.from({ length: count }, (_, i) => ({ dataId: id(`${name}-${String(i).padStart(4, '0')}`), bytes: randomBytes(size) }));
const frames = (list: Item[]): Buffer[] =>
  list.flatMap((it) => encodeFrame({ dataId: it.dataId, providerId, termsId, mediaType: 'image/png', ...it.extra }, it.bytes));

async function lines(res: Response): Promise<{ byId: Record<string, any>; last: any }> {
  const all = (await res.text())
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
  const byId: Record<string, any> = {};
  for (const line of all) if (typeof line.dataId === 'string') byId[line.dataId] = line;
  return { byId, last: all[all.length - 1] };
}

const upload = (raw: RequestInit['body'], signal?: AbortSignal): Promise<Response> =>
  fetch(`${studio.url}/v1/data/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${studio.keys['studio-operator']}`, 'content-type': BATCH_MEDIA_TYPE },
    body: raw,
    duplex: 'half',
    ...(signal === undefined ? {} : { signal }),
  });

/** Runs both reapers' batch pass now, against the real ledger. */
async function reap(): Promise<void> {
  const connection = connectFabric(studio.config);
  const ledger = new FabricLedger({
    network: connection.gateway.getNetwork(studio.config.channel),
    chaincode: studio.config.chaincode,
    retry: studio.config.retry,
    logger: silentLogger,
    close: () => {
      connection.close();
    },
  });
  try {
    await reapBatches(
      {
        vault: studio.vault,
        packs: new PackStore(studio.vault, silentLogger),
        ledger,
        metrics: new Metrics(),
        logger: silentLogger,
        maxAgeMs: 0,
      },
      Date.now() + 1_000,
    );
  } finally {
    ledger.close();
  }
}

/** Every data record of the test provider on the ledger: dataId → content digest. */
async function ledgerDigests(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await json(
      await studio.call(
        'GET',
        `/v1/data?providerId=${providerId}&limit=200${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
        { role: 'auditor' },
      ),
    );
    for (const record of page.items) found.set(record.dataId, record.contentDigest);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return found;
}

/** For every item: on the ledger with its digest ⇔ its bytes in the vault (own object or pack); and no manifest left. */
async function expectAgreement(list: Item[], readBytes = true): Promise<{ registered: number }> {
  const onLedger = await ledgerDigests();
  const packs = new PackStore(studio.vault, silentLogger);
  const inVault = new Set([...(await studio.vault.list(`data/bt-`)), ...(await packs.packedIds()).map((id) => `data/${id}`)]);
  let registered = 0;
  for (const it of list) {
    const registeredHere = onLedger.get(it.dataId) === sha256(it.bytes);
    expect({ dataId: it.dataId, inVault: inVault.has(`data/${it.dataId}`) }).toEqual({ dataId: it.dataId, inVault: registeredHere });
    if (registeredHere && readBytes) expect(sha256((await packs.read(it.dataId)) ?? Buffer.alloc(0))).toBe(sha256(it.bytes));
    if (registeredHere) registered += 1;
  }
  expect(await unsettledBatches(studio.vault, run)).toEqual([]);
  return { registered };
}

test('when a batch mixes good and bad items, then each gets its own status, good ones are registered once, nothing is kept of bad ones', async () => {
  const [before] = items('earlier', 1);
  const good = items('good', 3);
  const dupBytes = (before as Item).bytes;
  expect(
    (
      await studio.call('POST', `/v1/data?dataId=${before?.dataId}&providerId=${providerId}&termsId=${termsId}`, {
        role: 'studio-operator',
        raw: dupBytes,
        headers: { 'content-type': 'image/png' },
      })
    ).status,
  ).toBe(201);
  const bad: Item[] = [
    { dataId: id('dup-digest'), bytes: dupBytes },
    { dataId: id('no-provider'), bytes: randomBytes(100), extra: { providerId: id('nobody') } },
    { dataId: id('too-large'), bytes: randomBytes(LIMIT + 1) },
    { dataId: id('no-terms'), bytes: randomBytes(100), extra: { termsId: id('no-such-terms') } },
  ];
  const list = [good[0], bad[0], bad[1], good[1], bad[2], bad[3], good[2]] as Item[];
  const res = await upload(Buffer.concat(frames(list)));
  expect(res.status).toBe(200);
  const { byId, last } = await lines(res);
  for (const g of good) expect(byId[g.dataId]).toMatchObject({ status: 'registered', contentDigest: sha256(g.bytes) });
  expect(byId[id('dup-digest')]).toMatchObject({ status: 'duplicate', error: { code: 'CONFLICT' } });
  expect(byId[id('no-provider')]).toMatchObject({ status: 'refused', error: { code: 'NOT_FOUND' } });
  expect(byId[id('too-large')]).toMatchObject({ status: 'refused', error: { code: 'PAYLOAD_TOO_LARGE' } });
  expect(byId[id('no-terms')]).toMatchObject({ status: 'refused', error: { code: 'NOT_FOUND' } });
  expect(last.summary).toMatchObject({ received: 7, registered: 3, duplicate: 1, refused: 3 });
  // Registered once (one version each); a retry answers "existing" instead of registering again.
  for (const g of good)
    expect((await json(await studio.call('GET', `/v1/data/${g.dataId}/history`, { role: 'auditor' }))).entries).toHaveLength(1);
  const again = await lines(await upload(Buffer.concat(frames(good))));
  for (const g of good) expect(again.byId[g.dataId]).toMatchObject({ status: 'registered', existing: true });
  const agreement = await expectAgreement(list);
  expect(agreement.registered).toBe(3);
});

test('when the client disconnects mid-stream, then after the reaper ledger and vault agree item by item', async () => {
  const list = items('disconnect', 1300, 512);
  const parts = frames(list);
  const controller = new AbortController();
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(stream) {
      // Abort after most of the items: the first chunks (125, 250 and 500 items) are registering, the
      // fourth never closes.
      if (sent === parts.length - 400) {
        await new Promise((r) => setTimeout(r, 300));
        controller.abort();
        stream.error(new Error('client gone'));
        return;
      }
      stream.enqueue(parts[sent] as Buffer);
      sent += 1;
    },
  });
  await upload(body, controller.signal)
    .then((r) => r.text())
    .catch(() => undefined);
  // The chunk that was registering when the client left finishes on its own and drops its pack.
  await eventually(async () => (await unsettledBatches(studio.vault, run)).length === 0, 60_000, 1_000).catch(() => undefined);
  await reap();
  const { registered } = await expectAgreement(list, false);
  // Whole chunks only, each all or nothing: any of the three closed ones, none of the open one.
  const wholeChunks = [0, 125, 250, 375, 500, 625, 750, 875];
  expect(wholeChunks).toContain(registered);
}, 300_000);

test('when the vault stops mid-batch, then nothing is registered without its bytes; after the reaper they agree', async () => {
  const list = items('vault-down', 30);
  const parts = frames(list);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(stream) {
      if (sent === parts.length) {
        stream.close();
        return;
      }
      if (sent === parts.length / 2) await gate;
      stream.enqueue(parts[sent] as Buffer);
      sent += 1;
    },
  });
  const pending = upload(body);
  await new Promise((r) => setTimeout(r, 500));
  await stopNode('vault', opts);
  release();
  const { byId } = await lines(await pending);
  expect(Object.values(byId).every((r) => r.status === 'failed' && r.error.code === 'UNAVAILABLE')).toBe(true);
  await startNode('vault', opts);
  await eventually(async () => (await studio.call('GET', '/readyz')).status === 200, 60_000);
  await reap();
  expect((await expectAgreement(list)).registered).toBe(0);
});

test("when the org's peer is stopped, then the batch fails item by item; after the reaper ledger and vault agree", async () => {
  const list = items('peer-down', 20);
  await stopNode('peer0.studio1', opts);
  try {
    const { byId } = await lines(await upload(Buffer.concat(frames(list))));
    for (const it of list) expect(['failed', 'pending']).toContain(byId[it.dataId].status);
  } finally {
    await startNode('peer0.studio1', opts);
  }
  await eventually(async () => (await studio.call('GET', '/readyz')).status === 200, 60_000);
  await reap();
  await expectAgreement(list);
});

test('when an upload session is resumed after a gateway restart, then each item is registered exactly once', async () => {
  const list = items('session', 40);
  const session = await json(await studio.call('POST', '/v1/data/sessions', { role: 'studio-operator' }));
  const add = (part: Item[]): Promise<Response> =>
    studio.call('POST', `/v1/data/sessions/${session.sessionId}/items`, {
      role: 'studio-operator',
      raw: Buffer.concat(frames(part)),
      headers: { 'content-type': BATCH_MEDIA_TYPE },
    });
  expect((await lines(await add(list.slice(0, 20)))).last.summary.staged).toBe(20);
  await studio.stop();
  await studio.restart();
  expect((await lines(await add(list.slice(20)))).last.summary.staged).toBe(20);
  // A commit that registered some items and then crashed, before recording it: those come back registered.
  const crashed = await lines(await upload(Buffer.concat(frames(list.slice(0, 10)))));
  expect(Object.values(crashed.byId).every((r) => r.status === 'registered')).toBe(true);
  await studio.stop();
  await studio.restart();
  const commit = await lines(await studio.call('POST', `/v1/data/sessions/${session.sessionId}/commit`, { role: 'studio-operator' }));
  expect(commit.last.summary).toMatchObject({ registered: 40 });
  expect(commit.last.session.state).toBe('committed');
  for (const it of list.slice(0, 10)) expect(commit.byId[it.dataId]).toMatchObject({ status: 'registered', existing: true });
  for (const it of list.slice(10)) expect(commit.byId[it.dataId].existing).toBeUndefined();
  expect((await expectAgreement(list)).registered).toBe(40);
  expect(await studio.vault.list(`sessions/${session.sessionId}/`)).toEqual([]);
});
