import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ArtifactManifest, manifestDigest } from '@kiseki/chaincode/shared/artifacts';
import { generationDigest, parseGenerationRecord } from '@kiseki/chaincode/shared/generation';
import { folderManifest } from './tools/folder-manifest';
import { decodeProof, leafHash, verifyExclusion, verifyInclusion, type ExclusionProof } from '@kiseki/chaincode/shared/merkle';
import { readDemoKeys, type DemoKey } from './launch';
import { fetchTrustingFiles } from './tls/trust';
import type { z } from 'zod';
import type {
  ModelRecord,
  ModelVersionRecord,
  OutputRecord,
  ProviderRecord,
  RevenueRecord,
  RightsRecord,
  RightsTransferRecord,
  SettlementRecord,
  TermsRecord,
} from '@kiseki/chaincode/shared/records';
import type { OutputVerification, Statement } from '@kiseki/chaincode/shared/responses';
import type { ReviewSubmission } from '@kiseki/chaincode/shared/results';

/**
 * `npm run demo`: the whole Kiseki story through the REST API of the running system (started with
 * `npm start`), printing every step with the IDs and transaction IDs one can look up afterwards.
 * Licensor publishes terms → a studio registers providers and uploads their data → trains a model in
 * batches and seals it with version 1 (artifact manifest + recipe) → adds version 2 → proves one item
 * was used and another was not → registers an output of version 2 with its generation record →
 * quality reviews (and a rejected cel excluded from training) → the regulator verifies it all → rights on the output with a threshold transfer → revenue crosses the threshold (the transfer
 * executes by itself) → the provider's statement shows its exact share → the provider claims.
 */

interface GatewayEntry {
  mspId: string;
  url: string;
  /** The org's TLS CA (HTTPS gateways): the only root the demo trusts for that gateway. */
  caCertPath?: string;
}

const REPO_ROOT = resolve(__dirname, '..', '..');
const stateDir = resolve(process.env.KISEKI_STATE_DIR ?? join(REPO_ROOT, '.kiseki'));
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const id = (name: string): string => `${name}-${run}`;

let step = 0;
function heading(text: string): void {
  step += 1;
  process.stdout.write(`\n${String(step).padStart(2)}. ${text}\n`);
}
function show(label: string, value: unknown): void {
  process.stdout.write(`    ${label.padEnd(16)} ${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
}

/** The parts of the typed client (client/) the demo uses. */
interface ClientModule {
  createKisekiClient(options: { baseUrl: string; apiKey: string; caCertPath?: string }): unknown;
  uploadBatch(
    client: unknown,
    items: Iterable<{ dataId: string; providerId?: string; mediaType: string; bytes: Uint8Array }>,
    options: {
      termsId: string;
      onResult?: (result: { dataId?: string; status: string; size?: number; contentDigest?: string; transactionId?: string }) => void;
    },
  ): Promise<{ registered: number }>;
}

/** The client is generated from this gateway's API and built after it, so it is loaded at run time. */
function loadClient(): ClientModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(REPO_ROOT, 'client', 'dist', 'index.js')) as ClientModule;
}

class Api {
  readonly #fetch: typeof fetch;

  constructor(
    readonly org: string,
    readonly url: string,
    readonly key: string,
    readonly caCertPath?: string,
  ) {
    this.#fetch = caCertPath === undefined ? fetch : fetchTrustingFiles([caCertPath]);
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...headers },
    };
    if (body instanceof Buffer) {
      init.body = body;
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    if (method === 'POST') (init.headers as Record<string, string>)['idempotency-key'] ??= `${run}-${randomBytes(6).toString('hex')}`;
    const res = await this.#fetch(`${this.url}${path}`, init);
    const text = await res.text();
    const json = text === '' ? {} : (JSON.parse(text) as unknown);
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json as T;
  }
}

function gateways(): GatewayEntry[] {
  const file = join(stateDir, 'gateways.json');
  if (!existsSync(file)) throw new Error(`no gateways in ${stateDir}: run \`npm start\` first`);
  return JSON.parse(readFileSync(file, 'utf8')) as GatewayEntry[];
}

