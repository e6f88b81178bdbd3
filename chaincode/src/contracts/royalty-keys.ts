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
 * | `holderBalance`      | mspId, holderId, currency                    | HolderBalanceRecord            |
 * | `settlement`         | settlementId                                 | SettlementRecord               |
 * | `offer`              | offerId                                      | OfferRecord                    |
 * | `grant`              | purchaseId                                   | GrantRecord                    |
 *
 * Write set of one revenue event: its revenue key, its subject's `subjectRevenue` key, one
 * `royaltyPool` key per lineage level (≤ 8), one `holderBalance` key per holder (≤ 32), and, for
 * each pending transfer that comes due (≤ 16), the transfer, its index marker and its rights key.
 * Nothing in it grows with the number of providers.
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
  holderBalance: 'holderBalance',
  settlement: 'settlement',
  offer: 'offer',
  grant: 'grant',
} as const;

/** Key builders, one per row of the table above. */
export const RoyaltyKeys = {
  rights: (rightsId: string): string => compositeKey(RoyaltyKeyTypes.rights, [rightsId]),
  rightsSubject: (subjectType: string, subjectId: string): string =>
    compositeKey(RoyaltyKeyTypes.rightsSubject, [subjectType, subjectId]),
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
  holderBalance: (mspId: string, holderId: string, currency: string): string =>
    compositeKey(RoyaltyKeyTypes.holderBalance, [mspId, holderId, currency]),
  settlement: (settlementId: string): string => compositeKey(RoyaltyKeyTypes.settlement, [settlementId]),
  offer: (offerId: string): string => compositeKey(RoyaltyKeyTypes.offer, [offerId]),
  grant: (purchaseId: string): string => compositeKey(RoyaltyKeyTypes.grant, [purchaseId]),
} as const;
