import { Info, Transaction } from 'fabric-contract-api';

import { formatAmount } from '../domain/amounts';
import { HOLDER_CREDIT_SHARDS } from '../domain/holder-shards';
import {
  DatasetType,
  DataType,
  type HolderClaimRecord,
  HolderClaimType,
  HolderCreditType,
  type ModelRecord,
  OutputType,
  type PoolAdditionJson,
  type ProviderClaimRecord,
  ProviderClaimType,
  ProviderType,
  type RecordType,
  RevenueType,
  DocTypes,
  type RoyaltyPoolRecord,
  RoyaltyPoolType,
  type SettlementRecord,
  SettlementType,
  SubjectRevenueType,
} from '../ledger/records';
import { accrued, entitlement, poolFromJson, poolIdentityHolds } from '../domain/royalty-index';
import type { Subject, SubjectType } from '../domain/subjects';
import { KisekiContext, KisekiContract } from '../ledger/context';
import { emitEvent } from '../ledger/events';
import { type Caller, requireMember, requireOrg, requireRole } from '../ledger/identity';
import { KeyTypes, Keys, lastAttribute } from '../ledger/keys';
import { modelProviderCount, readModel, requireModel } from '../ledger/provenance';
import { decodeEntries, keyExists, readAll, readRecord, requireRecord, writeRecord } from '../ledger/state';
import { txTime } from '../ledger/time';
import type { HolderBalances, PoolView, Statement, StatementLine, Totals } from '../shared/responses';
import { toJson } from '../shared/codec';
import { conflict, forbidden, invalid, notFound, wrongState } from '../shared/errors';
import { ContractNames, EventNames, Roles } from '../shared/names';
import { isId, parseIdArgument } from '../shared/validate';

import { requireGrantFor } from '../ledger/licences';
import {
  ClaimRequest,
  HolderBalanceQuery,
  MarkSettledRequest,
  MAX_STATEMENT_MODELS,
  PoolQuery,
  RevenueQuery,
  RevenueRecordRequest,
  RevenueTotalsQuery,
  StatementQuery,
  SubjectRevenueQuery,
} from '../shared/requests';
import { parseRequest } from '../shared/schema';

import { distributeRevenue, readHolderPosition, readRightsOfSubject, revenuePayload } from '../ledger/royalties';

/** Most keys of one kind `revenue:Totals` sums; beyond it the view says `complete: false`. */
export const MAX_AUDIT_KEYS = 100_000;
/** Most currencies `revenue:HolderBalance` lists when no currency is named. */
export const MAX_HOLDER_CURRENCIES = 1000;

export type { HolderBalances, PoolView, Statement, StatementLine, StatementTotal, Totals } from '../shared/responses';

/**
 * Revenue (`revenue`): revenue reports and their exact distribution, provider statements, claims and
 * settlements, and the per-currency invariant view. See docs/royalties.md for the arithmetic.
 */
@Info({ title: 'Revenue', description: 'Revenue distribution, royalty statements, claims and settlements' })
export class RevenueContract extends KisekiContract {
  constructor() {
    super(ContractNames.revenue);
  }

