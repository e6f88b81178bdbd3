import { allShards, shardAttribute } from '../domain/holder-shards';
import { compositeKey } from '../ledger/keys';

/**
 * Key layout of the rights, revenue and market contracts (Fabric composite keys, like ledger/keys.ts).
 *
 * | objectType           | attributes                                   | value                          |
 * | -------------------- | -------------------------------------------- | ------------------------------ |
 * | `rights`             | rightsId                                     | RightsRecord (key-level endorsement policy: holders' orgs + licensor) |
 * | `rightsSubject`      | subjectType, subjectId                       | RightsSubjectRecord (one rights record per subject) |
 * | `rightsTransfer`     | transferId                                   | RightsTransferRecord           |
 * | `pendingTransfer`    | subjectType, subjectId, currency, transferId | index marker: pending transfers with a revenue threshold on that subject |
 * | `subjectRevenue`     | subjectType, subjectId, currency             | SubjectRevenueRecord (cumulative revenue) |
 * | `revenue`            | recorderMsp, reference                       | RevenueRecord (a repeated reference → CONFLICT) |
 * | `royaltyPool`        | modelId, currency                            | RoyaltyPoolRecord (the per-model index) |
 * | `providerClaim`      | providerId, modelId, currency                | ProviderClaimRecord            |
 * | `providerModel`      | providerId, modelId                          | index marker: the models a provider's items trained |
 * | `holderCredit`       | mspId, holderId, currency, shard             | HolderCreditRecord (one of 16 shards of what revenue credited the holder) |
 * | `holderClaim`        | mspId, holderId, currency                    | HolderClaimRecord (what the holder claimed) |
 * | `settlement`         | settlementId                                 | SettlementRecord               |
 * | `offer`              | offerId                                      | OfferRecord                    |
 * | `grant`              | purchaseId                                   | GrantRecord                    |
 *
 * Write set of one revenue event: its revenue key, its subject's `subjectRevenue` key, one
 * `royaltyPool` key per lineage level (≤ 8), one `holderCredit` key per holder (≤ 32), and, for
 * each pending transfer that comes due (≤ 16), the transfer, its index marker and its rights key.
 * Nothing in it grows with the number of providers.
 *
 * A holder's balance in a currency is sharded: a revenue event credits each holder on the shard
 * `holderShard(txId)` (domain/holder-shards.ts: first byte of SHA-256 of the transaction ID, mod 16),
 * so reports on different subjects paying the same holder touch different keys (unless their
 * transaction IDs pick the same shard) and do not invalidate each other. The credited amount is the
 * sum of the shards, read with 16 point reads in one multi-key message; claims write only the
 * `holderClaim` key, never a shard, so a claim never invalidates a payout in flight (a payout
 * committed first does invalidate the claim, which read every shard).
 */
export const RoyaltyKeyTypes = {
  rights: 'rights',
  rightsSubject: 'rightsSubject',
  rightsTransfer: 'rightsTransfer',
  pendingTransfer: 'pendingTransfer',
  subjectRevenue: 'subjectRevenue',
  revenue: 'revenue',
  royaltyPool: 'royaltyPool',
  providerClaim: 'providerClaim',
  providerModel: 'providerModel',
  holderCredit: 'holderCredit',
  holderClaim: 'holderClaim',
  settlement: 'settlement',
  offer: 'offer',
  grant: 'grant',
} as const;

/** Key builders, one per row of the table above (plus `holderCredits`, all shards of one balance). */
export const RoyaltyKeys = {
  rights: (rightsId: string): string => compositeKey(RoyaltyKeyTypes.rights, [rightsId]),
  rightsSubject: (subjectType: string, subjectId: string): string => compositeKey(RoyaltyKeyTypes.rightsSubject, [subjectType, subjectId]),
  rightsTransfer: (transferId: string): string => compositeKey(RoyaltyKeyTypes.rightsTransfer, [transferId]),
  pendingTransfer: (subjectType: string, subjectId: string, currency: string, transferId: string): string =>
    compositeKey(RoyaltyKeyTypes.pendingTransfer, [subjectType, subjectId, currency, transferId]),
  subjectRevenue: (subjectType: string, subjectId: string, currency: string): string =>
    compositeKey(RoyaltyKeyTypes.subjectRevenue, [subjectType, subjectId, currency]),
  revenue: (recorderMsp: string, reference: string): string => compositeKey(RoyaltyKeyTypes.revenue, [recorderMsp, reference]),
  royaltyPool: (modelId: string, currency: string): string => compositeKey(RoyaltyKeyTypes.royaltyPool, [modelId, currency]),
  providerClaim: (providerId: string, modelId: string, currency: string): string =>
    compositeKey(RoyaltyKeyTypes.providerClaim, [providerId, modelId, currency]),
  providerModel: (providerId: string, modelId: string): string => compositeKey(RoyaltyKeyTypes.providerModel, [providerId, modelId]),
  holderCredit: (mspId: string, holderId: string, currency: string, shard: number): string =>
    compositeKey(RoyaltyKeyTypes.holderCredit, [mspId, holderId, currency, shardAttribute(shard)]),
  /** Every shard key of a holder's credit in a currency, in shard order. */
  holderCredits: (mspId: string, holderId: string, currency: string): string[] =>
    allShards().map((shard) => compositeKey(RoyaltyKeyTypes.holderCredit, [mspId, holderId, currency, shardAttribute(shard)])),
  holderClaim: (mspId: string, holderId: string, currency: string): string =>
    compositeKey(RoyaltyKeyTypes.holderClaim, [mspId, holderId, currency]),
  settlement: (settlementId: string): string => compositeKey(RoyaltyKeyTypes.settlement, [settlementId]),
  offer: (offerId: string): string => compositeKey(RoyaltyKeyTypes.offer, [offerId]),
  grant: (purchaseId: string): string => compositeKey(RoyaltyKeyTypes.grant, [purchaseId]),
} as const;
