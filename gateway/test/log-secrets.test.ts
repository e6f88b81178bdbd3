import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_STATE_DIR } from '../../network/test/support/test-network';
import type { GatewayConfigInput } from '../src/config';
import { allRoutes } from '../src/http/routes';
import { fuzzCases, runFuzz } from '../src/testing/fuzz';
import { networkView, startTestGateway, type TestGateway } from './support/gateways';

/**
 * No secret in any log: two gateways log every line (debug level included) while they serve the
 * honest story across orgs, bad keys, bad input and a fuzz run; then those lines and every node log
 * of the network (orderers, peers, chaincode, MinIO) are searched for each secret the run knows: API
 * keys, every vault secret (root and per org), the vault's KMS key and the orgs' private keys. The
 * files that hold secrets are checked for their permissions.
 */

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const id = (name: string): string => `ls-${name}-${run}`;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const lines: string[] = [];
let licensor: TestGateway;
let studio: TestGateway;

const exchangeWith =
  (urls: Record<string, string>) =>
  (c: GatewayConfigInput): GatewayConfigInput => ({
    ...c,
    exchange: {
      orgs: (c.exchange?.orgs ?? []).map((o) => ({
        mspId: o.mspId,
        caCertPath: o.caCertPath,
        ...(urls[o.mspId] === undefined ? {} : { url: urls[o.mspId] }),
        // Content is handed off as presigned URLs, so their lines are searched too.
        ...(o.vaultUrl === undefined ? {} : { vaultUrl: o.vaultUrl }),
      })),
    },
  });

beforeAll(async () => {
  const log = (line: string): void => {
    lines.push(line);
  };
  licensor = await startTestGateway('LicensorMSP', exchangeWith({}), { log });
  studio = await startTestGateway('Studio1MSP', exchangeWith({ LicensorMSP: licensor.url }), { log });
}, 120_000);

afterAll(async () => {
  await Promise.all([licensor, studio].map((g) => g.stop()));
});

/** Every file under `dir` (recursively) whose name passes `keep`. */
function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, keep);
    return entry.isFile() && keep(entry.name) ? [path] : [];
  });
}

/** The base64 body of a PEM private key, and each of its lines (any one of them would leak most of it). */
function pemSecrets(path: string): string[] {
  const body = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('-----'));
  return [body.join(''), ...body.filter((l) => l.length >= 16)];
}

