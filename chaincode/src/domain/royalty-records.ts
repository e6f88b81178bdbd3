import * as R from '../shared/records';
import { recordType } from './records';

/**
 * The records of rights, revenue, royalties and the licence market (DESIGN §3), validated on write
 * and on read like the provenance records; schemas and types in shared/records. Amounts are decimal
 * strings of minor units; the royalty index and its carry are decimal strings of scaled units (10^18,
 * see royalty-index). Key layout: contracts/royalty-keys.ts.
 */

export const RoyaltyDocTypes = {
  rights: 'rights',
  rightsSubject: 'rightsSubject',
  rightsTransfer: 'rightsTransfer',
  subjectRevenue: 'subjectRevenue',
  revenue: 'revenue',
  royaltyPool: 'royaltyPool',
  providerClaim: 'providerClaim',
  holderCredit: 'holderCredit',
  holderClaim: 'holderClaim',
  settlement: 'settlement',
  offer: 'offer',
  grant: 'grant',
} as const;

export {
  GrantStatuses,
  OfferStatuses,
  OfferSubjectTypes,
  RevenueSources,
  RightsStatuses,
  SettlementKinds,
  SettlementStatuses,
  TransferStatuses,
  type GrantRecord,
  type HolderClaimRecord,
  type HolderCreditRecord,
  type OfferRecord,
  type OfferSubjectType,
  type PayoutJson,
  type PoolAdditionJson,
  type ProviderClaimRecord,
  type RevenueRecord,
  type RightsRecord,
  type RightsSubjectRecord,
  type RightsTransferRecord,
  type RoyaltyPoolRecord,
  type SettlementRecord,
  type SubjectRevenueRecord,
  type TransferStatus,
} from '../shared/records';

export const RightsType = recordType(RoyaltyDocTypes.rights, R.RightsRecord);
export const RightsSubjectType = recordType(RoyaltyDocTypes.rightsSubject, R.RightsSubjectRecord);
export const RightsTransferType = recordType(RoyaltyDocTypes.rightsTransfer, R.RightsTransferRecord);
export const SubjectRevenueType = recordType(RoyaltyDocTypes.subjectRevenue, R.SubjectRevenueRecord);
export const RevenueType = recordType(RoyaltyDocTypes.revenue, R.RevenueRecord);
export const RoyaltyPoolType = recordType(RoyaltyDocTypes.royaltyPool, R.RoyaltyPoolRecord);
export const ProviderClaimType = recordType(RoyaltyDocTypes.providerClaim, R.ProviderClaimRecord);
export const HolderCreditType = recordType(RoyaltyDocTypes.holderCredit, R.HolderCreditRecord);
export const HolderClaimType = recordType(RoyaltyDocTypes.holderClaim, R.HolderClaimRecord);
export const SettlementType = recordType(RoyaltyDocTypes.settlement, R.SettlementRecord);
export const OfferType = recordType(RoyaltyDocTypes.offer, R.OfferRecord);
export const GrantType = recordType(RoyaltyDocTypes.grant, R.GrantRecord);
