import { Info, Transaction } from 'fabric-contract-api';

import {
  type AccessAsset,
  type AccessAssetType,
  type AccessDecision,
  type AccessRecord,
  decideAccess,
  digestOf,
  holderOf,
} from '../domain/access';
import { AccessType, DataType, type GrantRecord, GrantType, ModelType, OutputType, type TermsRecord, TermsType } from '../ledger/records';
import { KisekiContext, KisekiContract } from '../ledger/context';
import { emitEvent } from '../ledger/events';
import { requireMember, requireRole } from '../ledger/identity';
import { Keys, KeyTypes } from '../ledger/keys';
import { decodeEntries, keyExists, readPage, requireRecord, writeRecord } from '../ledger/state';
import { txTime, txTimeMs } from '../ledger/time';
import { toJson } from '../shared/codec';
import { forbidden, invalid, wrongState } from '../shared/errors';
import { ContractNames, EventNames, Roles } from '../shared/names';
import { AccessListQuery, AccessRequest } from '../shared/requests';
import { parseRequest } from '../shared/schema';

const DEFAULT_ACCESS_PAGE = 50;

/**
 * Content entitlement and the record of cross-org access (`access`): which org may obtain the bytes
 * of a data item, an output, a terms' legal text or a model's training manifest from the org that
 * holds them, and who did.
 */
@Info({ title: 'Access', description: 'Who may obtain which content from which org, and who did' })
export class AccessContract extends KisekiContract {
  constructor() {
    super(ContractNames.access);
  }

  /**
   * May an org obtain an asset's content now, and why. Query: `{ requesterMsp, assetType:
   * data|output|terms|model, assetId, grantId? }`. Returns `{ assetType, assetId, holderMsp,
   * requesterMsp, contentDigest?, allowed, rule?, grantId?, code?, reason? }`: allowed under `rule`
   * (owner, grant, regulator, public), or refused with `code` (FORBIDDEN or STATE) and `reason`.
   * @throws `INVALID`; `NOT_FOUND` for the asset, or the grant named.
   */
  @Transaction(false)
  async Entitlement(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const request = parseRequest(AccessRequest, query, 'query');
    const { asset, decision } = await judge(ctx, request);
    return toJson(answer(asset, request, decision));
  }

  /**
   * Records that the caller (the org holding the content) served it to another org. Request:
   * `{ requesterMsp, assetType, assetId, grantId? }`; the entitlement is judged again in this
   * transaction, so nothing is recorded, and the holder's gateway serves nothing, when it fails. The
   * access ID is the transaction ID. Returns the AccessRecord (no content, no secret).
   * @throws `FORBIDDEN` unless the caller holds the asset, or when the requester is not entitled;
   *   `STATE` when its grant is withdrawn or expired or the item's consent was revoked; `INVALID`
   *   for an org's access to its own content; `NOT_FOUND`.
   */
  @Transaction()
  async Record(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'record content access', Roles.studio, Roles.licensor);
    const req = parseRequest(AccessRequest, request);
    const { asset, decision } = await judge(ctx, req);
    const holderMsp = holderOf(asset);
    if (caller.mspId !== holderMsp)
      throw forbidden(`${caller.mspId} may not record access to ${req.assetType} ${req.assetId}: only its holder ${holderMsp} may`);
    if (req.requesterMsp === holderMsp)
      throw invalid(`${holderMsp} holds ${req.assetType} ${req.assetId}: its own access is not a cross-org access`);
    if (!decision.allowed) {
      const message = `${req.requesterMsp} may not obtain ${req.assetType} ${req.assetId}: ${decision.reason}`;
      throw decision.code === 'FORBIDDEN' ? forbidden(message) : wrongState(message);
    }
    const contentDigest = digestOf(asset);
    const actingClient = ctx.actingClient;
    const record: AccessRecord = {
      docType: 'access',
      accessId: ctx.stub.getTxID(),
      assetType: req.assetType,
      assetId: req.assetId,
      holderMsp,
      requesterMsp: req.requesterMsp,
      rule: decision.rule,
      ...(decision.grantId === undefined ? {} : { grantId: decision.grantId }),
      ...(contentDigest === undefined ? {} : { contentDigest }),
      createdBy: caller.mspId,
      createdAt: txTime(ctx),
      ...(actingClient === undefined ? {} : { actingClient }),
    };
    const key = Keys.access(record.holderMsp, record.assetType, record.assetId, record.accessId);
    if (await keyExists(ctx, key)) throw wrongState(`access ${record.accessId} is already recorded`);
    await writeRecord(ctx, key, AccessType, record);
    emitEvent(ctx, EventNames.ContentAccessed, { access: record });
    return toJson(record);
  }

  /**
   * A page of the accesses to content an org holds, optionally of one asset, in (assetType, assetId,
   * accessId) order. Query: `{ holderMsp, assetType?, assetId?, pageSize?, bookmark? }` (assetId
   * needs assetType). Returns `{ items: [AccessRecord], bookmark }`. Any member may list: the records
   * hold no content and no secret.
   * @throws `INVALID`.
   */
  @Transaction(false)
  async List(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { holderMsp, assetType, assetId, pageSize, bookmark } = parseRequest(AccessListQuery, query, 'query');
    const attributes = [holderMsp, ...(assetType === undefined ? [] : [assetType]), ...(assetId === undefined ? [] : [assetId])];
    const page = await readPage(ctx, KeyTypes.access, attributes, pageSize ?? DEFAULT_ACCESS_PAGE, bookmark ?? '');
    return toJson({ items: decodeEntries(page.entries, AccessType), bookmark: page.bookmark });
  }
}

