import { Fields, isMspId, isNonNegativeInteger, isPlainObject } from '../shared/validate';

import { isAmountString, isCurrency } from './amounts';
import { parseCondition, type TransferConditionJson } from './conditions';
import { HOLDER_CREDIT_SHARDS } from './holder-shards';
import { shareIssues, type ShareHolder } from './shares';
import { SUBJECT_TYPES, type SubjectType } from './subjects';
import { recordType, stamp, type RecordType, type Stamp } from './records';

/**
 * The records of rights, revenue, royalties and the licence market (DESIGN §3), validated on write
 * and on read like the provenance records. Amounts are decimal strings of minor units; the royalty
 * index and its carry are decimal strings of scaled units (10^18, see royalty-index). Key layout:
 * contracts/royalty-keys.ts.
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

export const RightsStatuses = ['active'] as const;

/**
 * Rights on a subject: who holds what share. The key carries a key-level endorsement policy naming
 * every holder's org and the licensor, so Fabric refuses any change they did not all endorse.
 */
export interface RightsRecord extends Stamp {
  readonly docType: 'rights';
  readonly rightsId: string;
  readonly subjectType: SubjectType;
  readonly subjectId: string;
  /** Sorted by holderId; shares sum to exactly 10000. */
  readonly holders: readonly ShareHolder[];
  readonly licensorMsp: string;
  readonly status: (typeof RightsStatuses)[number];
  /** Number of transfers executed on these rights. */
  readonly transferCount: number;
}

/** Which rights record covers a subject (one per subject). */
export interface RightsSubjectRecord extends Stamp {
  readonly docType: 'rightsSubject';
  readonly subjectType: SubjectType;
  readonly subjectId: string;
  readonly rightsId: string;
}

export const TransferStatuses = ['pending', 'executed', 'cancelled', 'void'] as const;
export type TransferStatus = (typeof TransferStatuses)[number];

/** A conditional move of `shareBps` from one holder to another. */
export interface RightsTransferRecord extends Stamp {
  readonly docType: 'rightsTransfer';
  readonly transferId: string;
  readonly rightsId: string;
  readonly fromHolderId: string;
  readonly toHolderId: string;
  readonly toMspId: string;
  readonly shareBps: number;
  readonly condition: TransferConditionJson;
  readonly status: TransferStatus;
  /** Orgs that approved so far, sorted. */
  readonly approvedBy: readonly string[];
  /** Transaction that executed, cancelled or voided the transfer. */
  readonly closedTxId?: string;
  /** Why a transfer became void (its sender no longer held the share when it came due). */
  readonly reason?: string;
}

/** Cumulative revenue of one subject in one currency (what revenue thresholds compare against). */
export interface SubjectRevenueRecord extends Stamp {
  readonly docType: 'subjectRevenue';
  readonly subjectType: SubjectType;
  readonly subjectId: string;
  readonly currency: string;
  readonly total: string;
  readonly events: number;
}

/** One holder's part of a revenue event. */
export interface PayoutJson {
  readonly holderId: string;
  readonly mspId: string;
  readonly amount: string;
}

/** One pool's part of a revenue event. */
export interface PoolAdditionJson {
  readonly modelId: string;
  readonly amount: string;
}

export const RevenueSources = ['report', 'purchase'] as const;

/**
 * One revenue event and its exact distribution; its key is (recording org, reference), which makes a
 * repeated report a conflict.
 */
export interface RevenueRecord extends Stamp {
  readonly docType: 'revenue';
  readonly reference: string;
  readonly txId: string;
  readonly source: (typeof RevenueSources)[number];
  readonly subjectType: SubjectType;
  readonly subjectId: string;
  readonly currency: string;
  readonly amount: string;
  /** The model whose data pool took a share, when the subject has one. */
  readonly modelId?: string;
  /** The rights record whose holders were paid; absent when the subject's owner was paid. */
  readonly rightsId?: string;
  readonly dataPoolShareBps: number;
  readonly holderPayouts: readonly PayoutJson[];
  readonly poolAdditions: readonly PoolAdditionJson[];
  /** Pending transfers on this subject that this event executed, in execution order. */
  readonly executedTransfers: readonly string[];
  /** Pending transfers that came due but could no longer execute. */
  readonly voidedTransfers: readonly string[];
}

