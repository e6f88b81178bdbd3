import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  credentialsChecks,
  LEDGER_REFERENCES_FORMAT,
  stripPngManifest,
  type EvidenceBundle,
  type LedgerReferences,
} from '@kiseki/verifier';
import { readCredentials } from '../../../verifier/src/node-c2pa';
import { coseSign1, embedCredentials, loadContentSigner, type ContentSigner } from './c2pa';
import { issueContentCredentials } from './issue';
import { testPng } from '../../test/support/png';

/** Content Credentials round trip with the C2PA reference implementation (wasm), offline, on a CA made here. */

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A small RGB PNG. */
const png = (seed: number): Buffer => testPng(16, (x, y) => x * 5 + y * 11 + seed);

/** A cryptogen-like org folder: `ca/` with the CA key and certificate, and a user identity path. */
function fakeOrg(dir: string, name: string): string {
  const ca = join(dir, name, 'ca');
  mkdirSync(ca, { recursive: true });
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(ca, 'priv_sk')]);
  execFileSync('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    join(ca, 'priv_sk'),
    '-days',
    '30',
    '-subj',
    `/O=${name}/CN=ca.${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign,cRLSign',
    '-addext',
    'extendedKeyUsage=clientAuth,serverAuth',
    '-addext',
    'subjectKeyIdentifier=hash',
    '-out',
    join(ca, `ca.${name}-cert.pem`),
  ]);
  return join(dir, name, 'users', 'User1', 'msp', 'signcerts', 'cert.pem');
}

const dir = mkdtempSync(join(tmpdir(), 'kiseki-c2pa-'));
const original = png(7);
const references: LedgerReferences = {
  format: LEDGER_REFERENCES_FORMAT,
  channel: 'kiseki',
  chaincode: 'kiseki',
  outputId: 'frame-1',
  ownerMsp: 'Studio1MSP',
  contentDigest: sha256(original),
  mediaType: 'image/png',
  modelId: 'model-a',
  modelVersion: 2,
  trainingRoot: 'ab'.repeat(32),
  trainingSize: 3,
  transactionId: 'cd'.repeat(32),
  blockNumber: '12',
  evidence: '/v1/outputs/frame-1/evidence',
};
const bundle = {
  claim: { kind: 'output', outputId: 'frame-1', modelId: 'model-a', contentDigest: sha256(original) },
  channel: 'kiseki',
  transactions: [{ role: 'output', subject: 'frame-1', transactionId: 'cd'.repeat(32), blockNumber: '12' }],
} as unknown as EvidenceBundle;
let signer: ContentSigner;
let otherCa: string;
let signed: Uint8Array;

beforeAll(async () => {
  const paths = await issueContentCredentials({ identityCertPath: fakeOrg(dir, 'studio1'), outDir: join(dir, 'cc'), mspId: 'Studio1MSP' });
  if (paths === undefined) throw new Error('no credentials issued');
  signer = loadContentSigner(paths);
  const other = await issueContentCredentials({ identityCertPath: fakeOrg(dir, 'studio2'), outDir: join(dir, 'cc2'), mspId: 'Studio2MSP' });
  otherCa = readFileSync(other?.caCertPath ?? '', 'utf8');
  signed = await embedCredentials({ bytes: original, mediaType: 'image/png', title: 'frame-1', references }, signer, {
    name: 'Kiseki gateway',
    version: '0.1.0',
  });
  writeFileSync(join(dir, 'signed.png'), signed);
}, 60_000);

test('when a COSE_Sign1 is built for a reserved size, then it is exactly that size', () => {
  for (const size of [1024, 2048, 4096, 4097]) expect(coseSign1(new Uint8Array(100), signer, size).length).toBe(size);
});

test("when a PNG is signed with the org's key, then the C2PA reader trusts it under the org's CA and reads the references back", async () => {
  const reading = await readCredentials(signed, 'image/png', [signer.caPem]);
  expect(reading.state).toBe('Trusted');
  expect(reading.failures).toEqual([]);
  expect(reading.references).toEqual(references);
  expect(reading.created).toEqual({
    digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
    softwareAgent: 'model-a 2',
  });
  expect(reading.signer).toContain('Content Credentials Studio1MSP');
  expect(sha256(stripPngManifest(signed) ?? new Uint8Array())).toBe(references.contentDigest);
  expect(credentialsChecks(reading, bundle).every((c) => c.ok)).toBe(true);
});

test('when one byte of the image is changed, then the reader names the data hash mismatch', async () => {
  const tampered = new Uint8Array(signed);
  const at = tampered.length - 20;
  tampered[at] = (tampered[at] ?? 0) ^ 1;
  const reading = await readCredentials(tampered, 'image/png', [signer.caPem]);
  expect(reading.failures.map((f) => f.code)).toContain('assertion.dataHash.mismatch');
  const checks = credentialsChecks(reading, bundle);
  expect(checks.find((c) => c.name === 'content credentials')?.ok).toBe(false);
});

test("when the reader trusts another org's CA only, then the signer is untrusted", async () => {
  const reading = await readCredentials(signed, 'image/png', [otherCa]);
  expect(reading.failures.map((f) => f.code)).toContain('signingCredential.untrusted');
  expect(credentialsChecks(reading, bundle)[0]?.ok).toBe(false);
});

test('when the references name another output, then the references check fails naming it', async () => {
  const reading = await readCredentials(signed, 'image/png', [signer.caPem]);
  const other = { ...bundle, claim: { ...bundle.claim, outputId: 'frame-2' } } as EvidenceBundle;
  const check = credentialsChecks(reading, other).find((c) => c.name === 'credentials references');
  expect(check?.ok).toBe(false);
  expect(check?.detail).toContain('output frame-1 ≠ bundle');
});

test('when a file carries no manifest, then it reads as Invalid', async () => {
  const reading = await readCredentials(original, 'image/png', [signer.caPem]);
  expect(reading.state).toBe('Invalid');
  expect(credentialsChecks(reading, bundle)[0]?.ok).toBe(false);
});