/** Reads the asset (and the grant named, its terms and the dataset membership) and decides. */
async function judge(ctx: KisekiContext, req: AccessRequest): Promise<{ asset: AccessAsset; decision: AccessDecision }> {
  const asset = await readAsset(ctx, req.assetType, req.assetId);
  let grant: { record: GrantRecord; terms: TermsRecord } | undefined;
  let inGrantedDataset: boolean | undefined;
  if (req.grantId !== undefined && holderOf(asset) !== req.requesterMsp) {
    const record = await requireRecord(ctx, Keys.grant(req.grantId), GrantType, `grant ${req.grantId}`);
    const terms = await requireRecord(ctx, Keys.terms(record.termsId), TermsType, `terms ${record.termsId}`);
    grant = { record, terms };
    if (asset.assetType === 'data' && record.subjectType === 'dataset') {
      inGrantedDataset = await keyExists(ctx, Keys.datasetMember(record.subjectId, req.assetId));
    }
  }
  const decision = decideAccess({
    asset,
    requesterMsp: req.requesterMsp,
    ...(grant === undefined ? {} : { grant }),
    ...(inGrantedDataset === undefined ? {} : { inGrantedDataset }),
    atMs: txTimeMs(ctx),
  });
  return { asset, decision };
}

async function readAsset(ctx: KisekiContext, assetType: AccessAssetType, assetId: string): Promise<AccessAsset> {
  switch (assetType) {
    case 'data':
      return { assetType, record: await requireRecord(ctx, Keys.data(assetId), DataType, `data ${assetId}`) };
    case 'output':
      return { assetType, record: await requireRecord(ctx, Keys.output(assetId), OutputType, `output ${assetId}`) };
    case 'terms':
      return { assetType, record: await requireRecord(ctx, Keys.terms(assetId), TermsType, `terms ${assetId}`) };
    default:
      return { assetType, record: await requireRecord(ctx, Keys.model(assetId), ModelType, `model ${assetId}`) };
  }
}

function answer(asset: AccessAsset, req: AccessRequest, decision: AccessDecision): Record<string, unknown> {
  const base = {
    assetType: req.assetType,
    assetId: req.assetId,
    holderMsp: holderOf(asset),
    requesterMsp: req.requesterMsp,
    contentDigest: digestOf(asset),
  };
  return decision.allowed
    ? { ...base, allowed: true, rule: decision.rule, grantId: decision.grantId }
    : { ...base, allowed: false, code: decision.code, reason: decision.reason };
}
