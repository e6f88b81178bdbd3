/**
 * What the unauthenticated verification surface may show, as allow-lists: each projection copies only
 * the named public fields of a ledger answer, so a field added to a record later stays private until it
 * is listed here. Never shown: provider identities and payout references, commercial terms (data-pool
 * shares, revenue, licence prices), rights holders, status reasons, and content.
 */

type Json = Record<string, unknown>;

function pick(source: unknown, fields: readonly string[]): Json {
  const out: Json = {};
  if (source === null || typeof source !== 'object') return out;
  for (const field of fields) {
    const value = (source as Json)[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

const DATA_FIELDS = ['dataId', 'contentDigest', 'mediaType', 'size', 'status', 'collectorMsp', 'termsId', 'createdAt'] as const;
const OUTPUT_FIELDS = ['outputId', 'modelId', 'ownerMsp', 'contentDigest', 'mediaType', 'createdAt'] as const;
const MODEL_FIELDS = ['modelId', 'ownerMsp', 'status', 'baseModelId', 'trainingRoot', 'trainingSize', 'sealedAt', 'revokedAt'] as const;
const TERMS_FLAGS = [
  'termsId',
  'itemCount',
  'issuerMsp',
  'aiTraining',
  'commercialUse',
  'derivatives',
  'attribution',
  'territory',
  'validFrom',
  'validUntil',
] as const;

export const publicData = (record: unknown): Json => pick(record, DATA_FIELDS);
export const publicOutput = (record: unknown): Json => pick(record, OUTPUT_FIELDS);
export const publicModel = (record: unknown): Json => pick(record, MODEL_FIELDS);

/** A lookup answer: the public parts of the data item and/or output with this digest. */
export function publicLookup(result: { contentDigest: string; data?: unknown; output?: unknown }): Json {
  return {
    contentDigest: result.contentDigest,
    registered: true,
    ...(result.data === undefined ? {} : { data: publicData(result.data) }),
    ...(result.output === undefined ? {} : { output: publicOutput(result.output) }),
  };
}

/**
 * An output's verdict and lineage: per model its status, training root and size, the public flags of
 * the terms its data was used under, and how many items were flagged (not which, nor why).
 */
export function publicVerification(verification: unknown): Json {
  const v = (verification ?? {}) as Json;
  const lineage = Array.isArray(v.lineage) ? (v.lineage as Json[]) : [];
  return {
    outputId: v.outputId,
    verdict: v.verdict,
    output: publicOutput(v.output),
    lineage: lineage.map((link) => {
      const flags = (link.flags ?? {}) as Json;
      return {
        ...publicModel(link),
        ...(Array.isArray(link.terms) ? { terms: (link.terms as unknown[]).map((t) => pick(t, TERMS_FLAGS)) } : {}),
        ...(link.flags === undefined ? {} : { flags: { consentRevoked: flags.consentRevoked, disputed: flags.disputed } }),
      };
    }),
  };
}
