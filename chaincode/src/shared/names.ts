/**
 * Names that clients rely on: contract names, transaction names and chaincode event names, defined
 * once here and imported by both the chaincode and the gateway (a misspelt name in one place would be
 * a silent bug). A transaction is invoked as `<contract>:<transaction>`, see {@link qualifiedName}.
 */

/** fabric-contract-api contract names (DESIGN §7). */
export const ContractNames = {
  terms: 'terms',
  providers: 'providers',
  data: 'data',
  models: 'models',
  outputs: 'outputs',
  rights: 'rights',
  revenue: 'revenue',
  market: 'market',
  reviews: 'reviews',
  access: 'access',
} as const;
export type ContractName = (typeof ContractNames)[keyof typeof ContractNames];

/**
 * Transaction names per contract. The contract classes' method names are exactly these (a unit test
 * checks both directions). Reads are evaluate-only transactions; writes take one JSON argument.
 */
export const Transactions = {
  terms: {
    Publish: 'Publish',
    Get: 'Get',
    GetPrivate: 'GetPrivate',
    Amend: 'Amend',
    Withdraw: 'Withdraw',
    GetVersion: 'GetVersion',
  },
  providers: {
    Register: 'Register',
    RegisterBatch: 'RegisterBatch',
    UpdatePayoutRef: 'UpdatePayoutRef',
    Get: 'Get',
  },
  data: {
    Register: 'Register',
    RegisterBatch: 'RegisterBatch',
    RevokeConsent: 'RevokeConsent',
    SetDisputed: 'SetDisputed',
    Get: 'Get',
    History: 'History',
    ListUsage: 'ListUsage',
    PropagateFlags: 'PropagateFlags',
    RegisterDataset: 'RegisterDataset',
    AddToDataset: 'AddToDataset',
    GetDataset: 'GetDataset',
    IsDatasetMember: 'IsDatasetMember',
    GetByDigest: 'GetByDigest',
  },
  models: {
    Register: 'Register',
    AttestTrainingBatch: 'AttestTrainingBatch',
    Seal: 'Seal',
    Revoke: 'Revoke',
    Get: 'Get',
    ListTrainingIds: 'ListTrainingIds',
    ListProviderCounts: 'ListProviderCounts',
    VerifyInclusion: 'VerifyInclusion',
    VerifyExclusion: 'VerifyExclusion',
    AddVersion: 'AddVersion',
    RevokeVersion: 'RevokeVersion',
    GetVersion: 'GetVersion',
    ListVersions: 'ListVersions',
    FindByArtifact: 'FindByArtifact',
    History: 'History',
  },
  outputs: {
    Register: 'Register',
    Get: 'Get',
    Verify: 'Verify',
    GetByDigest: 'GetByDigest',
    History: 'History',
  },
  rights: {
    Create: 'Create',
    Get: 'Get',
    GetBySubject: 'GetBySubject',
    ProposeTransfer: 'ProposeTransfer',
    ApproveTransfer: 'ApproveTransfer',
    ExecuteTransfer: 'ExecuteTransfer',
    CancelTransfer: 'CancelTransfer',
    GetTransfer: 'GetTransfer',
  },
  revenue: {
    Record: 'Record',
    Get: 'Get',
    GetSubjectRevenue: 'GetSubjectRevenue',
    GetPool: 'GetPool',
    Statement: 'Statement',
    HolderBalance: 'HolderBalance',
    Claim: 'Claim',
    MarkSettled: 'MarkSettled',
    GetSettlement: 'GetSettlement',
    Totals: 'Totals',
  },
  market: {
    Offer: 'Offer',
    Withdraw: 'Withdraw',
    Purchase: 'Purchase',
    GetOffer: 'GetOffer',
    GetGrant: 'GetGrant',
    WithdrawGrant: 'WithdrawGrant',
  },
  reviews: {
    Submit: 'Submit',
    Get: 'Get',
    History: 'History',
    Summary: 'Summary',
    ExcludeFromTraining: 'ExcludeFromTraining',
    IncludeInTraining: 'IncludeInTraining',
    GetExclusion: 'GetExclusion',
  },
  access: {
    Entitlement: 'Entitlement',
    Record: 'Record',
    List: 'List',
  },
} as const;

/**
 * Chaincode event names. Every submitted transaction emits exactly one event (Fabric keeps only one
 * per transaction); its payload (sorted-key JSON) lists every effect of the transaction.
 */