  /**
   * Records a revenue event and distributes it in this transaction (rights holders by share, the
   * data pool into the per-model index along the lineage, due threshold transfers executed).
   * Request: `{ subjectId, amount, currency, reference, subjectType?, grantId?, territory? }` —
   * `subjectType` defaults to the output or model with that id; `reference` is unique per recording
   * org (a retried report is refused, never paid twice); `amount` at most 10^18 − 1
   * (docs/royalties.md says why that bound keeps every later sum valid). Recorded by the subject's
   * owner org (an output's or model's registering studio, a data item's collector, a dataset's owner;
   * for a work, a licensor) or by a licensee naming its active grant on the subject (`grantId`),
   * whose terms allow commercial use (and cover `territory`, when given). A model or output whose
   * training data's terms forbid commercial use takes no revenue. Returns the revenue record.
   * @throws `FORBIDDEN` for the regulator or a caller that neither owns the subject nor holds a grant
   *   on it (naming both); `INVALID` (also an ambiguous subject, a reserved reference or an amount
   *   over the bound); `NOT_FOUND` for the subject or grant; `CONFLICT` for a repeated reference;
   *   `STATE` for an unsealed model, a subject without rights holders, an inactive grant, or terms
   *   that forbid commercial use.
   */
  @Transaction()
  async Record(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'record revenue', Roles.studio, Roles.licensor);
    const { subjectType, subjectId, amount, currency, reference, grantId, territory } = parseRequest(RevenueRecordRequest, request);
    const subject: Subject = { subjectType: subjectType ?? (await inferSubjectType(ctx, subjectId)), subjectId };
    await requireRevenueRight(ctx, caller, subject, grantId, territory);
    const outcome = await distributeRevenue(ctx, { caller, subject, amount: BigInt(amount), currency, reference, source: 'report' });
    emitEvent(ctx, EventNames.RevenueRecorded, revenuePayload(outcome));
    return toJson(outcome.revenue);
  }

  /**
   * A revenue record. Query: `{ recorderMsp, reference }`.
   * @throws `NOT_FOUND`; `INVALID`.
   */
  @Transaction(false)
  async Get(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { recorderMsp, reference } = parseRequest(RevenueQuery, query, 'query');
    return toJson(await requireRecord(ctx, Keys.revenue(recorderMsp, reference), RevenueType, `revenue ${reference} of ${recorderMsp}`));
  }

  /**
   * Cumulative revenue of a subject in a currency. Query: `{ subjectType, subjectId, currency }`.
   * Returns the record, or a zero total when none was recorded.
   * @throws `INVALID`.
   */
  @Transaction(false)
  async GetSubjectRevenue(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { subjectType, subjectId, currency } = parseRequest(SubjectRevenueQuery, query, 'query');
    const record = await readRecord(ctx, Keys.subjectRevenue(subjectType, subjectId, currency), SubjectRevenueType);
    return toJson(record ?? { docType: DocTypes.subjectRevenue, subjectType, subjectId, currency, total: '0', events: 0 });
  }

  /**
   * A model's data pool in a currency, with the check of its identity N·index + carry = 10^18·poolIn.
   * Query: `{ modelId, currency }`. Returns `{ pool, identityHolds }`.
   * @throws `NOT_FOUND` when the pool never received anything; `INVALID`.
   */
  @Transaction(false)
  async GetPool(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { modelId, currency } = parseRequest(PoolQuery, query, 'query');
    const pool = await requireRecord(ctx, Keys.royaltyPool(modelId, currency), RoyaltyPoolType, `pool of model ${modelId} in ${currency}`);
    const view: PoolView = { pool, identityHolds: poolIdentityHolds(poolFromJson(pool), BigInt(pool.trainingSize)) };
    return toJson(view);
  }

  /**
   * A provider's royalty statement: per model and currency the items it contributed, what they have
   * accrued in total, what was claimed and what is claimable, and totals per currency. Query:
   * `{ providerId, currency?, modelIds? }`; without `modelIds`, the models are those of the
   * `providerModel` index (at most 200; `complete: false` says there are more).
   * Returns `{ providerId, managingMsp, lines, totals, complete }`.
   * @throws `NOT_FOUND` for the provider; `INVALID`.
   */
  @Transaction(false)
  async Statement(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { providerId, currency, modelIds } = parseRequest(StatementQuery, query, 'query');
    const provider = await requireRecord(ctx, Keys.provider(providerId), ProviderType, `provider ${providerId}`);
    const { models, complete } = modelIds === undefined ? await providerModels(ctx, providerId) : { models: modelIds, complete: true };
    const lines = await statementLines(ctx, providerId, models, currency);
    const totals = new Map<string, { accrued: bigint; claimed: bigint; claimable: bigint }>();
    for (const line of lines) {
      const sum = totals.get(line.currency) ?? { accrued: 0n, claimed: 0n, claimable: 0n };
      sum.accrued += BigInt(line.accrued);
      sum.claimed += BigInt(line.claimed);
      sum.claimable += BigInt(line.claimable);
      totals.set(line.currency, sum);
    }
    const statement: Statement = {
      providerId,
      managingMsp: provider.managingMsp,
      lines,
      totals: [...totals.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([cur, sum]) => ({
          currency: cur,
          accrued: formatAmount(sum.accrued),
          claimed: formatAmount(sum.claimed),
          claimable: formatAmount(sum.claimable),
        })),
      complete,
    };
    return toJson(statement);
  }

  /**
   * A rights holder's balances: per currency, the sum of its credit shards, what it claimed, and the
   * difference. Query: `{ holderId, mspId, currency? }`. Returns `{ holderId, mspId, balances:
   * [{ currency, credited, claimed, claimable }] }` (currencies in order, at most 1000).
   * @throws `INVALID`.
   */
  @Transaction(false)
  async HolderBalance(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { holderId, mspId, currency } = parseRequest(HolderBalanceQuery, query, 'query');
    const positions = new Map<string, { credited: bigint; claimed: bigint }>();
    if (currency !== undefined) {
      const position = await readHolderPosition(ctx, mspId, holderId, currency);
      if (position !== undefined) positions.set(currency, position);
    } else {
      // Shard keys come back in (currency, shard) order, so currencies come out sorted.
      const { entries } = await readAll(ctx, KeyTypes.holderCredit, [mspId, holderId], MAX_HOLDER_CURRENCIES * HOLDER_CREDIT_SHARDS);
      for (const shard of decodeEntries(entries, HolderCreditType)) {
        const position = positions.get(shard.currency) ?? { credited: 0n, claimed: 0n };
        position.credited += BigInt(shard.credited);
        positions.set(shard.currency, position);
      }
      const claims = decodeEntries(
        (await readAll(ctx, KeyTypes.holderClaim, [mspId, holderId], MAX_HOLDER_CURRENCIES)).entries,
        HolderClaimType,
      );
      for (const claim of claims) {
        const position = positions.get(claim.currency);
        if (position !== undefined) position.claimed = BigInt(claim.claimed);
      }
    }
    const view: HolderBalances = {
      holderId,
      mspId,
      balances: [...positions].map(([cur, p]) => ({
        currency: cur,
        credited: formatAmount(p.credited),
        claimed: formatAmount(p.claimed),
        claimable: formatAmount(p.credited - p.claimed),
      })),
    };
    return toJson(view);
  }

  /**
   * Moves what is claimable to payable and records a settlement request. Request, either
   * `{ providerId, currency, modelId?, settlementId? }` — by the provider's managing org, over one model or
   * all the provider's models (at most 200) — or `{ holderId, currency, settlementId? }` — a rights
   * holder's balance, by the holder's org. `settlementId` defaults to the transaction ID.
   * Returns the settlement (status `requested`).
   * @throws `FORBIDDEN` for the regulator or an org that does not manage the payee; `INVALID`;
   *   `NOT_FOUND` for the provider or the holder balance; `CONFLICT` for an existing settlementId;
   *   `STATE` when nothing is claimable or the provider has too many models to claim at once.
   */
  @Transaction()
  async Claim(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'claim royalties', Roles.studio, Roles.licensor);
    const { providerId, holderId, currency, modelId, settlementId: requestedId } = parseRequest(ClaimRequest, request);
    const settlementId = requestedId ?? ctx.stub.getTxID();
    if (!isId(settlementId)) throw invalid('request is invalid: settlementId: is required (the transaction ID is not a valid ID)');
    if (await keyExists(ctx, Keys.settlement(settlementId))) throw conflict(`settlement ${settlementId} already exists`);
    const now = txTime(ctx);
    const stamp = { createdBy: caller.mspId, createdAt: now };

    let settlement: SettlementRecord;
    if (providerId !== undefined) {
      const provider = await requireRecord(ctx, Keys.provider(providerId), ProviderType, `provider ${providerId}`);
      requireOrg(caller, provider.managingMsp, `claim for provider ${providerId}`);
      let models: string[];
      if (modelId !== undefined) {
        models = [modelId];
      } else {
        const found = await providerModels(ctx, providerId);
        if (!found.complete) throw wrongState(`provider ${providerId} has more than ${MAX_STATEMENT_MODELS} models: claim per modelId`);
        models = found.models;
      }
      const items: PoolAdditionJson[] = [];
      let total = 0n;
      for (const line of await statementLines(ctx, providerId, models, currency)) {
        const claimable = BigInt(line.claimable);
        if (claimable === 0n) continue;
        const key = Keys.providerClaim(providerId, line.modelId, currency);
        const current = await readRecord(ctx, key, ProviderClaimType);
        const claimed = formatAmount(BigInt(line.claimed) + claimable);
        const next: ProviderClaimRecord =
          current === undefined
            ? { docType: DocTypes.providerClaim, providerId, modelId: line.modelId, currency, claimed, ...stamp }
            : { ...current, claimed, updatedBy: caller.mspId, updatedAt: now };
        await writeRecord(ctx, key, ProviderClaimType, next);
        items.push({ modelId: line.modelId, amount: line.claimable });
        total += claimable;
      }
      if (total === 0n) throw wrongState(`provider ${providerId} has nothing claimable in ${currency}`);
      settlement = settlementRecord(settlementId, 'provider', providerId, provider.managingMsp, currency, total, items, stamp);
    } else {
      const id = holderId as string;
      // Reads every credit shard (a payout committing meanwhile invalidates the claim, which is then
      // retried) and writes only the claim record, so the claim never invalidates a payout.
      const position = await readHolderPosition(ctx, caller.mspId, id, currency);
      if (position === undefined) throw notFound(`balance of holder ${id} of ${caller.mspId} in ${currency} does not exist`);
      const claimable = position.credited - position.claimed;
      if (claimable === 0n) throw wrongState(`holder ${id} has nothing claimable in ${currency}`);
      const claimed = formatAmount(position.credited);
      const next: HolderClaimRecord =
        position.claim === undefined
          ? { docType: DocTypes.holderClaim, holderId: id, mspId: caller.mspId, currency, claimed, ...stamp }
          : { ...position.claim, claimed, updatedBy: caller.mspId, updatedAt: now };
      await writeRecord(ctx, Keys.holderClaim(caller.mspId, id, currency), HolderClaimType, next);
      settlement = settlementRecord(settlementId, 'holder', id, caller.mspId, currency, claimable, [], stamp);
    }
    await writeRecord(ctx, Keys.settlement(settlementId), SettlementType, settlement);
    emitEvent(ctx, EventNames.RevenueClaimed, { settlement });
    return toJson(settlement);
  }

  /**
   * Records the off-chain payment of a settlement; only its managing org. Request:
   * `{ settlementId, paymentReference }` (a bank or ledger reference, never personal data).
   * Returns the settlement (status `settled`).
   * @throws `FORBIDDEN` unless the managing org; `INVALID`; `NOT_FOUND`; `STATE` when already settled.
   */
  @Transaction()
  async MarkSettled(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'mark settlements', Roles.studio, Roles.licensor);
    const { settlementId, paymentReference } = parseRequest(MarkSettledRequest, request);
    const key = Keys.settlement(settlementId);
    const settlement = await requireRecord(ctx, key, SettlementType, `settlement ${settlementId}`);
    requireOrg(caller, settlement.managingMsp, `settle ${settlementId}`);
    if (settlement.status !== 'requested') throw wrongState(`settlement ${settlementId} is already ${settlement.status}`);
    const settled: SettlementRecord = {
      ...settlement,
      status: 'settled',
      paymentReference,
      updatedBy: caller.mspId,
      updatedAt: txTime(ctx),
    };
    await writeRecord(ctx, key, SettlementType, settled);
    emitEvent(ctx, EventNames.SettlementSettled, { settlement: settled });
    return toJson(settled);
  }

  /**
   * The settlement record.
   * @throws `NOT_FOUND`; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async GetSettlement(ctx: KisekiContext, settlementId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(settlementId, 'settlementId');
    return toJson(await requireRecord(ctx, Keys.settlement(id), SettlementType, `settlement ${id}`));
  }

  /**
   * The per-currency invariant view (an audit read: it sums every key of each kind). Query:
   * `{ currency }`. Returns the sums — revenue, holder credited/claimed, pool in, provider claimed,
   * payable (requested settlements), settled — the unclaimed parts, and the checks
   * `distributed` (revenue = holder credited + pool in), `claimsSettle` (holder claimed + provider
   * claimed = payable + settled), `poolIdentities` (every pool's N·index + carry = 10^18·poolIn) and
   * `balanced` (all three). `poolUnclaimed` is providers' accrued-unclaimed plus the carried remainder.
   * @throws `INVALID`.
   */
  @Transaction(false)
  async Totals(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { currency } = parseRequest(RevenueTotalsQuery, query, 'query');
    let complete = true;
    const scan = async <T extends { currency: string }>(objectType: string, type: RecordType<T>): Promise<T[]> => {
      const { entries, more } = await readAll(ctx, objectType, [], MAX_AUDIT_KEYS);
      if (more) complete = false;
      return decodeEntries(entries, type).filter((record) => record.currency === currency);
    };
    const sum = (values: readonly string[]): bigint => values.reduce((acc, v) => acc + BigInt(v), 0n);

    const revenue = sum((await scan(KeyTypes.subjectRevenue, SubjectRevenueType)).map((r) => r.total));
    const holderCredited = sum((await scan(KeyTypes.holderCredit, HolderCreditType)).map((c) => c.credited));
    const holderClaimed = sum((await scan(KeyTypes.holderClaim, HolderClaimType)).map((c) => c.claimed));
    const pools: RoyaltyPoolRecord[] = await scan(KeyTypes.royaltyPool, RoyaltyPoolType);
    const poolIn = sum(pools.map((p) => p.poolIn));
    const carryScaled = sum(pools.map((p) => p.carry));
    const poolIdentities = pools.every((p) => poolIdentityHolds(poolFromJson(p), BigInt(p.trainingSize)));
    const providerClaimed = sum((await scan(KeyTypes.providerClaim, ProviderClaimType)).map((c) => c.claimed));
    const settlements = await scan(KeyTypes.settlement, SettlementType);
    const payable = sum(settlements.filter((s) => s.status === 'requested').map((s) => s.amount));
    const settled = sum(settlements.filter((s) => s.status === 'settled').map((s) => s.amount));

    const distributed = revenue === holderCredited + poolIn;
    const claimsSettle = holderClaimed + providerClaimed === payable + settled;
    const totals: Totals = {
      currency,
      revenue: formatAmount(revenue),
      holderCredited: formatAmount(holderCredited),
      holderClaimed: formatAmount(holderClaimed),
      holderUnclaimed: formatAmount(holderCredited - holderClaimed),
      poolIn: formatAmount(poolIn),
      providerClaimed: formatAmount(providerClaimed),
      poolUnclaimed: formatAmount(poolIn - providerClaimed),
      carryScaled: carryScaled.toString(),
      payable: formatAmount(payable),
      settled: formatAmount(settled),
      pools: pools.length,
      distributed,
      claimsSettle,
      poolIdentities,
      balanced: distributed && claimsSettle && poolIdentities,
      complete,
    };
    return toJson(totals);
  }
}

