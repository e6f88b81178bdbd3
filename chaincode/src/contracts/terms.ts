import { createHash } from 'node:crypto';

import { Info, Transaction } from 'fabric-contract-api';

import { DocTypes, type TermsCommercialRecord, TermsCommercialType, type TermsRecord, TermsType } from '../domain/records';
import { validityProblem } from '../domain/terms';
import { KisekiContext, KisekiContract } from '../ledger/context';
import { emitEvent } from '../ledger/events';
import { requireMember, requireRole } from '../ledger/identity';
import { Keys } from '../ledger/keys';
import { keyExists, readPrivateRecord, requireRecord, writePrivateRecord, writeRecord } from '../ledger/state';
import { txTime } from '../ledger/time';
import { toBytes, toJson } from '../shared/codec';
import { conflict, invalid, notFound } from '../shared/errors';
import { Collections, ContractNames, EventNames, Roles, TransientKeys } from '../shared/names';
import { Fields, TERRITORY_PATTERN, parseIdArgument, parseJsonObject } from '../shared/validate';

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
    const f = Fields.parse(request);
    const termsId = f.id('termsId');
    const fields = {
      aiTraining: f.boolean('aiTraining'),
      commercialUse: f.boolean('commercialUse'),
      derivatives: f.boolean('derivatives'),
      attribution: f.boolean('attribution'),
      territory: f.matching('territory', TERRITORY_PATTERN, `a territory matching ${TERRITORY_PATTERN.source}`),
      validFrom: f.timestamp('validFrom'),
      validUntil: f.timestamp('validUntil', { optional: true }),
      dataPoolShareBps: f.bps('dataPoolShareBps'),
      legalTextDigest: f.digest('legalTextDigest'),
    };
    const windowProblem = validityProblem(fields.validFrom, fields.validUntil);
    if (windowProblem !== undefined) f.addIssue('validUntil', windowProblem);
    f.finish();
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
      createdBy: caller.mspId,
      createdAt: now,
    };
    await writeRecord(ctx, key, TermsType, record);
    if (details !== undefined) {
      const secret: TermsCommercialRecord = {
        docType: 'termsCommercial',
        termsId,
        details,
        createdBy: caller.mspId,
        createdAt: now,
      };
      await writePrivateRecord(ctx, Collections.termsCommercial, key, TermsCommercialType, secret);
    }
    emitEvent(ctx, EventNames.TermsPublished, {
      termsId,
      issuerMsp: caller.mspId,
      hasPrivateDetails: details !== undefined,
    });
    return toJson(record);
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

/** The optional confidential details from the transient map. */
function commercialDetails(ctx: KisekiContext): Record<string, unknown> | undefined {
  const bytes = ctx.stub.getTransient().get(TransientKeys.termsCommercial);
  if (bytes === undefined || bytes.length === 0) return undefined;
  const text = Buffer.from(bytes).toString('utf8');
  if (text.length > MAX_COMMERCIAL_LENGTH) throw invalid(`transient ${TransientKeys.termsCommercial} exceeds ${MAX_COMMERCIAL_LENGTH} characters`);
  return parseJsonObject(text, `transient ${TransientKeys.termsCommercial}`);
}