/** The data pool of one model in one currency: the cumulative index (royalty-index.ts). */
export interface RoyaltyPoolRecord extends Stamp {
  readonly docType: 'royaltyPool';
  readonly modelId: string;
  readonly currency: string;
  /** The model's frozen training size, copied so the identity can be checked from this record alone. */
  readonly trainingSize: number;
  readonly poolIn: string;
  readonly index: string;
  readonly carry: string;
  readonly events: number;
}

/** What a provider has claimed from one model's pool in one currency. */
export interface ProviderClaimRecord extends Stamp {
  readonly docType: 'providerClaim';
  readonly providerId: string;
  readonly modelId: string;
  readonly currency: string;
  readonly claimed: string;
}

/**
 * One shard of what revenue has credited to a rights holder in one currency (holder-shards.ts): the
 * holder's credited amount is the sum over its shards. Written by revenue events only.
 */
export interface HolderCreditRecord extends Stamp {
  readonly docType: 'holderCredit';
  readonly holderId: string;
  readonly mspId: string;
  readonly currency: string;
  /** 0 ≤ shard < HOLDER_CREDIT_SHARDS, as in the key. */
  readonly shard: number;
  readonly credited: string;
}

/** What a rights holder has claimed in one currency (moved to payable). Written by claims only. */
export interface HolderClaimRecord extends Stamp {
  readonly docType: 'holderClaim';
  readonly holderId: string;
  readonly mspId: string;
  readonly currency: string;
  readonly claimed: string;
}

export const SettlementKinds = ['provider', 'holder'] as const;
export const SettlementStatuses = ['requested', 'settled'] as const;

/** A claimed amount awaiting (or having received) an off-chain payment. */
export interface SettlementRecord extends Stamp {
  readonly docType: 'settlement';
  readonly settlementId: string;
  readonly kind: (typeof SettlementKinds)[number];
  /** providerId or holderId. */
  readonly payeeId: string;
  /** The org that pays and marks the settlement: the provider's managing org, or the holder's org. */
  readonly managingMsp: string;
  readonly currency: string;
  readonly amount: string;
  /** Per model, for provider settlements. */
  readonly items: readonly PoolAdditionJson[];
  readonly status: (typeof SettlementStatuses)[number];
  readonly paymentReference?: string;
}

export const OfferSubjectTypes = ['model', 'dataset'] as const;
export type OfferSubjectType = (typeof OfferSubjectTypes)[number];
export const OfferStatuses = ['open', 'withdrawn'] as const;
export const GrantStatuses = ['active', 'withdrawn'] as const;

/** A licence offer on a model or a dataset. */
export interface OfferRecord extends Stamp {
  readonly docType: 'offer';
  readonly offerId: string;
  readonly subjectType: OfferSubjectType;
  readonly subjectId: string;
  readonly termsId: string;
  readonly price: string;
  readonly currency: string;
  readonly sellerMsp: string;
  readonly status: (typeof OfferStatuses)[number];
}

/** A licence bought through an offer. */
export interface GrantRecord extends Stamp {
  readonly docType: 'grant';
  readonly purchaseId: string;
  readonly offerId: string;
  readonly subjectType: OfferSubjectType;
  readonly subjectId: string;
  readonly termsId: string;
  readonly price: string;
  readonly currency: string;
  readonly sellerMsp: string;
  readonly buyerMsp: string;
  /** Reference of the revenue event the purchase recorded (under the buyer's org). */
  readonly revenueReference: string;
  /** `active` until the seller withdraws it (`market:WithdrawGrant`); absent on older grants: active. */
  readonly status?: (typeof GrantStatuses)[number];
  readonly withdrawnReason?: string;
}


const UINT = /^(0|[1-9][0-9]{0,99})$/;
const isCount = (v: unknown): v is number => isNonNegativeInteger(v);
const isScaled = (v: unknown): v is string => typeof v === 'string' && UINT.test(v);
const isTxId = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(v);