test('when two gateways serve a story, bad keys, bad input and a fuzz run at debug level, then no log line of theirs or of any node holds a known secret', async () => {
  // The honest story across orgs: legal text in the licensor's vault, data in the studio's, downloads.
  const termsId = id('terms');
  const legalText = `terms ${run}`;
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
      dataPoolShareBps: 2000,
      legalText,
    },
  });
  expect(terms.status).toBe(201);
  expect(
    (await studio.call('POST', '/v1/providers', { role: 'studio-operator', body: { providerId: id('p'), payoutRef: `ref-${run}` } }))
      .status,
  ).toBe(201);
  const bytes = randomBytes(2048);
  let upload = await studio.call('POST', `/v1/data?dataId=${id('d')}&providerId=${id('p')}&termsId=${termsId}`, {
    role: 'studio-operator',
    raw: bytes,
    headers: { 'content-type': 'image/png' },
  });
  for (let i = 0; i < 20 && upload.status === 404; i++) {
    // The studio's peer may not have committed the licensor's block yet.
    await new Promise((resolve) => setTimeout(resolve, 300));
    upload = await studio.call('POST', `/v1/data?dataId=${id('d')}&providerId=${id('p')}&termsId=${termsId}`, {
      role: 'studio-operator',
      raw: bytes,
      headers: { 'content-type': 'image/png' },
    });
  }
  expect(upload.status).toBe(201);
  const own = await studio.call('GET', `/v1/data/${id('d')}/content`, { role: 'studio-operator' });
  expect(own.status).toBe(200);
  const { url } = (await own.json()) as { url: string };
  expect(sha256(Buffer.from(await (await fetch(url)).arrayBuffer()))).toBe(sha256(bytes));
  const crossOrg = await studio.call('GET', `/v1/terms/${termsId}/legal-text`, { role: 'auditor' });
  expect(crossOrg.status).toBe(200);
  expect(await crossOrg.text()).toBe(legalText);

  // Refusals: a wrong key, a key in the wrong header form, bad JSON, an idempotency mismatch.
  expect(
    (await fetch(`${studio.url}/v1/models/${id('m')}`, { headers: { authorization: `Bearer ${studio.keys['studio-operator']}x` } })).status,
  ).toBe(401);
  expect((await fetch(`${studio.url}/v1/models/${id('m')}`, { headers: { authorization: studio.keys['studio-operator'] } })).status).toBe(
    401,
  );
  expect(
    (
      await studio.call('POST', '/v1/models', {
        role: 'studio-operator',
        raw: '{"modelId":',
        headers: { 'content-type': 'application/json' },
      })
    ).status,
  ).toBe(400);

  // A fuzz run through every route (bodies, queries, headers), with valid keys.
  const cases = fuzzCases(allRoutes().routes, 300, 0x5ec7e7);
  const outcome = await runFuzz(
    cases,
    (c, signal) =>
      fetch(`${studio.url}${c.path}`, {
        method: c.method,
        headers: { ...(c.role === undefined ? {} : { authorization: `Bearer ${studio.keys[c.role]}` }), ...c.headers },
        ...(c.body === undefined ? {} : { body: c.body, duplex: 'half' }),
        signal,
      }),
    4,
  );
  expect(outcome.failures).toEqual([]);

  // The secrets this run knows.
  const view = (await networkView()) as unknown as {
    vault: { secretKey: string };
    orgs: { mspId: string; userKeyPath: string; vault: { secretKey: string } }[];
  };
  const kms = readFileSync(join(TEST_STATE_DIR, 'secrets', 'vault-kms.key'), 'utf8').trim();
  const secrets = new Map<string, string>();
  for (const gateway of [studio, licensor])
    for (const [role, key] of Object.entries(gateway.keys)) secrets.set(`${gateway.mspId} API key (${role})`, key);
  secrets.set('vault root secret', view.vault.secretKey);
  for (const org of view.orgs) {
    secrets.set(`${org.mspId} vault secret`, org.vault.secretKey);
    pemSecrets(org.userKeyPath).forEach((s, i) => secrets.set(`${org.mspId} private key (part ${i})`, s));
  }
  secrets.set('vault KMS key', kms);
  secrets.set('vault KMS key material', kms.slice(kms.indexOf(':') + 1));

  const nodeLogs = filesUnder(join(TEST_STATE_DIR, 'logs'), (name) => name.endsWith('.log'));
  const sources: [string, string][] = [
    ['test gateways', lines.join('\n')],
    ...nodeLogs.map((file): [string, string] => [file, readFileSync(file, 'utf8')]),
  ];
  const found: string[] = [];
  for (const [where, text] of sources) for (const [what, secret] of secrets) if (text.includes(secret)) found.push(`${what} in ${where}`);
  const nodeLines = sources.slice(1).reduce((n, [, text]) => n + text.split('\n').length, 0);
  process.stderr.write(
    `log secrets: ${lines.length} gateway lines and ${nodeLines} lines of ${nodeLogs.length} node logs searched for ${secrets.size} secrets: ${found.length} found\n`,
  );
  expect(lines.length).toBeGreaterThan(100);
  expect(nodeLogs.length).toBeGreaterThan(5);
  expect(found).toEqual([]);
});

test('when the network holds secrets, then their files are 0600 (folders 0700) and the state file holds no KMS key', () => {
  const mode = (path: string): number => statSync(path).mode & 0o777;
  expect(mode(join(TEST_STATE_DIR, 'network.json'))).toBe(0o600);
  expect(mode(join(TEST_STATE_DIR, 'secrets'))).toBe(0o700);
  expect(mode(join(TEST_STATE_DIR, 'secrets', 'vault-kms.key'))).toBe(0o600);
  const state = readFileSync(join(TEST_STATE_DIR, 'network.json'), 'utf8');
  expect(state).not.toContain('kmsSecretKey');
  expect(state).not.toContain(readFileSync(join(TEST_STATE_DIR, 'secrets', 'vault-kms.key'), 'utf8').trim());
});
