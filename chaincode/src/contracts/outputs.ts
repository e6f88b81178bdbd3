import { Info, Transaction } from 'fabric-contract-api';

import { judgeLineage } from '../domain/lineage';
import {
  DocTypes,
  GrantType,
  ModelFlagType,
  ModelTermsCountType,
  OutputDigestType,
  type OutputRecord,
  OutputType,
  ReviewSummaryType,
  TermsType,
} from '../ledger/records';
import { termsRefusal, termsVersion } from '../domain/licences';
import { KisekiContext, KisekiContract } from '../ledger/context';
import { emitEvent } from '../ledger/events';
import { requireMember, requireRole } from '../ledger/identity';
import { KeyTypes, Keys } from '../ledger/keys';
import { type LineageLink, modelFlagCounts, readLineage, requireModel } from '../ledger/provenance';
import { decodeEntries, keyExists, readAll, readHistory, readRecord, requireRecord, writeRecord } from '../ledger/state';
import { txTime, txTimeMs } from '../ledger/time';
import { toJson } from '../shared/codec';
import { parseRequest } from '../shared/schema';
import { MAX_OUTPUT_RIGHTS, OutputRegisterRequest } from '../shared/requests';
import { conflict, forbidden, invalid, notFound, wrongState } from '../shared/errors';
import { ContractNames, EventNames, Roles } from '../shared/names';
import { parseDigestArgument, parseIdArgument } from '../shared/validate';

import { requireGrantFor } from '../ledger/licences';
import { readTermsVersion } from './terms';
import { KisekiError } from '../shared/errors';
import { versionProblem, withVersion } from '../domain/versions';
import { readVersion } from './model-versions';

/** Most rights IDs one output may name. */
export { MAX_OUTPUT_RIGHTS };
/** Most terms listed per model in a verification (`termsTruncated` tells when there are more). */
export const MAX_VERIFY_TERMS = 100;
/** Most flagged items listed per model in a verification (the counts are always complete). */
export const MAX_VERIFY_FLAGS = 50;
/** Most versions `outputs:History` returns (newest first). */
const MAX_HISTORY = 20;

/**
 * Outputs (`outputs`) of sealed models, and their verification. Registering an output is the
 * authorization check: it is refused unless the whole lineage (the model and every base model) is
 * sealed, not revoked, and free of training items revoked or disputed after training. The model's owner
 * registers outputs of it; another studio needs an active licence grant on the model, which the
 * output records and verification shows.
 */
@Info({ title: 'Outputs', description: 'Generated outputs and verification of their lineage' })
export class OutputsContract extends KisekiContract {
  constructor() {
    super(ContractNames.outputs);
  }

