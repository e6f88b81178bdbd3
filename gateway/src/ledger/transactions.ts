import { z } from 'zod';
import { ContractNames as C, Transactions as T, type ContractName } from '@kiseki/chaincode/shared/names';
import * as R from '@kiseki/chaincode/shared/records';
import * as Q from '@kiseki/chaincode/shared/requests';
import {
  DataHistory,
  DatasetMembership,
  HolderBalances,
  OutputHistory,
  OutputVerification,
  PoolView,
  Statement,
  Totals,
} from '@kiseki/chaincode/shared/responses';
import * as S from '@kiseki/chaincode/shared/results';

/**
 * Every contract transaction the gateway calls, with how it is called (submit or evaluate), what it
 * takes and what it answers, as the schemas of chaincode/src/shared. {@link createLedgerClient} turns
 * this table into `ledger.data.register(request)` and friends; a transaction missing here cannot be
 * called through the client, and an answer that does not match its schema is an error, not a guess.
 */

/** A write: one JSON request, submitted and committed; answers `response`. */
export interface WriteSpec<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly kind: 'submit';
  readonly contract: ContractName;
  readonly transaction: string;
  readonly request: Req;
  readonly response: Res;
}

/** A read evaluated on the org's peer: one ID argument (`'id'`), or one JSON query of this schema. */
export interface ReadSpec<Arg extends 'id' | z.ZodType = 'id' | z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly kind: 'evaluate';
  readonly contract: ContractName;
  readonly transaction: string;
  readonly argument: Arg;
  readonly response: Res;
}

export type TransactionSpec = WriteSpec | ReadSpec;

function writes(contract: ContractName) {
  return <Req extends z.ZodType, Res extends z.ZodType>(transaction: string, request: Req, response: Res): WriteSpec<Req, Res> => ({
    kind: 'submit',
    contract,
    transaction,
    request,
    response,
  });
}

function reads(contract: ContractName) {
  return <Arg extends 'id' | z.ZodType, Res extends z.ZodType>(transaction: string, argument: Arg, response: Res): ReadSpec<Arg, Res> => ({
    kind: 'evaluate',
    contract,
    transaction,
    argument,
    response,
  });
}

const terms = { w: writes(C.terms), r: reads(C.terms) };
const providers = { w: writes(C.providers), r: reads(C.providers) };
const data = { w: writes(C.data), r: reads(C.data) };
const models = { w: writes(C.models), r: reads(C.models) };
const outputs = { w: writes(C.outputs), r: reads(C.outputs) };
const rights = { w: writes(C.rights), r: reads(C.rights) };
const revenue = { w: writes(C.revenue), r: reads(C.revenue) };
const market = { w: writes(C.market), r: reads(C.market) };
const reviews = { w: writes(C.reviews), r: reads(C.reviews) };
const access = { w: writes(C.access), r: reads(C.access) };

