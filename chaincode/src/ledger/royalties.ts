import { KeyEndorsementPolicy } from 'fabric-shim';

import { formatAmount } from '../domain/amounts';
import { conditionFromJson, evaluateCondition, type ConditionResult } from '../domain/conditions';
import { DEFAULT_LINEAGE_SHARE_BPS, MAX_POOL_LEVELS, planDistribution, type LineageLevel } from '../domain/distribution';
import { holderShard } from '../domain/holder-shards';
import {
  DatasetType,
  DataType,
  type HolderClaimRecord,
  HolderClaimType,
  type HolderCreditRecord,
  HolderCreditType,
  type ModelRecord,
  OutputType,
  type RevenueRecord,
  RevenueType,
  type RightsRecord,
  RightsSubjectType,
  type RightsTransferRecord,
  RightsTransferType,
  RightsType,
  DocTypes,
  type RoyaltyPoolRecord,
  RoyaltyPoolType,
  type SubjectRevenueRecord,
  SubjectRevenueType,
  type TransferStatus,
} from './records';
import { addToPool, EMPTY_POOL, poolFromJson, poolToJson } from '../domain/royalty-index';
import { moveShare, type ShareHolder } from '../domain/shares';
import type { Subject } from '../domain/subjects';
import type { KisekiContext } from './context';
import type { Caller } from './identity';
import { KeyTypes, Keys, lastAttribute } from './keys';
import { readModel, requireModel } from './provenance';
import { deleteKey, prefetch, readAll, readRecord, requireRecord, writeRecord } from './state';
import { txTime, txTimeMs } from './time';
import { conflict, KisekiError, wrongState } from '../shared/errors';

/**
 * The ledger side of rights and royalties shared by the `rights`, `revenue` and `market` contracts:
 * one revenue code path (a report and a licence purchase distribute alike), rights changes with their
 * key-level endorsement policy, and the execution of conditional transfers. Module-level functions,
 * so none of them becomes a transaction.
 */

/**
 * Most pending transfers with a revenue threshold on one (subject, currency). Each revenue event on
 * the subject evaluates all of them, so this bounds its reads and writes.
 */
export const MAX_PENDING_PER_SUBJECT = 16;

/**
 * Role used in key-level policies: a peer of each org, the same role as the chaincode-level policy
 * (`OutOf(2, 'Studio1MSP.peer', …)`). With MEMBER here, service discovery merges the two policies
 * into a layout that needs an org's peer once as `peer` and once as `member`; the Fabric Gateway then
 * sends the same proposal to that peer twice at once, the second is refused (`txid … exists`), and a
 * revenue report that executes a due transfer could not be endorsed without naming its orgs.
 */
const POLICY_ROLE = 'PEER';

/** The orgs that must endorse a change of these rights: every holder's org and the licensor, sorted. */
export function rightsOrgs(rights: Pick<RightsRecord, 'holders' | 'licensorMsp'>): string[] {
  return [...new Set([...rights.holders.map((holder) => holder.mspId), rights.licensorMsp])].sort();
}

/**
 * Sets the key-level endorsement policy of a rights key: one endorsement from each org of
 * {@link rightsOrgs}. Fabric then validates every later write of that key against it (the policy in
 * force before the write), whatever the chaincode-level policy says.
 */
export async function setRightsPolicy(ctx: KisekiContext, rights: RightsRecord): Promise<void> {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs(POLICY_ROLE, ...rightsOrgs(rights));
  await ctx.stub.setStateValidationParameter(Keys.rights(rights.rightsId), policy.getPolicy());
}

/** The rights record covering a subject, if any. */
export async function readRightsOfSubject(ctx: KisekiContext, subject: Subject): Promise<RightsRecord | undefined> {
  const index = await readRecord(ctx, Keys.rightsSubject(subject.subjectType, subject.subjectId), RightsSubjectType);
  if (index === undefined) return undefined;
  return requireRecord(ctx, Keys.rights(index.rightsId), RightsType, `rights ${index.rightsId}`);
}

/** Cumulative revenue of a subject in a currency (0 when it has none). */
export async function subjectRevenueTotal(ctx: KisekiContext, subject: Subject, currency: string): Promise<bigint> {
  const record = await readRecord(ctx, Keys.subjectRevenue(subject.subjectType, subject.subjectId, currency), SubjectRevenueType);
  return BigInt(record?.total ?? '0');
}

/**
 * Rights records changed by this transaction. The peer never shows a transaction its own writes, so
 * when several transfers touch one record they must build on this copy, which is written once, with
 * its endorsement policy, by {@link RightsChanges.flush}.
 */
