import { Info, Transaction } from 'fabric-contract-api';

import {
  DataDigestType,
  type DataRecord,
  type DatasetRecord,
  DatasetType,
  DataType,
  DocTypes,
  FlagSyncType,
  ModelFlagCountType,
  type ModelFlagRecord,
  ModelFlagType,
  ProviderType,
  TermsType,
  UsageType,
} from '../ledger/records';
import { KisekiContext, KisekiContract } from '../ledger/context';
import { emitEvent } from '../ledger/events';
import { type Caller, requireMember, requireOrg, requireRole } from '../ledger/identity';
import { KeyTypes, Keys, lastAttribute } from '../ledger/keys';
import { modelFlagCounts } from '../ledger/provenance';
import {
  decodeEntries,
  deleteKey,
  keyExists,
  readAll,
  readHistory,
  readPage,
  readRecord,
  requireRecord,
  writeMarker,
  prefetch,
  writeRecord,
} from '../ledger/state';
import { txTime } from '../ledger/time';
import { toJson } from '../shared/codec';
import { parseRequest } from '../shared/schema';
import {
  DataBatchRequest,
  DataRegisterRequest,
  DatasetAddRequest,
  DatasetMemberQuery,
  DatasetRegisterRequest,
  MAX_DATA_BATCH,
  MAX_DATA_PAGE,
  PropagateFlagsRequest,
  RevokeConsentRequest,
  SetDisputedRequest,
  UsageQuery,
} from '../shared/requests';
import { conflict, forbidden, notFound, wrongState } from '../shared/errors';
import { compareIds } from '../shared/merkle';
import { ContractNames, EventNames, Roles } from '../shared/names';
import { parseDigestArgument, parseIdArgument } from '../shared/validate';

/** Most items in one `data:RegisterBatch`. */
export { MAX_DATA_BATCH };
/** Largest page of `data:ListUsage`. */
export { MAX_DATA_PAGE };
const DEFAULT_DATA_PAGE = 50;
/** Most history entries `data:History` returns (newest first). */
export const MAX_DATA_HISTORY = 100;
/**
 * Most models one revocation, dispute or `data:PropagateFlags` flags in one transaction, so its cost is
 * bounded whatever the number of models that used the item; the rest follow in later
 * `data:PropagateFlags` calls, and meanwhile the lineage judgement counts the pending item itself.
 */
export const FLAGS_PER_TRANSACTION = 32;

type DataItem = DataRegisterRequest;

const distinctSorted = (values: Iterable<string>): string[] => [...new Set(values)].sort(compareIds);

/**
 * Training data (`data`): registration (one or a bounded batch), consent revocation, disputes, history
 * and paged queries. Content never reaches the ledger: only its SHA-256, media type and size.
 *
 * Access: studios register data of the providers they manage; consent is revoked by the provider's
 * managing studio; a dispute is raised or cleared by the licensor or by the studio that collected the
 * item; everyone in the consortium reads.
 */
@Info({ title: 'Training data', description: 'Registration, consent and queries of training-data items' })
export class DataContract extends KisekiContract {
  constructor() {
    super(ContractNames.data);
  }

