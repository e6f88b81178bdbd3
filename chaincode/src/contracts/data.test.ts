import { Keys } from '../ledger/keys';
import { EventNames } from '../shared/names';
import { Orgs, ProvenanceWorld, dataItem, digestOf, refusal } from '../testing/provenance-fixtures';

interface Page<T> {
  items: T[];
  bookmark: string;
}

describe('data contract', () => {
  let world: ProvenanceWorld;
  beforeEach(async () => {
    world = new ProvenanceWorld({ startTime: '2025-04-01T00:00:00Z' });
    await world.publishTerms('t-1');
    await world.publishTerms('t-2');
    await world.registerProvider('p-1', Orgs.studio1);
    await world.registerProvider('p-2', Orgs.studio1);
    await world.registerProvider('p-9', Orgs.studio2);
  });

  describe('Register', () => {
    it('when a studio registers an item of its provider, then only the record and its digest key are written, with one event', async () => {
      const out = await world.invoke('data', 'Register', Orgs.studio1, dataItem('d-1', 'p-1', 't-1'));
      expect(out.result).toEqual({
        ...dataItem('d-1', 'p-1', 't-1'),
        docType: 'data',
        collectorMsp: Orgs.studio1,
        status: 'active',
        createdBy: Orgs.studio1,
        createdAt: out.timestamp,
      });
      expect(out.event).toEqual({ name: EventNames.DataRegistered, payload: { collectorMsp: Orgs.studio1, count: 1, dataIds: ['d-1'] } });
      expect(out.writeSet.state.map((w) => w.key).sort()).toEqual([Keys.data('d-1'), Keys.dataDigest(digestOf('content of d-1'))].sort());
      expect((await world.invoke('data', 'Get', Orgs.regulator, 'd-1')).result).toEqual(out.result);
    });

    it('when a batch asks for listKeys, then the three list markers of the earlier layout are written too; a non-boolean is INVALID', async () => {
      const out = await world.invoke('data', 'RegisterBatch', Orgs.studio1, { items: [dataItem('d-1', 'p-1', 't-1')], listKeys: true });
      expect(out.writeSet.state.map((w) => w.key).sort()).toEqual(
        [
          Keys.data('d-1'),
          Keys.dataDigest(digestOf('content of d-1')),
          Keys.dataByProvider('p-1', 'd-1'),
          Keys.dataByCollector(Orgs.studio1, 'd-1'),
          Keys.dataByTerms('t-1', 'd-1'),
        ].sort(),
      );
      const plain = await world.invoke('data', 'RegisterBatch', Orgs.studio1, { items: [dataItem('d-2', 'p-1', 't-1')], listKeys: false });
      expect(plain.writeSet.state).toHaveLength(2);
      expect(
        (await refusal(world.invoke('data', 'RegisterBatch', Orgs.studio1, { items: [dataItem('d-3', 'p-1', 't-1')], listKeys: 'yes' })))
          .message,
      ).toMatch(/^INVALID: .*listKeys/);
    });

    it.each([Orgs.licensor, Orgs.regulator, 'OutsiderMSP'])('when %s registers data, then FORBIDDEN', async (mspId) => {
      const error = await refusal(world.invoke('data', 'Register', mspId, dataItem('d-1', 'p-1', 't-1')));
      expect(error.message).toMatch(/^FORBIDDEN: /);
    });

    it('when the provider is managed by another studio, then FORBIDDEN naming it', async () => {
      const error = await refusal(world.invoke('data', 'Register', Orgs.studio1, dataItem('d-1', 'p-9', 't-1')));
      expect(error.message).toMatch(/^FORBIDDEN: .*p-9 \(managed by Studio2MSP\)/);
    });

    it('when the provider or terms do not exist, then NOT_FOUND naming both', async () => {
      const error = await refusal(world.invoke('data', 'Register', Orgs.studio1, dataItem('d-1', 'p-0', 't-0')));
      expect(error.message).toMatch(/^NOT_FOUND: .*provider p-0, terms t-0/);
    });

    it('when the same bytes are registered again, then CONFLICT naming the existing dataId', async () => {
      await world.invoke('data', 'Register', Orgs.studio1, dataItem('d-1', 'p-1', 't-1'));
      const before = world.ledger.dump();
      const error = await refusal(
        world.invoke('data', 'Register', Orgs.studio1, dataItem('d-2', 'p-2', 't-2', { contentDigest: digestOf('content of d-1') })),
      );
      expect(error.message).toMatch(/^CONFLICT: .*content of d-2 is already registered as d-1/);
      expect(world.ledger.dump()).toBe(before);
    });

    it('when the dataId exists, then CONFLICT', async () => {
      await world.invoke('data', 'Register', Orgs.studio1, dataItem('d-1', 'p-1', 't-1'));
      const error = await refusal(
        world.invoke('data', 'Register', Orgs.studio1, dataItem('d-1', 'p-1', 't-1', { contentDigest: digestOf('other') })),
      );
      expect(error.message).toMatch(/^CONFLICT: .*dataId d-1 is already registered/);
    });

    it('when fields are malformed, then INVALID lists each', async () => {
      const error = await refusal(
        world.invoke('data', 'Register', Orgs.studio1, {
          dataId: 'd 1',
          providerId: 'p-1',
          termsId: 't-1',
          contentDigest: 'ABC',
          mediaType: 'PNG',
          size: -1,
        }),
      );
      expect(error.message).toMatch(/^INVALID: request is invalid: dataId: .*; contentDigest: .*; mediaType: .*; size: /);
    });
  });

  describe('RegisterBatch', () => {
    it('when a batch is valid, then every item is written and one event lists them all', async () => {
      const items = [dataItem('d-1', 'p-1', 't-1'), dataItem('d-2', 'p-2', 't-2'), dataItem('d-3', 'p-1', 't-1')];
      const out = await world.invoke('data', 'RegisterBatch', Orgs.studio1, { items });
      expect(out.result).toEqual({ collectorMsp: Orgs.studio1, count: 3, createdAt: out.timestamp, dataIds: ['d-1', 'd-2', 'd-3'] });
      expect(out.eventCount).toBe(1);
      expect(out.event?.payload).toEqual({ collectorMsp: Orgs.studio1, count: 3, dataIds: ['d-1', 'd-2', 'd-3'] });
      expect(world.ledger.getJson(Keys.data('d-2'))).toMatchObject({ providerId: 'p-2', termsId: 't-2', status: 'active' });
    });

    it('when two items of a batch carry the same bytes or id, then CONFLICT names them and nothing is written', async () => {
      const before = world.ledger.dump();
      const items = [
        dataItem('d-1', 'p-1', 't-1'),
        dataItem('d-2', 'p-1', 't-1', { contentDigest: digestOf('content of d-1') }),
        dataItem('d-1', 'p-1', 't-1', { contentDigest: digestOf('x') }),
      ];
      const error = await refusal(world.invoke('data', 'RegisterBatch', Orgs.studio1, { items }));
      expect(error.message).toMatch(/^CONFLICT: /);
      expect(error.message).toContain('content of d-2 is the same as that of d-1 in this batch');
      expect(error.message).toContain('dataId d-1 appears more than once');
      expect(world.ledger.dump()).toBe(before);
    });

    it('when any item conflicts with the ledger, then the whole batch is refused naming every conflict', async () => {
      await world.registerData(['d-1', 'd-2'], 'p-1', 't-1');
      const items = [
        dataItem('d-3', 'p-1', 't-1'),
        dataItem('d-1', 'p-1', 't-1', { contentDigest: digestOf('new') }),
        dataItem('d-4', 'p-1', 't-1', { contentDigest: digestOf('content of d-2') }),
      ];
      const error = await refusal(world.invoke('data', 'RegisterBatch', Orgs.studio1, { items }));
      expect(error.message).toMatch(/^CONFLICT: .*dataId d-1 is already registered.*content of d-4 is already registered as d-2/);
      expect(world.ledger.getState(Keys.data('d-3'))).toBeUndefined();
    });

    it('when the batch is empty, too large or has bad items, then INVALID with their paths', async () => {
      expect((await refusal(world.invoke('data', 'RegisterBatch', Orgs.studio1, { items: [] }))).message).toMatch(
        /^INVALID: .*items: must be an array of 1 to 1000/,
      );
      const many = Array.from({ length: 1001 }, (_, i) => dataItem(`d-${i}`, 'p-1', 't-1'));
      expect((await refusal(world.invoke('data', 'RegisterBatch', Orgs.studio1, { items: many }))).message).toMatch(/^INVALID: /);
      const bad = [dataItem('d-1', 'p-1', 't-1'), dataItem('d-2', 'p-1', 't-1', { size: 0 })];
      expect((await refusal(world.invoke('data', 'RegisterBatch', Orgs.studio1, { items: bad }))).message).toMatch(
        /items\[1\]\.size: must be a positive/,
      );
    });

    it('when the regulator registers a batch, then FORBIDDEN', async () => {
      const error = await refusal(world.invoke('data', 'RegisterBatch', Orgs.regulator, { items: [dataItem('d-1', 'p-1', 't-1')] }));
      expect(error.message).toMatch(/^FORBIDDEN: /);
    });

    it('when the same batch runs on two ledgers, then the write sets are byte-identical', async () => {
      const items = [dataItem('d-1', 'p-1', 't-1'), dataItem('d-2', 'p-2', 't-2')];
      const other = new ProvenanceWorld({ startTime: '2025-04-01T00:00:00Z' });
      await other.publishTerms('t-1');
      await other.publishTerms('t-2');
      await other.registerProvider('p-1', Orgs.studio1);
      await other.registerProvider('p-2', Orgs.studio1);
      await other.registerProvider('p-9', Orgs.studio2);
      const a = await world.invoke('data', 'RegisterBatch', Orgs.studio1, { items });
      const b = await other.invoke('data', 'RegisterBatch', Orgs.studio1, { items: [...items].map((item) => ({ ...item })) });
      expect(a.writeSetBytes).toBe(b.writeSetBytes);
    });
  });

  describe('RevokeConsent', () => {
    beforeEach(async () => {
      await world.registerData(['d-1', 'd-2'], 'p-1', 't-1');
    });

    it('when the managing studio revokes, then the status changes for good with the reason', async () => {
      const out = await world.invoke('data', 'RevokeConsent', Orgs.studio1, { dataId: 'd-1', reason: 'provider request' });
      expect(out.result).toMatchObject({
        status: 'consent-revoked',
        statusReason: 'provider request',
        updatedBy: Orgs.studio1,
        updatedAt: out.timestamp,
      });
      expect(out.event).toEqual({
        name: EventNames.DataConsentRevoked,
        payload: { dataId: 'd-1', providerId: 'p-1', reason: 'provider request', flaggedModelIds: [] },
      });
      expect((await refusal(world.invoke('data', 'RevokeConsent', Orgs.studio1, { dataId: 'd-1', reason: 'again' }))).message).toMatch(
        /^STATE: /,
      );
    });

    it('when the item went into models, then each is flagged and counted', async () => {
      await world.registerModel('m-1');
      await world.attest('m-1', ['d-1', 'd-2']);
      await world.registerModel('m-2');
      await world.attest('m-2', ['d-1']);
      const out = await world.invoke('data', 'RevokeConsent', Orgs.studio1, { dataId: 'd-1', reason: 'withdrawn' });
      expect(out.event?.payload).toMatchObject({ flaggedModelIds: ['m-1', 'm-2'] });
      expect(world.ledger.getJson(Keys.modelFlag('m-1', 'd-1'))).toMatchObject({
        status: 'consent-revoked',
        providerId: 'p-1',
        reason: 'withdrawn',
      });
      expect(world.ledger.getJson(Keys.modelFlagCount('m-2'))).toMatchObject({ consentRevoked: 1, disputed: 0 });
    });

    it.each([Orgs.studio2, Orgs.licensor, Orgs.regulator])('when %s revokes, then FORBIDDEN', async (mspId) => {
      const error = await refusal(world.invoke('data', 'RevokeConsent', mspId, { dataId: 'd-1', reason: 'x' }));
      expect(error.message).toMatch(/^FORBIDDEN: /);
    });

    it('when the item does not exist or the reason is missing, then NOT_FOUND or INVALID', async () => {
      expect((await refusal(world.invoke('data', 'RevokeConsent', Orgs.studio1, { dataId: 'd-0', reason: 'x' }))).message).toMatch(
        /^NOT_FOUND: /,
      );
      expect((await refusal(world.invoke('data', 'RevokeConsent', Orgs.studio1, { dataId: 'd-1' }))).message).toMatch(
        /^INVALID: .*reason: is required/,
      );
    });
  });

  describe('SetDisputed', () => {
    beforeEach(async () => {
      await world.registerData(['d-1'], 'p-1', 't-1');
      await world.registerModel('m-1');
      await world.attest('m-1', ['d-1']);
    });

    it('when the licensor disputes and the collecting studio clears, then status, flags and counts follow', async () => {
      const raised = await world.invoke('data', 'SetDisputed', Orgs.licensor, { dataId: 'd-1', disputed: true, reason: 'ownership claim' });
      expect(raised.result).toMatchObject({ status: 'disputed', statusReason: 'ownership claim' });
      expect(raised.event).toEqual({
        name: EventNames.DataDisputeChanged,
        payload: { dataId: 'd-1', disputed: true, status: 'disputed', reason: 'ownership claim', flaggedModelIds: ['m-1'] },
      });
      expect(world.ledger.getJson(Keys.modelFlagCount('m-1'))).toMatchObject({ consentRevoked: 0, disputed: 1 });

      const cleared = await world.invoke('data', 'SetDisputed', Orgs.studio1, { dataId: 'd-1', disputed: false, reason: 'resolved' });
      expect(cleared.result).toMatchObject({ status: 'active', statusReason: 'resolved' });
      expect(world.ledger.getState(Keys.modelFlag('m-1', 'd-1'))).toBeUndefined();
      expect(world.ledger.getJson(Keys.modelFlagCount('m-1'))).toMatchObject({ consentRevoked: 0, disputed: 0 });
    });

    it('when a disputed item has its consent revoked, then its flags turn into revocations', async () => {
      await world.invoke('data', 'SetDisputed', Orgs.studio1, { dataId: 'd-1', disputed: true, reason: 'claim' });
      await world.invoke('data', 'RevokeConsent', Orgs.studio1, { dataId: 'd-1', reason: 'withdrawn' });
      expect(world.ledger.getJson(Keys.modelFlagCount('m-1'))).toMatchObject({ consentRevoked: 1, disputed: 0 });
      expect(world.ledger.getJson(Keys.modelFlag('m-1', 'd-1'))).toMatchObject({ status: 'consent-revoked' });
      const error = await refusal(world.invoke('data', 'SetDisputed', Orgs.licensor, { dataId: 'd-1', disputed: false, reason: 'x' }));
      expect(error.message).toMatch(/^STATE: .*consent .* was revoked/);
    });

    it('when the state does not match, then STATE', async () => {
      expect(
        (await refusal(world.invoke('data', 'SetDisputed', Orgs.licensor, { dataId: 'd-1', disputed: false, reason: 'x' }))).message,
      ).toMatch(/^STATE: .*not disputed/);
      await world.invoke('data', 'SetDisputed', Orgs.licensor, { dataId: 'd-1', disputed: true, reason: 'x' });
      expect(
        (await refusal(world.invoke('data', 'SetDisputed', Orgs.licensor, { dataId: 'd-1', disputed: true, reason: 'x' }))).message,
      ).toMatch(/^STATE: .*already disputed/);
    });

    it.each([Orgs.studio2, Orgs.regulator])('when %s disputes, then FORBIDDEN', async (mspId) => {
      const error = await refusal(world.invoke('data', 'SetDisputed', mspId, { dataId: 'd-1', disputed: true, reason: 'x' }));
      expect(error.message).toMatch(/^FORBIDDEN: /);
    });

    it('when disputed is not a boolean, then INVALID', async () => {
      const error = await refusal(world.invoke('data', 'SetDisputed', Orgs.licensor, { dataId: 'd-1', disputed: 'yes', reason: 'x' }));
      expect(error.message).toMatch(/^INVALID: .*disputed: must be true or false/);
    });
  });

  describe('reads', () => {
    beforeEach(async () => {
      await world.registerData(['d-1', 'd-3', 'd-5'], 'p-1', 't-1');
      await world.registerData(['d-2', 'd-4'], 'p-2', 't-2');
      await world.invoke('data', 'Register', Orgs.studio2, dataItem('e-1', 'p-9', 't-1'));
    });

    it('History returns every version newest first', async () => {
      await world.invoke('data', 'RevokeConsent', Orgs.studio1, { dataId: 'd-1', reason: 'withdrawn' });
      const out = await world.invoke('data', 'History', Orgs.regulator, 'd-1');
      const history = out.result as { dataId: string; more: boolean; entries: { isDelete: boolean; record: { status: string } }[] };
      expect(history.more).toBe(false);
      expect(history.entries.map((e) => e.record.status)).toEqual(['consent-revoked', 'active']);
      expect((await refusal(world.invoke('data', 'History', Orgs.regulator, 'd-0'))).message).toMatch(/^NOT_FOUND: /);
    });

    it('when asked by content digest, then GetByDigest finds the item; an unknown digest is NOT_FOUND, a malformed one INVALID', async () => {
      const found = await world.invoke('data', 'GetByDigest', Orgs.regulator, digestOf('content of d-3'));
      expect(found.result).toMatchObject({ dataId: 'd-3', contentDigest: digestOf('content of d-3') });
      expect((await refusal(world.invoke('data', 'GetByDigest', Orgs.regulator, digestOf('never registered')))).message).toMatch(
        /^NOT_FOUND: /,
      );
      expect((await refusal(world.invoke('data', 'GetByDigest', Orgs.regulator, 'ABC'))).message).toMatch(/^INVALID: contentDigest/);
    });

    it('when a list was served by list-only keys, then the transaction is gone (lists come from the index)', async () => {
      for (const name of ['ListByProvider', 'ListByCollector', 'ListByTerms']) {
        await expect(world.invoke('data', name, Orgs.regulator, { providerId: 'p-1' })).rejects.toThrow();
      }
    });

    it('ListUsage lists the models an item went into', async () => {
      await world.registerModel('m-1');
      await world.attest('m-1', ['d-1', 'd-2']);
      const usage = (await world.invoke('data', 'ListUsage', Orgs.regulator, { dataId: 'd-2' })).result as Page<{
        modelId: string;
        index: number;
      }>;
      expect(usage.items).toEqual([
        expect.objectContaining({ modelId: 'm-1', dataId: 'd-2', providerId: 'p-2', termsId: 't-2', index: 1 }),
      ]);
    });

    it('when a list selects nothing, then an empty last page (the peer sends no paging metadata then)', async () => {
      const usage = (await world.invoke('data', 'ListUsage', Orgs.regulator, { dataId: 'no-such-item' })).result as Page<unknown>;
      expect(usage).toEqual({ items: [], bookmark: '' });
    });

    it('list queries refuse a page too large, a foreign bookmark and unknown fields', async () => {
      expect((await refusal(world.invoke('data', 'ListUsage', Orgs.regulator, { dataId: 'd-1', pageSize: 201 }))).message).toMatch(
        /^INVALID: .*pageSize/,
      );
      const foreign = Keys.data('d-1');
      expect((await refusal(world.invoke('data', 'ListUsage', Orgs.regulator, { dataId: 'd-1', bookmark: foreign }))).message).toMatch(
        /^INVALID: bookmark/,
      );
      expect((await refusal(world.invoke('data', 'ListUsage', Orgs.regulator, { dataID: 'd-1' }))).message).toMatch(
        /^INVALID: .*dataID: is not a known field/,
      );
    });

    it('reads refuse orgs outside the consortium', async () => {
      expect((await refusal(world.invoke('data', 'Get', 'OutsiderMSP', 'd-1'))).message).toMatch(/^FORBIDDEN: /);
    });
  });
});
