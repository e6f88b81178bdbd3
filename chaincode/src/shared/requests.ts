import { MAX_MODEL_VERSIONS, MAX_REASON_LENGTH } from './records';
import { Bool, Digest, Id, idSet, integer, list, MediaType, record, Size, Territory, text, z } from './schema';

/**
 * The request of each write transaction (DESIGN §7), one zod schema each: the chaincode parses its
 * JSON argument with it (`parseRequest`) and the gateway builds its request bodies from it, so a
 * request field is declared once. Types by `z.infer`.
 */

/** Most items in one `data:RegisterBatch`. */
export const MAX_DATA_BATCH = 1000;
/** Most providers in one `providers:RegisterBatch`. */
export const MAX_PROVIDER_BATCH = 1000;
/** Most ids in one `models:AttestTrainingBatch`. */
export const MAX_TRAINING_BATCH = 1000;
/** Most rights records one output names. */
export const MAX_OUTPUT_RIGHTS = 100;

const Reason = text(MAX_REASON_LENGTH);

/** `providers:Register` / `providers:UpdatePayoutRef`. */
export const ProviderRequest = record({ providerId: Id, payoutRefDigest: Digest });
export type ProviderRequest = z.infer<typeof ProviderRequest>;
/** `providers:RegisterBatch`. */
export const ProviderBatchRequest = record({ items: list(ProviderRequest, 1, MAX_PROVIDER_BATCH) });
export type ProviderBatchRequest = z.infer<typeof ProviderBatchRequest>;

/** `data:Register`, and one item of `data:RegisterBatch`. */
export const DataRegisterRequest = record({
  dataId: Id,
  providerId: Id,
  termsId: Id,
  contentDigest: Digest,
  mediaType: MediaType,
  size: Size,
});
export type DataRegisterRequest = z.infer<typeof DataRegisterRequest>;
/**
 * `data:RegisterBatch`. `listKeys: true` also writes the three list-only marker keys earlier versions
 * wrote per item (by provider, collector, terms); no rule reads them, and lists come from each org's
 * index. It exists so that `npm run bench -- keys` measures both key layouts in one run.
 */
export const DataBatchRequest = record({ items: list(DataRegisterRequest, 1, MAX_DATA_BATCH), listKeys: Bool.optional() });
export type DataBatchRequest = z.infer<typeof DataBatchRequest>;
/** `data:RevokeConsent`. */
export const RevokeConsentRequest = record({ dataId: Id, reason: Reason });
export type RevokeConsentRequest = z.infer<typeof RevokeConsentRequest>;
/** `data:SetDisputed`. */
export const SetDisputedRequest = record({ dataId: Id, disputed: Bool, reason: Reason });
export type SetDisputedRequest = z.infer<typeof SetDisputedRequest>;

/** `models:Register`: a grant only with a base model (fine-tuning from another org's model). */
export const ModelRegisterRequest = record({ modelId: Id, baseModelId: Id.optional(), grantId: Id.optional() }).superRefine(
  (request, ctx) => {
    if (request.grantId !== undefined && request.baseModelId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['grantId'], message: "applies only to fine-tuning from another org's base model" });
    }
  },
);
export type ModelRegisterRequest = z.infer<typeof ModelRegisterRequest>;
/** `models:AttestTrainingBatch`: ids strictly increasing, continuing the previous batch (checked against the model). */
export const AttestTrainingBatchRequest = record({ modelId: Id, dataIds: list(Id, 1, MAX_TRAINING_BATCH), grantId: Id.optional() });
export type AttestTrainingBatchRequest = z.infer<typeof AttestTrainingBatchRequest>;
/** `models:Revoke`. */
export const ModelRevokeRequest = record({ modelId: Id, reason: Reason });
export type ModelRevokeRequest = z.infer<typeof ModelRevokeRequest>;

/** `outputs:Register`. */
export const OutputRegisterRequest = record({
  outputId: Id,
  modelId: Id,
  contentDigest: Digest,
  mediaType: MediaType,
  rightsIds: idSet(0, MAX_OUTPUT_RIGHTS),
  /** The grant on another org's model the output rests on. */
  grantId: Id.optional(),
  /** Where the output will be used; checked against the terms of its training data. */
  territory: Territory.optional(),
  /** Required once the model has versions. */
  modelVersion: integer(1, MAX_MODEL_VERSIONS).optional(),
  /** SHA-256 of the canonical generation record kept in the owner's vault (shared/generation). */
  generationDigest: Digest.optional(),
});
export type OutputRegisterRequest = z.infer<typeof OutputRegisterRequest>;