  /**
   * Registers one item. Request: `{ dataId, providerId, termsId, contentDigest, mediaType, size }`.
   * Returns the record.
   * @throws `FORBIDDEN` unless the studio managing the provider; `INVALID`; `NOT_FOUND` for the provider
   * or terms; `CONFLICT` when the dataId or the content digest is already registered.
   */
  @Transaction()
  async Register(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'register data', Roles.studio);
    const item = parseRequest(DataRegisterRequest, request);
    const records = await registerItems(ctx, caller, [item], false);
    emitEvent(ctx, EventNames.DataRegistered, { collectorMsp: caller.mspId, count: 1, dataIds: [item.dataId] });
    return toJson(records[0]);
  }

  /**
   * Registers up to {@link MAX_DATA_BATCH} items at once, all or none. Request: `{ items: [...] }`,
   * each as for `Register`. Returns `{ collectorMsp, count, createdAt, dataIds }` (the records are the
   * items plus those fields and `status: active`; echoing them all would double the block size).
   * @throws as `Register`, naming every offending item; a digest or dataId repeated inside the batch
   * is a `CONFLICT` too.
   */
  @Transaction()
  async RegisterBatch(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'register data', Roles.studio);
    const { items, listKeys } = parseRequest(DataBatchRequest, request);
    const records = await registerItems(ctx, caller, items, listKeys === true);
    const dataIds = records.map((record) => record.dataId);
    emitEvent(ctx, EventNames.DataRegistered, { collectorMsp: caller.mspId, count: dataIds.length, dataIds });
    return toJson({ collectorMsp: caller.mspId, count: dataIds.length, createdAt: txTime(ctx), dataIds });
  }

  /**
   * Revokes the provider's consent for an item, for good: the item can no longer be trained on, and
   * every model that already used it is flagged (so outputs of those models stop verifying as
   * `authorized`). Request: `{ dataId, reason }`. Returns the updated record.
   * @throws `FORBIDDEN` unless the provider's managing studio; `INVALID`; `NOT_FOUND`;
   * `STATE` when consent is already revoked.
   */
  @Transaction()
  async RevokeConsent(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'revoke consent', Roles.studio);
    const { dataId, reason } = parseRequest(RevokeConsentRequest, request);
    const data = await requireRecord(ctx, Keys.data(dataId), DataType, `data item ${dataId}`);
    const provider = await requireRecord(ctx, Keys.provider(data.providerId), ProviderType, `provider ${data.providerId}`);
    requireOrg(caller, provider.managingMsp, `revoke consent for data of provider ${data.providerId}`);
    if (data.status === 'consent-revoked') throw wrongState(`consent for data item ${dataId} is already revoked`);

    const now = txTime(ctx);
    const record: DataRecord = { ...data, status: 'consent-revoked', statusReason: reason, updatedBy: caller.mspId, updatedAt: now };
    const flags = await changeFlags(ctx, caller, record, reason, now);
    await writeRecord(ctx, Keys.data(dataId), DataType, record);
    emitEvent(ctx, EventNames.DataConsentRevoked, {
      dataId,
      providerId: data.providerId,
      reason,
      flaggedModelIds: flags.modelIds,
      ...(flags.pending && { flagsPending: true }),
    });
    return toJson(record);
  }

  /**
   * Raises (`disputed: true`) or clears (`false`) a dispute on an item. A disputed item cannot be
   * trained on, and models that used it are flagged until the dispute is cleared. Request:
   * `{ dataId, disputed, reason }`. Returns the updated record.
   * @throws `FORBIDDEN` unless the licensor whose terms the item is under, or the collecting studio; `INVALID`; `NOT_FOUND`;
   * `STATE` when consent was revoked, or the item is already (not) disputed.
   */
  @Transaction()
  async SetDisputed(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'dispute data', Roles.licensor, Roles.studio);
    const { dataId, disputed, reason } = parseRequest(SetDisputedRequest, request);
    const data = await requireRecord(ctx, Keys.data(dataId), DataType, `data item ${dataId}`);
    const terms = await readRecord(ctx, Keys.terms(data.termsId), TermsType);
    const issuer = terms?.issuerMsp;
    if (caller.mspId !== data.collectorMsp && caller.mspId !== issuer) {
      throw forbidden(
        `${caller.mspId} may not dispute data item ${dataId}: only its collector ${data.collectorMsp} or ${issuer ?? 'the licensor'} whose terms it is under may`,
      );
    }
    if (data.status === 'consent-revoked') throw wrongState(`consent for data item ${dataId} was revoked; disputes no longer apply`);
    if (disputed && data.status === 'disputed') throw wrongState(`data item ${dataId} is already disputed`);
    if (!disputed && data.status !== 'disputed') throw wrongState(`data item ${dataId} is not disputed`);

    const now = txTime(ctx);
    const status = disputed ? 'disputed' : 'active';
    const record: DataRecord = { ...data, status, statusReason: reason, updatedBy: caller.mspId, updatedAt: now };
    const flags = await changeFlags(ctx, caller, record, reason, now);
    await writeRecord(ctx, Keys.data(dataId), DataType, record);
    emitEvent(ctx, EventNames.DataDisputeChanged, {
      dataId,
      disputed,
      status,
      reason,
      flaggedModelIds: flags.modelIds,
      ...(flags.pending && { flagsPending: true }),
    });
    return toJson(record);
  }

  /**
   * Continues flagging the models that used an item after its consent was revoked or a dispute
   * changed, {@link FLAGS_PER_TRANSACTION} models per call, until none remain (then the `flagSync`
   * record goes). Any studio or licensor may call it; it only writes what the item's status implies.
   * Request: `{ dataId }`. Returns `{ dataId, status, modelIds, done, pending }`.
   * @throws `FORBIDDEN` for the regulator; `INVALID`; `NOT_FOUND` when nothing is pending for the item.
   */
  @Transaction()
  async PropagateFlags(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'propagate flags', Roles.studio, Roles.licensor);
    const { dataId } = parseRequest(PropagateFlagsRequest, request);
    const syncKey = Keys.flagSync(dataId);
    const sync = await requireRecord(ctx, syncKey, FlagSyncType, `pending flags of data item ${dataId}`);
    const data = await requireRecord(ctx, Keys.data(dataId), DataType, `data item ${dataId}`);
    const now = txTime(ctx);
    const { modelIds, more } = await reconcileFlags(
      ctx,
      caller,
      data,
      data.statusReason ?? sync.reason,
      now,
      sync.done,
      FLAGS_PER_TRANSACTION,
    );
    const done = sync.done + modelIds.length;
    if (more) await writeRecord(ctx, syncKey, FlagSyncType, { ...sync, done, updatedBy: caller.mspId, updatedAt: now });
    else await deleteKey(ctx, syncKey);
    const result = { dataId, status: data.status, modelIds, done, pending: more };
    emitEvent(ctx, EventNames.DataFlagsPropagated, result);
    return toJson(result);
  }

  /**
   * Registers a dataset owned by the caller, optionally with its first items. Request:
   * `{ datasetId, dataIds? }` (0..1000 distinct ids). A studio groups items it collected; a licensor
   * items collected under terms it issued. Returns the dataset.
   * @throws `FORBIDDEN` for the regulator or an item the caller may not group; `INVALID`;
   *   `NOT_FOUND` for a missing item; `CONFLICT` when the datasetId exists.
   */
  @Transaction()
  async RegisterDataset(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'register datasets', Roles.studio, Roles.licensor);
    const { datasetId, dataIds = [] } = parseRequest(DatasetRegisterRequest, request);
    if (await keyExists(ctx, Keys.dataset(datasetId))) throw conflict(`dataset ${datasetId} already exists`);
    await checkDatasetItems(ctx, caller, datasetId, dataIds);
    const record: DatasetRecord = {
      docType: DocTypes.dataset,
      datasetId,
      ownerMsp: caller.mspId,
      itemCount: dataIds.length,
      createdBy: caller.mspId,
      createdAt: txTime(ctx),
    };
    for (const dataId of dataIds) await writeMarker(ctx, Keys.datasetMember(datasetId, dataId));
    await writeRecord(ctx, Keys.dataset(datasetId), DatasetType, record);
    emitEvent(ctx, EventNames.DatasetChanged, { datasetId, ownerMsp: caller.mspId, added: dataIds, itemCount: record.itemCount });
    return toJson(record);
  }

  /**
   * Adds items to a dataset; its owner only, under the rules of `RegisterDataset`. Items already in
   * it are refused. Request: `{ datasetId, dataIds }` (1..1000). Returns the dataset.
   * @throws `FORBIDDEN` unless the owner (naming both), or for an item it may not group; `INVALID`;
   *   `NOT_FOUND`; `CONFLICT` for an item already in the dataset.
   */
  @Transaction()
  async AddToDataset(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'change datasets', Roles.studio, Roles.licensor);
    const { datasetId, dataIds } = parseRequest(DatasetAddRequest, request);
    const dataset = await requireRecord(ctx, Keys.dataset(datasetId), DatasetType, `dataset ${datasetId}`);
    requireOrg(caller, dataset.ownerMsp, `change dataset ${datasetId}`);
    await checkDatasetItems(ctx, caller, datasetId, dataIds);
    const record: DatasetRecord = {
      ...dataset,
      itemCount: dataset.itemCount + dataIds.length,
      updatedBy: caller.mspId,
      updatedAt: txTime(ctx),
    };
    for (const dataId of dataIds) await writeMarker(ctx, Keys.datasetMember(datasetId, dataId));
    await writeRecord(ctx, Keys.dataset(datasetId), DatasetType, record);
    emitEvent(ctx, EventNames.DatasetChanged, { datasetId, ownerMsp: dataset.ownerMsp, added: dataIds, itemCount: record.itemCount });
    return toJson(record);
  }

  /**
   * The dataset record.
   * @throws `NOT_FOUND`; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async GetDataset(ctx: KisekiContext, datasetId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(datasetId, 'datasetId');
    return toJson(await requireRecord(ctx, Keys.dataset(id), DatasetType, `dataset ${id}`));
  }

  /**
   * Whether an item belongs to a dataset. Query: `{ datasetId, dataId }`. Returns
   * `{ datasetId, dataId, member }`.
   * @throws `NOT_FOUND` for the dataset; `INVALID`.
   */
  @Transaction(false)
  async IsDatasetMember(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { datasetId, dataId } = parseRequest(DatasetMemberQuery, query, 'query');
    await requireRecord(ctx, Keys.dataset(datasetId), DatasetType, `dataset ${datasetId}`);
    return toJson({ datasetId, dataId, member: await keyExists(ctx, Keys.datasetMember(datasetId, dataId)) });
  }

  /**
   * The data record.
   * @throws `NOT_FOUND`; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async Get(ctx: KisekiContext, dataId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(dataId, 'dataId');
    return toJson(await requireRecord(ctx, Keys.data(id), DataType, `data item ${id}`));
  }

  /**
   * Every version of the record, newest first (at most {@link MAX_DATA_HISTORY}):
   * `{ dataId, entries: [{ txId, timestamp, isDelete, record }], more }`.
   * @throws `NOT_FOUND` when the item never existed; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async History(ctx: KisekiContext, dataId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(dataId, 'dataId');
    const { entries, more } = await readHistory(ctx, Keys.data(id), DataType, MAX_DATA_HISTORY);
    if (entries.length === 0) throw notFound(`data item ${id} does not exist`);
    return toJson({ dataId: id, entries, more });
  }

  /**
   * The data item registered with these bytes: lookup by content, over the digest index that
   * registration writes (the same bytes can be registered only once).
   * @throws `NOT_FOUND` when no item has this digest; `INVALID` for a malformed digest.
   */
  @Transaction(false)
  async GetByDigest(ctx: KisekiContext, contentDigest: string): Promise<string> {
    requireMember(ctx);
    const digest = parseDigestArgument(contentDigest, 'contentDigest');
    const index = await readRecord(ctx, Keys.dataDigest(digest), DataDigestType);
    if (index === undefined) throw notFound(`no data item is registered with digest ${digest}`);
    return toJson(await requireRecord(ctx, Keys.data(index.dataId), DataType, `data item ${index.dataId}`));
  }

  /**
   * Where an item went: a page of its usage records (one per model that trained on it), in modelId
   * order. Query: `{ dataId, pageSize?, bookmark? }`. Returns `{ items: [UsageRecord], bookmark }`.
   */
  @Transaction(false)
  async ListUsage(ctx: KisekiContext, query: string): Promise<string> {
    requireMember(ctx);
    const { dataId, pageSize = DEFAULT_DATA_PAGE, bookmark = '' } = parseRequest(UsageQuery, query, 'query');
    const page = await readPage(ctx, KeyTypes.usage, [dataId], pageSize, bookmark);
    return toJson({ items: decodeEntries(page.entries, UsageType), bookmark: page.bookmark });
  }
}

