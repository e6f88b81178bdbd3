import type { ModelRecord, ModelVersionRecord } from '../ledger/records';
import { artifactManifest, manifestDigest, versionBindingDigest } from '../shared/artifacts';
import { EventNames } from '../shared/names';
import { Orgs, ProvenanceWorld, digestOf, refusal } from '../testing/provenance-fixtures';

const manifest = (tag: string): string =>
  manifestDigest(
    artifactManifest([
      { path: 'model_index.json', size: 120, sha256: digestOf(`index ${tag}`) },
      { path: 'unet/weights.safetensors', size: 4096, sha256: digestOf(`weights ${tag}`) },
    ]),
  );
const versionFields = (tag: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  artifactDigest: manifest(tag),
  artifactFileCount: 2,
  artifactBytes: 4216,
  recipeDigest: digestOf(`recipe ${tag}`),
  ...overrides,
});
const output = (outputId: string, modelId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  outputId,
  modelId,
  contentDigest: digestOf(`output ${outputId}`),
  mediaType: 'image/png',
  rightsIds: [],
  ...overrides,
});

describe('model versions', () => {
  let world: ProvenanceWorld;
  const trainOnly = async (modelId: string): Promise<void> => {
    await world.registerModel(modelId);
    await world.attest(modelId, ['a-1', 'a-2']);
  };

  beforeEach(async () => {
    world = new ProvenanceWorld({ startTime: '2025-04-01T00:00:00Z' });
    await world.sealedModel('plain', { 'p-1': ['a-1', 'a-2'] });
  });

  describe('sealing with artifacts', () => {
    it('when the owner seals with artifact and recipe digests, then version 1 binds them to the training root', async () => {
      await trainOnly('m-1');
      const out = await world.invoke('models', 'Seal', Orgs.studio1, { modelId: 'm-1', ...versionFields('v1'), label: 'v1.0' });
      const model = out.result as ModelRecord;
      expect(model).toMatchObject({ status: 'sealed', versionCount: 1 });
      const version = (await world.invoke('models', 'GetVersion', Orgs.regulator, { modelId: 'm-1', version: 1 }))
        .result as ModelVersionRecord;
      expect(version).toMatchObject({
        modelId: 'm-1',
        version: 1,
        ownerMsp: Orgs.studio1,
        status: 'active',
        label: 'v1.0',
        trainingRoot: model.trainingRoot,
        trainingSize: 2,
      });
      expect(version.bindingDigest).toBe(
        versionBindingDigest({
          modelId: 'm-1',
          version: 1,
          trainingRoot: model.trainingRoot as string,
          trainingSize: 2,
          artifactDigest: manifest('v1'),
          recipeDigest: digestOf('recipe v1'),
        }),
      );
      expect(out.event?.name).toBe(EventNames.ModelSealed);
      expect(out.event?.payload).toMatchObject({ modelId: 'm-1', version: { version: 1, bindingDigest: version.bindingDigest } });
    });

    it('when only some artifact fields are given, then INVALID names the missing ones', async () => {
      await trainOnly('m-1');
      const error = await refusal(world.invoke('models', 'Seal', Orgs.studio1, { modelId: 'm-1', artifactDigest: manifest('v1') }));
      expect(error.message).toMatch(/^INVALID: .*artifactFileCount: is required.*recipeDigest: is required/);
    });

    it('when the artifacts are those of another model version, then CONFLICT and the model stays unsealed', async () => {
      await world.invoke('models', 'AddVersion', Orgs.studio1, { modelId: 'plain', ...versionFields('v1') });
      await trainOnly('m-1');
      const error = await refusal(world.invoke('models', 'Seal', Orgs.studio1, { modelId: 'm-1', ...versionFields('v1') }));
      expect(error.message).toMatch(/^CONFLICT: these artifacts are already registered as version 1 of model plain/);
      expect(((await world.invoke('models', 'Get', Orgs.studio1, 'm-1')).result as ModelRecord).status).toBe('training');
    });
  });

  describe('AddVersion', () => {
    it('when the owner adds versions, then they are numbered, listed in order and found by artifact digest', async () => {
      const first = await world.invoke('models', 'AddVersion', Orgs.studio1, { modelId: 'plain', ...versionFields('v1') });
      expect(first.event).toEqual({ name: EventNames.ModelVersionAdded, payload: { version: first.result } });
      const second = (
        await world.invoke('models', 'AddVersion', Orgs.studio1, {
          modelId: 'plain',
          ...versionFields('v2'),
          parentVersion: 1,
          label: 'fp16',
        })
      ).result as ModelVersionRecord;
      expect(second).toMatchObject({ version: 2, parentVersion: 1, label: 'fp16' });
      const list = (await world.invoke('models', 'ListVersions', Orgs.licensor, { modelId: 'plain' })).result as {
        items: ModelVersionRecord[];
      };
      expect(list.items.map((v) => v.version)).toEqual([1, 2]);
      const found = (await world.invoke('models', 'FindByArtifact', Orgs.regulator, manifest('v2'))).result as ModelVersionRecord;
      expect(found).toMatchObject({ modelId: 'plain', version: 2 });
      expect(((await world.invoke('models', 'Get', Orgs.studio1, 'plain')).result as ModelRecord).versionCount).toBe(2);
    });

    it.each([Orgs.studio2, Orgs.licensor, Orgs.regulator])('when %s adds a version to the model, then FORBIDDEN', async (mspId) => {
      expect((await refusal(world.invoke('models', 'AddVersion', mspId, { modelId: 'plain', ...versionFields('v1') }))).message).toMatch(
        /^FORBIDDEN: /,
      );
    });

    it('when the model is not sealed, then STATE; when the parent does not exist, INVALID; when unknown, NOT_FOUND', async () => {
      await trainOnly('m-open');
      expect(
        (await refusal(world.invoke('models', 'AddVersion', Orgs.studio1, { modelId: 'm-open', ...versionFields('v1') }))).message,
      ).toMatch(/^STATE: .*sealed models only/);
      expect(
        (await refusal(world.invoke('models', 'AddVersion', Orgs.studio1, { modelId: 'plain', ...versionFields('v1'), parentVersion: 1 })))
          .message,
      ).toMatch(/^INVALID: parentVersion 1 does not exist/);
      expect(
        (await refusal(world.invoke('models', 'AddVersion', Orgs.studio1, { modelId: 'nope', ...versionFields('v1') }))).message,
      ).toMatch(/^NOT_FOUND: model nope/);
      expect(
        (
          await refusal(
            world.invoke('models', 'AddVersion', Orgs.studio1, {
              modelId: 'plain',
              ...versionFields('v1', { artifactDigest: 'ABC', artifactFileCount: 0 }),
            }),
          )
        ).message,
      ).toMatch(/^INVALID: .*artifactDigest.*artifactFileCount/);
    });

    it('when the same weights are added twice, then CONFLICT', async () => {
      await world.invoke('models', 'AddVersion', Orgs.studio1, { modelId: 'plain', ...versionFields('v1') });
      expect(
        (
          await refusal(
            world.invoke('models', 'AddVersion', Orgs.studio1, {
              modelId: 'plain',
              ...versionFields('v1', { recipeDigest: digestOf('other') }),
            }),
          )
        ).message,
      ).toMatch(/^CONFLICT: /);
    });
  });

  describe('outputs name their version', () => {
    beforeEach(async () => {
      await world.invoke('models', 'AddVersion', Orgs.studio1, { modelId: 'plain', ...versionFields('v1') });
      await world.invoke('models', 'AddVersion', Orgs.studio1, { modelId: 'plain', ...versionFields('v2') });
    });

    it('when an output names an active version and a generation digest, then both are recorded and verification shows them', async () => {
      const generationDigest = digestOf('generation of o-1');
      const out = await world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'plain', { modelVersion: 2, generationDigest }));
      expect(out.result).toMatchObject({ modelVersion: 2, generationDigest });
      expect(out.event?.payload).toMatchObject({ modelVersion: 2, generationDigest });
      const verification = (await world.invoke('outputs', 'Verify', Orgs.regulator, 'o-1')).result as Record<string, unknown>;
      expect(verification).toMatchObject({
        verdict: 'authorized',
        modelVersion: { version: 2, artifactDigest: manifest('v2'), recipeDigest: digestOf('recipe v2'), status: 'active' },
        generation: { digest: generationDigest, holderMsp: Orgs.studio1 },
      });
    });

    it('when the model has versions and the output names none, then INVALID; an unknown one, NOT_FOUND', async () => {
      expect((await refusal(world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'plain')))).message).toMatch(
        /^INVALID: modelVersion is required: model plain has 2 versions/,
      );
      expect(
        (await refusal(world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'plain', { modelVersion: 3 })))).message,
      ).toMatch(/^NOT_FOUND: version 3 of model plain/);
    });

    it('when a version is revoked, then it produces no outputs and its outputs verify as unauthorized', async () => {
      await world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'plain', { modelVersion: 1 }));
      expect(
        (await refusal(world.invoke('models', 'RevokeVersion', Orgs.studio2, { modelId: 'plain', version: 1, reason: 'leaked' }))).message,
      ).toMatch(/^FORBIDDEN: /);
      const revoked = await world.invoke('models', 'RevokeVersion', Orgs.studio1, { modelId: 'plain', version: 1, reason: 'leaked' });
      expect(revoked.event).toEqual({ name: EventNames.ModelVersionRevoked, payload: { modelId: 'plain', version: 1, reason: 'leaked' } });
      expect(
        (await refusal(world.invoke('models', 'RevokeVersion', Orgs.studio1, { modelId: 'plain', version: 1, reason: 'again' }))).message,
      ).toMatch(/^STATE: /);
      expect(
        (await refusal(world.invoke('outputs', 'Register', Orgs.studio1, output('o-2', 'plain', { modelVersion: 1 })))).message,
      ).toMatch(/^STATE: version 1 of model plain is revoked/);
      const verification = (await world.invoke('outputs', 'Verify', Orgs.regulator, 'o-1')).result as {
        verdict: string;
        reasons: string[];
      };
      expect(verification).toMatchObject({ verdict: 'unauthorized', reasons: ['version 1 of model plain is revoked'] });
      await world.invoke('outputs', 'Register', Orgs.studio1, output('o-3', 'plain', { modelVersion: 2 }));
    });

    it('when a model has no versions, then outputs need none (and may not name one)', async () => {
      await world.sealedModel('bare', { 'p-2': ['b-1'] });
      await world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'bare'));
      expect(
        (await refusal(world.invoke('outputs', 'Register', Orgs.studio1, output('o-2', 'bare', { modelVersion: 1 })))).message,
      ).toMatch(/^NOT_FOUND: version 1 of model bare/);
    });
  });
});
