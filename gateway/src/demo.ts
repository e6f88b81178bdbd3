import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeProof, leafHash, verifyExclusion, verifyInclusion, type ExclusionProof } from '@kiseki/chaincode/shared/merkle';
import { readDemoKeys, type DemoKey } from './launch';

/**
 * `npm run demo`: the whole Kiseki story through the REST API of the running system (started with
 * `npm start`), printing every step with the IDs and transaction IDs one can look up afterwards.
 * Licensor publishes terms → a studio registers providers and uploads their data → trains a model in
 * batches and seals it → proves one item was used and another was not → registers and verifies an
 * output → rights on the output with a threshold transfer → revenue crosses the threshold (the transfer
 * executes by itself) → the provider's statement shows its exact share → the provider claims.
 */

interface GatewayEntry {
  mspId: string;
  url: string;
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
  createKisekiClient(options: { baseUrl: string; apiKey: string }): unknown;
  uploadBatch(
    client: unknown,
    items: Iterable<{ dataId: string; providerId?: string; mediaType: string; bytes: Uint8Array }>,
    options: { termsId: string; onResult?: (result: { dataId?: string; status: string; size?: number; contentDigest?: string; transactionId?: string }) => void },
  ): Promise<{ registered: number }>;
}

/** The client is generated from this gateway's API and built after it, so it is loaded at run time. */
function loadClient(): ClientModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(REPO_ROOT, 'client', 'dist', 'index.js')) as ClientModule;
}

class Api {
  constructor(
    readonly org: string,
    readonly url: string,
    readonly key: string,
  ) {}

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
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
    const res = await fetch(`${this.url}${path}`, init);
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
  return new Api(mspId, gateway.url, key.key);
}

type Write = { record: Record<string, unknown>; transactionId: string; blockNumber: string; content?: { key: string; digest: string; size: number } };

