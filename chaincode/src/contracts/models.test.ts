import type { ModelRecord } from '../ledger/records';
import { Keys } from '../ledger/keys';
import { EventNames } from '../shared/names';
import { MerkleTree, compareIds, encodeProof, merkleRoot } from '../shared/merkle';
import { Orgs, ProvenanceWorld, refusal } from '../testing/provenance-fixtures';

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

describe('models contract', () => {
  let world: ProvenanceWorld;
  beforeEach(async () => {
    world = new ProvenanceWorld({ startTime: '2025-04-01T00:00:00Z' });
    await world.publishTerms('t-1', { dataPoolShareBps: 3000 });
    await world.publishTerms('t-2', { dataPoolShareBps: 2000 });
    await world.registerProvider('p-1');
    await world.registerProvider('p-2');
    await world.registerData(ids('a', 6), 'p-1', 't-1');
    await world.registerData(ids('b', 4), 'p-2', 't-2');
  });

  describe('Register', () => {
    it('when a studio registers a model, then it owns it, training, empty', async () => {
      const out = await world.registerModel('m-1', Orgs.studio2);
      expect(out.result).toEqual({
        docType: 'model',
        modelId: 'm-1',
        ownerMsp: Orgs.studio2,
        lineageDepth: 0,
        status: 'training',
        frontier: { size: 0, nodes: [] },
        trainingSize: 0,
        batchCount: 0,
        providerCount: 0,
        createdBy: Orgs.studio2,
        createdAt: out.timestamp,
      });
      expect(out.event).toEqual({ name: EventNames.ModelRegistered, payload: { modelId: 'm-1', ownerMsp: Orgs.studio2 } });
    });

    it.each([Orgs.licensor, Orgs.regulator, 'OutsiderMSP'])('when %s registers a model, then FORBIDDEN', async (mspId) => {
      expect((await refusal(world.registerModel('m-1', mspId))).message).toMatch(/^FORBIDDEN: /);
    });

    it('when the modelId exists, then CONFLICT; when it names itself as base, INVALID', async () => {
      await world.registerModel('m-1');
      expect((await refusal(world.registerModel('m-1'))).message).toMatch(/^CONFLICT: /);
      expect((await refusal(world.registerModel('m-2', Orgs.studio1, 'm-2'))).message).toMatch(/^INVALID: /);
    });

    it('when the base is sealed and clean, then its owner may build on it; another studio needs a licence grant', async () => {
      await world.registerModel('base');
      await world.attest('base', ['a000']);
      await world.seal('base');
      expect((await refusal(world.registerModel('tuned', Orgs.studio2, 'base'))).message).toMatch(
        /^FORBIDDEN: Studio2MSP may not fine-tune model base of Studio1MSP without a licence grant on it/,
      );
      const out = await world.registerModel('tuned', Orgs.studio1, 'base');
      expect(out.result).toMatchObject({ baseModelId: 'base', lineageDepth: 1 });
      expect(out.event?.payload).toEqual({ modelId: 'tuned', ownerMsp: Orgs.studio1, baseModelId: 'base' });
    });

    it('when the base is missing, unsealed, revoked or flagged, then NOT_FOUND or STATE', async () => {
      expect((await refusal(world.registerModel('m-1', Orgs.studio1, 'nope'))).message).toMatch(/^NOT_FOUND: model nope/);
      await world.registerModel('base');
      await world.attest('base', ['a000', 'a001']);
      expect((await refusal(world.registerModel('m-1', Orgs.studio1, 'base'))).message).toMatch(/^STATE: .*not sealed \(training\)/);
      await world.seal('base');
      await world.invoke('data', 'RevokeConsent', Orgs.studio1, { dataId: 'a001', reason: 'withdrawn' });
      expect((await refusal(world.registerModel('m-1', Orgs.studio1, 'base'))).message).toMatch(/^STATE: .*consent revoked after training/);
      await world.invoke('models', 'Revoke', Orgs.studio1, { modelId: 'base', reason: 'bad' });
      expect((await refusal(world.registerModel('m-1', Orgs.studio1, 'base'))).message).toMatch(/^STATE: .*is revoked/);
    });

    it('when the lineage would be too deep, then STATE', async () => {
      let base: string | undefined;
      for (let depth = 0; depth <= 15; depth += 1) {
        const modelId = `m-${depth}`;
        await world.registerModel(modelId, Orgs.studio1, base);
        await world.attest(modelId, ['a000']);
        await world.seal(modelId);
        base = modelId;
      }
      expect((await refusal(world.registerModel('m-16', Orgs.studio1, 'm-15'))).message).toMatch(/^STATE: .*15 models deep/);
    });
  });

  describe('AttestTrainingBatch and Seal', () => {
    beforeEach(async () => {
      await world.registerModel('m-1');
    });

    it('when two batches are attested and sealed, then the on-chain root is the RFC 6962 root of the sorted ids', async () => {
      const all = [...ids('a', 6), ...ids('b', 4)].sort(compareIds);
      const first = await world.attest('m-1', all.slice(0, 7));
      expect(first.event?.name).toBe(EventNames.TrainingBatchAttested);
      expect(first.event?.payload).toEqual({
        modelId: 'm-1',
        count: 7,
        dataIds: all.slice(0, 7),
        firstDataId: 'a000',
        lastDataId: 'b000',
        trainingSize: 7,
        root: merkleRoot(all.slice(0, 7)).toString('hex'),
        providerCounts: [
          { providerId: 'p-1', added: 6, count: 6 },
          { providerId: 'p-2', added: 1, count: 1 },
        ],
        termsCounts: [
          { termsId: 't-1', added: 6, count: 6, version: 1 },
          { termsId: 't-2', added: 1, count: 1, version: 1 },
        ],
      });
      const second = await world.attest('m-1', all.slice(7));
      expect(second.result).toMatchObject({
        trainingSize: 10,
        lastDataId: 'b003',
        batchCount: 2,
        providerCount: 2,
        dataPoolShareBps: 2000,
        status: 'training',
      });

      const sealed = await world.invoke('models', 'Seal', Orgs.studio1, { modelId: 'm-1' });
      const record = sealed.result as ModelRecord;
      expect(record.status).toBe('sealed');
      expect(record.trainingRoot).toBe(merkleRoot(all).toString('hex'));
      expect(record.trainingRoot).toBe(MerkleTree.fromSortedIds(all).rootHex());
      expect(record.trainingSize).toBe(10);
      expect(record.sealedAt).toBe(sealed.timestamp);
      expect(sealed.event).toEqual({
        name: EventNames.ModelSealed,
        payload: { modelId: 'm-1', trainingRoot: record.trainingRoot, trainingSize: 10, dataPoolShareBps: 2000 },
      });

      expect(world.ledger.getJson(Keys.modelProviderCount('m-1', 'p-1'))).toMatchObject({ count: 6 });
      expect(world.ledger.getJson(Keys.modelProviderCount('m-1', 'p-2'))).toMatchObject({ count: 4 });
      expect(world.ledger.getJson(Keys.modelTermsCount('m-1', 't-2'))).toMatchObject({ count: 4 });
      expect(world.ledger.getJson(Keys.trainingSet('m-1', 'b001'))).toEqual({ index: 7 });
      expect(world.ledger.getJson(Keys.usage('b001', 'm-1'))).toMatchObject({
        docType: 'usage',
        providerId: 'p-2',
        termsId: 't-2',
        index: 7,
      });

      expect((await refusal(world.attest('m-1', ['b004']))).message).toMatch(/^STATE: model m-1 is sealed/);
      expect((await refusal(world.seal('m-1'))).message).toMatch(/^STATE: /);
    });

    it('when ids do not strictly increase, within the batch or after the previous one, then INVALID names every one', async () => {
      await world.attest('m-1', ['a002']);
      const error = await refusal(world.attest('m-1', ['a001', 'a003', 'a003', 'b000', 'a004']));
      expect(error.message).toMatch(/^INVALID: /);
      expect(error.message).toContain('dataIds[0] a001');
      expect(error.message).toContain('dataIds[2] a003');
      expect(error.message).toContain('dataIds[4] a004');
    });

    it('when items are missing, then NOT_FOUND names every one (and any other refused item)', async () => {
      await world.invoke('data', 'RevokeConsent', Orgs.studio1, { dataId: 'a001', reason: 'withdrawn' });
      const before = world.ledger.dump();
      const error = await refusal(world.attest('m-1', ['a000', 'a001', 'x-1', 'x-2']));
      expect(error.message).toMatch(/^NOT_FOUND: .*not registered: x-1, x-2.*a001: status is consent-revoked/);
      expect(world.ledger.dump()).toBe(before);
    });

    it('when items are revoked, disputed or their terms forbid training now, then STATE names every one', async () => {
      await world.publishTerms('t-no', { aiTraining: false });
      await world.publishTerms('t-late', { validFrom: '2030-01-01T00:00:00Z' });
      await world.publishTerms('t-old', { validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' });
      await world.registerData(['c-no'], 'p-1', 't-no');
      await world.registerData(['c-late'], 'p-1', 't-late');
      await world.registerData(['c-old'], 'p-1', 't-old');
      await world.invoke('data', 'RevokeConsent', Orgs.studio1, { dataId: 'a001', reason: 'withdrawn' });
      await world.invoke('data', 'SetDisputed', Orgs.licensor, { dataId: 'a002', disputed: true, reason: 'claim' });
      const error = await refusal(world.attest('m-1', ['a000', 'a001', 'a002', 'c-late', 'c-no', 'c-old']));
      expect(error.message).toMatch(/^STATE: batch refused/);
      for (const part of [
        'a001: status is consent-revoked',
        'a002: status is disputed',
        'c-late: terms t-late are not valid before',
        'c-no: terms t-no do not allow AI training',
        'c-old: terms t-old expired',
      ]) {
        expect(error.message).toContain(part);
      }
      expect(error.message).not.toContain('a000');
    });

    it('when the terms window is judged, then it is at the transaction time, not the wall clock', async () => {
      await world.publishTerms('t-2026', { validFrom: '2026-01-01T00:00:00Z' });
      await world.registerData(['c-1'], 'p-1', 't-2026');
      expect((await refusal(world.attest('m-1', ['c-1']))).message).toMatch(/^STATE: /);
      const out = await world.invoke(
        'models',
        'AttestTrainingBatch',
        Orgs.studio1,
        { modelId: 'm-1', dataIds: ['c-1'] },
        { timestamp: '2026-06-01T00:00:00Z' },
      );
      expect(out.result).toMatchObject({ trainingSize: 1 });
    });

    it.each([Orgs.studio2, Orgs.licensor, Orgs.regulator])('when %s attests or seals the model, then FORBIDDEN', async (mspId) => {
      expect((await refusal(world.attest('m-1', ['a000'], mspId))).message).toMatch(/^FORBIDDEN: /);
      expect((await refusal(world.seal('m-1', mspId))).message).toMatch(/^FORBIDDEN: /);
    });

    it('when the batch is empty, too large or malformed, then INVALID', async () => {
      expect((await refusal(world.attest('m-1', []))).message).toMatch(/^INVALID: .*dataIds: must be an array of 1 to 1000/);
      expect((await refusal(world.attest('m-1', ids('z', 1001)))).message).toMatch(/^INVALID: /);
      expect((await refusal(world.attest('m-1', ['a000', 'bad id']))).message).toMatch(/dataIds\[1\]: must be an ID/);
    });

    it('when the model is missing, then NOT_FOUND', async () => {
      expect((await refusal(world.attest('m-9', ['a000']))).message).toMatch(/^NOT_FOUND: model m-9/);
    });

    it('when sealing a model without training data, then STATE', async () => {
      expect((await refusal(world.seal('m-1'))).message).toMatch(/^STATE: .*no attested training data/);
    });

    it('when the same batches run on two ledgers, then the write sets are byte-identical', async () => {
      const other = new ProvenanceWorld({ startTime: '2025-04-01T00:00:00Z' });
      await other.publishTerms('t-1', { dataPoolShareBps: 3000 });
      await other.publishTerms('t-2', { dataPoolShareBps: 2000 });
      await other.registerProvider('p-1');
      await other.registerProvider('p-2');
      await other.registerData(ids('a', 6), 'p-1', 't-1');
      await other.registerData(ids('b', 4), 'p-2', 't-2');
      await other.registerModel('m-1');
      const batch = ['a000', 'a003', 'b002'];
      expect((await world.attest('m-1', batch)).writeSetBytes).toBe((await other.attest('m-1', batch)).writeSetBytes);
    });
  });

  describe('Revoke', () => {
    beforeEach(async () => {
      await world.registerModel('m-1');
    });

    it('when the owner revokes, then the model refuses batches and seals', async () => {
      const out = await world.invoke('models', 'Revoke', Orgs.studio1, { modelId: 'm-1', reason: 'leaked' });
      expect(out.result).toMatchObject({ status: 'revoked', revokedReason: 'leaked', revokedAt: out.timestamp });
      expect(out.event).toEqual({
        name: EventNames.ModelRevoked,
        payload: { modelId: 'm-1', previousStatus: 'training', reason: 'leaked' },
      });
      expect((await refusal(world.attest('m-1', ['a000']))).message).toMatch(/^STATE: model m-1 is revoked/);
      expect((await refusal(world.seal('m-1'))).message).toMatch(/^STATE: /);
      expect((await refusal(world.invoke('models', 'Revoke', Orgs.studio1, { modelId: 'm-1', reason: 'again' }))).message).toMatch(
        /^STATE: /,
      );
    });

    it.each([Orgs.studio2, Orgs.licensor, Orgs.regulator])('when %s revokes, then FORBIDDEN', async (mspId) => {
      expect((await refusal(world.invoke('models', 'Revoke', mspId, { modelId: 'm-1', reason: 'x' }))).message).toMatch(/^FORBIDDEN: /);
    });
  });

  describe('History', () => {
    it('when a model is sealed, then History lists the seal first with its transaction, then the batches', async () => {
      await world.sealedModel('m-h', { 'p-1': ['a-1', 'a-2'] });
      const history = (await world.invoke('models', 'History', Orgs.regulator, 'm-h')).result as {
        entries: { txId: string; record: { status: string; trainingRoot?: string } }[];
      };
      expect(history.entries[0]?.record.status).toBe('sealed');
      expect(history.entries[0]?.record.trainingRoot).toMatch(/^[0-9a-f]{64}$/);
      expect(history.entries.at(-1)?.record.status).toBe('training');
      expect((await refusal(world.invoke('models', 'History', Orgs.regulator, 'm-none'))).message).toMatch(/^NOT_FOUND: /);
    });
  });

  describe('reads and proofs', () => {
    const all = [...ids('a', 6), ...ids('b', 4)].sort(compareIds);
    beforeEach(async () => {
      await world.registerModel('m-1');
      await world.attest('m-1', all.slice(0, 5));
      await world.attest('m-1', all.slice(5));
      await world.seal('m-1');
    });

    it('ListTrainingIds pages the leaves in order with their start index', async () => {
      const seen: string[] = [];
      let bookmark = '';
      const starts: number[] = [];
      do {
        const page = (await world.invoke('models', 'ListTrainingIds', Orgs.regulator, { modelId: 'm-1', pageSize: 4, bookmark }))
          .result as {
          ids: string[];
          bookmark: string;
          startIndex: number;
          trainingSize: number;
        };
        expect(page.trainingSize).toBe(10);
        starts.push(page.startIndex);
        seen.push(...page.ids);
        bookmark = page.bookmark;
      } while (bookmark !== '');
      expect(seen).toEqual(all);
      expect(starts).toEqual([0, 4, 8]);
      expect(MerkleTree.fromSortedIds(seen).rootHex()).toBe((world.ledger.getJson(Keys.model('m-1')) as ModelRecord).trainingRoot);
    });

    it('ListProviderCounts gives each provider with its count', async () => {
      const page = (await world.invoke('models', 'ListProviderCounts', Orgs.licensor, { modelId: 'm-1' })).result as {
        items: { providerId: string; count: number }[];
      };
      expect(page.items.map(({ providerId, count }) => [providerId, count])).toEqual([
        ['p-1', 6],
        ['p-2', 4],
      ]);
    });

    it('VerifyInclusion accepts a true proof and refuses a tampered one', async () => {
      const tree = MerkleTree.fromSortedIds(all);
      const index = all.indexOf('b002');
      const path = encodeProof(tree.inclusionProof(index));
      const ok = await world.invoke('models', 'VerifyInclusion', Orgs.regulator, { modelId: 'm-1', dataId: 'b002', index, path });
      expect(ok.result).toMatchObject({ valid: true, trainingSize: 10, trainingRoot: tree.rootHex(), status: 'sealed' });
      const wrongId = await world.invoke('models', 'VerifyInclusion', Orgs.regulator, { modelId: 'm-1', dataId: 'b003', index, path });
      expect(wrongId.result).toMatchObject({ valid: false });
      const tampered = [...path];
      tampered[0] = 'f'.repeat(64);
      expect(
        (await world.invoke('models', 'VerifyInclusion', Orgs.regulator, { modelId: 'm-1', dataId: 'b002', index, path: tampered })).result,
      ).toMatchObject({ valid: false });
    });

    it('VerifyExclusion accepts a true proof of absence and refuses others', async () => {
      const tree = MerkleTree.fromSortedIds(all);
      const proof = tree.exclusionProof('a005x');
      const ok = await world.invoke('models', 'VerifyExclusion', Orgs.regulator, { modelId: 'm-1', dataId: 'a005x', proof });
      expect(ok.result).toMatchObject({ valid: true });
      // The same neighbours do not prove a present id absent.
      expect(
        (await world.invoke('models', 'VerifyExclusion', Orgs.regulator, { modelId: 'm-1', dataId: 'a005', proof })).result,
      ).toMatchObject({ valid: false });
      // A proof for another tree size does not verify.
      expect(
        (await world.invoke('models', 'VerifyExclusion', Orgs.regulator, { modelId: 'm-1', dataId: 'a005x', proof: { ...proof, size: 9 } }))
          .result,
      ).toMatchObject({ valid: false });
      expect(
        (await refusal(world.invoke('models', 'VerifyExclusion', Orgs.regulator, { modelId: 'm-1', dataId: 'x', proof: { size: -1 } })))
          .message,
      ).toMatch(/^INVALID: .*proof/);
    });

    it('proofs against a model that was never sealed are STATE', async () => {
      await world.registerModel('m-2');
      const error = await refusal(
        world.invoke('models', 'VerifyInclusion', Orgs.regulator, { modelId: 'm-2', dataId: 'a000', index: 0, path: [] }),
      );
      expect(error.message).toMatch(/^STATE: model m-2 was never sealed/);
    });

    it('Get reads the model for anyone in the consortium, NOT_FOUND otherwise', async () => {
      expect((await world.invoke('models', 'Get', Orgs.regulator, 'm-1')).result).toMatchObject({ status: 'sealed' });
      expect((await refusal(world.invoke('models', 'Get', Orgs.regulator, 'm-9'))).message).toMatch(/^NOT_FOUND: /);
    });
  });
});