/**
 * Checks and writes a registration: referenced providers (managed by the caller) and terms exist,
 * no dataId or digest is registered already or repeated within the batch. Every offender is named.
 * Providers and terms are read once per transaction whatever the batch size.
 *
 * An item writes two keys: its record and its digest key (uniqueness of content, lookup by content);
 * those are all the chaincode's rules read. Lists by provider, collector or terms are answered by each
 * org's index from its own blocks. `listKeys` adds the list-only markers of the earlier layout, for
 * benchmarks that compare both layouts.
 */
async function registerItems(ctx: KisekiContext, caller: Caller, items: readonly DataItem[], listKeys: boolean): Promise<DataRecord[]> {
  const missing: string[] = [];
  const foreign: string[] = [];
  const providerIds = distinctSorted(items.map((item) => item.providerId));
  const termsIds = distinctSorted(items.map((item) => item.termsId));
  // All referenced providers and terms, and every existence check of the batch, in multi-key reads.
  await prefetch(ctx, [...providerIds.map((id) => Keys.provider(id)), ...termsIds.map((id) => Keys.terms(id))]);
  for (const providerId of providerIds) {
    const provider = await readRecord(ctx, Keys.provider(providerId), ProviderType);
    if (provider === undefined) missing.push(`provider ${providerId}`);
    else if (provider.managingMsp !== caller.mspId) foreign.push(`${providerId} (managed by ${provider.managingMsp})`);
  }
  const withdrawn: string[] = [];
  for (const termsId of termsIds) {
    const terms = await readRecord(ctx, Keys.terms(termsId), TermsType);
    if (terms === undefined) missing.push(`terms ${termsId}`);
    else if (terms.status === 'withdrawn') withdrawn.push(`terms ${termsId} were withdrawn`);
  }
  if (missing.length > 0) throw notFound(`registration refused; these do not exist: ${missing.join(', ')}`);
  if (foreign.length > 0) {
    throw forbidden(`${caller.mspId} may only register data of providers it manages; refused: ${foreign.join(', ')}`);
  }
  if (withdrawn.length > 0) throw wrongState(`registration refused: ${withdrawn.join('; ')}`);

  await prefetch(
    ctx,
    items.flatMap((item) => [Keys.data(item.dataId), Keys.dataDigest(item.contentDigest)]),
  );
  const conflicts: string[] = [];
  const ids = new Set<string>();
  const digests = new Map<string, string>();
  for (const { dataId, contentDigest } of items) {
    if (ids.has(dataId)) {
      conflicts.push(`dataId ${dataId} appears more than once in the batch`);
      continue;
    }
    ids.add(dataId);
    const twin = digests.get(contentDigest);
    if (twin !== undefined) conflicts.push(`content of ${dataId} is the same as that of ${twin} in this batch`);
    else digests.set(contentDigest, dataId);
    if (await keyExists(ctx, Keys.data(dataId))) conflicts.push(`dataId ${dataId} is already registered`);
    const existing = await readRecord(ctx, Keys.dataDigest(contentDigest), DataDigestType);
    if (existing !== undefined) conflicts.push(`content of ${dataId} is already registered as ${existing.dataId}`);
  }
  if (conflicts.length > 0) throw conflict(`registration refused: ${conflicts.join('; ')}`);

  const now = txTime(ctx);
  const records: DataRecord[] = [];
  for (const item of items) {
    const record: DataRecord = {
      docType: DocTypes.data,
      ...item,
      collectorMsp: caller.mspId,
      status: 'active',
      createdBy: caller.mspId,
      createdAt: now,
    };
    await writeRecord(ctx, Keys.data(item.dataId), DataType, record);
    await writeRecord(ctx, Keys.dataDigest(item.contentDigest), DataDigestType, {
      docType: DocTypes.dataDigest,
      contentDigest: item.contentDigest,
      dataId: item.dataId,
      createdBy: caller.mspId,
      createdAt: now,
    });
    if (listKeys) {
      await writeMarker(ctx, Keys.dataByProvider(item.providerId, item.dataId));
      await writeMarker(ctx, Keys.dataByCollector(caller.mspId, item.dataId));
      await writeMarker(ctx, Keys.dataByTerms(item.termsId, item.dataId));
    }
    records.push(record);
  }
  return records;
}

