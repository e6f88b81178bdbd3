import { Info, Transaction } from 'fabric-contract-api';

import { judgeLineage } from '../domain/lineage';
import {
  DataType,
  DocTypes,
  GrantType,
  MAX_TRAINING_GRANTS,
  ModelArtifactType,
  type ModelProviderCountRecord,
  ModelProviderCountType,
  type ModelRecord,
  ModelTermsCountType,
  ModelType,
  type ModelVersionRecord,
  ModelVersionType,
  type TermsRecord,
  TermsType,
  TrainingExclusionType,
  UsageType,
} from '../ledger/records';
import { type BatchItem, checkBatchItems, orderingProblems, poolShareBps, tally } from '../domain/training';
import { termsVersion } from '../domain/licences';
import { KisekiContext, KisekiContract } from '../ledger/context';
import { emitEvent } from '../ledger/events';
import { requireMember, requireOrg, requireRole } from '../ledger/identity';
import { KeyTypes, Keys, lastAttribute } from '../ledger/keys';
import { MAX_LINEAGE_DEPTH, readLineage, requireModel } from '../ledger/provenance';
import {
  decodeEntries,
  keyExists,
  readHistory,
  readPage,
  readRecord,
  requireRecord,
  prefetch,
  writeJson,
  writeMarker,
  writeRecord,
} from '../ledger/state';
import { txTime, txTimeMs } from '../ledger/time';
import { requireGrantFor } from '../ledger/licences';
import { createVersion, requireVersion } from './model-versions';
import { toJson } from '../shared/codec';
import { parseRequest } from '../shared/schema';
import {
  AddVersionRequest,
  AttestTrainingBatchRequest,
  ExclusionProofQuery,
  InclusionProofQuery,
  MAX_PROVIDER_COUNTS_PAGE,
  MAX_TRAINING_IDS_PAGE,
  ModelRegisterRequest,
  ModelRevokeRequest,
  ModelVersionQuery,
  ModelVersionsQuery,
  ProviderCountsQuery,
  RevokeVersionRequest,
  SealRequest,
  sealVersion,
  TrainingIdsQuery,
} from '../shared/requests';
import { conflict, forbidden, invalid, notFound, wrongState } from '../shared/errors';
import { fromHex, isDigestHex, toHex } from '../shared/hex';
import { frontierAppend, frontierRoot, leafHash, verifyExclusion, verifyInclusion } from '../shared/merkle';
import { ContractNames, EventNames, Roles } from '../shared/names';
import { isNonNegativeInteger, parseIdArgument } from '../shared/validate';

/** Largest page of `models:ListTrainingIds`, and its default; of `models:ListProviderCounts`, and its default. */
export { MAX_PROVIDER_COUNTS_PAGE, MAX_TRAINING_IDS_PAGE };
/** Default page of `models:ListVersions`. */
const DEFAULT_VERSIONS_PAGE = 50;
/** Most versions `models:History` returns (newest first). */
export const MAX_MODEL_HISTORY = 50;

/**
 * Models (`models`) and their training manifests. A studio registers a model (optionally fine-tuned
 * from a sealed base model), attests its training set in batches of strictly increasing dataIds —
 * each item checked, then folded into an RFC 6962 frontier on chain, so the chaincode computes the
 * root itself — and seals it, freezing root and size. Proofs of inclusion and exclusion are checked
 * against the sealed root by any member, the regulator included.
 *
 * Per batch, for each item: a `trainingSet` (modelId, dataId) entry with its leaf index, a `usage`
 * (dataId, modelId) record; per distinct provider and terms: the `modelProviderCount` and
 * `modelTermsCount` counters (see ledger/keys.ts).
 */
@Info({ title: 'Models', description: 'Models, training manifests and their proofs' })
export class ModelsContract extends KisekiContract {
  constructor() {
    super(ContractNames.models);
  }

