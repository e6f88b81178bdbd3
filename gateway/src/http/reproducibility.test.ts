/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   response bodies are asserted as loose JSON */
import { createHash } from 'node:crypto';
import { artifactManifest, manifestDigest } from '@kiseki/chaincode/shared/artifacts';
import { generationDigest, parseGenerationRecord } from '@kiseki/chaincode/shared/generation';
import { json, startHarness, type Harness } from '../testing/harness';
import { artifactManifestKey, generationKey, recipeKey } from '../use-cases/reproducibility';

/** Model versions, generation records and reviews through the routes, over the real contracts. */

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const files = [
  { path: 'unet/weights.safetensors', size: 10, sha256: sha256('weights') },
  { path: 'model_index.json', size: 2, sha256: sha256('{}') },
];
const recipe = { baseModel: 'none', steps: 20000, learningRate: '1e-4', codeRevision: 'a1b2c3d' };
const generation = {
  outputId: 'o-1',
  modelId: 'm-1',
  modelVersion: 1,
  prompt: 'a cat on a rooftop',
  seed: 1234,
  sampler: 'euler_a',
  steps: 28,
  guidance: 6.5,
  software: { name: 'ComfyUI', version: '0.3.10' },
};

describe('reproducibility routes', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await h.ledger.seed();
    await h.ledger.sealedModel('m-1', ['d-1'], { seal: false });
  });

  /** Seals m-1 with version 1 (other weights than {@link files}). */
  const sealWithVersion = async (): Promise<void> => {
    const v1 = [{ path: 'unet/weights.safetensors', size: 11, sha256: sha256('weights v1') }];
    const res = await h.call('POST', '/v1/models/m-1/seal', { role: 'studio-operator', body: { artifactManifest: { files: v1 }, recipe } });
    expect(res.status).toBe(200);
  };
  afterEach(async () => {
    await h.close();
  });

  test('when a model is sealed with its artifacts, then manifest and recipe are in the vault under the digests sent on chain', async () => {
    const res = await h.call('POST', '/v1/models/m-1/seal', {
      role: 'studio-operator',
      body: { artifactManifest: { files }, recipe, label: 'v1' },
    });
    expect(res.status).toBe(200);
    const digest = manifestDigest(artifactManifest(files));
    const sent = h.ledger.submitted[0]?.request;
    expect(sent).toEqual({
      modelId: 'm-1',
      artifactDigest: digest,
      artifactFileCount: 2,
      artifactBytes: 12,
      recipeDigest: sent?.recipeDigest,
      label: 'v1',
    });
    expect(sha256(h.vault.objects.get(artifactManifestKey('m-1', digest))?.bytes ?? '')).toBe(digest);
    expect(sha256(h.vault.objects.get(recipeKey('m-1', String(sent?.recipeDigest)))?.bytes ?? '')).toBe(sent?.recipeDigest);
  });

  test('when a model is sealed with an empty body, then it is sealed without a version; with only half the artifacts, 400', async () => {
    expect((await h.call('POST', '/v1/models/m-1/seal', { role: 'studio-operator', headers: { 'content-length': '0' } })).status).toBe(200);
    expect(h.ledger.submitted[0]?.request).toEqual({ modelId: 'm-1' });
    expect((await h.call('POST', '/v1/models/m-1/seal', { role: 'studio-operator', body: { recipe: 'x' } })).status).toBe(400);
  });

  test('when a version is added, then reading it shows its texts present and intact, and a changed byte is detected', async () => {
    await sealWithVersion();
    const res = await h.call('POST', '/v1/models/m-1/versions', {
      role: 'studio-operator',
      body: { artifactManifest: { files }, recipe: 'steps: 20000\n' },
    });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.artifacts.recipeDigest).toBe(sha256('steps: 20000\n'));
    let read = await json(await h.call('GET', '/v1/models/m-1/versions/2', { role: 'regulator' }));
    expect(read.vault.recipe).toMatchObject({ checked: true, present: true, intact: true });
    const key = recipeKey('m-1', String(body.artifacts.recipeDigest));
    h.vault.objects.set(key, { bytes: Buffer.from('steps: 20001\n'), contentType: 'text/plain' });
    read = await json(await h.call('GET', '/v1/models/m-1/versions/2', { role: 'regulator' }));
    expect(read.vault.recipe).toMatchObject({ present: true, intact: false, actualDigest: sha256('steps: 20001\n') });
    expect((await h.call('GET', '/v1/models/m-1/versions/2/recipe', { role: 'regulator' })).status).toBe(409);
  });

  test('when a manifest lists a path twice or an unsafe path, then 400 with issues and nothing is submitted', async () => {
    const res = await h.call('POST', '/v1/models/m-1/versions', {
      role: 'studio-operator',
      body: { artifactManifest: { files: [...files, { ...files[0], path: '../etc/passwd' }] }, recipe: 'x' },
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error.issues[0].path).toBe('body.artifactManifest.files[2].path');
    expect(h.ledger.submitted).toHaveLength(0);
  });

  describe('generation records', () => {
    const digest = generationDigest(parseGenerationRecord(generation).record as never);
    beforeEach(async () => {
      await sealWithVersion();
      await h.ledger.as('Studio1MSP').outputs.register({
        outputId: 'o-1',
        modelId: 'm-1',
        contentDigest: sha256('frame of o-1'),
        mediaType: 'image/png',
        rightsIds: [],
        modelVersion: 1,
        generationDigest: digest,
      });
    });

    test('when the record matches the registered digest, then it is stored, read back by the regulator, and verification shows it intact', async () => {
      const res = await h.call('POST', '/v1/outputs/o-1/generation', { role: 'studio-operator', body: generation });
      expect(res.status).toBe(201);
      expect((await json(res)).digest).toBe(digest);
      const read = await h.call('GET', '/v1/outputs/o-1/generation', { role: 'regulator' });
      expect(read.status).toBe(200);
      expect(read.headers.get('kiseki-digest')).toBe(digest);
      expect(sha256(Buffer.from(await read.arrayBuffer()))).toBe(digest);
      const verification = await json(await h.call('GET', '/v1/outputs/o-1/verification', { role: 'regulator' }));
      expect(verification.generation.vault).toMatchObject({ checked: true, present: true, intact: true });
    });

    test('when one byte of the stored record changes, then verification reports it not intact', async () => {
      await h.call('POST', '/v1/outputs/o-1/generation', { role: 'studio-operator', body: generation });
      const stored = h.vault.objects.get(generationKey('o-1'));
      const altered = Buffer.from(stored?.bytes ?? '');
      altered.writeUInt8((altered.at(-3) ?? 0) ^ 0x01, altered.length - 3);
      h.vault.objects.set(generationKey('o-1'), { bytes: altered, contentType: 'application/json' });
      const verification = await json(await h.call('GET', '/v1/outputs/o-1/verification', { role: 'regulator' }));
      expect(verification.generation.vault).toMatchObject({ present: true, intact: false, actualDigest: sha256(altered) });
    });

    test('when the record differs from the registered digest, then 409 and nothing is stored; provider agents may not read it', async () => {
      const res = await h.call('POST', '/v1/outputs/o-1/generation', { role: 'studio-operator', body: { ...generation, seed: 1235 } });
      expect(res.status).toBe(409);
      expect(h.vault.objects.has(generationKey('o-1'))).toBe(false);
      expect((await h.call('GET', '/v1/outputs/o-1/generation', { role: 'provider-agent' })).status).toBe(403);
    });
  });

  test('when a review is submitted or read, then the routes call the reviews contract', async () => {
    const res = await h.call('POST', '/v1/reviews', {
      role: 'licensor-operator',
      body: { reviewId: 'rv-1', subjectType: 'data', subjectId: 'd-1', outcome: 'rejected', reason: 'traced' },
    });
    expect(res.status).toBe(201);
    expect(
      (
        await h.call('POST', '/v1/reviews', {
          role: 'regulator',
          body: { reviewId: 'rv-2', subjectType: 'data', subjectId: 'd-1', outcome: 'accepted' },
        })
      ).status,
    ).toBe(403);
    const history = await json(await h.call('GET', '/v1/data/d-1/reviews', { role: 'auditor' }));
    expect(history).toMatchObject({ summary: { count: 1, rejected: 1 }, items: [{ reviewId: 'rv-1', outcome: 'rejected' }] });
    expect(history.trainingExclusion).toBeUndefined();
  });
});