/**
 * Brings the flags of the models that used `data` in line with its status, for at most `limit` of
 * them, skipping the first `skip` (already done by an earlier call): a model gets a flag with the
 * item's status (consent-revoked or disputed), or loses its flag when the item is active again; the
 * model's flag counts follow. Idempotent: a flag that already matches is left as it is. When models
 * remain, a `flagSync` record says so: `data:PropagateFlags` continues, and until it is done the
 * lineage judgement counts the pending item for every model whose training set holds it (see
 * ledger/provenance `readLineage`), so nothing verifies as clean meanwhile.
 * @returns the ids of the models reconciled, in order, and whether models remain.
 */
async function reconcileFlags(
  ctx: KisekiContext,
  caller: Caller,
  data: DataRecord,
  reason: string,
  now: string,
  skip: number,
  limit: number,
): Promise<{ modelIds: string[]; more: boolean }> {
  const { entries, more } = await readAll(ctx, KeyTypes.usage, [data.dataId], skip + limit);
  const modelIds = entries.slice(skip).map((entry) => lastAttribute(entry.key));
  const target = data.status === 'active' ? undefined : data.status;
  for (const modelId of modelIds) {
    const flagKey = Keys.modelFlag(modelId, data.dataId);
    const flag = await readRecord(ctx, flagKey, ModelFlagType);
    if (flag?.status === target && (target === undefined || flag?.reason === reason)) continue;
    const counts = await modelFlagCounts(ctx, modelId);
    let { consentRevoked, disputed } = counts;
    if (flag?.status === 'disputed') disputed -= 1;
    if (flag?.status === 'consent-revoked') consentRevoked -= 1;
    if (target === undefined) {
      if (flag !== undefined) await deleteKey(ctx, flagKey);
    } else {
      if (target === 'consent-revoked') consentRevoked += 1;
      else disputed += 1;
      const next: ModelFlagRecord = {
        docType: DocTypes.modelFlag,
        modelId,
        dataId: data.dataId,
        providerId: data.providerId,
        status: target,
        reason,
        createdBy: flag?.createdBy ?? caller.mspId,
        createdAt: flag?.createdAt ?? now,
        updatedBy: flag === undefined ? undefined : caller.mspId,
        updatedAt: flag === undefined ? undefined : now,
      };
      await writeRecord(ctx, flagKey, ModelFlagType, next);
    }
    await writeRecord(ctx, Keys.modelFlagCount(modelId), ModelFlagCountType, {
      docType: DocTypes.modelFlagCount,
      modelId,
      consentRevoked,
      disputed,
      createdBy: counts.record?.createdBy ?? caller.mspId,
      createdAt: counts.record?.createdAt ?? now,
      updatedBy: counts.record === undefined ? undefined : caller.mspId,
      updatedAt: counts.record === undefined ? undefined : now,
    });
  }
  return { modelIds, more };
}