async function main(): Promise<void> {
  const licensor = api('LicensorMSP', 'licensor-operator');
  const studio = api('Studio1MSP', 'studio-operator');
  const providerAgent = api('Studio1MSP', 'provider-agent');
  const regulator = api('RegulatorMSP', 'regulator');
  process.stdout.write(`Kiseki demo, run ${run}, through the gateways in ${stateDir}\n`);

  heading('Licensor publishes licence terms allowing AI training; the legal text goes to its vault, its digest on chain');
  const termsId = id('terms');
  const terms = await licensor.request<Write>('POST', '/v1/terms', {
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
    const p = await studio.request<Write>('POST', '/v1/providers', { providerId, payoutRef: `bank-ref-${providerId}` });
    show(providerId, `tx ${p.transactionId}`);
  }

  heading('Studio1 uploads seven cels in one batch with the kiseki client: streamed, hashed, registered in one transaction');
  const dataIds: string[] = [];
  const cels = Array.from({ length: 7 }, (_, k) => {
    const i = k + 1;
    const dataId = id(`cel-${String(i).padStart(2, '0')}`);
    dataIds.push(dataId);
    const providerId = i <= 4 || i === 7 ? (providers[0] as string) : (providers[1] as string);
    return { dataId, providerId, mediaType: 'image/png', bytes: Buffer.concat([Buffer.from(`\x89PNG demo cel ${i} of run ${run}\n`), randomBytes(2048)]) };
  });
  const kiseki = loadClient();
  const summary = await kiseki.uploadBatch(kiseki.createKisekiClient({ baseUrl: studio.url, apiKey: studio.key }), cels, {
    termsId,
    onResult: (r) => {
      show(r.dataId ?? '?', `${r.status} ${r.size ?? 0} B sha256 ${(r.contentDigest ?? '').slice(0, 16)}… tx ${(r.transactionId ?? '').slice(0, 16)}…`);
    },
  });
  if (summary.registered !== cels.length) throw new Error(`batch upload: ${JSON.stringify(summary)}`);
  const trained = dataIds.slice(0, 6).sort();
  const notTrained = dataIds[6] as string;

  heading('Studio1 registers a model and attests its training set in two batches (ids strictly increasing)');
  const modelId = id('model');
  await studio.request<Write>('POST', '/v1/models', { modelId });
  for (const batch of [trained.slice(0, 3), trained.slice(3)]) {
    const b = await studio.request<Write>('POST', `/v1/models/${modelId}/training-batches`, { dataIds: batch });
    show('batch', `${batch.length} items, tx ${b.transactionId}`);
  }

  heading('Studio1 seals the model: the chaincode computed the RFC 6962 root; the manifest is stored in the vault');
  const sealed = await studio.request<Write & { manifest?: { key: string; root: string; size: number } }>('POST', `/v1/models/${modelId}/seal`);
  const root = String(sealed.record.trainingRoot);
  show('modelId', modelId);
  show('trainingRoot', root);
  show('trainingSize', sealed.record.trainingSize);
  show('manifest', sealed.manifest?.key ?? '(rebuilt from the ledger on first use)');
  show('transactionId', sealed.transactionId);

  heading("The regulator asks for proofs and checks them itself against the on-chain root (RFC 6962)");
  const model = await regulator.request<{ trainingRoot: string; trainingSize: number }>('GET', `/v1/models/${modelId}`);
  const used = trained[0] as string;
  const inclusion = await regulator.request<{ leafIndex: number; treeSize: number; auditPath: string[] }>('GET', `/v1/models/${modelId}/proofs/inclusion/${used}`);
  const inOk = verifyInclusion(leafHash(used), inclusion.leafIndex, model.trainingSize, decodeProof(inclusion.auditPath), Buffer.from(model.trainingRoot, 'hex'));
  show('inclusion', `${used} is leaf ${inclusion.leafIndex} of ${inclusion.treeSize}: ${inOk ? 'verified' : 'NOT VERIFIED'}`);
  const exclusion = await regulator.request<{ proof: ExclusionProof }>('GET', `/v1/models/${modelId}/proofs/exclusion/${notTrained}`);
  const exOk = verifyExclusion(notTrained, exclusion.proof, Buffer.from(model.trainingRoot, 'hex'));
  show('exclusion', `${notTrained} was not used: ${exOk ? 'verified' : 'NOT VERIFIED'}`);

  heading('Studio1 uploads an output generated by the sealed model; the regulator verifies its lineage');
  const outputId = id('output');
  const output = await studio.request<Write>('POST', `/v1/outputs?outputId=${outputId}&modelId=${modelId}`, Buffer.from(`frame of episode 1, run ${run}`), {
    'content-type': 'image/png',
  });
  show('outputId', outputId);
  show('contentDigest', output.content?.digest);
  show('transactionId', output.transactionId);
  const verdict = await regulator.request<{ verdict?: unknown }>('GET', `/v1/outputs/${outputId}/verification`);
  show('verdict', verdict.verdict);

  heading('Rights on the output: Studio1 70%, the licensor 30%; a threshold transfer of 10% to Studio2 at ¥100,000');
  const rightsId = id('rights');
  const studioHolder = id('studio1-holder');
  const rights = await studio.request<Write>('POST', '/v1/rights', {
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
  const transfer = await studio.request<Write>('POST', '/v1/transfers', {
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
    const r = await studio.request<Write>('POST', '/v1/revenue', { subjectType: 'output', subjectId: outputId, amount, currency: 'JPY', reference });
    show(reference, `¥${amount} tx ${r.transactionId}`);
  }
  const after = await regulator.request<{ status?: string }>('GET', `/v1/transfers/${transferId}`);
  show('transfer', after.status);
  const holders = await regulator.request<{ holders?: unknown }>('GET', `/v1/rights/${rightsId}`);
  show('holders now', holders.holders);

  heading("The illustrator's statement: its exact share of the data pool");
  const illustrator = providers[0] as string;
  const statement = await providerAgent.request<{ lines?: { itemCount: number; accrued: string; claimable: string }[] }>(
    'GET',
    `/v1/providers/${illustrator}/statement?currency=JPY&modelIds=${modelId}`,
  );
  const line = statement.lines?.[0];
  // Pool = 30% of each report, divided per training item: 4 of the 6 items are the illustrator's.
  const expected = [60000n, 50000n].reduce((sum, amount) => sum + ((amount * 3000n) / 10000n / 6n) * 4n, 0n);
  show('items', line?.itemCount);
  show('accrued', `¥${line?.accrued ?? '?'} (expected ¥${expected})`);
  show('claimable', `¥${line?.claimable ?? '?'}`);

  heading('The provider claims; the settlement is recorded for off-chain payment');
  const claim = await providerAgent.request<Write>('POST', '/v1/claims', { providerId: illustrator, currency: 'JPY', modelId });
  show('settlement', claim.record.settlementId ?? claim.record);
  show('transactionId', claim.transactionId);

  heading('Any transaction can be looked up later, with who acted as the ledger records it (org and API client)');
  const status = await studio.request('GET', `/v1/transactions/${sealed.transactionId}`);
  show('seal', status);

  process.stdout.write(`\nDone. Digest of this run's story: ${createHash('sha256').update(run + root).digest('hex').slice(0, 16)}…\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