export const EventNames = {
  /** `{ termsId, issuerMsp, hasPrivateDetails }` */
  TermsPublished: 'TermsPublished',
  /** `{ terms, previousVersion }` — `terms:Amend`, the new current version. */
  TermsAmended: 'TermsAmended',
  /** `{ terms }` — `terms:Withdraw`. */
  TermsWithdrawn: 'TermsWithdrawn',
  /** `{ datasetId, ownerMsp, added: [...], itemCount }` — `data:RegisterDataset` and `data:AddToDataset`. */
  DatasetChanged: 'DatasetChanged',
  /** `{ grant }` — `market:WithdrawGrant`. */
  GrantWithdrawn: 'GrantWithdrawn',
  /** `{ providerId, managingMsp }` */
  ProviderRegistered: 'ProviderRegistered',
  /** `{ managingMsp, count, providerIds: [...] }` — `providers:RegisterBatch`. */
  ProvidersRegistered: 'ProvidersRegistered',
  /** `{ providerId, managingMsp, payoutRefDigest }` */
  ProviderPayoutRefUpdated: 'ProviderPayoutRefUpdated',
  /** `{ collectorMsp, count, dataIds: [...] }` — for `data:Register` and `data:RegisterBatch` alike. */
  DataRegistered: 'DataRegistered',
  /** `{ dataId, providerId, reason, flaggedModelIds: [...], flagsPending? }` (more models follow by `data:PropagateFlags`) */
  DataConsentRevoked: 'DataConsentRevoked',
  /** `{ dataId, disputed, status, reason, flaggedModelIds: [...], flagsPending? }` */
  DataDisputeChanged: 'DataDisputeChanged',
  /** `{ dataId, status, modelIds: [...], done, pending }` — `data:PropagateFlags`. */
  DataFlagsPropagated: 'DataFlagsPropagated',
  /** `{ modelId, ownerMsp, baseModelId? }` */
  ModelRegistered: 'ModelRegistered',
  /** `{ modelId, count, dataIds, firstDataId, lastDataId, trainingSize, root, providerCounts, termsCounts }` */
  TrainingBatchAttested: 'TrainingBatchAttested',
  /** `{ modelId, trainingRoot, trainingSize, dataPoolShareBps, version? }` — `version`: the version sealed with it. */
  ModelSealed: 'ModelSealed',
  /** `{ version }` — the new ModelVersionRecord. */
  ModelVersionAdded: 'ModelVersionAdded',
  /** `{ modelId, version, reason }` */
  ModelVersionRevoked: 'ModelVersionRevoked',
  /** `{ review, summary }` */
  ReviewSubmitted: 'ReviewSubmitted',
  /** `{ dataId, excluded, reviewId?, ownerMsp, reason? }` */
  TrainingExclusionChanged: 'TrainingExclusionChanged',
  /** `{ modelId, previousStatus, reason }` */
  ModelRevoked: 'ModelRevoked',
  /** `{ outputId, modelId, ownerMsp, rightsIds }` */
  OutputRegistered: 'OutputRegistered',
  /** `{ rights }` — the new RightsRecord. */
  RightsCreated: 'RightsCreated',
  /** `{ transfer }` — the pending RightsTransferRecord. */
  RightsTransferProposed: 'RightsTransferProposed',
  /** `{ transferId, approvedBy, mspId }` */
  RightsTransferApproved: 'RightsTransferApproved',
  /** `{ transfer, rights }` — explicit `rights:ExecuteTransfer`. */
  RightsTransferExecuted: 'RightsTransferExecuted',
  /** `{ transfer }` */
  RightsTransferCancelled: 'RightsTransferCancelled',
  /** `{ revenue, subjectTotal, pools, balances, executedTransfers: [{ transfer, rights }], voidedTransfers: [...] }` */
  RevenueRecorded: 'RevenueRecorded',
  /** `{ settlement }` — a claim moved accrued amounts to payable. */
  RevenueClaimed: 'RevenueClaimed',
  /** `{ settlement }` — the off-chain payment reference was recorded. */
  SettlementSettled: 'SettlementSettled',
  /** `{ offer }` */
  OfferPublished: 'OfferPublished',
  /** `{ offer }` */
  OfferWithdrawn: 'OfferWithdrawn',
  /** `{ grant, revenue, subjectTotal, pools, balances, executedTransfers, voidedTransfers }` */
  LicencePurchased: 'LicencePurchased',
  /** `{ access }` — `access:Record`: an org served content it holds to another org. */
  ContentAccessed: 'ContentAccessed',
} as const;
export type EventName = (typeof EventNames)[keyof typeof EventNames];

/** The name a client invokes: `<contract>:<transaction>`, e.g. `data:RegisterBatch`. */
export function qualifiedName(contract: ContractName, transaction: string): string {
  return `${contract}:${transaction}`;
}

/** Org roles (DESIGN §1, §4). */
export const Roles = { studio: 'studio', licensor: 'licensor', regulator: 'regulator' } as const;
export type Role = (typeof Roles)[keyof typeof Roles];

/** Names of the private data collections (chaincode/collections_config.json). */
export const Collections = {
  /** Confidential commercial details of licence terms; members: licensor and studios, not the regulator. */
  termsCommercial: 'termsCommercial',
} as const;

/** Transient-map keys read by transactions that take private input. */
export const TransientKeys = {
  /** `terms:Publish`: a JSON object of confidential commercial details, stored in `termsCommercial`. */
  termsCommercial: 'commercial',
  /** Every write: the API client of the org that asked for it, as its gateway authenticated it. */
  clientRef: 'clientRef',
} as const;