/**
 * A status change's flags: the first {@link FLAGS_PER_TRANSACTION} models in this transaction, the
 * rest left to `data:PropagateFlags` under a `flagSync` record (written, or cleared when none remain).
 * The cost is bounded whatever the number of models that used the item.
 */
async function changeFlags(
  ctx: KisekiContext,
  caller: Caller,
  data: DataRecord,
  reason: string,
  now: string,
): Promise<{ modelIds: string[]; pending: boolean }> {
  const { modelIds, more } = await reconcileFlags(ctx, caller, data, reason, now, 0, FLAGS_PER_TRANSACTION);
  const syncKey = Keys.flagSync(data.dataId);
  const existing = await readRecord(ctx, syncKey, FlagSyncType);
  if (more) {
    await writeRecord(ctx, syncKey, FlagSyncType, {
      docType: DocTypes.flagSync,
      dataId: data.dataId,
      status: data.status,
      reason,
      done: modelIds.length,
      createdBy: existing?.createdBy ?? caller.mspId,
      createdAt: existing?.createdAt ?? now,
      updatedBy: existing === undefined ? undefined : caller.mspId,
      updatedAt: existing === undefined ? undefined : now,
    });
  } else if (existing !== undefined) {
    await deleteKey(ctx, syncKey);
  }
  return { modelIds, pending: more };
}

