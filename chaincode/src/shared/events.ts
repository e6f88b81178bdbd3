import type { EventName } from './names';
import * as R from './records';
import { Bps, ClientRef, Count, Digest, Id, MspId, oneOf, record, text, Version, z } from './schema';

/**
 * The payload of each chaincode event, one zod schema per event name (shared/names `EventNames`),
 * types by `z.infer`. Every event may also carry `actingClient`: the API client the creator's gateway
 * named (ledger/events). Records inside a payload are the records as written, checked by their own
 * schemas. The in-memory peer checks every event a unit test emits against its schema, and clients
 * parse what they receive with the same schema.
 */

const Reason = text(R.MAX_REASON_LENGTH);

/** An event payload with exactly these fields, plus the optional `actingClient`. */
function payload<S extends z.ZodRawShape>(shape: S): z.ZodObject<S & { actingClient: z.ZodOptional<typeof ClientRef> }, z.core.$strict> {
  return record({ ...shape, actingClient: ClientRef.optional() });
}

const Ids = z.array(Id);

/** What one revenue event changed (`RevenueRecorded`, and `LicencePurchased` besides its grant). */
const revenueEffects = {
  revenue: R.RevenueRecord,
  subjectTotal: R.SubjectRevenueRecord,
  pools: z.array(R.RoyaltyPoolRecord),
  credits: z.array(R.HolderCreditRecord),
  executedTransfers: z.array(record({ transfer: R.RightsTransferRecord, rights: R.RightsRecord })),
  voidedTransfers: z.array(R.RightsTransferRecord),
};

const flagged = { flaggedModelIds: Ids, flagsPending: z.literal(true).optional() };

export const EventPayloads = {
  TermsPublished: payload({ termsId: Id, issuerMsp: MspId, hasPrivateDetails: z.boolean() }),
  TermsAmended: payload({ terms: R.TermsRecord, previousVersion: Version }),
  TermsWithdrawn: payload({ terms: R.TermsRecord }),
  DatasetChanged: payload({ datasetId: Id, ownerMsp: MspId, added: Ids, itemCount: Count }),
  GrantWithdrawn: payload({ grant: R.GrantRecord }),
  ProviderRegistered: payload({ providerId: Id, managingMsp: MspId }),
  ProvidersRegistered: payload({ managingMsp: MspId, count: Count, providerIds: Ids }),
  ProviderPayoutRefUpdated: payload({ providerId: Id, managingMsp: MspId, payoutRefDigest: Digest }),
  DataRegistered: payload({ collectorMsp: MspId, count: Count, dataIds: Ids }),
  DataConsentRevoked: payload({ dataId: Id, providerId: Id, reason: Reason, ...flagged }),
  DataDisputeChanged: payload({ dataId: Id, disputed: z.boolean(), status: oneOf(R.DataStatuses), reason: Reason, ...flagged }),
  DataFlagsPropagated: payload({ dataId: Id, status: oneOf(R.DataStatuses), modelIds: Ids, done: Count, pending: z.boolean() }),
  ModelRegistered: payload({ modelId: Id, ownerMsp: MspId, baseModelId: Id.optional(), baseGrantId: Id.optional() }),
  TrainingBatchAttested: payload({
    modelId: Id,
    count: Count,
    dataIds: Ids,
    firstDataId: Id,
    lastDataId: Id,
    trainingSize: Count,
    root: Digest,
    providerCounts: z.array(record({ providerId: Id, added: Count, count: Count })),
    termsCounts: z.array(record({ termsId: Id, added: Count, count: Count, version: Version })),
  }),
  ModelSealed: payload({
    modelId: Id,
    trainingRoot: Digest,
    trainingSize: Count,
    dataPoolShareBps: Bps,
    version: R.ModelVersionRecord.optional(),
  }),
  ModelVersionAdded: payload({ version: R.ModelVersionRecord }),
  ModelVersionRevoked: payload({ modelId: Id, version: Version, reason: Reason }),
  ReviewSubmitted: payload({ review: R.ReviewRecord, summary: R.ReviewSummaryRecord }),
  TrainingExclusionChanged: payload({
    dataId: Id,
    excluded: z.boolean(),
    reviewId: Id.optional(),
    ownerMsp: MspId,
    reason: Reason.optional(),
  }),
  ModelRevoked: payload({ modelId: Id, previousStatus: oneOf(R.ModelStatuses), reason: Reason }),
  OutputRegistered: payload({
    outputId: Id,
    modelId: Id,
    ownerMsp: MspId,
    rightsIds: Ids,
    grantId: Id.optional(),
    modelVersion: Version.optional(),
    generationDigest: Digest.optional(),
  }),
  RightsCreated: payload({ rights: R.RightsRecord }),
  RightsTransferProposed: payload({ transfer: R.RightsTransferRecord }),
  RightsTransferApproved: payload({ transferId: Id, mspId: MspId, approvedBy: z.array(MspId) }),
  RightsTransferExecuted: payload({ transfer: R.RightsTransferRecord, rights: R.RightsRecord }),
  RightsTransferCancelled: payload({ transfer: R.RightsTransferRecord }),
  RevenueRecorded: payload(revenueEffects),
  RevenueClaimed: payload({ settlement: R.SettlementRecord }),
  SettlementSettled: payload({ settlement: R.SettlementRecord }),
  OfferPublished: payload({ offer: R.OfferRecord }),
  OfferWithdrawn: payload({ offer: R.OfferRecord }),
  LicencePurchased: payload({ grant: R.GrantRecord, ...revenueEffects }),
  ContentAccessed: payload({ access: R.AccessRecord }),
} as const satisfies Record<EventName, z.ZodType>;

/** The payload of event `N`. */
export type EventPayload<N extends EventName> = z.infer<(typeof EventPayloads)[N]>;
