import { Info, Transaction } from 'fabric-contract-api';

import { conditionToJson, parseCondition, type TransferCondition } from '../domain/conditions';
import {
  DatasetType,
  DataType,
  OutputType,
  type RightsRecord,
  RightsSubjectType,
  type RightsTransferRecord,
  RightsTransferType,
  RightsType,
  DocTypes,
  TermsType,
} from '../ledger/records';
import { moveShare, sortHolders } from '../domain/shares';
import type { Subject } from '../domain/subjects';
import { KisekiContext, KisekiContract } from '../ledger/context';
import { emitEvent } from '../ledger/events';
import { ORG_ROLES, requireMember, requireRole, roleOf } from '../ledger/identity';
import { requireModel } from '../ledger/provenance';
import { Keys } from '../ledger/keys';
import { keyExists, readRecord, requireRecord, writeMarker, writeRecord } from '../ledger/state';
import { txTime } from '../ledger/time';
import { toJson } from '../shared/codec';
import { conflict, forbidden, invalid, wrongState } from '../shared/errors';
import { ContractNames, EventNames, Roles } from '../shared/names';
import {
  CancelTransferRequest,
  ProposeTransferRequest,
  RightsCreateRequest,
  RightsSubjectQuery,
  TransferRequest,
} from '../shared/requests';
import { parseRequest } from '../shared/schema';
import { parseIdArgument } from '../shared/validate';

import {
  closeTransfer,
  evaluateTransfer,
  MAX_PENDING_PER_SUBJECT,
  moveRights,
  pendingTransferIds,
  readRightsOfSubject,
  requireSubject,
  RightsChanges,
  setRightsPolicy,
  subjectRevenueTotal,
} from '../ledger/royalties';

/**
 * Rights (`rights`): who holds which share of a subject (data, dataset, model, output or work), and
 * conditional transfers of those shares. Every rights key carries a key-level endorsement policy
 * requiring its holders' orgs and its licensor, so Fabric's validation refuses a change they did not
 * all endorse; the chaincode checks are the first line, the policy the one that cannot be bypassed.
 */
@Info({ title: 'Rights', description: 'Rights records, their holders and conditional transfers' })
export class RightsContract extends KisekiContract {
  constructor() {
    super(ContractNames.rights);
  }

  /**
   * Creates a rights record. Request: `{ rightsId, subjectType, subjectId, holders: [{ holderId,
   * mspId, shareBps }], licensorMsp? }`, shares summing to exactly 10000, at most 32 holders, every
   * holder org a studio or licensor of the consortium. Only the subject's owner creates its rights:
   * a model's or output's registering studio; a data item's collector or the licensor whose terms it
   * was collected under; a dataset's owner; a work's publishing licensor (any licensor: works are off
   * the ledger, and the first rights record on a work makes its licensor its owner). A licensor is the
   * rights' licensor itself; a studio names the licensor that co-signs (`licensorMsp`). Sets the
   * key-level endorsement policy (holders' orgs and licensor). Returns the record.
   * @throws `FORBIDDEN` for the regulator, a caller that does not own the subject (naming both), or
   *   a licensor naming another licensor; `INVALID`; `NOT_FOUND` for a missing data item, dataset, model or output;
   *   `CONFLICT` when the rightsId exists or the subject already has rights.
   */
  @Transaction()
  async Create(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'create rights', Roles.licensor, Roles.studio);
    const { rightsId, subjectType, subjectId, holders: named, licensorMsp } = parseRequest(RightsCreateRequest, request);
    const subject: Subject = { subjectType, subjectId };
    const holders = sortHolders(named);
    holders.forEach((holder, i) => {
      checkHolderOrg(holder.mspId, `holders[${i}].mspId`);
    });