/**
 * Refuses dataset items that are missing, already members, or not the caller's to group: a studio
 * groups items it collected, a licensor items under terms it issued. Every offender is named.
 */
async function checkDatasetItems(ctx: KisekiContext, caller: Caller, datasetId: string, dataIds: readonly string[]): Promise<void> {
  await prefetch(
    ctx,
    dataIds.flatMap((dataId) => [Keys.data(dataId), Keys.datasetMember(datasetId, dataId)]),
  );
  const missing: string[] = [];
  const foreign: string[] = [];
  const repeated: string[] = [];
  for (const dataId of dataIds) {
    const data = await readRecord(ctx, Keys.data(dataId), DataType);
    if (data === undefined) {
      missing.push(dataId);
      continue;
    }
    if (await keyExists(ctx, Keys.datasetMember(datasetId, dataId))) repeated.push(dataId);
    if (caller.role === Roles.licensor) {
      const terms = await readRecord(ctx, Keys.terms(data.termsId), TermsType);
      if (terms?.issuerMsp !== caller.mspId) foreign.push(`${dataId} (under terms ${data.termsId} of ${terms?.issuerMsp ?? 'nobody'})`);
    } else if (data.collectorMsp !== caller.mspId) {
      foreign.push(`${dataId} (collected by ${data.collectorMsp})`);
    }
  }
  if (missing.length > 0) throw notFound(`dataset ${datasetId}: these data items do not exist: ${missing.join(', ')}`);
  if (foreign.length > 0) throw forbidden(`${caller.mspId} may not put these items in dataset ${datasetId}: ${foreign.join(', ')}`);
  if (repeated.length > 0) throw conflict(`dataset ${datasetId} already holds ${repeated.join(', ')}`);
}
