import type { AccessAssetType, AccessRule, DataRecord, GrantRecord, ModelRecord, OutputRecord, TermsRecord } from '../shared/records';

import { grantRefusal } from './licences';

/**
 * Who may obtain the content of an asset (the bytes kept in its holder org's vault), pure so every
 * rule is tested without a ledger. The ledger only says who may; the holder's gateway serves the
 * bytes and records each cross-org access (contracts/access.ts).
 */

export { AccessAssetTypes, AccessRules, type AccessAssetType, type AccessRule } from '../shared/records';

/**
 * The consortium's audit policy: which orgs may obtain which content for audits, whatever its
 * licences. A constant of the chaincode, like the orgs' roles: changing it is a chaincode upgrade that
 * every org approves (docs/exchange.md).
 */
export const AUDIT_ACCESS: Readonly<Record<string, readonly AccessAssetType[]>> = Object.freeze({
  RegulatorMSP: Object.freeze(['data', 'output', 'model'] as const),
});

/** The asset as the ledger knows it. */
export type AccessAsset =
  | { readonly assetType: 'data'; readonly record: DataRecord }
  | { readonly assetType: 'output'; readonly record: OutputRecord }
  | { readonly assetType: 'terms'; readonly record: TermsRecord }
  | { readonly assetType: 'model'; readonly record: ModelRecord };

/** The org whose vault holds an asset's content. */
export function holderOf(asset: AccessAsset): string {
  switch (asset.assetType) {
    case 'data':
      return asset.record.collectorMsp;
    case 'terms':
      return asset.record.issuerMsp;
    default:
      return asset.record.ownerMsp;
  }
}

/** The digest the requester checks the bytes against (none for a model's manifest, checked by its root). */
export function digestOf(asset: AccessAsset): string | undefined {
  switch (asset.assetType) {
    case 'data':
    case 'output':
      return asset.record.contentDigest;
    case 'terms':
      return asset.record.legalTextDigest;
    default:
      return undefined;
  }
}

/** The id of an asset. */
export function idOf(asset: AccessAsset): string {
  switch (asset.assetType) {
    case 'data':
      return asset.record.dataId;
    case 'output':
      return asset.record.outputId;
    case 'terms':
      return asset.record.termsId;
    default:
      return asset.record.modelId;
  }
}

/** What a request for content is judged on. */
export interface AccessFacts {
  readonly asset: AccessAsset;
  readonly requesterMsp: string;
  /** The grant the requester names, with the current version of its terms. */
  readonly grant?: { readonly record: GrantRecord; readonly terms: TermsRecord };
  /** For a data item and a dataset grant: whether the item belongs to the granted dataset. */
  readonly inGrantedDataset?: boolean;
  readonly atMs: number;
}

/** The answer: allowed under a rule, or refused with a stable code and the reason. */
export type AccessDecision =
  | { readonly allowed: true; readonly rule: AccessRule; readonly grantId?: string }
  | { readonly allowed: false; readonly code: 'FORBIDDEN' | 'STATE'; readonly reason: string };

/**
 * May `requesterMsp` obtain the asset's content now? The holder always; anyone a terms' legal text;
 * an auditor what {@link AUDIT_ACCESS} names; a licensee through its active grant when it covers the
 * asset: a dataset grant covers the dataset's items (while their consent stands), a model grant
 * covers the model's training manifest and never the data it was trained on.
 */
export function decideAccess(facts: AccessFacts): AccessDecision {
  const { asset, requesterMsp, grant } = facts;
  const id = `${asset.assetType} ${idOf(asset)}`;
  if (holderOf(asset) === requesterMsp) return { allowed: true, rule: 'owner' };
  if (asset.assetType === 'terms') return { allowed: true, rule: 'public' };
  if (AUDIT_ACCESS[requesterMsp]?.includes(asset.assetType) === true) return { allowed: true, rule: 'regulator' };
  if (grant === undefined) return { allowed: false, code: 'FORBIDDEN', reason: `${requesterMsp} holds no grant naming ${id}` };
  const subject = coveredSubject(facts);
  if (subject === undefined) {
    return {
      allowed: false,
      code: 'FORBIDDEN',
      reason: `grant ${grant.record.purchaseId} (${grant.record.subjectType} ${grant.record.subjectId}) does not cover ${id}`,
    };
  }
  const refusal = grantRefusal({
    grant: grant.record,
    terms: grant.terms,
    callerMsp: requesterMsp,
    subject,
    use: 'access',
    atMs: facts.atMs,
  });
  if (refusal !== undefined) return { allowed: false, code: refusal.code, reason: refusal.reason };
  if (asset.assetType === 'data' && asset.record.status !== 'active') {
    return { allowed: false, code: 'STATE', reason: `${id} is ${asset.record.status}: its content is no longer shared` };
  }
  return { allowed: true, rule: 'grant', grantId: grant.record.purchaseId };
}

/** The subject a grant must name to cover the asset, or `undefined` when no grant can. */
function coveredSubject(facts: AccessFacts): { subjectType: string; subjectId: string } | undefined {
  const { asset, grant } = facts;
  if (grant === undefined) return undefined;
  if (asset.assetType === 'data') {
    return grant.record.subjectType === 'dataset' && facts.inGrantedDataset === true
      ? { subjectType: 'dataset', subjectId: grant.record.subjectId }
      : undefined;
  }
  if (asset.assetType === 'model') return { subjectType: 'model', subjectId: asset.record.modelId };
  return undefined;
}

export { AccessRecord } from '../shared/records';
