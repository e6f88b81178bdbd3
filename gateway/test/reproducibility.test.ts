/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call --
   response bodies are asserted as loose JSON */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestDigest, versionBindingDigest } from '@kiseki/chaincode/shared/artifacts';
import { generationDigest, parseGenerationRecord } from '@kiseki/chaincode/shared/generation';
import { folderManifest } from '../src/tools/folder-manifest';
import { generationKey } from '../src/use-cases/reproducibility';
import { startTestGateway, type TestGateway } from './support/gateways';

/**
 * Model versions, generation records and quality reviews end to end on the real network and MinIO:
 * a model folder's manifest sealed with the model, an output naming its version with its generation
 * record in the vault (and one altered byte detected), reviews by entitled and unentitled orgs.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (res: Response): Promise<any> => res.json();
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const id = (name: string): string => `rp-${name}-${run}`;

/** Reads through another org's gateway until its peer has committed what was just written. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function settled(read: () => Promise<Response>, done: (body: any) => boolean, timeoutMs = 15_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await read();
    const body = res.status === 200 ? await json(res) : undefined;
    if (body !== undefined && done(body)) return body;
    if (Date.now() > deadline) return body ?? { status: res.status };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let studio: TestGateway;
let studio2: TestGateway;
let licensor: TestGateway;
let regulator: TestGateway;
const folder = mkdtempSync(join(tmpdir(), 'kiseki-it-model-'));

beforeAll(async () => {
  [studio, studio2, licensor, regulator] = await Promise.all([
    startTestGateway('Studio1MSP'),
    startTestGateway('Studio2MSP'),
    startTestGateway('LicensorMSP'),
    startTestGateway('RegulatorMSP'),
  ]);
  mkdirSync(join(folder, 'unet'));
  writeFileSync(join(folder, 'unet', 'diffusion_pytorch_model.safetensors'), randomBytes(256 * 1024));
  writeFileSync(join(folder, 'model_index.json'), `{"run":"${run}"}`);
});

afterAll(async () => {
  rmSync(folder, { recursive: true, force: true });
  await Promise.all([studio, studio2, licensor, regulator].map((g) => g.stop()));
});

describe('reproducible models and outputs, reviewed', () => {
  const termsId = id('terms');
  const providerId = id('provider');
  const dataIds = [1, 2, 3].map((i) => id(`cel-${i}`)).sort();
  const rejected = id('cel-rejected');
  const modelId = id('model');
  const outputId = id('output');
  const recipe = `base: none\nsteps: 20000\nlr: 1e-4\ncode: kiseki-trainer@${run}\n`;
  let artifactDigest = '';
  let generation: Record<string, unknown> = {};

  test('when a model is sealed with the manifest of its folder and its recipe, then version 1 binds them to the training root', async () => {
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
            legalTextDigest: sha256(termsId),
          },
        })
      ).status,
    ).toBe(201);
    expect(
      (await studio.call('POST', '/v1/providers', { role: 'studio-operator', body: { providerId, payoutRef: `ref-${run}` } })).status,
    ).toBe(201);
    for (const dataId of [...dataIds, rejected]) {
      const res = await studio.call('POST', `/v1/data?dataId=${dataId}&providerId=${providerId}&termsId=${termsId}`, {
        role: 'studio-operator',
        raw: randomBytes(512),
        headers: { 'content-type': 'image/png' },
      });
      expect(res.status).toBe(201);
    }
    expect((await studio.call('POST', '/v1/models', { role: 'studio-operator', body: { modelId } })).status).toBe(201);
    expect(
      (await studio.call('POST', `/v1/models/${modelId}/training-batches`, { role: 'studio-operator', body: { dataIds } })).status,
    ).toBe(200);

    const manifest = await folderManifest(folder);
    artifactDigest = manifestDigest(manifest);
    const res = await studio.call('POST', `/v1/models/${modelId}/seal`, {
      role: 'studio-operator',
      body: { artifactManifest: manifest, recipe, label: 'v1' },
    });
    expect(res.status).toBe(200);
    const sealed = (await json(res)).record;
    expect(sealed).toMatchObject({ status: 'sealed', versionCount: 1 });

    const version = await settled(
      () => regulator.call('GET', `/v1/models/${modelId}/versions/1`, { role: 'regulator' }),
      () => true,
    );
    expect(version).toMatchObject({
      version: 1,
      artifactDigest,
      recipeDigest: sha256(recipe),
      trainingRoot: sealed.trainingRoot,
      status: 'active',
    });
    expect(version.bindingDigest).toBe(
      versionBindingDigest({
        modelId,
        version: 1,
        trainingRoot: sealed.trainingRoot,
        trainingSize: 3,
        artifactDigest,
        recipeDigest: sha256(recipe),
      }),
    );
    expect(version.vault.recipe).toMatchObject({ checked: false, holderMsp: 'Studio1MSP' });
    const own = await json(await studio.call('GET', `/v1/models/${modelId}/versions/1`, { role: 'auditor' }));
    expect(own.vault).toMatchObject({ artifactManifest: { present: true, intact: true }, recipe: { present: true, intact: true } });
    expect(await (await studio.call('GET', `/v1/models/${modelId}/versions/1/recipe`, { role: 'regulator' })).text()).toBe(recipe);
    const found = await settled(
      () => regulator.call('GET', `/v1/artifacts/${artifactDigest}/model-version`, { role: 'regulator' }),
      () => true,
    );
    expect(found).toMatchObject({ modelId, version: 1 });
  });

  test('when an output names its version with a generation record, then the record round-trips and verification shows it intact', async () => {
    generation = {
      outputId,
      modelId,
      modelVersion: 1,
      promptDigest: sha256(`secret prompt ${run}`),
      negativePrompt: 'blurry',
      seed: '4294967297',
      sampler: 'dpmpp_2m',
      steps: 30,
      guidance: 7,
      params: { width: 1024, height: 576 },
      software: { name: 'ComfyUI', version: '0.3.10' },
    };
    const digest = generationDigest(parseGenerationRecord(generation).record as never);
    const up = await studio.call('POST', `/v1/outputs?outputId=${outputId}&modelId=${modelId}&modelVersion=1&generationDigest=${digest}`, {
      role: 'studio-operator',
      raw: Buffer.from(`frame ${run}`),
      headers: { 'content-type': 'image/png' },
    });
    expect(up.status).toBe(201);
    expect((await json(up)).record).toMatchObject({ modelVersion: 1, generationDigest: digest });
    const stored = await studio.call('POST', `/v1/outputs/${outputId}/generation`, { role: 'studio-operator', body: generation });
    expect(stored.status).toBe(201);

    const read = await studio.call('GET', `/v1/outputs/${outputId}/generation`, { role: 'regulator' });
    expect(read.status).toBe(200);
    const bytes = Buffer.from(await read.arrayBuffer());
    expect(sha256(bytes)).toBe(digest);
    expect(JSON.parse(bytes.toString('utf8'))).toMatchObject({ seed: '4294967297', negativePromptDigest: sha256('blurry') });
    expect(bytes.toString('utf8')).not.toContain('secret prompt');

    const atRegulator = await settled(
      () => regulator.call('GET', `/v1/outputs/${outputId}/verification`, { role: 'regulator' }),
      () => true,
    );
    expect(atRegulator).toMatchObject({ verdict: 'authorized', modelVersion: { version: 1, artifactDigest }, generation: { digest } });
    const atOwner = await json(await studio.call('GET', `/v1/outputs/${outputId}/verification`, { role: 'auditor' }));
    expect(atOwner.generation.vault).toMatchObject({ checked: true, present: true, intact: true });
    expect(atOwner.modelVersion.vault.artifactManifest).toMatchObject({ present: true, intact: true });
  });

  test('when one byte of the stored generation record is altered, then verification detects it', async () => {
    const key = generationKey(outputId);
    const original = (await studio.vault.get(key)) as Buffer;
    const altered = Buffer.from(original);
    altered.writeUInt8((altered.at(10) ?? 0) ^ 0x01, 10);
    await studio.vault.put(key, altered, 'application/json');
    const verification = await json(await studio.call('GET', `/v1/outputs/${outputId}/verification`, { role: 'regulator' }));
    expect(verification.generation.vault).toMatchObject({ present: true, intact: false, actualDigest: sha256(altered) });
    expect((await studio.call('GET', `/v1/outputs/${outputId}/generation`, { role: 'regulator' })).status).toBe(409);
    await studio.vault.put(key, original, 'application/json');
  });

  test('when entitled orgs review the output, then history and verification show them; an org with no role is refused', async () => {
    const flag = await licensor.call('POST', '/v1/reviews', {
      role: 'licensor-operator',
      body: {
        reviewId: id('rv-flag'),
        subjectType: 'output',
        subjectId: outputId,
        outcome: 'flagged',
        category: 'consistency',
        reason: 'hair colour differs from the model sheet',
      },
    });
    expect(flag.status).toBe(201);
    expect((await json(flag)).record.review).toMatchObject({ reviewerMsp: 'LicensorMSP', reviewerRole: 'terms-issuer' });
    const accept = await studio.call('POST', '/v1/reviews', {
      role: 'studio-operator',
      body: { reviewId: id('rv-qa'), subjectType: 'output', subjectId: outputId, outcome: 'accepted' },
    });
    expect(accept.status).toBe(201);
    const refused = await studio2.call('POST', '/v1/reviews', {
      role: 'studio-operator',
      body: { reviewId: id('rv-x'), subjectType: 'output', subjectId: outputId, outcome: 'accepted' },
    });
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.message).toMatch(/no role in it/);
    expect(
      (
        await regulator.call('POST', '/v1/reviews', {
          role: 'regulator',
          body: { reviewId: id('rv-r'), subjectType: 'output', subjectId: outputId, outcome: 'accepted' },
        })
      ).status,
    ).toBe(403);

    const history = await settled(
      () => regulator.call('GET', `/v1/outputs/${outputId}/reviews`, { role: 'regulator' }),
      (b) => b.items?.length === 2,
    );
    expect(history.items.map((r: { outcome: string }) => r.outcome)).toEqual(['flagged', 'accepted']);
    const verification = await json(await regulator.call('GET', `/v1/outputs/${outputId}/verification`, { role: 'regulator' }));
    expect(verification.review).toMatchObject({
      count: 2,
      flagged: 1,
      accepted: 1,
      latestOutcome: 'accepted',
      latestReviewerMsp: 'Studio1MSP',
    });
  });

  test('when a data item is rejected and its owner excludes it, then a training batch with it is refused', async () => {
    const reviewId = id('rv-data');
    expect(
      (
        await licensor.call('POST', '/v1/reviews', {
          role: 'licensor-operator',
          body: { reviewId, subjectType: 'data', subjectId: rejected, outcome: 'rejected', reason: 'traced from a published cel' },
        })
      ).status,
    ).toBe(201);
    await settled(
      () => studio.call('GET', `/v1/reviews/${reviewId}`, { role: 'auditor' }),
      () => true,
    );
    expect(
      (await studio.call('POST', `/v1/data/${rejected}/training-exclusion`, { role: 'studio-operator', body: { reviewId } })).status,
    ).toBe(200);
    const other = id('model-2');
    expect((await studio.call('POST', '/v1/models', { role: 'studio-operator', body: { modelId: other } })).status).toBe(201);
    const batch = await studio.call('POST', `/v1/models/${other}/training-batches`, {
      role: 'studio-operator',
      body: { dataIds: [rejected] },
    });
    expect(batch.status).toBe(409);
    expect((await json(batch)).error).toMatchObject({ code: 'STATE', message: expect.stringContaining('excluded from training') });
    const reviews = await json(await studio.call('GET', `/v1/data/${rejected}/reviews`, { role: 'auditor' }));
    expect(reviews).toMatchObject({ summary: { rejected: 1, latestOutcome: 'rejected' }, trainingExclusion: { reviewId } });
  });
});