export class RightsChanges {
  readonly #records = new Map<string, RightsRecord>();

  /** The current version of a rights record in this transaction. */
  async get(ctx: KisekiContext, rightsId: string): Promise<RightsRecord> {
    return this.#records.get(rightsId) ?? requireRecord(ctx, Keys.rights(rightsId), RightsType, `rights ${rightsId}`);
  }

  set(record: RightsRecord): void {
    this.#records.set(record.rightsId, record);
  }

  /** The changed records, by rightsId. */
  changed(): RightsRecord[] {
    return [...this.#records.values()].sort((a, b) => (a.rightsId < b.rightsId ? -1 : a.rightsId > b.rightsId ? 1 : 0));
  }

  async flush(ctx: KisekiContext): Promise<void> {
    for (const record of this.changed()) {
      await writeRecord(ctx, Keys.rights(record.rightsId), RightsType, record);
      await setRightsPolicy(ctx, record);
    }
  }
}

/** What the ledger knows about a transfer's condition now. */
export async function evaluateTransfer(
  ctx: KisekiContext,
  transfer: RightsTransferRecord,
  knownTotal?: { subject: Subject; currency: string; total: bigint },
): Promise<ConditionResult> {
  const condition = conditionFromJson(transfer.condition);
  let revenueTotal = 0n;
  const threshold = condition.revenueThreshold;
  if (threshold !== undefined) {
    const known =
      knownTotal !== undefined &&
      knownTotal.subject.subjectType === threshold.subjectType &&
      knownTotal.subject.subjectId === threshold.subjectId &&
      knownTotal.currency === threshold.currency;
    revenueTotal = known ? knownTotal.total : await subjectRevenueTotal(ctx, threshold, threshold.currency);
  }
  return evaluateCondition(condition, { nowMs: txTimeMs(ctx), revenueTotal, approvedBy: transfer.approvedBy });
}

/**
 * Moves the transfer's share on the working copy of its rights.
 * @returns the new rights, or the reason the move is no longer possible (the sender holds too little).
 */
export async function moveRights(
  ctx: KisekiContext,
  changes: RightsChanges,
  transfer: RightsTransferRecord,
  caller: Caller,
): Promise<{ rights: RightsRecord } | { problem: string }> {
  const rights = await changes.get(ctx, transfer.rightsId);
  let holders: ShareHolder[];
  try {
    holders = moveShare(
      rights.holders,
      transfer.fromHolderId,
      { holderId: transfer.toHolderId, mspId: transfer.toMspId },
      transfer.shareBps,
    );
  } catch (error) {
    if (error instanceof KisekiError) return { problem: error.message.replace(/^[A-Z_]+: /, '') };
    throw error;
  }
  const next: RightsRecord = {
    ...rights,
    holders,
    transferCount: rights.transferCount + 1,
    updatedBy: caller.mspId,
    updatedAt: txTime(ctx),
  };
  changes.set(next);
  return { rights: next };
}

/** Closes a pending transfer (executed, cancelled or void) and drops its threshold index entry. */
export async function closeTransfer(
  ctx: KisekiContext,
  transfer: RightsTransferRecord,
  status: Exclude<TransferStatus, 'pending'>,
  caller: Caller,
  reason?: string,
): Promise<RightsTransferRecord> {
  const closed: RightsTransferRecord = {
    ...transfer,
    status,
    closedTxId: ctx.stub.getTxID(),
    reason,
    updatedBy: caller.mspId,
    updatedAt: txTime(ctx),
  };
  await writeRecord(ctx, Keys.rightsTransfer(transfer.transferId), RightsTransferType, closed);
  const threshold = transfer.condition.revenueThreshold;
  if (threshold !== undefined) {
    await deleteKey(ctx, Keys.pendingTransfer(threshold.subjectType, threshold.subjectId, threshold.currency, transfer.transferId));
  }
  return closed;
}

/** The ids of the pending threshold transfers on a (subject, currency), in id order. */
export async function pendingTransferIds(ctx: KisekiContext, subject: Subject, currency: string): Promise<string[]> {
  const { entries } = await readAll(
    ctx,
    KeyTypes.pendingTransfer,
    [subject.subjectType, subject.subjectId, currency],
    MAX_PENDING_PER_SUBJECT + 1,
  );
  return entries.map((entry) => lastAttribute(entry.key));
}

/** What a revenue event is paid on: the model whose pool shares in it, and who owns the subject. */
interface RevenueTarget {
  readonly model?: ModelRecord;
  readonly ownerMsp?: string;
  /**
   * Whose rights record the holders' part pays: the subject itself, except for an output made under
   * a licence grant, whose revenue is the royalty base of that licence and pays the licensed model's
   * holders (or its owner).
   */
  readonly payee: Subject;
  /** The grant an output rests on. */
  readonly grantId?: string;
}

/**
 * Checks that the subject exists (for record subjects) and finds its model and owner.
 * @throws KisekiError `NOT_FOUND` for a missing output, model or data item; `STATE` for a model
 *   that was never sealed (its training set, and so its pool's item counts, is not frozen yet).
 */
export async function resolveTarget(ctx: KisekiContext, subject: Subject): Promise<RevenueTarget> {
  let target: RevenueTarget = { payee: subject };
  switch (subject.subjectType) {
    case 'output': {
      const output = await requireRecord(ctx, Keys.output(subject.subjectId), OutputType, `output ${subject.subjectId}`);
      const model = await requireModel(ctx, output.modelId);
      const ownRights = await readRecord(ctx, Keys.rightsSubject(subject.subjectType, subject.subjectId), RightsSubjectType);
      target =
        output.grantId === undefined || ownRights !== undefined
          ? { model, ownerMsp: output.ownerMsp, payee: subject, grantId: output.grantId }
          : { model, ownerMsp: model.ownerMsp, payee: { subjectType: 'model', subjectId: model.modelId }, grantId: output.grantId };
      break;
    }
    case 'model': {
      const model = await requireModel(ctx, subject.subjectId);
      target = { model, ownerMsp: model.ownerMsp, payee: subject };
      break;
    }
    case 'data': {
      const data = await requireRecord(ctx, Keys.data(subject.subjectId), DataType, `data item ${subject.subjectId}`);
      target = { ownerMsp: data.collectorMsp, payee: subject };
      break;
    }
    case 'dataset': {
      const dataset = await readRecord(ctx, Keys.dataset(subject.subjectId), DatasetType);
      target = { ownerMsp: dataset?.ownerMsp, payee: subject };
      break;
    }
    case 'work':
      break;
  }
  if (target.model !== undefined && target.model.sealedAt === undefined) {
    throw wrongState(`model ${target.model.modelId} is not sealed: revenue needs its frozen training set`);
  }
  return target;
}

/**
 * The pools a revenue event on `model` feeds: the model, then its base models while each is sealed
 * with at least one item, at most {@link MAX_POOL_LEVELS}. Empty when the model itself has no pool
 * (no items or no data-pool share).
 */
async function poolLevels(ctx: KisekiContext, model: ModelRecord | undefined): Promise<{ levels: LineageLevel[]; models: ModelRecord[] }> {
  const models: ModelRecord[] = [];
  if (model === undefined || model.dataPoolShareBps === undefined || model.trainingSize === 0) return { levels: [], models };
  let current: ModelRecord | undefined = model;
  while (current !== undefined && models.length < MAX_POOL_LEVELS) {
    models.push(current);
    const baseId: string | undefined = current.baseModelId;
    const base: ModelRecord | undefined = baseId === undefined ? undefined : await readModel(ctx, baseId);
    current =
      base !== undefined && base.sealedAt !== undefined && base.trainingSize > 0 && !models.some((m) => m.modelId === base.modelId)
        ? base
        : undefined;
  }
  const levels = models.map((m) => ({
    modelId: m.modelId,
    trainingSize: BigInt(m.trainingSize),
    lineageShareBps: DEFAULT_LINEAGE_SHARE_BPS,
  }));
  return { levels, models };
}

/** A revenue event to distribute. */
export interface RevenueInput {
  readonly caller: Caller;
  readonly subject: Subject;
  readonly amount: bigint;
  readonly currency: string;
  /** Unique per recording org. */
  readonly reference: string;
  readonly source: 'report' | 'purchase';
}

/** Everything a revenue event changed, for the return value and the event payload. */
export interface RevenueOutcome {
  readonly revenue: RevenueRecord;
  readonly subjectTotal: SubjectRevenueRecord;
  readonly pools: readonly RoyaltyPoolRecord[];
  /** The holder credit shards this event wrote (each holder's shard of this transaction). */
  readonly credits: readonly HolderCreditRecord[];
  readonly executedTransfers: readonly { transfer: RightsTransferRecord; rights: RightsRecord }[];
  readonly voidedTransfers: readonly RightsTransferRecord[];
}

/**
 * Records and distributes one revenue event, all in this transaction: the subject's rights holders
 * (or, without a rights record, the owner of an output or model) get their shares of the non-pool
 * part by largest remainder; the data pool goes into the per-model index along the lineage; the
 * subject's cumulative revenue grows; and every pending transfer on the subject whose condition now
 * holds executes (or becomes void if its sender no longer holds the share), exactly once, since
 * it leaves the pending index in the same write set.
 * Each holder is credited on the shard of this transaction ({@link holderShard}), so reports on
 * different subjects paying one holder do not conflict on its balance.
 * Writes O(holders + pool levels + pending transfers), never O(providers).
 * @throws KisekiError `CONFLICT` for a reference already recorded by the org; `NOT_FOUND` / `STATE`
 *   from {@link resolveTarget}; `STATE` when nobody holds rights on the subject.
 */
export async function distributeRevenue(ctx: KisekiContext, input: RevenueInput): Promise<RevenueOutcome> {
  const { caller, subject, amount, currency, reference } = input;
  const revenueKey = Keys.revenue(caller.mspId, reference);
  if ((await readRecord(ctx, revenueKey, RevenueType)) !== undefined) {
    throw conflict(`revenue reference ${reference} was already recorded by ${caller.mspId}`);
  }
  const target = await resolveTarget(ctx, subject);
  const changes = new RightsChanges();
  const index = await readRecord(ctx, Keys.rightsSubject(target.payee.subjectType, target.payee.subjectId), RightsSubjectType);
  const rights = index === undefined ? undefined : await changes.get(ctx, index.rightsId);
  let holders: readonly ShareHolder[];
  if (rights !== undefined) holders = rights.holders;
  else if (target.ownerMsp !== undefined) holders = [{ holderId: target.ownerMsp, mspId: target.ownerMsp, shareBps: 10_000 }];
  else throw wrongState(`${subject.subjectType} ${subject.subjectId} has no rights record: nobody to pay`);

  const { levels, models } = await poolLevels(ctx, target.model);
  const dataPoolShareBps = levels.length === 0 ? 0 : (target.model?.dataPoolShareBps ?? 0);
  const plan = planDistribution({ amount, holders, dataPoolShareBps, lineage: levels });

  const now = txTime(ctx);
  const created = { createdBy: caller.mspId, createdAt: now };
  const updated = { updatedBy: caller.mspId, updatedAt: now };

  const shard = holderShard(ctx.stub.getTxID());
  const creditKey = (payout: { mspId: string; holderId: string }): string =>
    Keys.holderCredit(payout.mspId, payout.holderId, currency, shard);
  await prefetch(ctx, plan.holderPayouts.map(creditKey));
  const credits: HolderCreditRecord[] = [];
  for (const payout of plan.holderPayouts) {
    const key = creditKey(payout);
    const current = await readRecord(ctx, key, HolderCreditType);
    const next: HolderCreditRecord =
      current === undefined
        ? {
            docType: DocTypes.holderCredit,
            holderId: payout.holderId,
            mspId: payout.mspId,
            currency,
            shard,
            credited: formatAmount(payout.amount),
            ...created,
          }
        : { ...current, credited: formatAmount(BigInt(current.credited) + payout.amount), ...updated };
    await writeRecord(ctx, key, HolderCreditType, next);
    credits.push(next);
  }

  const pools: RoyaltyPoolRecord[] = [];
  for (const addition of plan.poolAdditions) {
    const model = models.find((m) => m.modelId === addition.modelId) as ModelRecord;
    const key = Keys.royaltyPool(model.modelId, currency);
    const current = await readRecord(ctx, key, RoyaltyPoolType);
    if (current !== undefined && current.trainingSize !== model.trainingSize) {
      throw new Error(`pool ${model.modelId}/${currency} counts ${current.trainingSize} items but the model has ${model.trainingSize}`);
    }
    const state = addToPool(current === undefined ? EMPTY_POOL : poolFromJson(current), addition.amount, BigInt(model.trainingSize));
    const next: RoyaltyPoolRecord =
      current === undefined
        ? {
            docType: DocTypes.royaltyPool,
            modelId: model.modelId,
            currency,
            trainingSize: model.trainingSize,
            ...poolToJson(state),
            events: 1,
            ...created,
          }
        : { ...current, ...poolToJson(state), events: current.events + 1, ...updated };
    await writeRecord(ctx, key, RoyaltyPoolType, next);
    pools.push(next);
  }

  const totalKey = Keys.subjectRevenue(subject.subjectType, subject.subjectId, currency);
  const totalBefore = await readRecord(ctx, totalKey, SubjectRevenueType);
  const total = BigInt(totalBefore?.total ?? '0') + amount;
  const subjectTotal: SubjectRevenueRecord =
    totalBefore === undefined
      ? { docType: DocTypes.subjectRevenue, ...subject, currency, total: formatAmount(total), events: 1, ...created }
      : { ...totalBefore, total: formatAmount(total), events: totalBefore.events + 1, ...updated };
  await writeRecord(ctx, totalKey, SubjectRevenueType, subjectTotal);

  const executedTransfers: { transfer: RightsTransferRecord; rights: RightsRecord }[] = [];
  const voidedTransfers: RightsTransferRecord[] = [];
  for (const transferId of await pendingTransferIds(ctx, subject, currency)) {
    const transfer = await requireRecord(ctx, Keys.rightsTransfer(transferId), RightsTransferType, `transfer ${transferId}`);
    if (transfer.status !== 'pending') throw new Error(`transfer ${transferId} is indexed as pending but is ${transfer.status}`);
    const result = await evaluateTransfer(ctx, transfer, { subject, currency, total });
    if (!result.met) continue;
    const moved = await moveRights(ctx, changes, transfer, caller);
    if ('problem' in moved) {
      voidedTransfers.push(await closeTransfer(ctx, transfer, 'void', caller, moved.problem));
    } else {
      executedTransfers.push({ transfer: await closeTransfer(ctx, transfer, 'executed', caller), rights: moved.rights });
    }
  }
  await changes.flush(ctx);

  const revenue: RevenueRecord = {
    docType: DocTypes.revenue,
    reference,
    txId: ctx.stub.getTxID(),
    source: input.source,
    ...subject,
    currency,
    amount: formatAmount(amount),
    modelId: target.model?.modelId,
    rightsId: rights?.rightsId,
    dataPoolShareBps,
    holderPayouts: plan.holderPayouts.map((p) => ({ holderId: p.holderId, mspId: p.mspId, amount: formatAmount(p.amount) })),
    poolAdditions: plan.poolAdditions.map((p) => ({ modelId: p.modelId, amount: formatAmount(p.amount) })),
    executedTransfers: executedTransfers.map((e) => e.transfer.transferId),
    voidedTransfers: voidedTransfers.map((t) => t.transferId),
    ...created,
  };
  await writeRecord(ctx, revenueKey, RevenueType, revenue);
  return { revenue, subjectTotal, pools, credits, executedTransfers, voidedTransfers };
}

/** The event payload of a revenue outcome (every effect of the transaction). */
export function revenuePayload(outcome: RevenueOutcome): Record<string, unknown> {
  return {
    revenue: outcome.revenue,
    subjectTotal: outcome.subjectTotal,
    pools: outcome.pools,
    credits: outcome.credits,
    executedTransfers: outcome.executedTransfers,
    voidedTransfers: outcome.voidedTransfers,
  };
}

/** A rights holder's balance in one currency, summed over its credit shards. */
export interface HolderPosition {
  /** Σ credited over the shards. */
  readonly credited: bigint;
  readonly claimed: bigint;
  /** The claim record, when the holder has claimed before. */
  readonly claim?: HolderClaimRecord;
}

/**
 * Reads every credit shard of a holder's balance and its claim record in one multi-key read.
 * Every shard is in the read set, so a payout committed meanwhile invalidates this transaction.
 * @returns `undefined` when no revenue ever credited the holder in that currency.
 */
export async function readHolderPosition(
  ctx: KisekiContext,
  mspId: string,
  holderId: string,
  currency: string,
): Promise<HolderPosition | undefined> {
  const shardKeys = Keys.holderCredits(mspId, holderId, currency);
  const claimKey = Keys.holderClaim(mspId, holderId, currency);
  await prefetch(ctx, [...shardKeys, claimKey]);
  let credited = 0n;
  let found = false;
  for (const key of shardKeys) {
    const shard = await readRecord(ctx, key, HolderCreditType);
    if (shard === undefined) continue;
    credited += BigInt(shard.credited);
    found = true;
  }
  if (!found) return undefined;
  const claim = await readRecord(ctx, claimKey, HolderClaimType);
  return { credited, claimed: BigInt(claim?.claimed ?? '0'), claim };
}

/** Refuses a record subject that does not exist, so a transfer or offer cannot point at a typo. */
export async function requireSubject(ctx: KisekiContext, subject: Subject): Promise<void> {
  switch (subject.subjectType) {
    case 'output':
      await requireRecord(ctx, Keys.output(subject.subjectId), OutputType, `output ${subject.subjectId}`);
      return;
    case 'model':
      await requireModel(ctx, subject.subjectId);
      return;
    case 'data':
      await requireRecord(ctx, Keys.data(subject.subjectId), DataType, `data item ${subject.subjectId}`);
      return;
    case 'dataset':
      await requireRecord(ctx, Keys.dataset(subject.subjectId), DatasetType, `dataset ${subject.subjectId}`);
      return;
    default:
      return;
  }
}
