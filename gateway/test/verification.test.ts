/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   response bodies are asserted as loose JSON */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { common } from '@hyperledger/fabric-protos';
import { formatReport, verifyBundle, type EvidenceBundle, type Report } from '@kiseki/verifier';
import { nodeCrypto } from '../../verifier/src/node-crypto';
import { startNode, stopNode } from '../../network/src/network';
import { Clients, submitJson, TEST_STATE_DIR, testNetworkStatus } from '../../network/test/support/test-network';
import { startTestGateway, type TestGateway } from './support/gateways';

/**
 * Verifiable by anyone: lookup by content, the public surface (no confidential field, 429 past the
 * limit), and evidence bundles checked by the standalone verifier with every node stopped — and
 * refused, naming the failure, once tampered with.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (res: Response): Promise<any> => res.json();
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const id = (name: string): string => `vf-${name}-${run}`;
const exec = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'verifier', 'dist', 'cli.js');

let studio: TestGateway;
let licensor: TestGateway;
let regulator: TestGateway;

const secrets = { payoutRef: `payout-secret-${run}`, commercial: `price-secret-${run}`, legalText: `legal text secret ${run}` };
const dataBytes = [0, 1, 2, 3].map(() => randomBytes(2048));
const outputBytes = randomBytes(4096);
const dataIds = [1, 2, 3, 4].map((i) => id(`cel-${i}`));
const [trained1, trained2, trained3, unused] = dataIds as [string, string, string, string];
const modelId = id('model');
const outputId = id('output');
const publicAnswers: string[] = [];

async function pub(gateway: TestGateway, method: string, path: string, raw?: Buffer): Promise<Response> {
  const res = await gateway.call(method, path, raw === undefined ? {} : { raw, headers: { 'content-type': 'application/octet-stream' } });
  publicAnswers.push(await res.clone().text());
  return res;
}

beforeAll(async () => {
  const open = { enabled: true, requestsPerMinute: 100_000, burst: 100_000, attestors: [] as string[] };
  [licensor, regulator] = await Promise.all([
    startTestGateway('LicensorMSP', (c) => ({ ...c, publicVerification: open })),
    startTestGateway('RegulatorMSP', (c) => ({ ...c, publicVerification: { ...open, requestsPerMinute: 1, burst: 5 } })),
  ]);
  studio = await startTestGateway('Studio1MSP', (c) => ({ ...c, publicVerification: { ...open, attestors: [licensor.url] } }));
});

afterAll(async () => {
  await Promise.all([studio, licensor, regulator].map((g) => g.stop().catch(() => undefined)));
});

describe('a provenance story, looked up and verified by anyone', () => {
  test('when data is collected, a model sealed and an output registered, then every step commits', async () => {
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
            legalText: secrets.legalText,
            commercial: { price: secrets.commercial },
          },
        })
      ).status,
    ).toBe(201);
    expect(
      (await studio.call('POST', '/v1/providers', { role: 'studio-operator', body: { providerId, payoutRef: secrets.payoutRef } })).status,
    ).toBe(201);
    for (const [i, dataId] of dataIds.entries()) {
      const res = await studio.call('POST', `/v1/data?dataId=${dataId}&providerId=${providerId}&termsId=${termsId}`, {
        role: 'studio-operator',
        raw: dataBytes[i],
        headers: { 'content-type': 'image/png' },
      });
      expect(res.status).toBe(201);
    }
    expect((await studio.call('POST', '/v1/models', { role: 'studio-operator', body: { modelId } })).status).toBe(201);
    const batch = [trained1, trained2, trained3].sort();
    expect(
      (await studio.call('POST', `/v1/models/${modelId}/training-batches`, { role: 'studio-operator', body: { dataIds: batch } })).status,
    ).toBe(200);
    expect((await studio.call('POST', `/v1/models/${modelId}/seal`, { role: 'studio-operator' })).status).toBe(200);
    const out = await studio.call('POST', `/v1/outputs?outputId=${outputId}&modelId=${modelId}`, {
      role: 'studio-operator',
      raw: outputBytes,
      headers: { 'content-type': 'image/png' },
    });
    expect(out.status).toBe(201);
  });

  test('when a member looks up a data file and an output file by their bytes or digest, then each is found; an unknown file is "not registered"', async () => {
    const data = await json(
      await studio.call('POST', '/v1/lookup', { role: 'auditor', raw: dataBytes[0], headers: { 'content-type': 'image/png' } }),
    );
    expect(data.data.dataId).toBe(trained1);
    const output = await json(await studio.call('GET', `/v1/lookup/${sha256(outputBytes)}`, { role: 'auditor' }));
    expect(output.output).toMatchObject({ outputId, modelId, contentDigest: sha256(outputBytes) });
    const unknown = await studio.call('POST', '/v1/lookup', { role: 'auditor', raw: randomBytes(100) });
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error.message).toMatch(/^not registered/);
  });

  test('when anyone uses the public surface through a whole story, then no confidential field ever appears', async () => {
    expect((await json(await pub(studio, 'POST', '/v1/public/lookup', dataBytes[1]))).data.dataId).toBe(trained2);
    expect((await json(await pub(studio, 'GET', `/v1/public/lookup/${sha256(outputBytes)}`))).output.outputId).toBe(outputId);
    expect((await pub(studio, 'POST', '/v1/public/lookup', randomBytes(64))).status).toBe(404);
    const verdict = await json(await pub(studio, 'GET', `/v1/public/outputs/${outputId}/verification`));
    expect(verdict.verdict).toBe('authorized');
    const included = await json(await pub(studio, 'GET', `/v1/public/models/${modelId}/training-set/${sha256(dataBytes[0] as Buffer)}`));
    expect(included).toMatchObject({ dataId: trained1, included: true });
    const excluded = await json(await pub(studio, 'GET', `/v1/public/models/${modelId}/training-set/${unused}`));
    expect(excluded).toMatchObject({ dataId: unused, included: false });
    await pub(studio, 'GET', `/v1/public/data/${trained1}`);
    await pub(studio, 'GET', `/v1/public/models/${modelId}`);
    expect((await json(await pub(studio, 'GET', '/v1/public/anchor'))).configBlockHash).toBe((await testNetworkStatus()).configBlock?.hash);
    const history = await json(await studio.call('GET', `/v1/lookup/${sha256(outputBytes)}`, { role: 'auditor' }));
    expect(history.output.outputId).toBe(outputId);
    const all = publicAnswers.join('\n');
    for (const secret of [
      ...Object.values(secrets),
      'payoutRef',
      'providerId',
      'rightsIds',
      'dataPoolShareBps',
      'commercial"',
      'statusReason',
      'legalTextDigest',
    ]) {
      expect(all).not.toContain(secret);
    }
    for (const bytes of [...dataBytes, outputBytes]) {
      expect(all).not.toContain(bytes.toString('base64').slice(0, 40));
      expect(all).not.toContain(bytes.toString('hex').slice(0, 64));
    }
  });

  test('when one address exceeds the public rate limit, then 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await regulator.call('GET', `/v1/public/lookup/${sha256(outputBytes)}`)).status);
    expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
  });
});

describe('evidence bundles, verified offline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiseki-evidence-'));
  const bundles: Record<'output' | 'inclusion' | 'exclusion', EvidenceBundle> = {} as never;
  const files = {
    output: join(dir, 'output.json'),
    inclusion: join(dir, 'inclusion.json'),
    exclusion: join(dir, 'exclusion.json'),
    outputFile: join(dir, 'frame.png'),
    dataFile: join(dir, 'cel.png'),
    other: join(dir, 'other.png'),
  };
  let anchor = '';
  const verify = (bundle: EvidenceBundle, extra: { file?: Uint8Array; policy?: string } = {}): Promise<Report> =>
    verifyBundle(bundle, { crypto: nodeCrypto, anchor, ...extra });
  const failed = (report: Report): string[] => report.checks.filter((c) => !c.ok).map((c) => c.name);

  beforeAll(async () => {
    anchor = (await testNetworkStatus()).configBlock?.hash ?? '';
    expect(anchor).toMatch(/^[0-9a-f]{64}$/);
  });

  test('when a member exports bundles for an output and for inclusion and exclusion claims, then each verifies', async () => {
    bundles.output = await json(await studio.call('GET', `/v1/outputs/${outputId}/evidence`, { role: 'auditor' }));
    bundles.inclusion = await json(
      await studio.call('GET', `/v1/models/${modelId}/evidence/${sha256(dataBytes[0] as Buffer)}`, { role: 'auditor' }),
    );
    bundles.exclusion = await json(await studio.call('GET', `/v1/models/${modelId}/evidence/${unused}`, { role: 'auditor' }));
    for (const kind of ['output', 'inclusion', 'exclusion'] as const) {
      writeFileSync(files[kind], JSON.stringify(bundles[kind]));
      const report = await verify(bundles[kind]);
      if (!report.ok) process.stderr.write(formatReport(report));
      expect(report.ok).toBe(true);
      expect(new Set(bundles[kind].attestations.map((a) => a.signer.mspId))).toEqual(new Set(['Studio1MSP', 'LicensorMSP']));
    }
    expect(bundles.output.transactions.map((t) => t.role)).toEqual(['output', 'seal']);
    expect(bundles.inclusion.claim).toMatchObject({ kind: 'inclusion', dataId: trained1, contentDigest: sha256(dataBytes[0] as Buffer) });
    expect(bundles.exclusion.claim).toMatchObject({ kind: 'exclusion', dataId: unused });
    writeFileSync(files.outputFile, outputBytes);
    writeFileSync(files.dataFile, dataBytes[0] as Buffer);
    writeFileSync(files.other, randomBytes(64));
    // Verification time per bundle (library, warm), and sizes.
    for (const kind of ['output', 'inclusion', 'exclusion'] as const) {
      const times: number[] = [];
      for (let i = 0; i < 15; i += 1) {
        const started = performance.now();
        await verify(bundles[kind]);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      console.info(
        `bundle ${kind}: ${JSON.stringify(bundles[kind]).length} bytes, verify p50 ${(times[7] ?? 0).toFixed(1)} ms (${bundles[kind].blocks.length} blocks, ${bundles[kind].headers.length} headers)`,
      );
    }
  });

  describe('with every gateway and node stopped', () => {
    let nodes: string[] = [];
    beforeAll(async () => {
      await Promise.all([studio, licensor, regulator].map((g) => g.stop()));
      const status = await testNetworkStatus();
      nodes = [...status.orderers, ...status.peers].map((n) => n.name);
      for (const name of [...nodes, 'vault']) await stopNode(name, { stateDir: TEST_STATE_DIR });
      const after = await testNetworkStatus();
      expect([...after.orderers, ...after.peers].some((n) => n.healthy)).toBe(false);
    });

    afterAll(async () => {
      const opts = { stateDir: TEST_STATE_DIR };
      await startNode('vault', opts);
      await Promise.all(nodes.filter((n) => n.startsWith('orderer')).map((n) => startNode(n, opts)));
      // Peers together: each waits until gossip shows it every other peer.
      await Promise.all(nodes.filter((n) => !n.startsWith('orderer')).map((n) => startNode(n, opts)));
      // The next test file needs an ordering service with a leader again: wait until a write commits.
      const clients = await Clients.create();
      try {
        const deadline = Date.now() + 90_000;
        for (let attempt = 0; ; attempt += 1) {
          try {
            await submitJson(clients.org('Studio1MSP'), 'providers:Register', {
              providerId: id(`after-restart-${attempt}`),
              payoutRefDigest: sha256(Buffer.from('x')),
            });
            break;
          } catch (error) {
            if (Date.now() > deadline) throw error;
            await new Promise((resolve) => setTimeout(resolve, 1_000));
          }
        }
      } finally {
        clients.closeAll();
      }
    });

    test('when kiseki-verify checks the output bundle and the file, then it prints VERIFIED and exits 0', async () => {
      const { stdout } = await exec(process.execPath, [CLI, files.output, files.outputFile, '--anchor', anchor]);
      console.info(stdout);
      expect(stdout).toContain(`VERIFIED: output ${outputId}`);
      const inclusion = await exec(process.execPath, [CLI, files.inclusion, files.dataFile, '--anchor', anchor]);
      expect(inclusion.stdout).toContain(`IS in the training set of model ${modelId}`);
      const exclusion = await exec(process.execPath, [CLI, files.exclusion, '--anchor', anchor]);
      expect(exclusion.stdout).toContain(`is NOT in the training set of model ${modelId}`);
    });

    test('when the file is not the output, then kiseki-verify exits 1 naming the file check', async () => {
      const failure = await exec(process.execPath, [CLI, files.output, files.other, '--anchor', anchor]).then(
        () => undefined,
        (error: unknown) => error as { code: number; stdout: string },
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stdout).toContain('NOT VERIFIED — failed: file');
      console.info(failure?.stdout);
    });

    const clone = <T>(value: T): T => structuredClone(value);
    const flipHex = (hex: string): string => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;

    test.each([
      [
        'the root of the proof',
        'inclusion',
        (b: EvidenceBundle) => {
          if (b.proof) b.proof.root = flipHex(b.proof.root);
        },
        'proof root',
      ],
      [
        'a node of the proof',
        'inclusion',
        (b: EvidenceBundle) => {
          if (b.proof?.kind === 'inclusion') b.proof.auditPath[0] = flipHex(b.proof.auditPath[0] ?? '');
        },
        'proof',
      ],
      [
        'a byte of a block (the written root)',
        'exclusion',
        (b: EvidenceBundle) => {
          const root = Buffer.from(b.proof?.root ?? '', 'utf8');
          const entry = b.blocks.find((e) => Buffer.from(e.block, 'base64').includes(root));
          const bytes = Buffer.from(entry?.block ?? '', 'base64');
          const at = bytes.indexOf(root);
          expect(at).toBeGreaterThan(0);
          bytes[at] = (bytes[at] ?? 0) ^ 1;
          if (entry) entry.block = bytes.toString('base64');
        },
        'block',
      ],
      [
        'an orderer signature',
        'output',
        (b: EvidenceBundle) => {
          const block = common.Block.deserializeBinary(Buffer.from(b.blocks[0]?.block ?? '', 'base64'));
          const metadata = block.getMetadata()?.getMetadataList_asU8() ?? [];
          const signatures = common.Metadata.deserializeBinary(metadata[0] ?? new Uint8Array());
          const first = signatures.getSignaturesList()[0];
          const signature = first?.getSignature_asU8().slice() ?? new Uint8Array();
          signature[10] = (signature[10] ?? 0) ^ 1;
          first?.setSignature(signature);
          metadata[0] = signatures.serializeBinary();
          block.getMetadata()?.setMetadataList(metadata);
          (b.blocks[0] as { block: string }).block = Buffer.from(block.serializeBinary()).toString('base64');
        },
        'orderer signatures of block',
      ],
      [
        'an attestation signature',
        'output',
        (b: EvidenceBundle) => {
          const a = b.attestations[0];
          if (a) a.signature = Buffer.from(Buffer.from(a.signature, 'base64').map((x, i) => (i === 12 ? x ^ 1 : x))).toString('base64');
        },
        'validation',
      ],
      [
        'a root certificate',
        'output',
        (b: EvidenceBundle) => {
          const msp = b.msps[0];
          if (msp) msp.rootCerts[0] = (msp.rootCerts[0] ?? '').replace(/MII(.)/, (_m, c: string) => `MII${c === 'A' ? 'B' : 'A'}`);
        },
        'trust roots',
      ],
      [
        "an attester's certificate",
        'output',
        (b: EvidenceBundle) => {
          const [first, second] = b.attestations;
          if (first && second) first.signer.certificate = second.signer.certificate;
        },
        'validation',
      ],
      [
        'attestations below the policy',
        'output',
        (b: EvidenceBundle) => {
          b.attestations = b.attestations.filter((a) => a.signer.mspId === 'Studio1MSP');
        },
        'validation',
      ],
    ])('when %s is tampered with, then the bundle is refused naming it', async (_what, kind, tamper, name) => {
      const bundle = clone(bundles[kind as 'output']);
      tamper(bundle);
      const report = await verify(bundle);
      expect(report.ok).toBe(false);
      expect(failed(report).some((n) => n.includes(name))).toBe(true);
    });

    test('when the endorsements are below the pinned endorsement policy, then the bundle is refused naming the endorsements', async () => {
      const report = await verify(bundles.output, { policy: "AND('Studio1MSP.peer', 'Studio2MSP.peer', 'LicensorMSP.peer')" });
      expect(report.ok).toBe(false);
      expect(failed(report).some((n) => n.endsWith('endorsements'))).toBe(true);
    });

    test('when the config block is not the pinned one, then the anchor check fails', async () => {
      const report = await verifyBundle(bundles.output, { crypto: nodeCrypto, anchor: flipHex(anchor) });
      expect(failed(report)).toEqual(['anchor']);
    });
  });
});