/**
 * Admits a revenue report only from the subject's owner org, or from a licensee whose active grant
 * covers the subject and whose terms allow commercial use; and never on a model (or an output of
 * one) trained on data whose terms forbid commercial use.
 * @throws KisekiError `FORBIDDEN` naming the caller and the owner; `STATE` for an inactive grant or
 *   a non-commercial model; `NOT_FOUND` for the subject or the grant.
 */
async function requireRevenueRight(
  ctx: KisekiContext,
  caller: Caller,
  subject: Subject,
  grantId: string | undefined,
  territory: string | undefined,
): Promise<void> {
  let owner: string | undefined;
  let model: ModelRecord | undefined;
  switch (subject.subjectType) {
    case 'output': {
      const output = await requireRecord(ctx, Keys.output(subject.subjectId), OutputType, `output ${subject.subjectId}`);
      owner = output.ownerMsp;
      model = await requireModel(ctx, output.modelId);
      break;
    }
    case 'model':
      model = await requireModel(ctx, subject.subjectId);
      owner = model.ownerMsp;
      break;
    case 'data':
      owner = (await requireRecord(ctx, Keys.data(subject.subjectId), DataType, `data item ${subject.subjectId}`)).collectorMsp;
      break;
    case 'dataset':
      owner = (await requireRecord(ctx, Keys.dataset(subject.subjectId), DatasetType, `dataset ${subject.subjectId}`)).ownerMsp;
      break;
    case 'work':
      // Works live off the ledger; their licensor (the licensor of the work's rights) is the owner.
      owner = (await readRightsOfSubject(ctx, subject))?.licensorMsp;
      break;
  }
  if (model !== undefined && model.commercialUse === false) {
    throw wrongState(`model ${model.modelId} was trained on data whose terms do not allow commercial use: it takes no revenue`);
  }
  if (caller.mspId === owner) return;
  if (grantId === undefined) {
    throw forbidden(
      `${caller.mspId} may not record revenue on ${subject.subjectType} ${subject.subjectId}: it is owned by ${owner ?? 'nobody on the ledger'}, and no licence grant of ${caller.mspId} was named (grantId)`,
    );
  }
  await requireGrantFor(ctx, caller, grantId, subject, 'revenue', territory);
}