const amount = (f: Fields, name: string): string =>
  f.check(name, isAmountString, 'must be a decimal string of minor units', '0');
const currency = (f: Fields): string =>
  f.check('currency', isCurrency, 'must be a three-letter upper-case currency code', 'XXX');

function holders(f: Fields): ShareHolder[] {
  const items = f.objects('holders', 1, 1000).map((h) => ({
    holderId: h.id('holderId'),
    mspId: h.mspId('mspId'),
    shareBps: h.bps('shareBps'),
  }));
  for (const issue of shareIssues(items)) f.addIssue('holders', issue);
  return items;
}

function payouts(f: Fields): PayoutJson[] {
  return f.objects('holderPayouts', 0, 1000).map((p) => ({ holderId: p.id('holderId'), mspId: p.mspId('mspId'), amount: amount(p, 'amount') }));
}

function poolParts(f: Fields, name: string): PoolAdditionJson[] {
  return f.objects(name, 0, 1000).map((p) => ({ modelId: p.id('modelId'), amount: amount(p, 'amount') }));
}

function condition(f: Fields): TransferConditionJson {
  const isCondition = (v: unknown): v is TransferConditionJson => {
    if (!isPlainObject(v)) return false;
    try {
      parseCondition(v);
      return true;
    } catch {
      return false;
    }
  };
  return f.check('condition', isCondition, 'must be a valid transfer condition', {});
}

export const RightsType: RecordType<RightsRecord> = recordType('rights', (f) => ({
  docType: 'rights',
  rightsId: f.id('rightsId'),
  subjectType: f.oneOf('subjectType', SUBJECT_TYPES),
  subjectId: f.id('subjectId'),
  holders: holders(f),
  licensorMsp: f.mspId('licensorMsp'),
  status: f.oneOf('status', RightsStatuses),
  transferCount: f.check('transferCount', isCount, 'must be an integer ≥ 0', 0),
  ...stamp(f),
}));

export const RightsSubjectType: RecordType<RightsSubjectRecord> = recordType('rightsSubject', (f) => ({
  docType: 'rightsSubject',
  subjectType: f.oneOf('subjectType', SUBJECT_TYPES),
  subjectId: f.id('subjectId'),
  rightsId: f.id('rightsId'),
  ...stamp(f),
}));

export const RightsTransferType: RecordType<RightsTransferRecord> = recordType('rightsTransfer', (f) => ({
  docType: 'rightsTransfer',
  transferId: f.id('transferId'),
  rightsId: f.id('rightsId'),
  fromHolderId: f.id('fromHolderId'),
  toHolderId: f.id('toHolderId'),
  toMspId: f.mspId('toMspId'),
  shareBps: f.integer('shareBps', 1, 10_000),
  condition: condition(f),
  status: f.oneOf('status', TransferStatuses),
  approvedBy: f.check('approvedBy', (v): v is string[] => Array.isArray(v) && v.every(isMspId), 'must be a list of MSP IDs', []),
  closedTxId: f.check('closedTxId', isTxId, 'must be a transaction ID', '', { optional: true }),
  reason: f.text('reason', 256, { optional: true }),
  ...stamp(f),
}));

export const SubjectRevenueType: RecordType<SubjectRevenueRecord> = recordType('subjectRevenue', (f) => ({
  docType: 'subjectRevenue',
  subjectType: f.oneOf('subjectType', SUBJECT_TYPES),
  subjectId: f.id('subjectId'),
  currency: currency(f),
  total: amount(f, 'total'),
  events: f.check('events', isCount, 'must be an integer ≥ 0', 0),
  ...stamp(f),
}));

