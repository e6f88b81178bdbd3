/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   response bodies are asserted as loose JSON */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stripPngManifest } from '@kiseki/verifier';
import { readCredentials } from '../../verifier/src/node-c2pa';
import { testNetworkStatus } from '../../network/test/support/test-network';
import { startTestGateway, type TestGateway } from './support/gateways';
import { testPng } from './support/png';

/**
 * Content Credentials on the real network: an output downloaded as a PNG carrying a C2PA manifest
 * signed by the owning studio, read back by the C2PA reader (wasm), and followed by kiseki-verify to
 * the same verdict as the output's evidence bundle; a tampered copy is refused, naming what failed.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (res: Response): Promise<any> => res.json();
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const id = (name: string): string => `cc-${name}-${run}`;
const exec = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'verifier', 'dist', 'cli.js');

const png = (seed: Buffer): Buffer => testPng(32, (x, y) => (seed[(x + y) % seed.length] ?? 0) + x * y);

let studio: TestGateway;
let licensor: TestGateway;
const dir = mkdtempSync(join(tmpdir(), 'kiseki-credentials-'));
const outputBytes = png(randomBytes(64));
const outputId = id('frame');
const modelId = id('model');
const files = { signed: join(dir, `${outputId}.png`), tampered: join(dir, 'tampered.png'), bundle: join(dir, 'bundle.json') };
let signed: Uint8Array;
let anchor = '';

beforeAll(async () => {
  const open = { enabled: true, requestsPerMinute: 100_000, burst: 100_000, attestors: [] as string[] };
  licensor = await startTestGateway('LicensorMSP', (c) => ({ ...c, publicVerification: open }));
  studio = await startTestGateway('Studio1MSP', (c) => ({ ...c, publicVerification: { ...open, attestors: [licensor.url] } }));
  anchor = (await testNetworkStatus()).configBlock?.hash ?? '';
  const termsId = id('terms');
  const providerId = id('provider');
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
          dataPoolShareBps: 2000,
          legalText: 'terms',
        },
      })
    ).status,
  ).toBe(201);
  expect((await studio.call('POST', '/v1/providers', { role: 'studio-operator', body: { providerId, payoutRef: 'payout' } })).status).toBe(
    201,
  );
  const dataIds = [id('cel-1'), id('cel-2')];
  for (const dataId of dataIds) {
    expect(
      (
        await studio.call('POST', `/v1/data?dataId=${dataId}&providerId=${providerId}&termsId=${termsId}`, {
          role: 'studio-operator',
          raw: randomBytes(512),
          headers: { 'content-type': 'image/png' },
        })
      ).status,
    ).toBe(201);
  }
  expect((await studio.call('POST', '/v1/models', { role: 'studio-operator', body: { modelId } })).status).toBe(201);
  expect(
    (await studio.call('POST', `/v1/models/${modelId}/training-batches`, { role: 'studio-operator', body: { dataIds: dataIds.sort() } }))
      .status,
  ).toBe(200);
  expect((await studio.call('POST', `/v1/models/${modelId}/seal`, { role: 'studio-operator' })).status).toBe(200);
  expect(
    (
      await studio.call('POST', `/v1/outputs?outputId=${outputId}&modelId=${modelId}`, {
        role: 'studio-operator',
        raw: outputBytes,
        headers: { 'content-type': 'image/png' },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await studio.call('POST', `/v1/outputs?outputId=${id('clip')}&modelId=${modelId}`, {
        role: 'studio-operator',
        raw: randomBytes(256),
        headers: { 'content-type': 'video/mp4' },
      })
    ).status,
  ).toBe(201);
});

afterAll(async () => {
  await Promise.all([studio, licensor].map((g) => g.stop().catch(() => undefined)));
});

test('when the owning studio serves an output with credentials=c2pa, then the PNG carries a manifest the C2PA reader trusts under its CA', async () => {
  const started = performance.now();
  const res = await studio.call('GET', `/v1/outputs/${outputId}/content?credentials=c2pa`, { role: 'auditor' });
  const ms = performance.now() - started;
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/png');
  signed = new Uint8Array(await res.arrayBuffer());
  writeFileSync(files.signed, signed);
  console.info(`credentialed download: ${outputBytes.length} → ${signed.length} bytes in ${ms.toFixed(0)} ms`);
  expect(sha256(stripPngManifest(signed) ?? new Uint8Array())).toBe(sha256(outputBytes));
  const reading = await readCredentials(signed, 'image/png', [readFileSync(studio.config.contentCredentials?.caCertPath ?? '', 'utf8')]);
  expect(reading.state).toBe('Trusted');
  expect(reading.failures).toEqual([]);
  expect(reading.references).toMatchObject({
    outputId,
    modelId,
    ownerMsp: 'Studio1MSP',
    contentDigest: sha256(outputBytes),
    mediaType: 'image/png',
    evidence: `/v1/outputs/${outputId}/evidence`,
  });
  expect(reading.references?.transactionId).toMatch(/^[0-9a-f]{64}$/);
  expect(reading.created?.digitalSourceType).toBe('http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia');
});

test('when another org asks for credentials, or the output is not an image, then the request is refused with a clear code', async () => {
  const clip = await studio.call('GET', `/v1/outputs/${id('clip')}/content?credentials=c2pa`, { role: 'auditor' });
  expect(clip.status).toBe(415);
  const other = await licensor.call('GET', `/v1/outputs/${outputId}/content?credentials=c2pa`, { role: 'auditor' });
  expect(other.status).toBe(403);
  expect((await json(other)).error.message).toContain('Studio1MSP');
});

test("when kiseki-verify --c2pa follows the file's references to the output's bundle, then it prints VERIFIED; a tampered copy is refused naming what failed", async () => {
  const bundle = await json(await studio.call('GET', `/v1/outputs/${outputId}/evidence`, { role: 'auditor' }));
  writeFileSync(files.bundle, JSON.stringify(bundle));
  const { stdout } = await exec(process.execPath, [CLI, files.bundle, files.signed, '--c2pa', '--anchor', anchor]);
  console.info(stdout);
  expect(stdout).toContain('✓ content credentials: C2PA manifest valid');
  expect(stdout).toContain('✓ credentials references');
  expect(stdout).toContain(`VERIFIED: output ${outputId}`);
  const tampered = new Uint8Array(signed);
  const at = tampered.length - 24;
  tampered[at] = (tampered[at] ?? 0) ^ 0x01;
  writeFileSync(files.tampered, tampered);
  const failure = await exec(process.execPath, [CLI, files.bundle, files.tampered, '--c2pa', '--anchor', anchor]).then(
    () => undefined,
    (error: unknown) => error as { code: number; stdout: string },
  );
  console.info(failure?.stdout);
  expect(failure?.code).toBe(1);
  expect(failure?.stdout).toContain('assertion.dataHash.mismatch');
  expect(failure?.stdout).toMatch(/NOT VERIFIED — failed: content credentials.*file/);
});
