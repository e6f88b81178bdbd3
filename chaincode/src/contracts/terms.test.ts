import { createHash } from 'node:crypto';

import { Keys } from '../ledger/keys';
import { toBytes } from '../shared/codec';
import { Collections, EventNames } from '../shared/names';
import { Orgs, ProvenanceWorld, refusal, termsRequest } from '../testing/provenance-fixtures';

describe('terms contract', () => {
  let world: ProvenanceWorld;
  beforeEach(() => {
    world = new ProvenanceWorld({ startTime: '2025-04-01T00:00:00Z' });
  });

  describe('Publish', () => {
    it('when a licensor publishes, then the record, its time and one event are written', async () => {
      const out = await world.publishTerms('t-1', { validFrom: '2025-04-01T09:00:00+09:00', validUntil: '2026-04-01T00:00:00Z' });
      expect(out.result).toEqual({
        ...termsRequest('t-1'),
        validFrom: '2025-04-01T00:00:00.000Z',
        validUntil: '2026-04-01T00:00:00.000Z',
        docType: 'terms',
        issuerMsp: Orgs.licensor,
        version: 1,
        status: 'active',
        createdBy: Orgs.licensor,
        createdAt: '2025-04-01T00:00:00.000Z',
      });
      expect(out.event).toEqual({
        name: EventNames.TermsPublished,
        payload: { termsId: 't-1', issuerMsp: Orgs.licensor, hasPrivateDetails: false },
      });
      expect(world.ledger.getJson(Keys.terms('t-1'))).toEqual(out.result);
    });

    it('when commercial details come in the transient map, then they go to the collection and their digest to the record', async () => {
      const details = { pricePerImageMinor: '1200', currency: 'JPY' };
      const out = await world.publishTerms('t-1', {}, { transient: { commercial: details } });
      const digest = createHash('sha256').update(toBytes(details)).digest('hex');
      expect((out.result as { commercialDigest: string }).commercialDigest).toBe(digest);
      expect(out.event?.payload).toMatchObject({ hasPrivateDetails: true });
      expect(out.writeSet.private.map((w) => [w.collection, w.key])).toEqual([[Collections.termsCommercial, Keys.terms('t-1')]]);
      // The request itself never carries them: they are not in the public write set.
      for (const write of out.writeSet.state) expect(Buffer.from(write.value ?? []).toString('utf8')).not.toContain('JPY');

      for (const member of [Orgs.studio1, Orgs.studio2, Orgs.licensor]) {
        const read = await world.invoke('terms', 'GetPrivate', member, 't-1');
        expect(read.result).toMatchObject({ docType: 'termsCommercial', termsId: 't-1', details });
      }
    });

    it('when the regulator reads confidential details, then FORBIDDEN', async () => {
      await world.publishTerms('t-1', {}, { transient: { commercial: { a: 1 } } });
      expect((await refusal(world.invoke('terms', 'GetPrivate', Orgs.regulator, 't-1'))).message).toMatch(/^FORBIDDEN: RegulatorMSP/);
    });

    it('when terms have no confidential details, then GetPrivate is NOT_FOUND', async () => {
      await world.publishTerms('t-1');
      expect((await refusal(world.invoke('terms', 'GetPrivate', Orgs.studio1, 't-1'))).message).toMatch(/^NOT_FOUND: /);
    });

    it.each([Orgs.studio1, Orgs.regulator, 'OutsiderMSP'])('when %s publishes, then FORBIDDEN and nothing changes', async (mspId) => {
      const before = world.ledger.dump();
      expect((await refusal(world.invoke('terms', 'Publish', mspId, termsRequest('t-1')))).message).toMatch(/^FORBIDDEN: /);
      expect(world.ledger.dump()).toBe(before);
    });

    it('when the termsId exists, then CONFLICT', async () => {
      await world.publishTerms('t-1');
      expect((await refusal(world.publishTerms('t-1'))).message).toMatch(/^CONFLICT: terms t-1 already exist/);
    });

    it('when fields are wrong, then INVALID names each', async () => {
      const error = await refusal(
        world.publishTerms('t-1', {
          aiTraining: 'yes',
          territory: '',
          validFrom: '2025-05-01T00:00:00Z',
          validUntil: '2025-04-01T00:00:00Z',
          dataPoolShareBps: 10001,
          legalTextDigest: 'nope',
          extra: 1,
        }),
      );
      expect(error.message).toMatch(/^INVALID: /);
      for (const field of ['aiTraining', 'territory', 'validUntil: must be later', 'dataPoolShareBps', 'legalTextDigest', 'extra']) {
        expect(error.message).toContain(field);
      }
    });

    it('when the transient details are not a JSON object, then INVALID', async () => {
      expect((await refusal(world.publishTerms('t-1', {}, { transient: { commercial: '[1,2]' } }))).message).toMatch(
        /^INVALID: transient commercial/,
      );
    });
  });

  describe('Get', () => {
    it('when anyone in the consortium reads, then the record comes back', async () => {
      const published = await world.publishTerms('t-1');
      for (const mspId of Object.values(Orgs)) expect((await world.invoke('terms', 'Get', mspId, 't-1')).result).toEqual(published.result);
    });

    it('when missing, malformed or asked by an outsider, then NOT_FOUND, INVALID, FORBIDDEN', async () => {
      expect((await refusal(world.invoke('terms', 'Get', Orgs.regulator, 't-9'))).message).toMatch(/^NOT_FOUND: terms t-9/);
      expect((await refusal(world.invoke('terms', 'Get', Orgs.regulator, '{"termsId":"t"}'))).message).toMatch(/^INVALID: /);
      expect((await refusal(world.invoke('terms', 'Get', 'OutsiderMSP', 't-1'))).message).toMatch(/^FORBIDDEN: /);
    });
  });
});
