import { Info, Transaction } from 'fabric-contract-api';

import { DocTypes, type ProviderRecord, ProviderType } from '../ledger/records';
import { KisekiContext, KisekiContract } from '../ledger/context';
import { emitEvent } from '../ledger/events';
import { requireMember, requireOrg, requireRole } from '../ledger/identity';
import { Keys } from '../ledger/keys';
import { keyExists, prefetch, requireRecord, writeRecord } from '../ledger/state';
import { txTime } from '../ledger/time';
import { toJson } from '../shared/codec';
import { parseRequest } from '../shared/schema';
import { MAX_PROVIDER_BATCH, ProviderBatchRequest, ProviderRequest } from '../shared/requests';
import { conflict } from '../shared/errors';
import { ContractNames, EventNames, Roles } from '../shared/names';
import { parseIdArgument } from '../shared/validate';

/** Most providers in one `providers:RegisterBatch`. */
export { MAX_PROVIDER_BATCH };

/**
 * Data providers (`providers`): pseudonymous IDs managed by a studio, which collects their data and
 * acts for them on chain (consent changes). The payout reference is only a digest; the real-world
 * identity and bank details stay off chain with the managing studio.
 */
@Info({ title: 'Data providers', description: 'Pseudonymous data providers and their managing orgs' })
export class ProvidersContract extends KisekiContract {
  constructor() {
    super(ContractNames.providers);
  }

  /**
   * Registers a provider managed by the calling studio. Request: `{ providerId, payoutRefDigest }`.
   * @throws `FORBIDDEN` unless a studio; `INVALID`; `CONFLICT` when the providerId exists.
   */
  @Transaction()
  async Register(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'register providers', Roles.studio);
    const { providerId, payoutRefDigest } = parseRequest(ProviderRequest, request);
    const key = Keys.provider(providerId);
    if (await keyExists(ctx, key)) throw conflict(`provider ${providerId} already exists`);
    const record: ProviderRecord = {
      docType: DocTypes.provider,
      providerId,
      managingMsp: caller.mspId,
      payoutRefDigest,
      createdBy: caller.mspId,
      createdAt: txTime(ctx),
    };
    await writeRecord(ctx, key, ProviderType, record);
    emitEvent(ctx, EventNames.ProviderRegistered, { providerId, managingMsp: caller.mspId });
    return toJson(record);
  }

  /**
   * Registers up to {@link MAX_PROVIDER_BATCH} providers managed by the calling studio, all or none.
   * Request: `{ items: [{ providerId, payoutRefDigest }] }`, each as for `Register`. Returns
   * `{ managingMsp, count, createdAt, providerIds }` (the records are the items plus those fields;
   * echoing them all would double the block size); one `ProvidersRegistered` event.
   * @throws `FORBIDDEN` unless a studio; `INVALID` naming every malformed item; `CONFLICT` naming every
   *   providerId that exists or appears more than once in the batch.
   */
  @Transaction()
  async RegisterBatch(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'register providers', Roles.studio);
    const { items } = parseRequest(ProviderBatchRequest, request);
    // Every existence check of the batch in one multi-key read.
    await prefetch(
      ctx,
      items.map((item) => Keys.provider(item.providerId)),
    );
    const conflicts: string[] = [];
    const seen = new Set<string>();
    for (const { providerId } of items) {
      if (seen.has(providerId)) conflicts.push(`providerId ${providerId} appears more than once in the batch`);
      else if (await keyExists(ctx, Keys.provider(providerId))) conflicts.push(`provider ${providerId} already exists`);
      seen.add(providerId);
    }
    if (conflicts.length > 0) throw conflict(`registration refused: ${conflicts.join('; ')}`);
    const createdAt = txTime(ctx);
    for (const { providerId, payoutRefDigest } of items) {
      const record: ProviderRecord = {
        docType: DocTypes.provider,
        providerId,
        managingMsp: caller.mspId,
        payoutRefDigest,
        createdBy: caller.mspId,
        createdAt,
      };
      await writeRecord(ctx, Keys.provider(providerId), ProviderType, record);
    }
    const providerIds = items.map((item) => item.providerId);
    emitEvent(ctx, EventNames.ProvidersRegistered, { managingMsp: caller.mspId, count: providerIds.length, providerIds });
    return toJson({ managingMsp: caller.mspId, count: providerIds.length, createdAt, providerIds });
  }

  /**
   * Replaces the payout reference digest; the managing studio only. Request:
   * `{ providerId, payoutRefDigest }`.
   * @throws `FORBIDDEN` unless the managing studio; `INVALID`; `NOT_FOUND`.
   */
  @Transaction()
  async UpdatePayoutRef(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'update payout references', Roles.studio);
    const { providerId, payoutRefDigest } = parseRequest(ProviderRequest, request);
    const key = Keys.provider(providerId);
    const current = await requireRecord(ctx, key, ProviderType, `provider ${providerId}`);
    requireOrg(caller, current.managingMsp, `update provider ${providerId}`);
    const record: ProviderRecord = { ...current, payoutRefDigest, updatedBy: caller.mspId, updatedAt: txTime(ctx) };
    await writeRecord(ctx, key, ProviderType, record);
    emitEvent(ctx, EventNames.ProviderPayoutRefUpdated, { providerId, managingMsp: current.managingMsp, payoutRefDigest });
    return toJson(record);
  }

  /**
   * The provider record.
   * @throws `NOT_FOUND`; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async Get(ctx: KisekiContext, providerId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(providerId, 'providerId');
    return toJson(await requireRecord(ctx, Keys.provider(id), ProviderType, `provider ${id}`));
  }
}
