import { randomBytes } from 'node:crypto';
import { startNode, stopNode } from '../../network/src/network';
import { buildTopology } from '../../network/src/topology';
import { testNetworkStatus, TEST_STATE_DIR } from '../../network/test/support/test-network';
import { startTestGateway, type TestGateway } from './support/gateways';

/**
 * One node down is not an outage: 160 REST uploads, 8 in flight, while the Raft leader among the three
 * orderers stops after the first 40. The gateway hands the signed transactions to the remaining
 * orderers within each request's deadline, so clients see latency, not errors.
 */

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const id = (name: string): string => `fo-${name}-${run}`;
const opts = { stateDir: TEST_STATE_DIR };
const TOTAL = 160;
const IN_FLIGHT = 8;
const STOP_AFTER = 40;

let studio: TestGateway;
let licensor: TestGateway;
let stopped: string | undefined;
const termsId = id('terms');
const providerId = id('provider');

/** The orderer that leads the Raft cluster now, from the orderers' own metrics. */
async function raftLeader(): Promise<string> {
  const status = await testNetworkStatus();
  const topology = buildTopology(status.consensus, status.basePort);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    for (const orderer of topology.orderers) {
      const text = await fetch(`http://127.0.0.1:${orderer.operationsPort}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      if (/^consensus_etcdraft_is_leader\{[^}]*\} 1$/m.test(text)) return orderer.name;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no Raft leader found in the orderers metrics');
}

beforeAll(async () => {
  [studio, licensor] = await Promise.all([startTestGateway('Studio1MSP'), startTestGateway('LicensorMSP')]);
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
  if (stopped !== undefined) await startNode(stopped, opts).catch(() => undefined);
  await Promise.all([studio, licensor].map((g) => g.stop()));
});

test('when the Raft leader stops during 160 uploads (8 in flight), then every upload succeeds', async () => {
  const failures: string[] = [];
  const latencies: number[] = [];
  let next = 0;
  let completed = 0;
  let stopping: Promise<void> | undefined;
  const started = Date.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < TOTAL; i = next++) {
      const t0 = Date.now();
      const res = await studio.call('POST', `/v1/data?dataId=${id(`d${i}`)}&providerId=${providerId}&termsId=${termsId}`, {
        role: 'studio-operator',
        raw: randomBytes(4096),
        headers: { 'content-type': 'application/octet-stream' },
      });
      const body = (await res.json()) as { error?: { code: string; message: string } };
      if (res.status !== 201) failures.push(`#${i} ${res.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`);
      latencies.push(Date.now() - t0);
      completed += 1;
      if (completed === STOP_AFTER && stopping === undefined) {
        stopping = (async () => {
          stopped = await raftLeader();
          await stopNode(stopped, opts);
        })();
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await stopping;
  const sorted = [...latencies].sort((a, b) => a - b);
  const p = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  process.stderr.write(
    `failover: ${TOTAL} uploads, ${IN_FLIGHT} in flight, ${stopped ?? '?'} (Raft leader) stopped after ${STOP_AFTER}: ` +
      `${failures.length} errors in ${((Date.now() - started) / 1000).toFixed(1)} s; latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms\n` +
      failures.map((f) => `  ${f}\n`).join(''),
  );
  expect(stopped).toBeDefined();
  expect(failures).toEqual([]);
});
