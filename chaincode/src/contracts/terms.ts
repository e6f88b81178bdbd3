import { createHash } from 'node:crypto';

import { Info, Transaction } from 'fabric-contract-api';

import { DocTypes, type TermsCommercialRecord, TermsCommercialType, type TermsRecord, TermsType } from '../ledger/records';
import { termsVersion } from '../domain/licences';
import { KisekiContext, KisekiContract } from '../ledger/context';
import { emitEvent } from '../ledger/events';
import { requireMember, requireOrg, requireRole } from '../ledger/identity';
import { Keys } from '../ledger/keys';
import { keyExists, readPrivateRecord, readRecord, requireRecord, writePrivateRecord, writeRecord } from '../ledger/state';
import { txTime } from '../ledger/time';
import { toBytes, toJson } from '../shared/codec';
import { conflict, invalid, notFound, wrongState } from '../shared/errors';
import { Collections, ContractNames, EventNames, Roles, TransientKeys } from '../shared/names';
import { TermsRequest, TermsVersionQuery, TermsWithdrawRequest } from '../shared/requests';
import { parseRequest } from '../shared/schema';
import { parseIdArgument, parseJsonObject } from '../shared/validate';

/** Largest confidential commercial details accepted, in characters of JSON. */
const MAX_COMMERCIAL_LENGTH = 64 * 1024;

/**
 * Licence terms (`terms`). Licensors publish; anyone in the consortium reads the public record.
 * Confidential commercial details travel in the transient map (never in the transaction itself)
 * and are stored in the `termsCommercial` collection, readable by its members only; the public
 * record carries their SHA-256 (`commercialDigest`) so a member can prove which details applied.
 */
@Info({ title: 'Licence terms', description: 'Publish and read licence terms' })
export class TermsContract extends KisekiContract {
  constructor() {
    super(ContractNames.terms);
  }

  /**
   * Publishes terms. Request: `{ termsId, aiTraining, commercialUse, derivatives, attribution,
   * territory, validFrom, validUntil?, dataPoolShareBps, legalTextDigest }`; transient `commercial`:
   * optional JSON object of confidential details. Returns the public record.
   * @throws `FORBIDDEN` unless a licensor; `INVALID`; `CONFLICT` when the termsId exists.
   */
  @Transaction()
  async Publish(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'publish licence terms', Roles.licensor);
    const { termsId, ...fields } = parseRequest(TermsRequest, request);
    const details = commercialDetails(ctx);