    const owners = await subjectOwners(ctx, subject);
    if (!owners.includes(caller.mspId)) {
      throw forbidden(
        `${caller.mspId} may not create rights on ${subject.subjectType} ${subject.subjectId}: only ${owners.join(' or ')} may`,
      );
    }
    let licensor: string;
    if (caller.role === Roles.licensor) {
      if (licensorMsp !== undefined && licensorMsp !== caller.mspId) {
        throw forbidden(`${caller.mspId} may not create rights licensed by ${licensorMsp}`);
      }
      licensor = caller.mspId;
    } else {
      if (licensorMsp === undefined) throw invalid('request is invalid: licensorMsp: is required when a studio creates rights');
      if (roleOf(licensorMsp) !== Roles.licensor) throw invalid(`request is invalid: licensorMsp: ${licensorMsp} is not a licensor org`);
      licensor = licensorMsp;
    }
    await requireSubject(ctx, subject);
    if (await keyExists(ctx, Keys.rights(rightsId))) throw conflict(`rights ${rightsId} already exist`);
    const subjectKey = Keys.rightsSubject(subject.subjectType, subject.subjectId);
    const existing = await readRecord(ctx, subjectKey, RightsSubjectType);
    if (existing !== undefined) throw conflict(`${subject.subjectType} ${subject.subjectId} already has rights ${existing.rightsId}`);

