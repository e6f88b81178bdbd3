import { Clients } from '../../network/test/support/test-network';
import { common } from '@hyperledger/fabric-protos';
import { allRoutes } from '../src/http/routes';
import { fuzzCases, runFuzz, type FuzzCase } from '../src/testing/fuzz';
import { startTestGateway, type TestGateway } from './support/gateways';

/**
 * The fuzz run on the real network and vault: hostile bodies, queries, path parameters and headers at
 * every route of the route table. No 5xx, no crash, and neither the channel's height nor the org's
 * bucket changes.
 */

const CASES = Number(process.env.KISEKI_FUZZ_CASES ?? 1000);
// A seed of its own, so this run and the unit tier's cover different cases.
const SEED = 0x5eed2;

let studio: TestGateway;
let clients: Clients;

beforeAll(async () => {
  studio = await startTestGateway('Studio1MSP', (c) => ({
    ...c,
    limits: { ...c.limits, uploadMaxBytes: 64 * 1024, jsonMaxBytes: 64 * 1024 },
  }));
  clients = await Clients.create();
});

afterAll(async () => {
  clients.closeAll();
  await studio.stop();
});

async function height(): Promise<bigint> {
  const client = clients.org('Studio1MSP');
  const bytes = await client.network.getContract('qscc').evaluateTransaction('GetChainInfo', clients.status.channel);
  return BigInt(common.BlockchainInfo.deserializeBinary(bytes).getHeight());
}

test(`when ${CASES} hostile requests hit every route of a real gateway, then no 5xx and no ledger or vault change`, async () => {
  const beforeHeight = await height();
  const beforeObjects = (await studio.vault.list('')).sort();
  const cases = fuzzCases(allRoutes().routes, CASES, SEED);
  const send = (c: FuzzCase, signal: AbortSignal): Promise<Response> =>
    fetch(`${studio.url}${c.path}`, {
      method: c.method,
      headers: { ...(c.role === undefined ? {} : { authorization: `Bearer ${studio.keys[c.role]}` }), ...c.headers },
      ...(c.body === undefined ? {} : { body: c.body, duplex: 'half' }),
      signal,
    });
  const started = Date.now();
  const outcome = await runFuzz(cases, send, 4);
  process.stderr.write(
    `fuzz (real network): ${outcome.cases} cases over ${allRoutes().routes.length} routes in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `statuses ${JSON.stringify(outcome.byStatus)}\n`,
  );
  expect(outcome.failures).toEqual([]);
  expect(await height()).toBe(beforeHeight);
  expect((await studio.vault.list('')).sort()).toEqual(beforeObjects);
  expect((await studio.call('GET', '/readyz')).status).toBe(200);
});