/** The table: contract → method → transaction. Method names are the transaction names in lowerCamelCase. */
export const LedgerTransactions = {
  terms: {
    publish: terms.w(T.terms.Publish, Q.TermsRequest, R.TermsRecord),
    amend: terms.w(T.terms.Amend, Q.TermsRequest, R.TermsRecord),
    withdraw: terms.w(T.terms.Withdraw, Q.TermsWithdrawRequest, R.TermsRecord),
    get: terms.r(T.terms.Get, 'id', R.TermsRecord),
    getPrivate: terms.r(T.terms.GetPrivate, 'id', R.TermsCommercialRecord),
    getVersion: terms.r(T.terms.GetVersion, Q.TermsVersionQuery, R.TermsRecord),
  },
  providers: {
    register: providers.w(T.providers.Register, Q.ProviderRequest, R.ProviderRecord),
    registerBatch: providers.w(T.providers.RegisterBatch, Q.ProviderBatchRequest, S.ProviderBatchReceipt),
    updatePayoutRef: providers.w(T.providers.UpdatePayoutRef, Q.ProviderRequest, R.ProviderRecord),
    get: providers.r(T.providers.Get, 'id', R.ProviderRecord),
  },
  data: {
    register: data.w(T.data.Register, Q.DataRegisterRequest, R.DataRecord),
    registerBatch: data.w(T.data.RegisterBatch, Q.DataBatchRequest, S.DataBatchReceipt),
    revokeConsent: data.w(T.data.RevokeConsent, Q.RevokeConsentRequest, R.DataRecord),
    setDisputed: data.w(T.data.SetDisputed, Q.SetDisputedRequest, R.DataRecord),
    propagateFlags: data.w(T.data.PropagateFlags, Q.PropagateFlagsRequest, S.FlagPropagation),
    registerDataset: data.w(T.data.RegisterDataset, Q.DatasetRegisterRequest, R.DatasetRecord),
    addToDataset: data.w(T.data.AddToDataset, Q.DatasetAddRequest, R.DatasetRecord),
    get: data.r(T.data.Get, 'id', R.DataRecord),
    getByDigest: data.r(T.data.GetByDigest, 'id', R.DataRecord),
    history: data.r(T.data.History, 'id', DataHistory),
    listUsage: data.r(T.data.ListUsage, Q.UsageQuery, S.pageOf(R.UsageRecord)),
    getDataset: data.r(T.data.GetDataset, 'id', R.DatasetRecord),
    isDatasetMember: data.r(T.data.IsDatasetMember, Q.DatasetMemberQuery, DatasetMembership),
  },
  models: {
    register: models.w(T.models.Register, Q.ModelRegisterRequest, R.ModelRecord),
    attestTrainingBatch: models.w(T.models.AttestTrainingBatch, Q.AttestTrainingBatchRequest, R.ModelRecord),
    seal: models.w(T.models.Seal, Q.SealRequest, R.ModelRecord),
    revoke: models.w(T.models.Revoke, Q.ModelRevokeRequest, R.ModelRecord),
    addVersion: models.w(T.models.AddVersion, Q.AddVersionRequest, R.ModelVersionRecord),
    revokeVersion: models.w(T.models.RevokeVersion, Q.RevokeVersionRequest, R.ModelVersionRecord),
    get: models.r(T.models.Get, 'id', R.ModelRecord),
    history: models.r(T.models.History, 'id', S.ModelHistory),
    listTrainingIds: models.r(T.models.ListTrainingIds, Q.TrainingIdsQuery, S.TrainingIdsPage),
    listProviderCounts: models.r(T.models.ListProviderCounts, Q.ProviderCountsQuery, S.pageOf(R.ModelProviderCountRecord)),
    verifyInclusion: models.r(T.models.VerifyInclusion, Q.InclusionProofQuery, S.ProofCheck),
    verifyExclusion: models.r(T.models.VerifyExclusion, Q.ExclusionProofQuery, S.ProofCheck),
    getVersion: models.r(T.models.GetVersion, Q.ModelVersionQuery, R.ModelVersionRecord),
    listVersions: models.r(T.models.ListVersions, Q.ModelVersionsQuery, S.pageOf(R.ModelVersionRecord)),
    findByArtifact: models.r(T.models.FindByArtifact, 'id', R.ModelVersionRecord),
  },
  outputs: {
    register: outputs.w(T.outputs.Register, Q.OutputRegisterRequest, R.OutputRecord),
    get: outputs.r(T.outputs.Get, 'id', R.OutputRecord),
    getByDigest: outputs.r(T.outputs.GetByDigest, 'id', R.OutputRecord),
    verify: outputs.r(T.outputs.Verify, 'id', OutputVerification),
    history: outputs.r(T.outputs.History, 'id', OutputHistory),
  },
  rights: {
    create: rights.w(T.rights.Create, Q.RightsCreateRequest, R.RightsRecord),
    proposeTransfer: rights.w(T.rights.ProposeTransfer, Q.ProposeTransferRequest, R.RightsTransferRecord),
    approveTransfer: rights.w(T.rights.ApproveTransfer, Q.TransferRequest, R.RightsTransferRecord),
    executeTransfer: rights.w(T.rights.ExecuteTransfer, Q.TransferRequest, S.TransferExecution),
    cancelTransfer: rights.w(T.rights.CancelTransfer, Q.CancelTransferRequest, R.RightsTransferRecord),
    get: rights.r(T.rights.Get, 'id', R.RightsRecord),
    getBySubject: rights.r(T.rights.GetBySubject, Q.RightsSubjectQuery, R.RightsRecord),
    getTransfer: rights.r(T.rights.GetTransfer, 'id', R.RightsTransferRecord),
  },
  revenue: {
    record: revenue.w(T.revenue.Record, Q.RevenueRecordRequest, R.RevenueRecord),
    claim: revenue.w(T.revenue.Claim, Q.ClaimRequest, R.SettlementRecord),
    markSettled: revenue.w(T.revenue.MarkSettled, Q.MarkSettledRequest, R.SettlementRecord),
    get: revenue.r(T.revenue.Get, Q.RevenueQuery, R.RevenueRecord),
    getSubjectRevenue: revenue.r(T.revenue.GetSubjectRevenue, Q.SubjectRevenueQuery, S.SubjectRevenue),
    getPool: revenue.r(T.revenue.GetPool, Q.PoolQuery, PoolView),
    statement: revenue.r(T.revenue.Statement, Q.StatementQuery, Statement),
    holderBalance: revenue.r(T.revenue.HolderBalance, Q.HolderBalanceQuery, HolderBalances),
    getSettlement: revenue.r(T.revenue.GetSettlement, 'id', R.SettlementRecord),
    totals: revenue.r(T.revenue.Totals, Q.RevenueTotalsQuery, Totals),
  },
  market: {
    offer: market.w(T.market.Offer, Q.OfferRequest, R.OfferRecord),
    withdraw: market.w(T.market.Withdraw, Q.WithdrawOfferRequest, R.OfferRecord),
    purchase: market.w(T.market.Purchase, Q.PurchaseRequest, R.GrantRecord),
    withdrawGrant: market.w(T.market.WithdrawGrant, Q.WithdrawGrantRequest, R.GrantRecord),
    getOffer: market.r(T.market.GetOffer, 'id', R.OfferRecord),
    getGrant: market.r(T.market.GetGrant, 'id', R.GrantRecord),
  },
  reviews: {
    submit: reviews.w(T.reviews.Submit, Q.ReviewSubmitRequest, S.ReviewSubmission),
    excludeFromTraining: reviews.w(T.reviews.ExcludeFromTraining, Q.ExcludeFromTrainingRequest, R.TrainingExclusionRecord),
    includeInTraining: reviews.w(T.reviews.IncludeInTraining, Q.IncludeInTrainingRequest, S.TrainingInclusion),
    get: reviews.r(T.reviews.Get, 'id', R.ReviewRecord),
    history: reviews.r(T.reviews.History, Q.ReviewHistoryQuery, S.pageOf(R.ReviewRecord)),
    summary: reviews.r(T.reviews.Summary, Q.ReviewSummaryQuery, S.ReviewSummary),
    getExclusion: reviews.r(T.reviews.GetExclusion, 'id', R.TrainingExclusionRecord),
  },
  access: {
    record: access.w(T.access.Record, Q.AccessRequest, R.AccessRecord),
    entitlement: access.r(T.access.Entitlement, Q.AccessRequest, S.AccessEntitlement),
    list: access.r(T.access.List, Q.AccessListQuery, S.AccessPage),
  },
} as const satisfies Readonly<Record<ContractName, Readonly<Record<string, TransactionSpec>>>>;

export type LedgerTransactionTable = typeof LedgerTransactions;