    const stamp = { createdBy: caller.mspId, createdAt: txTime(ctx) };
    const record: RightsRecord = {
      docType: DocTypes.rights,
      rightsId,
      ...subject,
      holders,
      licensorMsp: licensor,
      status: 'active',
      transferCount: 0,
      ...stamp,
    };
    await writeRecord(ctx, Keys.rights(rightsId), RightsType, record);
    await setRightsPolicy(ctx, record);
    await writeRecord(ctx, subjectKey, RightsSubjectType, { docType: DocTypes.rightsSubject, ...subject, rightsId, ...stamp });
    emitEvent(ctx, EventNames.RightsCreated, { rights: record });
    return toJson(record);
  }

  /**
   * The rights record.
   * @throws `NOT_FOUND`; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async Get(ctx: KisekiContext, rightsId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(rightsId, 'rightsId');
    return toJson(await requireRecord(ctx, Keys.rights(id), RightsType, `rights ${id}`));
  }

  /**
   * The rights record covering a subject. Query: `{ subjectType, subjectId }`.
   * @throws `NOT_FOUND` when the subject has no rights; `INVALID`.
   */
  @Transaction(false)
  async GetBySubject(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { subjectType, subjectId } = parseRequest(RightsSubjectQuery, query, 'query');
    const index = await requireRecord(
      ctx,
      Keys.rightsSubject(subjectType, subjectId),
      RightsSubjectType,
      `rights on ${subjectType} ${subjectId}`,
    );
    return toJson(await requireRecord(ctx, Keys.rights(index.rightsId), RightsType, `rights ${index.rightsId}`));
  }

  /**
   * Proposes moving `shareBps` of a holder's share to another holder once a condition holds.
   * Request: `{ transferId, rightsId, fromHolderId, toHolderId, toMspId, shareBps, condition }` where
   * `condition` has at least one of `revenueThreshold: { subjectType, subjectId, currency, amount }`
   * (cumulative revenue ≥ amount), `notBefore` (RFC 3339) and `approvals` (MSP IDs), all of which must
   * hold. Proposed by the sender's org or the rights' licensor; when the licensor proposes a move of
   * another org's share, that org is added to `approvals`: the share moves only once its holder's org
   * has approved on chain. A threshold transfer may be proposed only by an org holding a share of the
   * threshold's subject (or owning it, when it has no rights record); it is indexed on its subject (at
   * most 16 pending per subject and currency) and executes inside the revenue transaction that makes
   * its condition hold. Returns the pending transfer.
   * @throws `FORBIDDEN` unless the sender's org or the licensor, or for a threshold on a subject the
   *   caller holds nothing in; `INVALID` (including a move that
   *   would be impossible now); `NOT_FOUND` for the rights or the threshold's subject; `CONFLICT` when
   *   the transferId exists; `STATE` when the subject already has the maximum pending transfers.
   */
  @Transaction()
  async ProposeTransfer(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'propose rights transfers', Roles.licensor, Roles.studio);
    const proposal = parseRequest(ProposeTransferRequest, request);
    const { transferId, rightsId, fromHolderId, toHolderId, toMspId, shareBps } = proposal;
    const condition = parseCondition(proposal.condition);
    checkHolderOrg(toMspId, 'toMspId');
    for (const msp of condition.approvals ?? []) checkApprover(msp);

    const rights = await requireRecord(ctx, Keys.rights(rightsId), RightsType, `rights ${rightsId}`);
    const sender = rights.holders.find((holder) => holder.holderId === fromHolderId);
    if (sender !== undefined && caller.mspId !== sender.mspId && caller.mspId !== rights.licensorMsp) {
      throw forbidden(
        `${caller.mspId} may not propose transfers of ${fromHolderId}'s share: only ${sender.mspId} or ${rights.licensorMsp} may`,
      );
    }
    if (sender === undefined && caller.mspId !== rights.licensorMsp) {
      throw forbidden(`${caller.mspId} may not propose transfers on rights ${rightsId}`);
    }
    moveShare(rights.holders, fromHolderId, { holderId: toHolderId, mspId: toMspId }, shareBps);
    if (await keyExists(ctx, Keys.rightsTransfer(transferId))) throw conflict(`transfer ${transferId} already exists`);
    // Consent: a share moves only with its holder org's recorded consent. Proposing is consent; when
    // another org (the licensor) proposes, the holder's org must approve on chain before it executes.
    const senderMsp = (sender as { mspId: string }).mspId;
    const approvals = caller.mspId === senderMsp ? condition.approvals : [...new Set([...(condition.approvals ?? []), senderMsp])].sort();
    const consented: TransferCondition = approvals === undefined ? condition : { ...condition, approvals };
    const threshold = condition.revenueThreshold;
    if (threshold !== undefined) {
      await requireSubject(ctx, threshold);
      // Pending slots of a subject are few (they bound every revenue event on it): only orgs that hold
      // something in the subject (or own it, when it has no rights record) may take one.
      const stakeholders = await subjectStakeholders(ctx, threshold);
      if (!stakeholders.includes(caller.mspId)) {
        throw forbidden(
          `${caller.mspId} may not add threshold transfers on ${threshold.subjectType} ${threshold.subjectId}: it holds nothing in it (holders: ${stakeholders.join(', ') || 'none'})`,
        );
      }
      const pending = await pendingTransferIds(ctx, threshold, threshold.currency);
      if (pending.length >= MAX_PENDING_PER_SUBJECT) {
        throw wrongState(
          `${threshold.subjectType} ${threshold.subjectId} already has ${MAX_PENDING_PER_SUBJECT} pending transfers in ${threshold.currency}`,
        );
      }
    }

    const transfer: RightsTransferRecord = {
      docType: DocTypes.rightsTransfer,
      transferId,
      rightsId,
      fromHolderId,
      toHolderId,
      toMspId,
      shareBps,
      condition: conditionToJson(consented),
      status: 'pending',
      approvedBy: [],
      createdBy: caller.mspId,
      createdAt: txTime(ctx),
    };
    await writeRecord(ctx, Keys.rightsTransfer(transferId), RightsTransferType, transfer);
    if (threshold !== undefined) {
      await writeMarker(ctx, Keys.pendingTransfer(threshold.subjectType, threshold.subjectId, threshold.currency, transferId));
    }
    emitEvent(ctx, EventNames.RightsTransferProposed, { transfer });
    return toJson(transfer);
  }

  /**
   * Approves a pending transfer on behalf of the calling org, which must be named in its condition's
   * `approvals` (the sender's org always is when another org proposed). Request: `{ transferId }`.
   * Returns the transfer.
   * @throws `FORBIDDEN` for an org not named; `NOT_FOUND`; `STATE` unless pending; `CONFLICT` when the
   *   org already approved.
   */
  @Transaction()
  async ApproveTransfer(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'approve rights transfers', Roles.licensor, Roles.studio);
    const transfer = await pendingTransfer(ctx, request);
    if (!(transfer.condition.approvals ?? []).includes(caller.mspId)) {
      throw forbidden(`${caller.mspId} is not asked to approve transfer ${transfer.transferId}`);
    }
    if (transfer.approvedBy.includes(caller.mspId)) throw conflict(`${caller.mspId} already approved transfer ${transfer.transferId}`);
    const approved: RightsTransferRecord = {
      ...transfer,
      approvedBy: [...transfer.approvedBy, caller.mspId].sort(),
      updatedBy: caller.mspId,
      updatedAt: txTime(ctx),
    };
    await writeRecord(ctx, Keys.rightsTransfer(transfer.transferId), RightsTransferType, approved);
    emitEvent(ctx, EventNames.RightsTransferApproved, {
      transferId: transfer.transferId,
      mspId: caller.mspId,
      approvedBy: approved.approvedBy,
    });
    return toJson(approved);
  }

  /**
   * Executes a pending transfer whose condition holds; any studio or licensor may call it. The
   * transaction writes the rights key, so it needs the endorsement of every holder's org and the
   * licensor (the key-level policy). Request: `{ transferId }`. Returns `{ transfer, rights }`.
   * @throws `NOT_FOUND`; `STATE` when not pending, when the condition does not hold (naming each
   *   unmet clause), or when the sender no longer holds the share.
   */
  @Transaction()
  async ExecuteTransfer(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'execute rights transfers', Roles.licensor, Roles.studio);
    const transfer = await pendingTransfer(ctx, request);
    const result = await evaluateTransfer(ctx, transfer);
    if (!result.met) throw wrongState(`transfer ${transfer.transferId} is not due: ${await unmetDetail(ctx, transfer, result.unmet)}`);
    const changes = new RightsChanges();
    const moved = await moveRights(ctx, changes, transfer, caller);
    if ('problem' in moved) throw wrongState(`transfer ${transfer.transferId} cannot execute: ${moved.problem}`);
    const closed = await closeTransfer(ctx, transfer, 'executed', caller);
    await changes.flush(ctx);
    emitEvent(ctx, EventNames.RightsTransferExecuted, { transfer: closed, rights: moved.rights });
    return toJson({ transfer: closed, rights: moved.rights });
  }

  /**
   * Cancels a pending transfer: the org that proposed it, or the sender's org (declining a move of
   * its share). Request: `{ transferId, reason? }`. Returns the transfer.
   * @throws `FORBIDDEN` unless the proposer or the sender's org; `NOT_FOUND`; `STATE` unless pending; `INVALID`.
   */
  @Transaction()
  async CancelTransfer(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'cancel rights transfers', Roles.licensor, Roles.studio);
    const { transferId, reason } = parseRequest(CancelTransferRequest, request);
    const transfer = await requireRecord(ctx, Keys.rightsTransfer(transferId), RightsTransferType, `transfer ${transferId}`);
    const rights = await requireRecord(ctx, Keys.rights(transfer.rightsId), RightsType, `rights ${transfer.rightsId}`);
    const senderMsp = rights.holders.find((holder) => holder.holderId === transfer.fromHolderId)?.mspId;
    if (caller.mspId !== transfer.createdBy && caller.mspId !== senderMsp) {
      throw forbidden(
        `${caller.mspId} may not cancel transfer ${transferId}: only its proposer ${transfer.createdBy}${senderMsp === undefined ? '' : ` or the sender's org ${senderMsp}`} may`,
      );
    }
    if (transfer.status !== 'pending') throw wrongState(`transfer ${transferId} is ${transfer.status}, not pending`);
    const cancelled = await closeTransfer(ctx, transfer, 'cancelled', caller, reason);
    emitEvent(ctx, EventNames.RightsTransferCancelled, { transfer: cancelled });
    return toJson(cancelled);
  }

  /**
   * The transfer record.
   * @throws `NOT_FOUND`; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async GetTransfer(ctx: KisekiContext, transferId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(transferId, 'transferId');
    return toJson(await requireRecord(ctx, Keys.rightsTransfer(id), RightsTransferType, `transfer ${id}`));
  }
}

/** Reads `{ transferId }` and returns the transfer, which must be pending. */
async function pendingTransfer(ctx: KisekiContext, request: string): Promise<RightsTransferRecord> {
  const { transferId } = parseRequest(TransferRequest, request);
  const transfer = await requireRecord(ctx, Keys.rightsTransfer(transferId), RightsTransferType, `transfer ${transferId}`);
  if (transfer.status !== 'pending') throw wrongState(`transfer ${transferId} is ${transfer.status}, not pending`);
  return transfer;
}

