import { Info, Transaction } from 'fabric-contract-api';

import { termsRefusal } from '../domain/licences';
import {
  DatasetType,
  type GrantRecord,
  GrantType,
  type OfferRecord,
  OfferType,
  DocTypes,
  type TermsRecord,
  TermsType,
} from '../ledger/records';
import type { Subject } from '../domain/subjects';
import { KisekiContext, KisekiContract } from '../ledger/context';
import { emitEvent } from '../ledger/events';
import { type Caller, requireMember, requireOrg, requireRole } from '../ledger/identity';
import { Keys } from '../ledger/keys';
import { requireModel } from '../ledger/provenance';
import { keyExists, requireRecord, writeRecord } from '../ledger/state';
import { txTime, txTimeMs } from '../ledger/time';
import { toJson } from '../shared/codec';
import { conflict, forbidden, wrongState } from '../shared/errors';
import { ContractNames, EventNames, Roles } from '../shared/names';
import { OfferRequest, PURCHASE_REFERENCE_PREFIX, PurchaseRequest, WithdrawGrantRequest, WithdrawOfferRequest } from '../shared/requests';
import { parseRequest } from '../shared/schema';
import { parseIdArgument } from '../shared/validate';

import { distributeRevenue, readRightsOfSubject, revenuePayload } from '../ledger/royalties';

/**
 * The licence market (`market`): offers to license a model (by its owning studio) or a dataset (by
 * the licensor of its rights) under published terms; a purchase creates a grant and a revenue event
 * that distributes exactly like a reported one (same code path: holders, data pools, transfers).
 */
@Info({ title: 'Market', description: 'Licence offers on models and datasets, and their purchases' })
export class MarketContract extends KisekiContract {
  constructor() {
    super(ContractNames.market);
  }

  /**
   * Publishes an offer. Request: `{ offerId, subjectType: model|dataset, subjectId, termsId, price,
   * currency }` (price at most 10^18 − 1). A model offer comes from the model's owner studio (the
   * model sealed, not revoked, trained only on data whose terms allow commercial use); a dataset offer
   * from the dataset's owner or the licensor of its rights record. The terms must exist, be active,
   * valid now and allow commercial use. Returns the offer (status `open`).
   * @throws `FORBIDDEN` for the regulator or a seller that does not own the subject; `INVALID`;
   *   `NOT_FOUND` for the model, the dataset's rights or the terms; `CONFLICT` when the offerId
   *   exists; `STATE` for an unsealed or revoked model or expired terms.
   */
  @Transaction()
  async Offer(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'publish licence offers', Roles.studio, Roles.licensor);
    const { offerId, subjectType, subjectId, termsId, price, currency } = parseRequest(OfferRequest, request);
    await requireSellable(ctx, caller, { subjectType, subjectId });
    await requireValidTerms(ctx, termsId);
    const key = Keys.offer(offerId);
    if (await keyExists(ctx, key)) throw conflict(`offer ${offerId} already exists`);
    const offer: OfferRecord = {
      docType: DocTypes.offer,
      offerId,
      subjectType,
      subjectId,
      termsId,
      price,
      currency,
      sellerMsp: caller.mspId,
      status: 'open',
      createdBy: caller.mspId,
      createdAt: txTime(ctx),
    };
    await writeRecord(ctx, key, OfferType, offer);
    emitEvent(ctx, EventNames.OfferPublished, { offer });
    return toJson(offer);
  }

  /**
   * Withdraws an open offer; the seller only. Request: `{ offerId }`. Returns the offer.
   * @throws `FORBIDDEN` unless the seller; `INVALID`; `NOT_FOUND`; `STATE` unless open.
   */
  @Transaction()
  async Withdraw(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'withdraw licence offers', Roles.studio, Roles.licensor);
    const { offerId } = parseRequest(WithdrawOfferRequest, request);
    const key = Keys.offer(offerId);
    const offer = await requireRecord(ctx, key, OfferType, `offer ${offerId}`);
    requireOrg(caller, offer.sellerMsp, `withdraw offer ${offerId}`);
    if (offer.status !== 'open') throw wrongState(`offer ${offerId} is ${offer.status}`);
    const withdrawn: OfferRecord = { ...offer, status: 'withdrawn', updatedBy: caller.mspId, updatedAt: txTime(ctx) };
    await writeRecord(ctx, key, OfferType, withdrawn);
    emitEvent(ctx, EventNames.OfferWithdrawn, { offer: withdrawn });
    return toJson(withdrawn);
  }

  /**
   * Buys a licence through an open offer: a studio other than the seller. Request:
   * `{ offerId, purchaseId }` (purchaseId unique; a retried purchase is refused, never paid twice).
   * Writes a grant and records the price as revenue on the offer's subject under reference
   * `purchase:<purchaseId>` of the buyer's org, distributed like any revenue. Returns the grant.
   * @throws `FORBIDDEN` unless a studio other than the seller; `INVALID`; `NOT_FOUND` for the offer;
   *   `CONFLICT` for a repeated purchaseId; `STATE` for a withdrawn offer, a revoked model or
   *   expired terms.
   */
  @Transaction()
  async Purchase(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'purchase licences', Roles.studio);
    const { offerId, purchaseId } = parseRequest(PurchaseRequest, request);
    const offer = await requireRecord(ctx, Keys.offer(offerId), OfferType, `offer ${offerId}`);
    if (offer.sellerMsp === caller.mspId) throw forbidden(`${caller.mspId} may not buy its own offer ${offerId}`);
    if (offer.status !== 'open') throw wrongState(`offer ${offerId} is ${offer.status}`);
    const grantKey = Keys.grant(purchaseId);
    if (await keyExists(ctx, grantKey)) throw conflict(`purchase ${purchaseId} already exists`);
    if (offer.subjectType === 'model') {
      const model = await requireModel(ctx, offer.subjectId);
      if (model.status === 'revoked') throw wrongState(`model ${offer.subjectId} is revoked and cannot be licensed`);
    }
    await requireValidTerms(ctx, offer.termsId);
    const revenueReference = `${PURCHASE_REFERENCE_PREFIX}${purchaseId}`;
    const outcome = await distributeRevenue(ctx, {
      caller,
      subject: { subjectType: offer.subjectType, subjectId: offer.subjectId },
      amount: BigInt(offer.price),
      currency: offer.currency,
      reference: revenueReference,
      source: 'purchase',
    });
    const grant: GrantRecord = {
      docType: DocTypes.grant,
      purchaseId,
      offerId,
      subjectType: offer.subjectType,
      subjectId: offer.subjectId,
      termsId: offer.termsId,
      price: offer.price,
      currency: offer.currency,
      sellerMsp: offer.sellerMsp,
      buyerMsp: caller.mspId,
      revenueReference,
      status: 'active',
      createdBy: caller.mspId,
      createdAt: txTime(ctx),
    };
    await writeRecord(ctx, grantKey, GrantType, grant);
    emitEvent(ctx, EventNames.LicencePurchased, { grant, ...revenuePayload(outcome) });
    return toJson(grant);
  }

  /**
   * Withdraws a grant; its seller only (e.g. for a breach of its terms). A withdrawn grant allows no
   * new use (outputs, fine-tuning, training, revenue); what it allowed before stays on the ledger.
   * Request: `{ purchaseId, reason }`. Returns the grant.
   * @throws `FORBIDDEN` unless the seller (naming both); `INVALID`; `NOT_FOUND`; `STATE` when
   *   already withdrawn.
   */
  @Transaction()
  async WithdrawGrant(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'withdraw licence grants', Roles.studio, Roles.licensor);
    const { purchaseId, reason } = parseRequest(WithdrawGrantRequest, request);
    const key = Keys.grant(purchaseId);
    const grant = await requireRecord(ctx, key, GrantType, `grant ${purchaseId}`);
    requireOrg(caller, grant.sellerMsp, `withdraw grant ${purchaseId}`);
    if (grant.status === 'withdrawn') throw wrongState(`grant ${purchaseId} is already withdrawn`);
    const withdrawn: GrantRecord = {
      ...grant,
      status: 'withdrawn',
      withdrawnReason: reason,
      updatedBy: caller.mspId,
      updatedAt: txTime(ctx),
    };
    await writeRecord(ctx, key, GrantType, withdrawn);
    emitEvent(ctx, EventNames.GrantWithdrawn, { grant: withdrawn });
    return toJson(withdrawn);
  }

  /**
   * The offer record.
   * @throws `NOT_FOUND`; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async GetOffer(ctx: KisekiContext, offerId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(offerId, 'offerId');
    return toJson(await requireRecord(ctx, Keys.offer(id), OfferType, `offer ${id}`));
  }

  /**
   * The grant of a purchase.
   * @throws `NOT_FOUND`; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async GetGrant(ctx: KisekiContext, purchaseId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(purchaseId, 'purchaseId');
    return toJson(await requireRecord(ctx, Keys.grant(id), GrantType, `grant ${id}`));
  }
}

/**
 * The seller must control the subject: a model's owner studio (sealed, not revoked), or a dataset's
 * licensor.
 */