function api(mspId: string, role: DemoKey['role']): Api {
  const gateway = gateways().find((g) => g.mspId === mspId);
  if (gateway === undefined) throw new Error(`no gateway for ${mspId}`);
  const key = readDemoKeys(stateDir, mspId).find((k) => k.role === role);
  if (key === undefined) throw new Error(`no demo key for ${role} at ${mspId}`);
  return new Api(mspId, gateway.url, key.key, gateway.caCertPath);
}

/** The artifact manifest of a small demo model folder (written to a temporary folder, hashed, deleted). */
async function modelFolderManifest(weights: Buffer): Promise<ArtifactManifest> {
  const dir = mkdtempSync(join(tmpdir(), 'kiseki-demo-model-'));
  try {
    mkdirSync(join(dir, 'unet'));
    writeFileSync(join(dir, 'unet', 'diffusion_pytorch_model.safetensors'), weights);
    writeFileSync(join(dir, 'model_index.json'), JSON.stringify({ _class_name: 'KisekiDemoPipeline', run }));
    writeFileSync(join(dir, 'scheduler_config.json'), '{"beta_schedule":"scaled_linear"}');
    return await folderManifest(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A write's answer: the record as the chaincode returned it (its shared schema's type) and the transaction. */
type Write<T> = {
  record: T;
  transactionId: string;
  blockNumber: string;
  content?: { key: string; digest: string; size: number };
};

async function main(): Promise<void> {
  const licensor = api('LicensorMSP', 'licensor-operator');
  const studio = api('Studio1MSP', 'studio-operator');
  const providerAgent = api('Studio1MSP', 'provider-agent');
  const regulator = api('RegulatorMSP', 'regulator');
  process.stdout.write(`Kiseki demo, run ${run}, through the gateways in ${stateDir}\n`);

  heading('Licensor publishes licence terms allowing AI training; the legal text goes to its vault, its digest on chain');
  const termsId = id('terms');
  const terms = await licensor.request<Write<TermsRecord>>('POST', '/v1/terms', {
    termsId,
    aiTraining: true,
    commercialUse: true,
    derivatives: true,
    attribution: true,
    territory: 'JP',
    validFrom: '2024-01-01T00:00:00Z',
    dataPoolShareBps: 3000,
    legalText: 'Kiseki demo licence: training permitted; 30% of model revenue goes to the data pool.',
  });
  show('termsId', termsId);
  show('legalTextDigest', terms.record.legalTextDigest);
  show('transactionId', terms.transactionId);

  heading('Studio1 registers two pseudonymous data providers (payout references stay off chain)');
  const providers = [id('illustrator'), id('animator')];
  for (const providerId of providers) {
    const p = await studio.request<Write<ProviderRecord>>('POST', '/v1/providers', { providerId, payoutRef: `bank-ref-${providerId}` });
    show(providerId, `tx ${p.transactionId}`);
  }

  heading('Studio1 uploads seven cels in one batch with the kiseki client: streamed, hashed, registered in one transaction');
  const dataIds: string[] = [];
  const cels = Array.from({ length: 7 }, (_, k) => {
    const i = k + 1;
    const dataId = id(`cel-${String(i).padStart(2, '0')}`);
    dataIds.push(dataId);
    const providerId = i <= 4 || i === 7 ? (providers[0] as string) : (providers[1] as string);
    return {
      dataId,
      providerId,
      mediaType: 'image/png',
      bytes: Buffer.concat([Buffer.from(`\x89PNG demo cel ${i} of run ${run}\n`), randomBytes(2048)]),
    };
  });
  const kiseki = loadClient();
  const summary = await kiseki.uploadBatch(
    kiseki.createKisekiClient({
      baseUrl: studio.url,
      apiKey: studio.key,
      ...(studio.caCertPath === undefined ? {} : { caCertPath: studio.caCertPath }),
    }),
    cels,
    {
      termsId,
      onResult: (r) => {
        show(
          r.dataId ?? '?',
          `${r.status} ${r.size ?? 0} B sha256 ${(r.contentDigest ?? '').slice(0, 16)}… tx ${(r.transactionId ?? '').slice(0, 16)}…`,
        );
      },
    },
  );
  if (summary.registered !== cels.length) throw new Error(`batch upload: ${JSON.stringify(summary)}`);
  const trained = dataIds.slice(0, 6).sort();
  const notTrained = dataIds[6] as string;

  heading('Studio1 registers a model and attests its training set in two batches (ids strictly increasing)');
  const modelId = id('model');
  await studio.request<Write<ModelRecord>>('POST', '/v1/models', { modelId });
  for (const batch of [trained.slice(0, 3), trained.slice(3)]) {
    const b = await studio.request<Write<ModelRecord>>('POST', `/v1/models/${modelId}/training-batches`, { dataIds: batch });
    show('batch', `${batch.length} items, tx ${b.transactionId}`);
  }

  heading('Studio1 seals the model with version 1: the artifact manifest of its folder and its training recipe, bound to the root');
  const weights = randomBytes(64 * 1024);
  const artifactManifest = await modelFolderManifest(weights);
  const recipe = {
    baseModel: null,
    trainer: 'kiseki-demo-trainer',
    codeRevision: `demo-${run}`,
    steps: 12000,
    learningRate: '1e-4',
    resolution: 768,
    seed: 7,
  };
  const sealed = await studio.request<Write<ModelRecord> & { manifest?: { key: string; root: string; size: number } }>(
    'POST',
    `/v1/models/${modelId}/seal`,
    { artifactManifest, recipe, label: 'v1.0' },
  );
  const root = String(sealed.record.trainingRoot);
  show('modelId', modelId);
  show('trainingRoot', root);
  show('trainingSize', sealed.record.trainingSize);
  show('manifest', sealed.manifest?.key ?? '(rebuilt from the ledger on first use)');
  show('artifactDigest', `${manifestDigest(artifactManifest)} (${artifactManifest.files.length} files)`);
  show('transactionId', sealed.transactionId);

  heading('Studio1 adds version 2 (an fp16 conversion of v1): same training set, new weights, bound to the same root');
  const fp16 = await modelFolderManifest(weights.subarray(0, 32 * 1024));
  const v2 = await studio.request<Write<ModelVersionRecord> & { artifacts: { artifactDigest: string; recipeDigest: string } }>(
    'POST',
    `/v1/models/${modelId}/versions`,
    {
      artifactManifest: fp16,
      recipe: { ...recipe, conversion: 'fp16 from version 1' },
      label: 'v1.0-fp16',
      parentVersion: 1,
    },
  );
  show('version', `${String(v2.record.version)} (parent ${String(v2.record.parentVersion)}) tx ${v2.transactionId}`);
  show('bindingDigest', v2.record.bindingDigest);

  heading('The regulator asks for proofs and checks them itself against the on-chain root (RFC 6962)');
  const model = await regulator.request<ModelRecord>('GET', `/v1/models/${modelId}`);
  const used = trained[0] as string;
  const inclusion = await regulator.request<{ leafIndex: number; treeSize: number; auditPath: string[] }>(
    'GET',
    `/v1/models/${modelId}/proofs/inclusion/${used}`,
  );
  const inOk = verifyInclusion(
    leafHash(used),
    inclusion.leafIndex,
    model.trainingSize,
    decodeProof(inclusion.auditPath),
    Buffer.from(model.trainingRoot ?? '', 'hex'),
  );
  show('inclusion', `${used} is leaf ${inclusion.leafIndex} of ${inclusion.treeSize}: ${inOk ? 'verified' : 'NOT VERIFIED'}`);
  const exclusion = await regulator.request<{ proof: ExclusionProof }>('GET', `/v1/models/${modelId}/proofs/exclusion/${notTrained}`);
  const exOk = verifyExclusion(notTrained, exclusion.proof, Buffer.from(model.trainingRoot ?? '', 'hex'));
  show('exclusion', `${notTrained} was not used: ${exOk ? 'verified' : 'NOT VERIFIED'}`);

  heading('Studio1 uploads an output of version 2 with its generation record (the prompt kept as a digest only)');
  const outputId = id('output');
  const generation = {
    outputId,
    modelId,
    modelVersion: 2,
    promptDigest: createHash('sha256').update('episode 1, cut 12: the heroine on the rooftop at dusk').digest('hex'),
    negativePrompt: 'extra fingers, blurry',
    seed: '3141592653',
    sampler: 'dpmpp_2m_karras',
    steps: 28,
    guidance: 6.5,
    params: { width: 1920, height: 1080, clipSkip: 2 },
    software: { name: 'ComfyUI', version: '0.3.10' },
  };
  const generationRecord = parseGenerationRecord(generation).record;
  if (generationRecord === undefined) throw new Error('the demo generation record is invalid');
  const output = await studio.request<Write<OutputRecord>>(
    'POST',
    `/v1/outputs?outputId=${outputId}&modelId=${modelId}&modelVersion=2&generationDigest=${generationDigest(generationRecord)}`,
    Buffer.from(`frame of episode 1, run ${run}`),
    { 'content-type': 'image/png' },
  );
  await studio.request('POST', `/v1/outputs/${outputId}/generation`, generation);
  show('outputId', outputId);
  show('contentDigest', output.content?.digest);
  show('modelVersion', output.record.modelVersion);
  show('generationDigest', output.record.generationDigest);
  show('transactionId', output.transactionId);

  heading(
    'Quality reviews: the licensor flags a consistency problem, Studio1 QA accepts after a fix; a rejected cel is excluded from training',
  );
  const flag = await licensor.request<Write<ReviewSubmission>>('POST', '/v1/reviews', {
    reviewId: id('review-licensor'),
    subjectType: 'output',
    subjectId: outputId,
    outcome: 'flagged',
    category: 'consistency',
    reason: 'eye colour differs from the character sheet',
  });
  show('licensor', `flagged (${flag.record.review.reviewerRole}) tx ${flag.transactionId}`);
  const qa = await studio.request<Write<ReviewSubmission>>('POST', '/v1/reviews', {
    reviewId: id('review-qa'),
    subjectType: 'output',
    subjectId: outputId,
    outcome: 'accepted',
    reason: 'colour corrected in compositing',
  });
  show('studio QA', `accepted tx ${qa.transactionId}`);
  const studio2 = api('Studio2MSP', 'studio-operator');
  const refused = await studio2
    .request('POST', '/v1/reviews', { reviewId: id('review-outsider'), subjectType: 'output', subjectId: outputId, outcome: 'accepted' })
    .catch((error: unknown) => error);
  show('Studio2', refused instanceof Error ? `refused: ${refused.message.slice(0, 110)}…` : 'ACCEPTED (unexpected)');
  const celReview = id('review-cel');
  await licensor.request('POST', '/v1/reviews', {
    reviewId: celReview,
    subjectType: 'data',
    subjectId: notTrained,
    outcome: 'rejected',
    reason: 'traced from a published cel',
  });
  await studio.request('POST', `/v1/data/${notTrained}/training-exclusion`, { reviewId: celReview });
  show('excluded', `${notTrained} after review ${celReview}`);

  heading(
    'The regulator verifies the output: lineage, model version (weights + recipe bound to the root), generation record, latest review',
  );
  const verification = await regulator.request<z.infer<typeof OutputVerification>>('GET', `/v1/outputs/${outputId}/verification`);
  const version = verification.modelVersion;
  show('verdict', verification.verdict);
  show('modelVersion', {
    version: version?.version,
    label: version?.label,
    artifactDigest: version?.artifactDigest,
    recipeDigest: version?.recipeDigest,
    bindingDigest: version?.bindingDigest,
  });
  show('generation', verification.generation);
  const review = verification.review;
  show('review', {
    count: review?.count,
    flagged: review?.flagged,
    accepted: review?.accepted,
    latest: review?.latestOutcome,
    by: review?.latestReviewerMsp,
    at: review?.latestAt,
  });
  const owned = await studio.request<{ generation?: { vault?: unknown }; modelVersion?: { vault?: unknown } }>(
    'GET',
    `/v1/outputs/${outputId}/verification`,
  );
  show('owner vault', { generation: owned.generation?.vault, artifacts: owned.modelVersion?.vault });
  const auditor = api('Studio1MSP', 'auditor');
  const stored = await auditor.request('GET', `/v1/outputs/${outputId}/generation`);
  show(
    'record read',
    `${String(stored.sampler)}, ${String(stored.steps)} steps, seed ${String(stored.seed)}, prompt kept: ${stored.prompt === undefined ? 'digest only' : 'yes'}`,
  );

  heading('Rights on the output: Studio1 70%, the licensor 30%; a threshold transfer of 10% to Studio2 at ¥100,000');
  const rightsId = id('rights');
  const studioHolder = id('studio1-holder');
  const rights = await studio.request<Write<RightsRecord>>('POST', '/v1/rights', {
    rightsId,
    subjectType: 'output',
    subjectId: outputId,
    holders: [
      { holderId: studioHolder, mspId: 'Studio1MSP', shareBps: 7000 },
      { holderId: id('licensor-holder'), mspId: 'LicensorMSP', shareBps: 3000 },
    ],
    licensorMsp: 'LicensorMSP',
  });
  show('rightsId', `${rightsId} tx ${rights.transactionId}`);
  const transferId = id('transfer');
  const transfer = await studio.request<Write<RightsTransferRecord>>('POST', '/v1/transfers', {
    transferId,
    rightsId,
    fromHolderId: studioHolder,
    toHolderId: id('studio2-holder'),
    toMspId: 'Studio2MSP',
    shareBps: 1000,
    condition: { revenueThreshold: { subjectType: 'output', subjectId: outputId, currency: 'JPY', amount: '100000' } },
  });
  show('transferId', `${transferId} tx ${transfer.transactionId}`);

  heading('Revenue: ¥60,000 then ¥50,000 on the output; the second report crosses the threshold and executes the transfer');
  for (const [reference, amount] of [
    [id('sale-1'), '60000'],
    [id('sale-2'), '50000'],
  ] as const) {
    const r = await studio.request<Write<RevenueRecord>>('POST', '/v1/revenue', {
      subjectType: 'output',
      subjectId: outputId,
      amount,
      currency: 'JPY',
      reference,
    });
    show(reference, `¥${amount} tx ${r.transactionId}`);
  }
  const after = await regulator.request<RightsTransferRecord>('GET', `/v1/transfers/${transferId}`);
  show('transfer', after.status);
  const holders = await regulator.request<RightsRecord>('GET', `/v1/rights/${rightsId}`);
  show('holders now', holders.holders);

  heading("The illustrator's statement: its exact share of the data pool");
  const illustrator = providers[0] as string;
  const statement = await providerAgent.request<Statement>(
    'GET',
    `/v1/providers/${illustrator}/statement?currency=JPY&modelIds=${modelId}`,
  );
  const line = statement.lines[0];
  // Pool = 30% of each report, divided per training item: 4 of the 6 items are the illustrator's.
  const expected = [60000n, 50000n].reduce((sum, amount) => sum + ((amount * 3000n) / 10000n / 6n) * 4n, 0n);
  show('items', line?.itemCount);
  show('accrued', `¥${line?.accrued ?? '?'} (expected ¥${expected})`);
  show('claimable', `¥${line?.claimable ?? '?'}`);

  heading('The provider claims; the settlement is recorded for off-chain payment');
  const claim = await providerAgent.request<Write<SettlementRecord>>('POST', '/v1/claims', {
    providerId: illustrator,
    currency: 'JPY',
    modelId,
  });
  show('settlement', claim.record.settlementId);
  show('transactionId', claim.transactionId);

  heading('Any transaction can be looked up later, with who acted as the ledger records it (org and API client)');
  const status = await studio.request('GET', `/v1/transactions/${sealed.transactionId}`);
  show('seal', status);

  process.stdout.write(
    `\nDone. Digest of this run's story: ${createHash('sha256')
      .update(run + root)
      .digest('hex')
      .slice(0, 16)}…\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
