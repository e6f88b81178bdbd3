import { Keys } from '../ledger/keys';
import { MAX_PROVIDER_BATCH } from './providers';
import { EventNames } from '../shared/names';
import { Orgs, ProvenanceWorld, digestOf, refusal } from '../testing/provenance-fixtures';

describe('providers contract', () => {
  let world: ProvenanceWorld;
  beforeEach(() => {
    world = new ProvenanceWorld();
  });

  it('when a studio registers a provider, then it manages it', async () => {
    const out = await world.registerProvider('p-1', Orgs.studio2);
    expect(out.result).toMatchObject({
      docType: 'provider',
      providerId: 'p-1',
      managingMsp: Orgs.studio2,
      payoutRefDigest: digestOf('payout of p-1'),
    });
    expect(out.event).toEqual({ name: EventNames.ProviderRegistered, payload: { providerId: 'p-1', managingMsp: Orgs.studio2 } });
    expect((await world.invoke('providers', 'Get', Orgs.regulator, 'p-1')).result).toEqual(out.result);
  });

  it.each([Orgs.licensor, Orgs.regulator, 'OutsiderMSP'])('when %s registers a provider, then FORBIDDEN', async (mspId) => {
    const error = await refusal(world.invoke('providers', 'Register', mspId, { providerId: 'p-1', payoutRefDigest: digestOf('x') }));
    expect(error.message).toMatch(/^FORBIDDEN: /);
    expect(world.ledger.keys()).toEqual([]);
  });

  it('when the providerId exists or the request is malformed, then CONFLICT or INVALID', async () => {
    await world.registerProvider('p-1');
    expect((await refusal(world.registerProvider('p-1', Orgs.studio2))).message).toMatch(/^CONFLICT: provider p-1/);
    expect(
      (await refusal(world.invoke('providers', 'Register', Orgs.studio1, { providerId: 'p 2', payoutRefDigest: 'x' }))).message,
    ).toMatch(/^INVALID: .*providerId.*payoutRefDigest/);
  });

  describe('RegisterBatch', () => {
    const batch = (ids: readonly string[]): { items: { providerId: string; payoutRefDigest: string }[] } => ({
      items: ids.map((providerId) => ({ providerId, payoutRefDigest: digestOf(`payout of ${providerId}`) })),
    });

    it('when a studio registers a batch, then every record is written as by Register, with one event', async () => {
      const out = await world.invoke('providers', 'RegisterBatch', Orgs.studio2, batch(['p-2', 'p-1', 'p-3']));
      expect(out.result).toEqual({ managingMsp: Orgs.studio2, count: 3, createdAt: out.timestamp, providerIds: ['p-2', 'p-1', 'p-3'] });
      expect(out.eventCount).toBe(1);
      expect(out.event).toEqual({
        name: EventNames.ProvidersRegistered,
        payload: { managingMsp: Orgs.studio2, count: 3, providerIds: ['p-2', 'p-1', 'p-3'] },
      });
      expect(out.writeSet.state.map((w) => w.key).sort()).toEqual(['p-1', 'p-2', 'p-3'].map((id) => Keys.provider(id)).sort());
      const one = await new ProvenanceWorld().registerProvider('p-1', Orgs.studio2);
      expect(world.ledger.getJson(Keys.provider('p-1'))).toEqual({ ...(one.result as Record<string, unknown>), createdAt: out.timestamp });
    });

    it('when a batch holds the most providers allowed, then all are registered; one more is INVALID', async () => {
      const ids = Array.from({ length: MAX_PROVIDER_BATCH }, (_, i) => `p-${i}`);
      expect((await world.invoke('providers', 'RegisterBatch', Orgs.studio1, batch(ids))).result).toMatchObject({
        count: MAX_PROVIDER_BATCH,
      });
      const error = await refusal(
        world.invoke('providers', 'RegisterBatch', Orgs.studio1, batch([...ids.map((id) => `q${id}`), 'q-last'])),
      );
      expect(error.message).toMatch(/^INVALID: .*items/);
    });

    it.each([Orgs.licensor, Orgs.regulator, 'OutsiderMSP'])(
      'when %s registers a batch, then FORBIDDEN and nothing is written',
      async (mspId) => {
        const error = await refusal(world.invoke('providers', 'RegisterBatch', mspId, batch(['p-1'])));
        expect(error.message).toMatch(/^FORBIDDEN: /);
        expect(world.ledger.keys()).toEqual([]);
      },
    );

    it('when some providerIds exist or repeat in the batch, then CONFLICT naming each and nothing is written', async () => {
      await world.registerProvider('p-1', Orgs.studio2);
      const before = world.ledger.dump();
      const error = await refusal(world.invoke('providers', 'RegisterBatch', Orgs.studio1, batch(['p-0', 'p-1', 'p-2', 'p-2'])));
      expect(error.message).toMatch(/^CONFLICT: /);
      expect(error.message).toContain('provider p-1 already exists');
      expect(error.message).toContain('providerId p-2 appears more than once in the batch');
      expect(error.message).not.toContain('p-0');
      expect(world.ledger.dump()).toBe(before);
    });

    it('when items are malformed or missing, then INVALID naming each item', async () => {
      const error = await refusal(
        world.invoke('providers', 'RegisterBatch', Orgs.studio1, {
          items: [
            { providerId: 'p-1', payoutRefDigest: digestOf('x') },
            { providerId: 'p 2', payoutRefDigest: 'x' },
            { providerId: 'p-3', extra: 1 },
          ],
        }),
      );
      expect(error.message).toMatch(/^INVALID: /);
      expect(error.message).toMatch(/items\[1\]\.providerId/);
      expect(error.message).toMatch(/items\[1\]\.payoutRefDigest/);
      expect(error.message).toMatch(/items\[2\]\.payoutRefDigest/);
      expect(error.message).toMatch(/items\[2\]\.extra/);
      expect((await refusal(world.invoke('providers', 'RegisterBatch', Orgs.studio1, { items: [] }))).message).toMatch(/^INVALID: .*items/);
      expect(world.ledger.keys()).toEqual([]);
    });
  });

  describe('UpdatePayoutRef', () => {
    it('when the managing studio updates, then the digest changes with its time', async () => {
      await world.registerProvider('p-1');
      const out = await world.invoke('providers', 'UpdatePayoutRef', Orgs.studio1, { providerId: 'p-1', payoutRefDigest: digestOf('new') });
      expect(out.result).toMatchObject({ payoutRefDigest: digestOf('new'), updatedBy: Orgs.studio1, updatedAt: out.timestamp });
      expect(out.event?.name).toBe(EventNames.ProviderPayoutRefUpdated);
      expect(world.ledger.getJson(Keys.provider('p-1'))).toEqual(out.result);
    });

    it.each([Orgs.studio2, Orgs.licensor, Orgs.regulator])('when %s updates, then FORBIDDEN', async (mspId) => {
      await world.registerProvider('p-1');
      const error = await refusal(
        world.invoke('providers', 'UpdatePayoutRef', mspId, { providerId: 'p-1', payoutRefDigest: digestOf('new') }),
      );
      expect(error.message).toMatch(/^FORBIDDEN: /);
    });

    it('when the provider does not exist, then NOT_FOUND', async () => {
      const error = await refusal(
        world.invoke('providers', 'UpdatePayoutRef', Orgs.studio1, { providerId: 'p-9', payoutRefDigest: digestOf('n') }),
      );
      expect(error.message).toMatch(/^NOT_FOUND: provider p-9/);
    });
  });

  it('when reading a missing provider, then NOT_FOUND', async () => {
    expect((await refusal(world.invoke('providers', 'Get', Orgs.studio1, 'p-9'))).message).toMatch(/^NOT_FOUND: /);
  });
});