    const key = Keys.terms(termsId);
    if (await keyExists(ctx, key)) throw conflict(`terms ${termsId} already exist`);
    const now = txTime(ctx);
    const record: TermsRecord = {
      docType: DocTypes.terms,
      termsId,
      issuerMsp: caller.mspId,
      ...fields,
      commercialDigest: details === undefined ? undefined : createHash('sha256').update(toBytes(details)).digest('hex'),
      version: 1,
      status: 'active',
      createdBy: caller.mspId,
      createdAt: now,
    };
    await writeRecord(ctx, key, TermsType, record);
    await writeRecord(ctx, Keys.termsVersion(termsId, 1), TermsType, record);
    await writeCommercial(ctx, caller.mspId, termsId, details, now);
    emitEvent(ctx, EventNames.TermsPublished, {
      termsId,
      issuerMsp: caller.mspId,
      hasPrivateDetails: details !== undefined,
    });
    return toJson(record);
  }

  /**
   * Amends terms as a new version; the issuing licensor only. Request: the fields of `Publish`
   * (all of them: the new version replaces the flags, window, share and legal text); transient
   * `commercial` optionally replaces the confidential details. New uses follow the new version;
   * models already trained keep the version each item was attested under (`terms:GetVersion`).
   * Returns the new current record.
   * @throws `FORBIDDEN` unless the issuer (naming both); `INVALID`; `NOT_FOUND`; `STATE` when withdrawn.
   */
  @Transaction()
  async Amend(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'amend licence terms', Roles.licensor);
    const { termsId, ...fields } = parseRequest(TermsRequest, request);
    const details = commercialDetails(ctx);
    const current = await requireRecord(ctx, Keys.terms(termsId), TermsType, `terms ${termsId}`);
    requireOrg(caller, current.issuerMsp, `amend terms ${termsId}`);
    if (current.status === 'withdrawn') throw wrongState(`terms ${termsId} were withdrawn and cannot be amended`);
    const now = txTime(ctx);
    const version = termsVersion(current) + 1;
    const record: TermsRecord = {
      ...current,
      ...fields,
      validUntil: fields.validUntil,
      commercialDigest: details === undefined ? current.commercialDigest : createHash('sha256').update(toBytes(details)).digest('hex'),
      version,
      status: 'active',
      updatedBy: caller.mspId,
      updatedAt: now,
    };
    await writeRecord(ctx, Keys.terms(termsId), TermsType, record);
    await writeRecord(ctx, Keys.termsVersion(termsId, version), TermsType, record);
    await writeCommercial(ctx, caller.mspId, termsId, details, now);
    emitEvent(ctx, EventNames.TermsAmended, { terms: record, previousVersion: termsVersion(current) });
    return toJson(record);
  }

  /**
   * Withdraws terms; the issuing licensor only. Withdrawn terms allow no new use: no new data under
   * them, no training on items under them, no offers, and no new use of grants resting on them.
   * Past uses stay as they are (sealed models, registered outputs). Request: `{ termsId, reason }`.
   * Returns the record.
   * @throws `FORBIDDEN` unless the issuer; `INVALID`; `NOT_FOUND`; `STATE` when already withdrawn.
   */
  @Transaction()
  async Withdraw(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'withdraw licence terms', Roles.licensor);
    const { termsId, reason } = parseRequest(TermsWithdrawRequest, request);
    const current = await requireRecord(ctx, Keys.terms(termsId), TermsType, `terms ${termsId}`);
    requireOrg(caller, current.issuerMsp, `withdraw terms ${termsId}`);
    if (current.status === 'withdrawn') throw wrongState(`terms ${termsId} are already withdrawn`);
    const record: TermsRecord = {
      ...current,
      status: 'withdrawn',
      withdrawnReason: reason,
      updatedBy: caller.mspId,
      updatedAt: txTime(ctx),
    };
    await writeRecord(ctx, Keys.terms(termsId), TermsType, record);
    emitEvent(ctx, EventNames.TermsWithdrawn, { terms: record });
    return toJson(record);
  }

  /**
   * One version of terms as it was published or amended. Query: `{ termsId, version }`.
   * @throws `NOT_FOUND`; `INVALID`.
   */
  @Transaction(false)
  async GetVersion(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { termsId, version } = parseRequest(TermsVersionQuery, query, 'query');
    return toJson(await readTermsVersion(ctx, termsId, version));
  }

  /**
   * The public terms record.
   * @throws `NOT_FOUND`; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async Get(ctx: KisekiContext, termsId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(termsId, 'termsId');
    return toJson(await requireRecord(ctx, Keys.terms(id), TermsType, `terms ${id}`));
  }

  /**
   * The confidential commercial details (`{ docType: 'termsCommercial', termsId, details, ... }`),
   * for members of the collection only: the licensor and the studios, not the regulator.
   * @throws `FORBIDDEN` for non-members; `NOT_FOUND` when the terms have no private details.
   */
  @Transaction(false)
  async GetPrivate(ctx: KisekiContext, termsId: string): Promise<string> {
    requireRole(ctx, 'read confidential licence terms', Roles.licensor, Roles.studio);
    const id = parseIdArgument(termsId, 'termsId');
    const record = await readPrivateRecord(ctx, Collections.termsCommercial, Keys.terms(id), TermsCommercialType);
    if (record === undefined) throw notFound(`terms ${id} have no confidential details on this peer`);
    return toJson(record);
  }
}

/** Stores confidential details, when given, in the collection. */
async function writeCommercial(
  ctx: KisekiContext,
  issuerMsp: string,
  termsId: string,
  details: Record<string, unknown> | undefined,
  now: string,
): Promise<void> {
  if (details === undefined) return;
  const secret: TermsCommercialRecord = { docType: 'termsCommercial', termsId, details, createdBy: issuerMsp, createdAt: now };
  await writePrivateRecord(ctx, Collections.termsCommercial, Keys.terms(termsId), TermsCommercialType, secret);
}

/**
 * A version of terms: the snapshot written by `Publish`/`Amend`, or, for terms published before
 * versions existed, the record itself as version 1.
 * @throws KisekiError `NOT_FOUND`.
 */
export async function readTermsVersion(ctx: KisekiContext, termsId: string, version: number): Promise<TermsRecord> {
  const snapshot = await readRecord(ctx, Keys.termsVersion(termsId, version), TermsType);
  if (snapshot !== undefined) return snapshot;
  const current = await readRecord(ctx, Keys.terms(termsId), TermsType);
  if (current !== undefined && version === 1 && termsVersion(current) === 1) return current;
  throw notFound(`version ${version} of terms ${termsId} does not exist`);
}

/** The optional confidential details from the transient map. */
function commercialDetails(ctx: KisekiContext): Record<string, unknown> | undefined {
  const bytes = ctx.stub.getTransient().get(TransientKeys.termsCommercial);
  if (bytes === undefined || bytes.length === 0) return undefined;
  const text = Buffer.from(bytes).toString('utf8');
  if (text.length > MAX_COMMERCIAL_LENGTH)
    throw invalid(`transient ${TransientKeys.termsCommercial} exceeds ${MAX_COMMERCIAL_LENGTH} characters`);
  return parseJsonObject(text, `transient ${TransientKeys.termsCommercial}`);
}
