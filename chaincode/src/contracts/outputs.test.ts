import { EventNames } from '../shared/names';
import { Orgs, ProvenanceWorld, digestOf, refusal } from '../testing/provenance-fixtures';

const output = (outputId: string, modelId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  outputId,
  modelId,
  contentDigest: digestOf(`output ${outputId}`),
  mediaType: 'video/mp4',
  rightsIds: ['r-1'],
  ...overrides,
});

interface Verification {
  verdict: string;
  reasons: string[];
  lineage: {
    modelId: string;
    status: string;
    trainingRoot?: string;
    trainingSize: number;
    terms: { termsId: string; itemCount: number; aiTraining: boolean }[];
    flags: { consentRevoked: number; disputed: number; items: { dataId: string; status: string }[] };
  }[];
}

describe('outputs contract', () => {
  let world: ProvenanceWorld;
  beforeEach(async () => {
    world = new ProvenanceWorld({ startTime: '2025-04-01T00:00:00Z' });
    await world.sealedModel('base', { 'p-1': ['a-1', 'a-2'] });
    await world.sealedModel('tuned', { 'p-2': ['b-1'] }, { baseModelId: 'base' });
  });

  describe('Register', () => {
    it('when the owner registers an output of a sealed, clean model, then it is recorded with one event', async () => {
      const out = await world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'tuned'));
      expect(out.result).toEqual({
        ...output('o-1', 'tuned'),
        docType: 'output',
        ownerMsp: Orgs.studio1,
        createdBy: Orgs.studio1,
        createdAt: out.timestamp,
      });
      expect(out.event).toEqual({
        name: EventNames.OutputRegistered,
        payload: { outputId: 'o-1', modelId: 'tuned', ownerMsp: Orgs.studio1, rightsIds: ['r-1'] },
      });
      expect((await world.invoke('outputs', 'Get', Orgs.regulator, 'o-1')).result).toEqual(out.result);
    });

    it('when the model is not sealed, then STATE', async () => {
      await world.registerModel('m-open');
      await world.attest('m-open', ['a-1']);
      const error = await refusal(world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'm-open')));
      expect(error.message).toMatch(/^STATE: model m-open may not produce outputs: model m-open is not sealed/);
    });

    it('when the model or a base model is revoked, then STATE and nothing changes', async () => {
      await world.invoke('models', 'Revoke', Orgs.studio1, { modelId: 'base', reason: 'withdrawn' });
      const before = world.ledger.dump();
      const error = await refusal(world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'tuned')));
      expect(error.message).toMatch(/^STATE: .*base model base is revoked/);
      expect(world.ledger.dump()).toBe(before);
    });

    it('when training data of the lineage had consent revoked after training, then STATE', async () => {
      await world.invoke('data', 'RevokeConsent', Orgs.studio1, { dataId: 'a-2', reason: 'withdrawn' });
      const error = await refusal(world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'tuned')));
      expect(error.message).toMatch(/^STATE: .*base model base: 1 training item had its consent revoked/);
    });

    it.each([Orgs.studio2, Orgs.licensor, Orgs.regulator, 'OutsiderMSP'])(
      'when %s registers an output of the model, then FORBIDDEN',
      async (mspId) => {
        expect((await refusal(world.invoke('outputs', 'Register', mspId, output('o-1', 'tuned')))).message).toMatch(/^FORBIDDEN: /);
      },
    );

    it('when the outputId or the content exists, then CONFLICT', async () => {
      await world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'tuned'));
      expect(
        (await refusal(world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'tuned', { contentDigest: digestOf('x') }))))
          .message,
      ).toMatch(/^CONFLICT: output o-1/);
      expect(
        (
          await refusal(
            world.invoke('outputs', 'Register', Orgs.studio1, output('o-2', 'tuned', { contentDigest: digestOf('output o-1') })),
          )
        ).message,
      ).toMatch(/^CONFLICT: .*as output o-1/);
    });

    it('when the model is missing or the request malformed, then NOT_FOUND or INVALID', async () => {
      expect((await refusal(world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'nope')))).message).toMatch(
        /^NOT_FOUND: model nope/,
      );
      const error = await refusal(
        world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'tuned', { rightsIds: ['r-1', 'r-1'], mediaType: 'x' })),
      );
      expect(error.message).toMatch(/^INVALID: .*mediaType.*rightsIds\[1\]: duplicates r-1/);
    });
  });

  describe('lookup and history', () => {
    it('when asked by content digest, then GetByDigest finds the output and History names the transaction that wrote it', async () => {
      const out = await world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'tuned'));
      const found = await world.invoke('outputs', 'GetByDigest', Orgs.regulator, digestOf('output o-1'));
      expect(found.result).toEqual(out.result);
      const history = (await world.invoke('outputs', 'History', Orgs.regulator, 'o-1')).result as {
        entries: { txId: string; record: unknown }[];
      };
      expect(history.entries).toHaveLength(1);
      expect(history.entries[0]?.txId).toEqual(expect.any(String));
      expect(history.entries[0]?.record).toEqual(out.result);
    });

    it('when the digest or output is unknown, then NOT_FOUND; a malformed digest is INVALID', async () => {
      expect((await refusal(world.invoke('outputs', 'GetByDigest', Orgs.regulator, digestOf('nothing')))).message).toMatch(/^NOT_FOUND: /);
      expect((await refusal(world.invoke('outputs', 'GetByDigest', Orgs.regulator, 'zz'))).message).toMatch(/^INVALID: /);
      expect((await refusal(world.invoke('outputs', 'History', Orgs.regulator, 'o-none'))).message).toMatch(/^NOT_FOUND: /);
    });
  });

  describe('Verify', () => {
    beforeEach(async () => {
      await world.invoke('outputs', 'Register', Orgs.studio1, output('o-1', 'tuned'));
    });

    it('when everything is clean, then the regulator sees authorized and the whole lineage', async () => {
      const result = (await world.invoke('outputs', 'Verify', Orgs.regulator, 'o-1')).result as Verification;
      expect(result.verdict).toBe('authorized');
      expect(result.reasons).toEqual([]);
      expect(result.lineage.map((m) => [m.modelId, m.status, m.trainingSize])).toEqual([
        ['tuned', 'sealed', 1],
        ['base', 'sealed', 2],
      ]);
      expect(result.lineage[1]?.terms).toEqual([expect.objectContaining({ termsId: 'terms-1', itemCount: 2, aiTraining: true })]);
      expect(result.lineage[0]?.trainingRoot).toMatch(/^[0-9a-f]{64}$/);
    });

    it('when consent is revoked after training, then flagged, naming the item', async () => {
      await world.invoke('data', 'RevokeConsent', Orgs.studio1, { dataId: 'a-1', reason: 'withdrawn' });
      const result = (await world.invoke('outputs', 'Verify', Orgs.studio2, 'o-1')).result as Verification;
      expect(result.verdict).toBe('flagged');
      expect(result.lineage[1]?.flags).toEqual({
        consentRevoked: 1,
        disputed: 0,
        items: [expect.objectContaining({ dataId: 'a-1', status: 'consent-revoked', reason: 'withdrawn' })],
        truncated: false,
      });
    });

    it('when a model of the lineage is revoked, then unauthorized', async () => {
      await world.invoke('models', 'Revoke', Orgs.studio1, { modelId: 'tuned', reason: 'leak' });
      const result = (await world.invoke('outputs', 'Verify', Orgs.licensor, 'o-1')).result as Verification;
      expect(result.verdict).toBe('unauthorized');
      expect(result.reasons).toEqual(['model tuned is revoked']);
    });

    it('when the output is missing, then NOT_FOUND', async () => {
      expect((await refusal(world.invoke('outputs', 'Verify', Orgs.regulator, 'o-9'))).message).toMatch(/^NOT_FOUND: output o-9/);
    });
  });
});