async function requireSellable(
  ctx: KisekiContext,
  caller: Caller,
  subject: { subjectType: 'model' | 'dataset'; subjectId: string },
): Promise<void> {
  if (subject.subjectType === 'model') {
    if (caller.role !== Roles.studio) throw forbidden(`${caller.mspId} (${caller.role}) may not offer models; their owner studio may`);
    const model = await requireModel(ctx, subject.subjectId);
    requireOrg(caller, model.ownerMsp, `offer model ${subject.subjectId}`);
    if (model.status !== 'sealed') throw wrongState(`model ${subject.subjectId} is ${model.status}; only sealed models can be licensed`);
    if (model.commercialUse === false)
      throw wrongState(`model ${subject.subjectId} was trained on data whose terms do not allow commercial use`);
    return;
  }
  const record = await requireRecord(ctx, Keys.dataset(subject.subjectId), DatasetType, `dataset ${subject.subjectId}`);
  const dataset: Subject = { subjectType: 'dataset', subjectId: subject.subjectId };
  const rights = await readRightsOfSubject(ctx, dataset);
  const sellers = [...new Set([record.ownerMsp, ...(rights === undefined ? [] : [rights.licensorMsp])])].sort();
  if (!sellers.includes(caller.mspId)) {
    throw forbidden(
      `${caller.mspId} may not offer dataset ${subject.subjectId}: only ${sellers.join(' or ')} may (its owner or its rights' licensor)`,
    );
  }
}

/**
 * @throws KisekiError `NOT_FOUND` for missing terms; `STATE` when withdrawn, outside their validity
 *   window, or without commercial use (a licence sale is one).
 */
async function requireValidTerms(ctx: KisekiContext, termsId: string): Promise<TermsRecord> {
  const terms = await requireRecord(ctx, Keys.terms(termsId), TermsType, `terms ${termsId}`);
  const refusal = termsRefusal(terms, 'offer', txTimeMs(ctx));
  if (refusal !== undefined) throw wrongState(`${refusal}: no licence can be offered or bought under them`);
  return terms;
}