/**
 * Which type an untyped revenue subject id names: an output, else a model.
 * @throws KisekiError `INVALID` when both exist; `NOT_FOUND` when neither does.
 */
async function inferSubjectType(ctx: KisekiContext, subjectId: string): Promise<SubjectType> {
  const isOutput = await keyExists(ctx, Keys.output(subjectId));
  const isModel = await keyExists(ctx, Keys.model(subjectId));
  if (isOutput && isModel) throw invalid(`request is invalid: subjectType: ${subjectId} is both an output and a model; give subjectType`);
  if (isOutput) return 'output';
  if (isModel) return 'model';
  throw notFound(`no output or model ${subjectId} exists (give subjectType for data, dataset or work subjects)`);
}

/** The models of the `providerModel` index for a provider, at most {@link MAX_STATEMENT_MODELS}. */
async function providerModels(ctx: KisekiContext, providerId: string): Promise<{ models: string[]; complete: boolean }> {
  const { entries, more } = await readAll(ctx, KeyTypes.providerModel, [providerId], MAX_STATEMENT_MODELS);
  return { models: entries.map((entry) => lastAttribute(entry.key)), complete: !more };
}

/**
 * A provider's lines over the given models: one per pool (model, currency) it has items in. O(1)
 * reads per line whatever the number of the model's providers.
 */