export const RevenueType: RecordType<RevenueRecord> = recordType('revenue', (f) => ({
  docType: 'revenue',
  reference: f.id('reference'),
  txId: f.check('txId', isTxId, 'must be a transaction ID', ''),
  source: f.oneOf('source', RevenueSources),
  subjectType: f.oneOf('subjectType', SUBJECT_TYPES),
  subjectId: f.id('subjectId'),
  currency: currency(f),
  amount: amount(f, 'amount'),
  modelId: f.id('modelId', { optional: true }),
  rightsId: f.id('rightsId', { optional: true }),
  dataPoolShareBps: f.bps('dataPoolShareBps'),
  holderPayouts: payouts(f),
  poolAdditions: poolParts(f, 'poolAdditions'),
  executedTransfers: f.idList('executedTransfers', 0, 1000),
  voidedTransfers: f.idList('voidedTransfers', 0, 1000),
  ...stamp(f),
}));

export const RoyaltyPoolType: RecordType<RoyaltyPoolRecord> = recordType('royaltyPool', (f) => ({
  docType: 'royaltyPool',
  modelId: f.id('modelId'),
  currency: currency(f),
  trainingSize: f.size('trainingSize'),
  poolIn: amount(f, 'poolIn'),
  index: f.check('index', isScaled, 'must be a non-negative decimal string', '0'),
  carry: f.check('carry', isScaled, 'must be a non-negative decimal string', '0'),
  events: f.check('events', isCount, 'must be an integer ≥ 0', 0),
  ...stamp(f),
}));

export const ProviderClaimType: RecordType<ProviderClaimRecord> = recordType('providerClaim', (f) => ({
  docType: 'providerClaim',
  providerId: f.id('providerId'),
  modelId: f.id('modelId'),
  currency: currency(f),
  claimed: amount(f, 'claimed'),
  ...stamp(f),
}));

export const HolderCreditType: RecordType<HolderCreditRecord> = recordType('holderCredit', (f) => ({
  docType: 'holderCredit',
  holderId: f.id('holderId'),
  mspId: f.mspId('mspId'),
  currency: currency(f),
  shard: f.integer('shard', 0, HOLDER_CREDIT_SHARDS - 1),
  credited: amount(f, 'credited'),
  ...stamp(f),
}));

export const HolderClaimType: RecordType<HolderClaimRecord> = recordType('holderClaim', (f) => ({
  docType: 'holderClaim',
  holderId: f.id('holderId'),
  mspId: f.mspId('mspId'),
  currency: currency(f),
  claimed: amount(f, 'claimed'),
  ...stamp(f),
}));

export const SettlementType: RecordType<SettlementRecord> = recordType('settlement', (f) => ({
  docType: 'settlement',
  settlementId: f.id('settlementId'),
  kind: f.oneOf('kind', SettlementKinds),
  payeeId: f.id('payeeId'),
  managingMsp: f.mspId('managingMsp'),
  currency: currency(f),
  amount: amount(f, 'amount'),
  items: poolParts(f, 'items'),
  status: f.oneOf('status', SettlementStatuses),
  paymentReference: f.text('paymentReference', 256, { optional: true }),
  ...stamp(f),
}));

export const OfferType: RecordType<OfferRecord> = recordType('offer', (f) => ({
  docType: 'offer',
  offerId: f.id('offerId'),
  subjectType: f.oneOf('subjectType', OfferSubjectTypes),
  subjectId: f.id('subjectId'),
  termsId: f.id('termsId'),
  price: amount(f, 'price'),
  currency: currency(f),
  sellerMsp: f.mspId('sellerMsp'),
  status: f.oneOf('status', OfferStatuses),
  ...stamp(f),
}));

export const GrantType: RecordType<GrantRecord> = recordType('grant', (f) => ({
  docType: 'grant',
  purchaseId: f.id('purchaseId'),
  offerId: f.id('offerId'),
  subjectType: f.oneOf('subjectType', OfferSubjectTypes),
  subjectId: f.id('subjectId'),
  termsId: f.id('termsId'),
  price: amount(f, 'price'),
  currency: currency(f),
  sellerMsp: f.mspId('sellerMsp'),
  buyerMsp: f.mspId('buyerMsp'),
  revenueReference: f.id('revenueReference'),
  status: f.check('status', (v): v is (typeof GrantStatuses)[number] => v === 'active' || v === 'withdrawn', 'must be active or withdrawn', 'active', { optional: true }),
  withdrawnReason: f.text('withdrawnReason', 256, { optional: true }),
  ...stamp(f),
}));