  /**
   * Registers a model owned by the calling studio. Request: `{ modelId, baseModelId? }`. A base model
   * (any studio's) must be sealed, not revoked, without flagged training data, and at most
   * {@link MAX_LINEAGE_DEPTH} models deep. Returns the record.
   * @throws `FORBIDDEN` unless a studio; `INVALID`; `CONFLICT` when the modelId exists; `NOT_FOUND` for
   * the base; `STATE` when the base cannot be built on.
   */
  @Transaction()
  async Register(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'register models', Roles.studio);
    const { modelId, baseModelId, grantId } = parseRequest(ModelRegisterRequest, request);
    if (baseModelId === modelId) throw invalid('a model cannot be its own base model');
    const key = Keys.model(modelId);
    if (await keyExists(ctx, key)) throw conflict(`model ${modelId} already exists`);

    let lineageDepth = 0;
    let inherited: Pick<ModelRecord, 'commercialUse' | 'derivatives'> = {};
    if (baseModelId !== undefined) {
      const base = await requireModel(ctx, baseModelId);
      if (base.ownerMsp !== caller.mspId) {
        if (grantId === undefined) {
          throw forbidden(
            `${caller.mspId} may not fine-tune model ${baseModelId} of ${base.ownerMsp} without a licence grant on it (grantId)`,
          );
        }
        await requireGrantFor(ctx, caller, grantId, { subjectType: 'model', subjectId: baseModelId }, 'fine-tune');
      } else if (grantId !== undefined) {
        throw invalid(`request is invalid: grantId: base model ${baseModelId} is the caller's own`);
      }
      if (base.derivatives === false)
        throw wrongState(`base model ${baseModelId} was trained on data whose terms do not allow derivatives`);
      inherited = { commercialUse: base.commercialUse, derivatives: base.derivatives };
      if (base.lineageDepth >= MAX_LINEAGE_DEPTH) {
        throw wrongState(`base model ${baseModelId} is ${base.lineageDepth} models deep; at most ${MAX_LINEAGE_DEPTH} allowed`);
      }
      const judgement = judgeLineage((await readLineage(ctx, baseModelId)).map((link) => link.facts));
      if (judgement.verdict !== 'authorized') {
        throw wrongState(`base model ${baseModelId} cannot be built on: ${judgement.reasons.join('; ')}`);
      }
      lineageDepth = base.lineageDepth + 1;
    }
    const record: ModelRecord = {
      docType: DocTypes.model,
      modelId,
      ownerMsp: caller.mspId,
      baseModelId,
      lineageDepth,
      status: 'training',
      frontier: { size: 0, nodes: [] },
      trainingSize: 0,
      batchCount: 0,
      providerCount: 0,
      ...inherited,
      baseGrantId: grantId,
      createdBy: caller.mspId,
      createdAt: txTime(ctx),
    };
    await writeRecord(ctx, key, ModelType, record);
    emitEvent(ctx, EventNames.ModelRegistered, { modelId, ownerMsp: caller.mspId, baseModelId, baseGrantId: grantId });
    return toJson(record);
  }

  /**
   * Attests a batch of training data. Request: `{ modelId, dataIds }` with 1..1000 ids in strictly
   * increasing UTF-8 byte order, the first after the previous batch's last. Every item must exist, be
   * active, and have terms that allow AI training at the transaction's time; otherwise the whole batch
   * is refused, naming every offending id. Returns the updated model record.
   * @throws `FORBIDDEN` unless the model's owner; `INVALID` for shape or ordering; `NOT_FOUND` for the
   * model or missing items; `STATE` for a sealed or revoked model, or items that may not be trained on.
   */
  @Transaction()
  async AttestTrainingBatch(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'attest training data', Roles.studio);
    const { modelId, dataIds, grantId } = parseRequest(AttestTrainingBatchRequest, request);
    const model = await requireModel(ctx, modelId);
    requireOrg(caller, model.ownerMsp, `attest training data for model ${modelId}`);
    if (model.status !== 'training') throw wrongState(`model ${modelId} is ${model.status} and accepts no more training batches`);
    const ordering = orderingProblems(dataIds, model.lastDataId);
    if (ordering.length > 0) throw invalid(`batch refused: dataIds must strictly increase: ${ordering.join('; ')}`);

    // The batch's data records in one multi-key read, then their (few, distinct) terms.
    await prefetch(
      ctx,
      dataIds.flatMap((dataId) => [Keys.data(dataId), Keys.trainingExclusion(dataId)]),
    );
    const items: BatchItem[] = [];
    for (const dataId of dataIds) {
      const data = await readRecord(ctx, Keys.data(dataId), DataType);
      const terms = data === undefined ? undefined : await readRecord(ctx, Keys.terms(data.termsId), TermsType);
      const exclusion = await readRecord(ctx, Keys.trainingExclusion(dataId), TrainingExclusionType);
      items.push({ dataId, data, terms, excludedAfterReview: exclusion?.reviewId });
    }
    const { missing, refused } = checkBatchItems(items, txTimeMs(ctx));
    const foreign = items.filter((item) => item.data !== undefined && item.data.collectorMsp !== caller.mspId);
    let grantDataset: string | undefined;
    if (foreign.length > 0) {
      const named = foreign
        .slice(0, 10)
        .map((item) => `${item.dataId} (collected by ${item.data?.collectorMsp ?? '?'})`)
        .join(', ');
      if (grantId === undefined) {
        throw forbidden(
          `${caller.mspId} may not train on data collected by other orgs without a dataset licence grant (grantId): ${named}`,
        );
      }
      const grant = await requireRecord(ctx, Keys.grant(grantId), GrantType, `grant ${grantId}`);
      if (grant.subjectType !== 'dataset')
        throw forbidden(`grant ${grantId} is on ${grant.subjectType} ${grant.subjectId}, not on a dataset`);
      await requireGrantFor(ctx, caller, grantId, { subjectType: 'dataset', subjectId: grant.subjectId }, 'training');
      grantDataset = grant.subjectId;
      const dataset = grant.subjectId;
      await prefetch(
        ctx,
        foreign.map((item) => Keys.datasetMember(dataset, item.dataId)),
      );
      const outside: string[] = [];
      for (const item of foreign) if (!(await keyExists(ctx, Keys.datasetMember(dataset, item.dataId)))) outside.push(item.dataId);
      if (outside.length > 0) throw forbidden(`grant ${grantId} covers dataset ${dataset}, which does not hold ${outside.join(', ')}`);
    }
    const trainingGrantIds =
      grantDataset === undefined || grantId === undefined
        ? model.trainingGrantIds
        : [...new Set([...(model.trainingGrantIds ?? []), grantId])].sort();
    if (trainingGrantIds !== undefined && trainingGrantIds.length > MAX_TRAINING_GRANTS) {
      throw wrongState(`model ${modelId} already rests on ${MAX_TRAINING_GRANTS} dataset grants`);
    }
    if (missing.length > 0 || refused.length > 0) {
      const parts = [];
      if (missing.length > 0) parts.push(`not registered: ${missing.join(', ')}`);
      if (refused.length > 0) parts.push(`may not be trained on: ${refused.join('; ')}`);
      const message = `batch refused; ${parts.join('; ')}`;
      throw missing.length > 0 ? notFound(message) : wrongState(message);
    }

    const now = txTime(ctx);
    const stamp = { createdBy: caller.mspId, createdAt: now };
    const start = model.trainingSize;
    for (const [i, { dataId, data, terms }] of items.entries()) {
      if (data === undefined) continue; // checked above
      await writeJson(ctx, Keys.trainingSet(modelId, dataId), { index: start + i });
      await writeRecord(ctx, Keys.usage(dataId, modelId), UsageType, {
        docType: DocTypes.usage,
        dataId,
        modelId,
        providerId: data.providerId,
        termsId: data.termsId,
        index: start + i,
        termsVersion: terms === undefined ? undefined : termsVersion(terms),
        grantId: data.collectorMsp === caller.mspId ? undefined : grantId,
        ...stamp,
      });
    }

    const providerCounts = [];
    let newProviders = 0;
    const perProvider = tally(items.map((item) => item.data?.providerId ?? ''));
    // A batch may span up to a thousand providers: their counters in one multi-key read.
    await prefetch(
      ctx,
      perProvider.map(([providerId]) => Keys.modelProviderCount(modelId, providerId)),
    );
    for (const [providerId, added] of perProvider) {
      const key = Keys.modelProviderCount(modelId, providerId);
      const current = await readRecord(ctx, key, ModelProviderCountType);
      if (current === undefined) {
        newProviders += 1;
        // The provider's index of models it trained (read by revenue:Statement and revenue:Claim).
        await writeMarker(ctx, Keys.providerModel(providerId, modelId));
      }
      const next: ModelProviderCountRecord =
        current === undefined
          ? { docType: DocTypes.modelProviderCount, modelId, providerId, count: added, ...stamp }
          : { ...current, count: current.count + added, updatedBy: caller.mspId, updatedAt: now };
      await writeRecord(ctx, key, ModelProviderCountType, next);
      providerCounts.push({ providerId, added, count: next.count });
    }
    const termsCounts = [];
    const termsById = new Map<string, TermsRecord>();
    for (const item of items) if (item.terms !== undefined) termsById.set(item.terms.termsId, item.terms);
    for (const [termsId, added] of tally(items.map((item) => item.data?.termsId ?? ''))) {
      const key = Keys.modelTermsCount(modelId, termsId);
      const current = await readRecord(ctx, key, ModelTermsCountType);
      const count = (current?.count ?? 0) + added;
      const version = termsVersion(termsById.get(termsId) ?? {});
      const versions = [...new Set([...(current?.versions ?? []), version])].sort((a, b) => a - b);
      await writeRecord(
        ctx,
        key,
        ModelTermsCountType,
        current === undefined
          ? { docType: DocTypes.modelTermsCount, modelId, termsId, count, versions, ...stamp }
          : { ...current, count, versions, updatedBy: caller.mspId, updatedAt: now },
      );
      termsCounts.push({ termsId, added, count, version });
    }

    const frontier = frontierAppend(model.frontier, dataIds);
    const lastDataId = dataIds[dataIds.length - 1];
    const record: ModelRecord = {
      ...model,
      frontier,
      trainingSize: frontier.size,
      lastDataId,
      batchCount: model.batchCount + 1,
      providerCount: model.providerCount + newProviders,
      dataPoolShareBps: poolShareBps(
        model.dataPoolShareBps,
        [...termsById.values()].map((terms) => terms.dataPoolShareBps),
      ),
      commercialUse: [...termsById.values()].every((terms) => terms.commercialUse) && model.commercialUse !== false,
      derivatives: [...termsById.values()].every((terms) => terms.derivatives) && model.derivatives !== false,
      trainingGrantIds,
      updatedBy: caller.mspId,
      updatedAt: now,
    };
    await writeRecord(ctx, Keys.model(modelId), ModelType, record);
    emitEvent(ctx, EventNames.TrainingBatchAttested, {
      modelId,
      count: dataIds.length,
      dataIds,
      firstDataId: dataIds[0],
      lastDataId,
      trainingSize: frontier.size,
      root: toHex(frontierRoot(frontier)),
      providerCounts,
      termsCounts,
    });
    return toJson(record);
  }

  /**
   * Seals a model: its training root (lowercase hex RFC 6962 root of the attested ids) and size are
   * frozen, and no batch is accepted any more. Request: `{ modelId }`, or with the artifacts of its
   * first version `{ modelId, artifactDigest, artifactFileCount, artifactBytes, recipeDigest, label? }`
   * (see `AddVersion`), which seals version 1 bound to the root in the same transaction. Returns the
   * record.
   * @throws `FORBIDDEN` unless the owner; `INVALID`; `NOT_FOUND`; `STATE` unless training with at least
   * one attested item; `CONFLICT` for artifacts already registered.
   */
  @Transaction()
  async Seal(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'seal models', Roles.studio);
    const sealRequest = parseRequest(SealRequest, request);
    const { modelId } = sealRequest;
    const versionFields = sealVersion(sealRequest);
    const model = await requireModel(ctx, modelId);
    requireOrg(caller, model.ownerMsp, `seal model ${modelId}`);
    if (model.status !== 'training') throw wrongState(`model ${modelId} is ${model.status}, not training`);
    if (model.trainingSize === 0) throw wrongState(`model ${modelId} has no attested training data to seal`);
    const now = txTime(ctx);
    let record: ModelRecord = {
      ...model,
      status: 'sealed',
      trainingRoot: toHex(frontierRoot(model.frontier)),
      sealedAt: now,
      updatedBy: caller.mspId,
      updatedAt: now,
    };
    const version = versionFields === undefined ? undefined : await createVersion(ctx, caller, record, versionFields);
    if (version !== undefined) record = { ...record, versionCount: version.version };
    await writeRecord(ctx, Keys.model(modelId), ModelType, record);
    emitEvent(ctx, EventNames.ModelSealed, {
      modelId,
      trainingRoot: record.trainingRoot,
      trainingSize: record.trainingSize,
      dataPoolShareBps: record.dataPoolShareBps,
      version,
    });
    return toJson(record);
  }

  /**
   * Revokes a model (training or sealed): it accepts no batches and produces no outputs; outputs of it
   * and of models built on it verify as `unauthorized`. A sealed model keeps its root for proofs.
   * Request: `{ modelId, reason }`. Returns the record.
   * @throws `FORBIDDEN` unless the owner; `INVALID`; `NOT_FOUND`; `STATE` when already revoked.
   */
  @Transaction()
  async Revoke(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'revoke models', Roles.studio);
    const { modelId, reason } = parseRequest(ModelRevokeRequest, request);
    const model = await requireModel(ctx, modelId);
    requireOrg(caller, model.ownerMsp, `revoke model ${modelId}`);
    if (model.status === 'revoked') throw wrongState(`model ${modelId} is already revoked`);
    const now = txTime(ctx);
    const record: ModelRecord = {
      ...model,
      status: 'revoked',
      revokedAt: now,
      revokedReason: reason,
      updatedBy: caller.mspId,
      updatedAt: now,
    };
    await writeRecord(ctx, Keys.model(modelId), ModelType, record);
    emitEvent(ctx, EventNames.ModelRevoked, { modelId, previousStatus: model.status, reason });
    return toJson(record);
  }

  /**
   * The model record.
   * @throws `NOT_FOUND`; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async Get(ctx: KisekiContext, modelId: string): Promise<string> {
    requireMember(ctx);
    return toJson(await requireModel(ctx, parseIdArgument(modelId, 'modelId')));
  }

  /**
   * The versions of the model record, newest first, with the transaction that wrote each (one per
   * training batch, the seal, a revocation): `{ modelId, entries: [{ txId, timestamp, isDelete,
   * record }], more }`, at most {@link MAX_MODEL_HISTORY}. The seal is among the newest entries.
   * @throws `NOT_FOUND` when the model never existed; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async History(ctx: KisekiContext, modelId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(modelId, 'modelId');
    const { entries, more } = await readHistory(ctx, Keys.model(id), ModelType, MAX_MODEL_HISTORY);
    if (entries.length === 0) throw notFound(`model ${id} does not exist`);
    return toJson({ modelId: id, entries, more });
  }

  /**
   * A page of a model's training ids in leaf order (ascending UTF-8 bytes), for building proofs.
   * Query: `{ modelId, pageSize? (1..1000, default 1000), bookmark? }`. Returns
   * `{ modelId, status, trainingSize, trainingRoot?, startIndex, ids, bookmark }`, where `startIndex` is
   * the leaf index of `ids[0]` and the bookmark is '' after the last page.
   * @throws `NOT_FOUND` for the model; `INVALID`.
   */
  @Transaction(false)
  async ListTrainingIds(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { modelId, pageSize = MAX_TRAINING_IDS_PAGE, bookmark = '' } = parseRequest(TrainingIdsQuery, query, 'query');
    const model = await requireModel(ctx, modelId);
    const page = await readPage(ctx, KeyTypes.trainingSet, [modelId], pageSize, bookmark);
    const ids = page.entries.map((entry) => lastAttribute(entry.key));
    const first = page.entries[0];
    const startIndex = first === undefined ? model.trainingSize : trainingIndex(first.value);
    return toJson({
      modelId,
      status: model.status,
      trainingSize: model.trainingSize,
      trainingRoot: model.trainingRoot,
      startIndex,
      ids,
      bookmark: page.bookmark,
    });
  }

  /**
   * A page of a model's per-provider item counts in providerId order. Query:
   * `{ modelId, pageSize? (1..200, default 200), bookmark? }`. Returns `{ items, bookmark }`.
   */
  @Transaction(false)
  async ListProviderCounts(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { modelId, pageSize = MAX_PROVIDER_COUNTS_PAGE, bookmark = '' } = parseRequest(ProviderCountsQuery, query, 'query');
    const page = await readPage(ctx, KeyTypes.modelProviderCount, [modelId], pageSize, bookmark);
    return toJson({ items: decodeEntries(page.entries, ModelProviderCountType), bookmark: page.bookmark });
  }

  /**
   * Checks an RFC 6962 inclusion proof of a dataId against the model's sealed root, on this peer.
   * Query: `{ modelId, dataId, index, path: [hex] }`. Returns `{ modelId, dataId, index, trainingSize,
   * trainingRoot, status, valid }`; a proof that does not check out gives `valid: false`.
   * @throws `NOT_FOUND` for the model; `STATE` when it was never sealed; `INVALID` for a malformed query.
   */
  @Transaction(false)
  async VerifyInclusion(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { modelId, dataId, index, path } = parseRequest(InclusionProofQuery, query, 'query');
    const { model, root } = await sealedRoot(ctx, modelId);
    const proof = path.map((node) => fromHex(node, 32));
    const valid = verifyInclusion(leafHash(dataId), index, model.trainingSize, proof, root);
    return toJson({
      modelId,
      dataId,
      index,
      trainingSize: model.trainingSize,
      trainingRoot: model.trainingRoot,
      status: model.status,
      valid,
    });
  }

  /**
   * Checks an exclusion proof ("this dataId is not in the training set") against the sealed root.
   * Query: `{ modelId, dataId, proof: { size, predecessor?, successor? } }` (shared/merkle
   * `ExclusionProof`). Returns `{ modelId, dataId, trainingSize, trainingRoot, status, valid }`.
   * @throws as `VerifyInclusion`.
   */
  @Transaction(false)
  async VerifyExclusion(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { modelId, dataId, proof } = parseRequest(ExclusionProofQuery, query, 'query');
    const { model, root } = await sealedRoot(ctx, modelId);
    const valid = proof.size === model.trainingSize && verifyExclusion(dataId, proof, root);
    return toJson({ modelId, dataId, trainingSize: model.trainingSize, trainingRoot: model.trainingRoot, status: model.status, valid });
  }

  /**
   * Adds a version to a sealed model: new weights of the same training set (a re-run with another
   * recipe, a conversion, a quantisation). Request: `{ modelId, artifactDigest, artifactFileCount,
   * artifactBytes, recipeDigest, label?, parentVersion? }` — `artifactDigest` is the SHA-256 of the
   * canonical artifact manifest (shared/artifacts), `recipeDigest` the SHA-256 of the recipe text; both
   * texts stay in the owner's vault. The version gets the next number and a `bindingDigest` over
   * model, version, training root and size, artifact and recipe digests. Returns the version record.
   * @throws `FORBIDDEN` unless the owner; `INVALID`; `NOT_FOUND`; `STATE` unless sealed;
   * `CONFLICT` for artifacts already registered (by any model).
   */
  @Transaction()
  async AddVersion(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'add model versions', Roles.studio);
    const { modelId, ...fields } = parseRequest(AddVersionRequest, request);
    const model = await requireModel(ctx, modelId);
    requireOrg(caller, model.ownerMsp, `add versions to model ${modelId}`);
    const version = await createVersion(ctx, caller, model, fields);
    const now = txTime(ctx);
    await writeRecord(ctx, Keys.model(modelId), ModelType, {
      ...model,
      versionCount: version.version,
      updatedBy: caller.mspId,
      updatedAt: now,
    });
    emitEvent(ctx, EventNames.ModelVersionAdded, { version });
    return toJson(version);
  }

  /**
   * Revokes one version (leaked or faulty weights): it produces no more outputs, and outputs of it
   * verify as `unauthorized`. Request: `{ modelId, version, reason }`. Returns the version record.
   * @throws `FORBIDDEN` unless the owner; `INVALID`; `NOT_FOUND`; `STATE` when already revoked.
   */
  @Transaction()
  async RevokeVersion(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'revoke model versions', Roles.studio);
    const { modelId, version: versionNumber, reason } = parseRequest(RevokeVersionRequest, request);
    const model = await requireModel(ctx, modelId);
    requireOrg(caller, model.ownerMsp, `revoke versions of model ${modelId}`);
    const version = await requireVersion(ctx, modelId, versionNumber);
    if (version.status === 'revoked') throw wrongState(`version ${versionNumber} of model ${modelId} is already revoked`);
    const now = txTime(ctx);
    const record: ModelVersionRecord = {
      ...version,
      status: 'revoked',
      revokedAt: now,
      revokedReason: reason,
      updatedBy: caller.mspId,
      updatedAt: now,
    };
    await writeRecord(ctx, Keys.modelVersion(modelId, versionNumber), ModelVersionType, record);
    emitEvent(ctx, EventNames.ModelVersionRevoked, { modelId, version: versionNumber, reason });
    return toJson(record);
  }

  /**
   * One version of a model. Query: `{ modelId, version }`.
   * @throws `NOT_FOUND`; `INVALID`.
   */
  @Transaction(false)
  async GetVersion(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { modelId, version } = parseRequest(ModelVersionQuery, query, 'query');
    return toJson(await requireVersion(ctx, modelId, version));
  }

  /**
   * A page of a model's versions in version order. Query: `{ modelId, pageSize? (1..200, default 50),
   * bookmark? }`. Returns `{ items, bookmark }`.
   * @throws `NOT_FOUND` for the model; `INVALID`.
   */
  @Transaction(false)
  async ListVersions(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { modelId, pageSize = DEFAULT_VERSIONS_PAGE, bookmark = '' } = parseRequest(ModelVersionsQuery, query, 'query');
    await requireModel(ctx, modelId);
    const page = await readPage(ctx, KeyTypes.modelVersion, [modelId], pageSize, bookmark);
    return toJson({ items: decodeEntries(page.entries, ModelVersionType), bookmark: page.bookmark });
  }

  /**
   * Which model version these weights are: the version whose artifact digest is `artifactDigest`, so
   * anyone holding a model folder can compute its manifest digest and look it up.
   * @throws `NOT_FOUND` when no version has these artifacts; `INVALID` for a malformed digest.
   */
  @Transaction(false)
  async FindByArtifact(ctx: KisekiContext, artifactDigest: string): Promise<string> {
    requireMember(ctx);
    if (!isDigestHex(artifactDigest)) throw invalid('artifactDigest must be a lowercase hex SHA-256 digest');
    const entry = await readRecord(ctx, Keys.modelArtifact(artifactDigest), ModelArtifactType);
    if (entry === undefined) throw notFound(`no model version has artifacts ${artifactDigest}`);
    return toJson(await requireVersion(ctx, entry.modelId, entry.version));
  }
}

/** The model and its sealed root as bytes. */
async function sealedRoot(ctx: KisekiContext, modelId: string): Promise<{ model: ModelRecord; root: Buffer }> {
  const model = await requireModel(ctx, modelId);
  if (model.trainingRoot === undefined) throw wrongState(`model ${modelId} was never sealed; it has no training root`);
  return { model, root: fromHex(model.trainingRoot, 32) };
}

function trainingIndex(value: Uint8Array): number {
  const parsed: unknown = JSON.parse(Buffer.from(value).toString('utf8'));
  const index = (parsed as { index?: unknown } | null)?.index;
  if (!isNonNegativeInteger(index)) throw new Error('training-set entry without a leaf index');
  return index;
}