/** Holders must be orgs of the consortium that can hold rights: studios and licensors. */
function checkHolderOrg(mspId: string, path: string): void {
  const role = roleOf(mspId);
  if (role === undefined) throw invalid(`request is invalid: ${path}: ${mspId} is not an org of this consortium`);
  if (role === Roles.regulator) throw invalid(`request is invalid: ${path}: the regulator cannot hold rights`);
}

/** Approvers must be orgs that can write: the regulator never submits, so it could never approve. */
function checkApprover(mspId: string): void {
  const role = roleOf(mspId);
  if (role === undefined) throw invalid(`request is invalid: condition.approvals: ${mspId} is not an org of this consortium`);
  if (role === Roles.regulator) throw invalid('request is invalid: condition.approvals: the regulator does not approve transfers');
}

/** Names each unmet clause with the facts, for a refusal a client can act on. */
async function unmetDetail(ctx: KisekiContext, transfer: RightsTransferRecord, unmet: readonly string[]): Promise<string> {
  const parts: string[] = [];
  const { revenueThreshold, notBefore, approvals } = transfer.condition;
  for (const clause of unmet) {
    if (clause === 'revenueThreshold' && revenueThreshold !== undefined) {
      const subject: Subject = {
        subjectType: revenueThreshold.subjectType as Subject['subjectType'],
        subjectId: revenueThreshold.subjectId,
      };
      const total = await subjectRevenueTotal(ctx, subject, revenueThreshold.currency);
      parts.push(
        `revenue of ${subject.subjectType} ${subject.subjectId} is ${total.toString()} ${revenueThreshold.currency} of ${revenueThreshold.amount}`,
      );
    } else if (clause === 'notBefore' && notBefore !== undefined) {
      parts.push(`not before ${notBefore}`);
    } else if (clause === 'approvals' && approvals !== undefined) {
      parts.push(`awaiting approval of ${approvals.filter((msp) => !transfer.approvedBy.includes(msp)).join(', ')}`);
    }
  }
  return parts.join('; ');
}

