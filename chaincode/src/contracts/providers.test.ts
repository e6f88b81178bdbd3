import { Keys } from '../ledger/keys';
import { EventNames } from '../shared/names';
import { Orgs, ProvenanceWorld, digestOf, refusal } from '../testing/provenance-fixtures';

describe('providers contract', () => {
  let world: ProvenanceWorld;
  beforeEach(() => {
    world = new ProvenanceWorld();
  });

  it('when a studio registers a provider, then it manages it', async () => {
    const out = await world.registerProvider('p-1', Orgs.studio2);
    expect(out.result).toMatchObject({ docType: 'provider', providerId: 'p-1', managingMsp: Orgs.studio2, payoutRefDigest: digestOf('payout of p-1') });
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
    expect((await refusal(world.invoke('providers', 'Register', Orgs.studio1, { providerId: 'p 2', payoutRefDigest: 'x' }))).message).toMatch(
      /^INVALID: .*providerId.*payoutRefDigest/,
    );
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
      const error = await refusal(world.invoke('providers', 'UpdatePayoutRef', mspId, { providerId: 'p-1', payoutRefDigest: digestOf('new') }));
      expect(error.message).toMatch(/^FORBIDDEN: /);
    });

    it('when the provider does not exist, then NOT_FOUND', async () => {
      const error = await refusal(world.invoke('providers', 'UpdatePayoutRef', Orgs.studio1, { providerId: 'p-9', payoutRefDigest: digestOf('n') }));
      expect(error.message).toMatch(/^NOT_FOUND: provider p-9/);
    });
  });

  it('when reading a missing provider, then NOT_FOUND', async () => {
    expect((await refusal(world.invoke('providers', 'Get', Orgs.studio1, 'p-9'))).message).toMatch(/^NOT_FOUND: /);
  });
});