  /**
   * Registers an output. Request: `{ outputId, modelId, contentDigest, mediaType, rightsIds,
   * grantId?, territory?, modelVersion?, generationDigest? }` (rightsIds: 0..100 distinct IDs). A
   * studio other than the model's owner names its active grant on the model (`grantId`, a purchaseId);
   * `territory`, when the gateway knows where the output is used, must be covered by the grant's terms.
   * `modelVersion` names the version that generated it — required once the model has versions, and it
   * must be active; `generationDigest` is the SHA-256 of its canonical generation record
   * (shared/generation), kept in the output owner's vault. Returns the record.
   * @throws `FORBIDDEN` for another org's model without a grant of the caller's on it; `INVALID` (also a
   *   missing modelVersion); `CONFLICT` when the outputId or the content digest exists; `NOT_FOUND` for
   *   the model, version or grant; `STATE` when the lineage is not authorized, the version revoked, or
   *   the grant withdrawn, expired or out of territory.
   */
  @Transaction()
  async Register(ctx: KisekiContext, request: string): Promise<string> {
    const caller = requireRole(ctx, 'register outputs', Roles.studio);
    const { outputId, modelId, contentDigest, mediaType, rightsIds, grantId, territory, modelVersion, generationDigest } = parseRequest(
      OutputRegisterRequest,
      request,
    );

    const key = Keys.output(outputId);
    if (await keyExists(ctx, key)) throw conflict(`output ${outputId} already exists`);
    const twin = await readRecord(ctx, Keys.outputDigest(contentDigest), OutputDigestType);
    if (twin !== undefined) throw conflict(`this content is already registered as output ${twin.outputId}`);
    const model = await requireModel(ctx, modelId);
    if (model.ownerMsp !== caller.mspId) {
      if (grantId === undefined) {
        throw forbidden(
          `${caller.mspId} may not register outputs of model ${modelId} of ${model.ownerMsp} without a licence grant on it (grantId)`,
        );
      }
      await requireGrantFor(ctx, caller, grantId, { subjectType: 'model', subjectId: modelId }, 'output', territory);
    } else if (grantId !== undefined) {
      throw invalid(`request is invalid: grantId: model ${modelId} is the caller's own`);
    }
    const judgement = judgeLineage((await readLineage(ctx, modelId)).map((link) => link.facts));
    if (judgement.verdict !== 'authorized') {
      throw wrongState(`model ${modelId} may not produce outputs: ${judgement.reasons.join('; ')}`);
    }
    const versionFacts = {
      modelId,
      versionCount: model.versionCount ?? 0,
      requested: modelVersion,
      record: modelVersion === undefined ? undefined : await readVersion(ctx, modelId, modelVersion),
    };
    const problem = versionProblem(versionFacts);
    if (problem !== undefined) throw new KisekiError(problem.code, problem.message);

    const now = txTime(ctx);
    const record: OutputRecord = {
      docType: DocTypes.output,
      outputId,
      modelId,
      ownerMsp: caller.mspId,
      contentDigest,
      mediaType,
      rightsIds,
      grantId,
      modelVersion,
      generationDigest,
      territory,
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
    emitEvent(ctx, EventNames.OutputRegistered, {
      outputId,
      modelId,
      ownerMsp: caller.mspId,
      rightsIds,
      grantId,
      modelVersion,
      generationDigest,
    });
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
   * The output registered with these bytes: lookup by content, over the digest index.
   * @throws `NOT_FOUND` when no output has this digest; `INVALID` for a malformed digest.
   */
  @Transaction(false)
  async GetByDigest(ctx: KisekiContext, contentDigest: string): Promise<string> {
    requireMember(ctx);
    const digest = parseDigestArgument(contentDigest, 'contentDigest');
    const index = await readRecord(ctx, Keys.outputDigest(digest), OutputDigestType);
    if (index === undefined) throw notFound(`no output is registered with digest ${digest}`);
    return toJson(await requireRecord(ctx, Keys.output(index.outputId), OutputType, `output ${index.outputId}`));
  }

  /**
   * The versions of the output record, newest first, with the transaction that wrote each:
   * `{ outputId, entries: [{ txId, timestamp, isDelete, record }], more }` (evidence bundles cite them).
   * @throws `NOT_FOUND` when the output never existed; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async History(ctx: KisekiContext, outputId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(outputId, 'outputId');
    const { entries, more } = await readHistory(ctx, Keys.output(id), OutputType, MAX_HISTORY);
    if (entries.length === 0) throw notFound(`output ${id} does not exist`);
    return toJson({ outputId: id, entries, more });
  }

  /**
   * Verifies an output now: `{ outputId, output, verdict, reasons, lineage, modelVersion?, generation?,
   * review? }`, where `verdict` is `authorized`, `flagged` (training items revoked or disputed after
   * training; listed) or `unauthorized` (a model of the chain revoked, unsealed or missing, or the
   * output's model version revoked), and `lineage` lists the output's model then each base model with
   * its status, training root and size, data-pool share, the terms its training data was used under
   * (with item counts), and its flagged items. `modelVersion` is the version record the output names
   * (artifact, recipe and binding digests), `generation` the digest of its generation record (the
   * gateway of the owner checks the vault copy against it), `review` the latest quality review and counts.
   * @throws `NOT_FOUND` for the output; `INVALID` for a malformed ID.
   */
  @Transaction(false)
  async Verify(ctx: KisekiContext, outputId: string): Promise<string> {
    requireMember(ctx);
    const id = parseIdArgument(outputId, 'outputId');
    const output = await requireRecord(ctx, Keys.output(id), OutputType, `output ${id}`);
    const chain = await readLineage(ctx, output.modelId);
    const model = chain[0]?.model;
    const version = output.modelVersion === undefined ? undefined : await readVersion(ctx, output.modelId, output.modelVersion);
    const { verdict, reasons } = withVersion(judgeLineage(chain.map((link) => link.facts)), {
      modelId: output.modelId,
      versionCount: model?.versionCount ?? 0,
      requested: output.modelVersion,
      record: version,
    });
    const lineage = [];
    for (const link of chain) lineage.push(await describeLink(ctx, link));
    const grant = output.grantId === undefined ? undefined : await describeGrant(ctx, output.grantId);
    const generation = output.generationDigest === undefined ? undefined : { digest: output.generationDigest, holderMsp: output.ownerMsp };
    const review = await readRecord(ctx, Keys.reviewSummary('output', id), ReviewSummaryType);
    return toJson({ outputId: id, output, verdict, reasons, lineage, grant, modelVersion: version, generation, review });
  }
}

/** One model of a verified lineage, with its terms in use and its flagged items. */
async function describeLink(ctx: KisekiContext, link: LineageLink): Promise<Record<string, unknown>> {
  const { model, facts } = link;
  if (model === undefined) return { modelId: facts.modelId, status: 'missing' };
  const { modelId } = model;

  const counted = await readAll(ctx, KeyTypes.modelTermsCount, [modelId], MAX_VERIFY_TERMS);
  const terms = [];
  for (const { termsId, count, versions } of decodeEntries(counted.entries, ModelTermsCountType)) {
    const current = await readRecord(ctx, Keys.terms(termsId), TermsType);
    // The version the items were trained under (the latest, when batches spanned an amendment).
    const trainedVersion = versions?.[versions.length - 1] ?? 1;
    const record = current === undefined ? undefined : await readTermsVersion(ctx, termsId, trainedVersion).catch(() => current);
    terms.push({
      termsId,
      itemCount: count,
      trainedUnderVersions: versions ?? [1],
      issuerMsp: record?.issuerMsp,
      aiTraining: record?.aiTraining,
      commercialUse: record?.commercialUse,
      derivatives: record?.derivatives,
      attribution: record?.attribution,
      territory: record?.territory,
      validFrom: record?.validFrom,
      validUntil: record?.validUntil,
      legalTextDigest: record?.legalTextDigest,
      current:
        current === undefined
          ? undefined
          : { version: termsVersion(current), status: current.status ?? 'active', withdrawnReason: current.withdrawnReason },
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
    baseGrantId: model.baseGrantId,
    trainingGrantIds: model.trainingGrantIds,
    revokedAt: model.revokedAt,
    revokedReason: model.revokedReason,
    terms,
    termsTruncated: counted.more,
    flags: { consentRevoked: counts.consentRevoked, disputed: counts.disputed, items, truncated: flagged.more },
  };
}

/** The grant an output rests on, with whether it would still allow new outputs now. */
async function describeGrant(ctx: KisekiContext, grantId: string): Promise<Record<string, unknown>> {
  const grant = await readRecord(ctx, Keys.grant(grantId), GrantType);
  if (grant === undefined) return { purchaseId: grantId, status: 'missing' };
  const terms = await readRecord(ctx, Keys.terms(grant.termsId), TermsType);
  const refusal = terms === undefined ? 'its terms do not exist' : termsRefusal(terms, 'output', txTimeMs(ctx));
  return {
    ...grant,
    status: grant.status ?? 'active',
    termsVersion: terms === undefined ? undefined : termsVersion(terms),
    // Past outputs stay valid; this says whether the grant would allow a new one now.
    activeNow: (grant.status ?? 'active') === 'active' && refusal === undefined,
    inactiveReason: refusal,
  };
}