/**
 * The orgs that own a subject, and so may create its rights record (see `Create`).
 * @throws KisekiError `NOT_FOUND` for a missing output, model, data item or dataset.
 */
async function subjectOwners(ctx: KisekiContext, subject: Subject): Promise<string[]> {
  switch (subject.subjectType) {
    case 'output':
      return [(await requireRecord(ctx, Keys.output(subject.subjectId), OutputType, `output ${subject.subjectId}`)).ownerMsp];
    case 'model':
      return [(await requireModel(ctx, subject.subjectId)).ownerMsp];
    case 'data': {
      const data = await requireRecord(ctx, Keys.data(subject.subjectId), DataType, `data item ${subject.subjectId}`);
      const terms = await readRecord(ctx, Keys.terms(data.termsId), TermsType);
      return terms === undefined ? [data.collectorMsp] : [...new Set([data.collectorMsp, terms.issuerMsp])].sort();
    }
    case 'dataset':
      return [(await requireRecord(ctx, Keys.dataset(subject.subjectId), DatasetType, `dataset ${subject.subjectId}`)).ownerMsp];
    case 'work':
      return Object.keys(ORG_ROLES)
        .filter((msp) => ORG_ROLES[msp] === Roles.licensor)
        .sort();
  }
}

/**
 * The orgs with a stake in a subject: the holders' orgs of its rights record, or, without one, the
 * org the revenue would pay (its owner).
 */
async function subjectStakeholders(ctx: KisekiContext, subject: Subject): Promise<string[]> {
  const rights = await readRightsOfSubject(ctx, subject);
  if (rights !== undefined) return [...new Set(rights.holders.map((holder) => holder.mspId))].sort();
  switch (subject.subjectType) {
    case 'output':
    case 'model':
    case 'dataset':
      return subjectOwners(ctx, subject);
    default:
      return [];
  }
}
