import { Verdicts } from '../domain/lineage';
import {
  DataRecord,
  DatasetRecord,
  GrantRecord,
  ModelVersionRecord,
  OutputRecord,
  ReviewSummaryRecord,
  RoyaltyPoolRecord,
} from './records';
import { Amount, Bool, Count, Currency, Digest, Id, MspId, Timestamp, z } from './schema';

/**
 * What the compound reads return (a record alone is its own schema in shared/records): one zod schema
 * each, the type the chaincode builds and the response the gateway documents in OpenAPI.
 */

/** One version of a key, newest first (`History`). */
// eslint-disable-next-line @typescript-eslint/explicit-module-boundary-types -- the inferred schema type is the point
export function historyOf<S extends z.ZodType, const K extends string>(record: S, idField: K) {
  return z.object({
    ...({ [idField]: Id } as Record<K, typeof Id>),
    entries: z.array(z.object({ txId: z.string(), timestamp: Timestamp, isDelete: Bool, record: record.optional() })),
    /** True when older versions exist than the ones listed. */
    more: Bool,
  });
}
export const DataHistory = historyOf(DataRecord, 'dataId').meta({ id: 'DataHistory' });
export const OutputHistory = historyOf(OutputRecord, 'outputId').meta({ id: 'OutputHistory' });

/** `data:IsDatasetMember`. */
export const DatasetMembership = z.object({ datasetId: Id, dataId: Id, member: Bool }).meta({ id: 'DatasetMembership' });
export type DatasetMembership = z.infer<typeof DatasetMembership>;
export { DatasetRecord };

/** One model of an output's lineage: its status, training root and the terms its data was used under. */
export const LineageLink = z.looseObject({ modelId: Id, status: z.string() }).meta({ id: 'LineageLink' });

/** `outputs:Verify`. */
export const OutputVerification = z
  .object({
    outputId: Id,
    output: OutputRecord,
    verdict: z.enum(Verdicts),
    reasons: z.array(z.string()),
    /** The output's model, then each base model. */
    lineage: z.array(LineageLink),
    /** The grant on another org's model the output rests on, and whether it would allow a new output now. */
    grant: GrantRecord.partial()
      .extend({ purchaseId: Id, status: z.string(), activeNow: Bool.optional(), inactiveReason: z.string().optional() })
      .optional(),
    modelVersion: ModelVersionRecord.optional(),
    generation: z.object({ digest: Digest, holderMsp: MspId }).optional(),
    review: ReviewSummaryRecord.optional(),
  })
  .meta({ id: 'OutputVerification' });

/** One model's line of a provider statement. */
export const StatementLine = z.object({
  modelId: Id,
  currency: Currency,
  itemCount: Count,
  trainingSize: Count,
  /** Everything the provider's items have earned from this pool so far. */
  accrued: Amount,
  claimed: Amount,
  claimable: Amount,
});
export type StatementLine = z.infer<typeof StatementLine>;
/** Per-currency sums of a statement. */
export const StatementTotal = z.object({ currency: Currency, accrued: Amount, claimed: Amount, claimable: Amount });
export type StatementTotal = z.infer<typeof StatementTotal>;

/** `revenue:Statement`. */
export const Statement = z
  .object({
    providerId: Id,
    managingMsp: MspId,
    lines: z.array(StatementLine),
    totals: z.array(StatementTotal),
    /** False when the provider has more models than one statement covers. */
    complete: Bool,
  })
  .meta({ id: 'ProviderStatement' });
export type Statement = z.infer<typeof Statement>;

/** `revenue:HolderBalance`. */
export const HolderBalances = z
  .object({
    holderId: Id,
    mspId: MspId,
    balances: z.array(z.object({ currency: Currency, credited: Amount, claimed: Amount, claimable: Amount })),
  })
  .meta({ id: 'HolderBalances' });
export type HolderBalances = z.infer<typeof HolderBalances>;

/** `revenue:GetPool`: the pool and the check of its identity N·index + carry = 10^18·poolIn. */
export const PoolView = z.object({ pool: RoyaltyPoolRecord, identityHolds: Bool }).meta({ id: 'PoolView' });
export type PoolView = z.infer<typeof PoolView>;

const Sum = z.string().regex(/^(0|[1-9][0-9]*)$/);
/** `revenue:Totals`: the per-currency invariant view. */
export const Totals = z
  .object({
    currency: Currency,
    revenue: Sum,
    holderCredited: Sum,
    holderClaimed: Sum,
    holderUnclaimed: Sum,
    poolIn: Sum,
    providerClaimed: Sum,
    /** Providers' accrued-unclaimed plus the carried remainder. */
    poolUnclaimed: Sum,
    /** Σ of the pools' scaled carries (units of 10^-18 minor units). */
    carryScaled: Sum,
    payable: Sum,
    settled: Sum,
    pools: Count,
    distributed: Bool,
    claimsSettle: Bool,
    poolIdentities: Bool,
    balanced: Bool,
    complete: Bool,
  })
  .meta({ id: 'RevenueTotals' });
export type Totals = z.infer<typeof Totals>;
