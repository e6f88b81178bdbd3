import {
  MAX_MODEL_VERSIONS,
  ModelArtifactType,
  type ModelRecord,
  type ModelVersionRecord,
  ModelVersionType,
  DocTypes,
} from '../ledger/records';
import type { KisekiContext } from '../ledger/context';
import type { Caller } from '../ledger/identity';
import { readRecord, requireRecord, writeRecord } from '../ledger/state';
import { txTime } from '../ledger/time';
import { versionBindingDigest } from '../shared/artifacts';
import { conflict, invalid, wrongState } from '../shared/errors';
import type { VersionFields } from '../shared/requests';
import { Keys } from '../ledger/keys';

/**
 * Model versions as the models contract writes them: the writes that create one (the version record, the artifact-digest index, the model's version count).
 * A version exists only on a sealed model, so its binding names a frozen training root.
 */

/**
 * Creates version `model.versionCount + 1` of a sealed model: checks the artifact digest is new and the
 * parent exists, writes the version and its index entry. The caller writes the model record with the
 * returned count.
 * @throws `STATE` unless sealed or at the version limit; `CONFLICT` for weights already registered;
 * `INVALID` for a parent that does not exist.
 */
export async function createVersion(
  ctx: KisekiContext,
  caller: Caller,
  model: ModelRecord,
  fields: VersionFields,
): Promise<ModelVersionRecord> {
  if (model.status !== 'sealed' || model.trainingRoot === undefined) {
    throw wrongState(`model ${model.modelId} is ${model.status}; versions are added to sealed models only`);
  }
  const count = model.versionCount ?? 0;
  if (count >= MAX_MODEL_VERSIONS) throw wrongState(`model ${model.modelId} already has ${MAX_MODEL_VERSIONS} versions`);
  const twin = await readRecord(ctx, Keys.modelArtifact(fields.artifactDigest), ModelArtifactType);
  if (twin !== undefined) {
    throw conflict(`these artifacts are already registered as version ${twin.version} of model ${twin.modelId}`);
  }
  if (fields.parentVersion !== undefined && fields.parentVersion > count) {
    throw invalid(`parentVersion ${fields.parentVersion} does not exist; model ${model.modelId} has ${count} versions`);
  }
  const version = count + 1;
  const now = txTime(ctx);
  const record: ModelVersionRecord = {
    docType: DocTypes.modelVersion,
    modelId: model.modelId,
    version,
    ownerMsp: model.ownerMsp,
    trainingRoot: model.trainingRoot,
    trainingSize: model.trainingSize,
    artifactDigest: fields.artifactDigest,
    artifactFileCount: fields.artifactFileCount,
    artifactBytes: fields.artifactBytes,
    recipeDigest: fields.recipeDigest,
    bindingDigest: versionBindingDigest({
      modelId: model.modelId,
      version,
      trainingRoot: model.trainingRoot,
      trainingSize: model.trainingSize,
      artifactDigest: fields.artifactDigest,
      recipeDigest: fields.recipeDigest,
    }),
    label: fields.label,
    parentVersion: fields.parentVersion,
    status: 'active',
    createdBy: caller.mspId,
    createdAt: now,
  };
  await writeRecord(ctx, Keys.modelVersion(model.modelId, version), ModelVersionType, record);
  await writeRecord(ctx, Keys.modelArtifact(fields.artifactDigest), ModelArtifactType, {
    docType: DocTypes.modelArtifact,
    artifactDigest: fields.artifactDigest,
    modelId: model.modelId,
    version,
    createdBy: caller.mspId,
    createdAt: now,
  });
  return record;
}

/**
 * A version of a model.
 * @throws `NOT_FOUND` when the model has no such version.
 */
export function requireVersion(ctx: KisekiContext, modelId: string, version: number): Promise<ModelVersionRecord> {
  return requireRecord(ctx, Keys.modelVersion(modelId, version), ModelVersionType, `version ${version} of model ${modelId}`);
}

/** A version of a model, or `undefined`. */
export function readVersion(ctx: KisekiContext, modelId: string, version: number): Promise<ModelVersionRecord | undefined> {
  return readRecord(ctx, Keys.modelVersion(modelId, version), ModelVersionType);
}
