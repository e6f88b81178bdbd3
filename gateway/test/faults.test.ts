/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   response bodies are asserted as loose JSON */
import { randomBytes } from 'node:crypto';
import { startNode, stopNode } from '../../network/src/network';
import { TEST_STATE_DIR } from '../../network/test/support/test-network';
import { silentLogger } from '../src/logger';
import { Metrics } from '../src/metrics';
import { reapStaging } from '../src/use-cases/reaper';
import { FabricLedger } from '../src/fabric/fabric-ledger';
import { connectFabric } from '../src/fabric/connection';
import { eventually, startTestGateway, unsettledUploads, type TestGateway } from './support/gateways';

/**
 * Fault drills on the real network: the vault or the org's peer stopped in the middle of work, a gateway
 * restarted while a client follows the event stream. Each leaves nothing dangling and loses nothing.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (res: Response): Promise<any> => res.json();
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const id = (name: string): string => `fault-${name}-${run}`;
const opts = { stateDir: TEST_STATE_DIR };

let studio: TestGateway;
let licensor: TestGateway;
const termsId = id('terms');
const providerId = id('provider');

beforeAll(async () => {
  [studio, licensor] = await Promise.all([
    startTestGateway('Studio1MSP', (c) => ({ ...c, vault: { ...c.vault, stagingMaxAgeMs: 1, reapIntervalMs: 3_600_000 } })),
    startTestGateway('LicensorMSP'),
  ]);
  expect(
    (
      await licensor.call('POST', '/v1/terms', {
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
      })
    ).status,
  ).toBe(201);
  expect(
    (await studio.call('POST', '/v1/providers', { role: 'studio-operator', body: { providerId, payoutRefDigest: 'b'.repeat(64) } })).status,
  ).toBe(201);
});

afterAll(async () => {
  await startNode('vault', opts).catch(() => undefined);
  await startNode('peer0.studio1', opts).catch(() => undefined);
  await Promise.all([studio, licensor].map((g) => g.stop()));
});

/** A request body that sends `first`, then waits for `gate`, then sends `rest`. */
function slowBody(first: Buffer, gate: Promise<void>, rest: Buffer): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      if (sent === 0) controller.enqueue(first);
      else if (sent === 1) {
        await gate;
        controller.enqueue(rest);
      } else controller.close();
      sent += 1;
    },
  });
}

test('when the vault stops during an upload, then 503 and no ledger record', async () => {
  const dataId = id('vault-down');
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const pending = studio.call('POST', `/v1/data?dataId=${dataId}&providerId=${providerId}&termsId=${termsId}`, {
    role: 'studio-operator',
    raw: slowBody(randomBytes(20 * 1024 * 1024), gate, randomBytes(1024)) as unknown as RequestInit['body'],
    headers: { 'content-type': 'image/png' },
  });
  await new Promise((r) => setTimeout(r, 500));
  await stopNode('vault', opts);
  release();
  const res = await pending;
  expect(res.status).toBe(503);
  expect((await json(res)).error.code).toBe('UNAVAILABLE');
  expect((await studio.call('GET', `/v1/data/${dataId}`, { role: 'auditor' })).status).toBe(404);
  await startNode('vault', opts);
  await eventually(async () => (await studio.call('GET', '/readyz')).status === 200);
  expect(await studio.vault.exists(`data/${dataId}`)).toBe(false);
});

test("when the org's peer is stopped, then 503, and after the reaper no vault leftovers", async () => {
  const dataId = id('peer-down');
  await stopNode('peer0.studio1', opts);
  try {
    const res = await studio.call('POST', `/v1/data?dataId=${dataId}&providerId=${providerId}&termsId=${termsId}`, {
      role: 'studio-operator',
      raw: randomBytes(4096),
      headers: { 'content-type': 'image/png' },
    });
    expect(res.status).toBe(503);
    const ready = await json(await studio.call('GET', '/readyz'));
    expect(ready.checks.peer.ok).toBe(false);
  } finally {
    await startNode('peer0.studio1', opts);
  }
  await eventually(async () => (await studio.call('GET', '/readyz')).status === 200, 60_000);
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
    await reapStaging({ vault: studio.vault, ledger, metrics: new Metrics(), logger: silentLogger, maxAgeMs: 0 }, Date.now() + 1_000);
  } finally {
    ledger.close();
  }
  expect(await unsettledUploads(studio.vault, run)).toEqual([]);
  expect(await studio.vault.exists(`data/${dataId}`)).toBe(false);
  expect((await studio.call('GET', `/v1/data/${dataId}`, { role: 'auditor' })).status).toBe(404);
});

test('when the gateway restarts mid-stream, then the client resumes with Last-Event-ID without gaps or repeats', async () => {
  const names = [1, 2, 3, 4].map((i) => id(`evt-provider-${i}`));
  const seen: string[] = [];
  let lastEventId = '';

  async function follow(until: number, startBlock?: string): Promise<void> {
    const headers: Record<string, string> = lastEventId === '' ? {} : { 'last-event-id': lastEventId };
    const query = lastEventId === '' && startBlock !== undefined ? `&startBlock=${startBlock}` : '';
    const res = await studio.call('GET', `/v1/events?events=ProviderRegistered${query}`, { role: 'auditor', headers });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      while (seen.length < until) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const idLine = block.split('\n').find((l) => l.startsWith('id: '));
          const dataLine = block.split('\n').find((l) => l.startsWith('data: '));
          if (idLine === undefined || dataLine === undefined) continue;
          const event = JSON.parse(dataLine.slice(6)) as { payload: { providerId: string } };
          if (!names.includes(event.payload.providerId)) continue;
          seen.push(event.payload.providerId);
          lastEventId = idLine.slice(4);
          if (seen.length >= until) return;
        }
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  // Register two providers, follow the stream to them, restart the gateway, register two more, resume.
  const first = await json(
    await studio.call('POST', '/v1/providers', {
      role: 'studio-operator',
      body: { providerId: names[0], payoutRefDigest: 'c'.repeat(64) },
    }),
  );
  await studio.call('POST', '/v1/providers', { role: 'studio-operator', body: { providerId: names[1], payoutRefDigest: 'c'.repeat(64) } });
  await follow(2, first.blockNumber as string);
  expect(seen).toEqual(names.slice(0, 2));
  await studio.stop();
  await studio.restart();
  for (const providerIdN of names.slice(2)) {
    expect(
      (
        await studio.call('POST', '/v1/providers', {
          role: 'studio-operator',
          body: { providerId: providerIdN, payoutRefDigest: 'c'.repeat(64) },
        })
      ).status,
    ).toBe(201);
  }
  await follow(4);
  expect(seen).toEqual(names);
});