async function statementLines(
  ctx: KisekiContext,
  providerId: string,
  modelIds: readonly string[],
  currency: string | undefined,
): Promise<StatementLine[]> {
  const lines: StatementLine[] = [];
  for (const modelId of modelIds) {
    const model = await readModel(ctx, modelId);
    if (model === undefined) continue;
    const itemCount = await modelProviderCount(ctx, modelId, providerId);
    if (itemCount === 0) continue;
    const pools =
      currency === undefined
        ? decodeEntries((await readAll(ctx, KeyTypes.royaltyPool, [modelId], 1000)).entries, RoyaltyPoolType)
        : [await readRecord(ctx, Keys.royaltyPool(modelId, currency), RoyaltyPoolType)].filter(
            (p): p is RoyaltyPoolRecord => p !== undefined,
          );
    for (const pool of pools) {
      const claim = await readRecord(ctx, Keys.providerClaim(providerId, modelId, pool.currency), ProviderClaimType);
      const claimed = BigInt(claim?.claimed ?? '0');
      const index = poolFromJson(pool).index;
      lines.push({
        modelId,
        currency: pool.currency,
        itemCount,
        trainingSize: pool.trainingSize,
        accrued: formatAmount(entitlement(index, BigInt(itemCount))),
        claimed: formatAmount(claimed),
        claimable: formatAmount(accrued(index, BigInt(itemCount), claimed)),
      });
    }
  }
  return lines;
}

function settlementRecord(
  settlementId: string,
  kind: SettlementRecord['kind'],
  payeeId: string,
  managingMsp: string,
  currency: string,
  amount: bigint,
  items: PoolAdditionJson[],
  stamp: { createdBy: string; createdAt: string },
): SettlementRecord {
  return {
    docType: DocTypes.settlement,
    settlementId,
    kind,
    payeeId,
    managingMsp,
    currency,
    amount: formatAmount(amount),
    items,
    status: 'requested',
    ...stamp,
  };
}
