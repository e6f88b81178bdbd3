import { Info, Transaction } from 'fabric-contract-api';

import { judgeLineage } from '../domain/lineage';
import {
  DocTypes,
  ModelFlagType,
  ModelTermsCountType,
  type OutputRecord,
  OutputDigestType,
  OutputType,
  TermsType,
} from '../domain/records';
import { KisekiContext, KisekiContract } from '../ledger/context';
import { emitEvent } from '../ledger/events';
import { requireMember, requireOrg, requireRole } from '../ledger/identity';
import { KeyTypes, Keys } from '../ledger/keys';
import { type LineageLink, modelFlagCounts, readLineage, requireModel } from '../ledger/provenance';
import { decodeEntries, keyExists, readAll, readRecord, requireRecord, writeRecord } from '../ledger/state';
import { txTime } from '../ledger/time';
import { toJson } from '../shared/codec';
import { conflict, wrongState } from '../shared/errors';
import { ContractNames, EventNames, Roles } from '../shared/names';
import { Fields, parseIdArgument } from '../shared/validate';

/** Most rights IDs one output may name. */
export const MAX_OUTPUT_RIGHTS = 100;
/** Most terms listed per model in a verification (`termsTruncated` tells when there are more). */
export const MAX_VERIFY_TERMS = 100;
/** Most flagged items listed per model in a verification (the counts are always complete). */
export const MAX_VERIFY_FLAGS = 50;

/**
 * Outputs (`outputs`) of sealed models, and their verification. Registering an output is the
 * authorization check: it is refused unless the whole lineage (the model and every base model) is
 * sealed, not revoked, and free of training items revoked or disputed after training. Until licence
 * grants exist, only the model's owner registers outputs of it.
 */
@Info({ title: 'Outputs', description: 'Generated outputs and verification of their lineage' })
export class OutputsContract extends KisekiContract {
  constructor() {
    super(ContractNames.outputs);
  }

  /**
   * Registers an output. Request: `{ outputId, modelId, contentDigest, mediaType, rightsIds }`
   * (rightsIds: 0..100 distinct IDs). Returns the record.
   * @throws `FORBIDDEN` unless the model's owner studio; `INVALID`; `CONFLICT` when the outputId or the
   * content digest exists; `NOT_FOUND` for the model; `STATE` when the lineage is not authorized.
   */
  @Transaction()
  async Register(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'register outputs', Roles.studio);
    const f = Fields.parse(request);
    const outputId = f.id('outputId');
    const modelId = f.id('modelId');
    const contentDigest = f.digest('contentDigest');
    const mediaType = f.mediaType('mediaType');
    const rightsIds = f.idList('rightsIds', 0, MAX_OUTPUT_RIGHTS, { unique: true });
    f.finish();

    const key = Keys.output(outputId);
    if (await keyExists(ctx, key)) throw conflict(`output ${outputId} already exists`);
    const twin = await readRecord(ctx, Keys.outputDigest(contentDigest), OutputDigestType);
    if (twin !== undefined) throw conflict(`this content is already registered as output ${twin.outputId}`);
    const model = await requireModel(ctx, modelId);
    requireOrg(caller, model.ownerMsp, `register outputs of model ${modelId}`);
    const judgement = judgeLineage((await readLineage(ctx, modelId)).map((link) => link.facts));
    if (judgement.verdict !== 'authorized') {
      throw wrongState(`model ${modelId} may not produce outputs: ${judgement.reasons.join('; ')}`);
    }

    const now = txTime(ctx);
    const record: OutputRecord = {
      docType: DocTypes.output,
      outputId,
      modelId,
      ownerMsp: caller.mspId,
      contentDigest,
      mediaType,
      rightsIds,
      createdBy: caller.mspId,
      createdAt: now,
    };
    await writeRecord(ctx, key, OutputType, record);
    await writeRecord(ctx, Keys.outputDigest(contentDigest), OutputDigestType, {
      docType: DocTypes.outputDigest,
      contentDigest,
      outputId,
      createdBy: caller.mspId,
      createdAt: now,
    });
    emitEvent(ctx, EventNames.OutputRegistered, { outputId, modelId, ownerMsp: caller.mspId, rightsIds });
    return toJson(record);
  }

  /**
   * The output record.
   * @throws `NOT_FOUND`; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async Get(ctx: KisekiContext, outputId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(outputId, 'outputId');
    return toJson(await requireRecord(ctx, Keys.output(id), OutputType, `output ${id}`));
  }

  /**
   * Verifies an output now: `{ outputId, output, verdict, reasons, lineage }`, where `verdict` is
   * `authorized`, `flagged` (training items revoked or disputed after training; listed) or
   * `unauthorized` (a model of the chain revoked, unsealed or missing), and `lineage` lists the
   * output's model then each base model with its status, training root and size, data-pool share,
   * the terms its training data was used under (with item counts), and its flagged items.
   * @throws `NOT_FOUND` for the output; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async Verify(ctx: KisekiContext, outputId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(outputId, 'outputId');
    const output = await requireRecord(ctx, Keys.output(id), OutputType, `output ${id}`);
    const chain = await readLineage(ctx, output.modelId);
    const { verdict, reasons } = judgeLineage(chain.map((link) => link.facts));
    const lineage = [];
    for (const link of chain) lineage.push(await describeLink(ctx, link));
    return toJson({ outputId: id, output, verdict, reasons, lineage });
  }
}

/** One model of a verified lineage, with its terms in use and its flagged items. */
async function describeLink(ctx: KisekiContext, link: LineageLink): Promise<Record<string, unknown>> {
  const { model, facts } = link;
  if (model === undefined) return { modelId: facts.modelId, status: 'missing' };
  const { modelId } = model;

  const counted = await readAll(ctx, KeyTypes.modelTermsCount, [modelId], MAX_VERIFY_TERMS);
  const terms = [];
  for (const { termsId, count } of decodeEntries(counted.entries, ModelTermsCountType)) {
    const record = await readRecord(ctx, Keys.terms(termsId), TermsType);
    terms.push({
      termsId,
      itemCount: count,
      issuerMsp: record?.issuerMsp,
      aiTraining: record?.aiTraining,
      commercialUse: record?.commercialUse,
      derivatives: record?.derivatives,
      attribution: record?.attribution,
      territory: record?.territory,
      validFrom: record?.validFrom,
      validUntil: record?.validUntil,
      legalTextDigest: record?.legalTextDigest,
    });
  }

  const counts = await modelFlagCounts(ctx, modelId);
  const flagged = await readAll(ctx, KeyTypes.modelFlag, [modelId], MAX_VERIFY_FLAGS);
  const items = decodeEntries(flagged.entries, ModelFlagType).map((flag) => ({
    dataId: flag.dataId,
    providerId: flag.providerId,
    status: flag.status,
    reason: flag.reason,
    since: flag.updatedAt ?? flag.createdAt,
  }));

  return {
    modelId,
    ownerMsp: model.ownerMsp,
    status: model.status,
    baseModelId: model.baseModelId,
    lineageDepth: model.lineageDepth,
    trainingRoot: model.trainingRoot,
    trainingSize: model.trainingSize,
    dataPoolShareBps: model.dataPoolShareBps,
    sealedAt: model.sealedAt,
    revokedAt: model.revokedAt,
    revokedReason: model.revokedReason,
    terms,
    termsTruncated: counted.more,
    flags: { consentRevoked: counts.consentRevoked, disputed: counts.disputed, items, truncated: flagged.more },
  };
}
