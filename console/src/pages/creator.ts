import { all, api, ApiError, findData, offers, sha256Hex, type DataRecord } from '../api';
import { field, fill, h, short } from '../dom';
import { t } from '../i18n';
import { leafHash, verifyExclusion, verifyInclusion, type ExclusionProof } from '../rfc6962';
import { dropZone, errorBox, hashParams, type PageContext } from '../ui';

/**
 * "Was my work used?": files are hashed in the browser, looked up by digest, and for every sealed model
 * concerned the inclusion or exclusion proof is checked here against the root read from the ledger.
 */

interface ModelRecord {
  modelId: string;
  status: string;
  trainingRoot?: string;
  trainingSize?: number;
}

interface Checked {
  file: File;
  digest: string;
  record: DataRecord | undefined;
  usedIn: Set<string>;
}

export function creatorPage({ who, root }: PageContext): void {
  let files: File[] = [];
  const chosen = h('ul', { class: 'files', 'aria-label': t('creator.files') });
  const results = h('section', { 'aria-live': 'polite', 'aria-busy': 'false', id: 'creator-results' });
  const models = field(t('creator.models'), 'check-models', { value: hashParams().get('models') ?? '' });
  const check = h('button', { type: 'button', id: 'creator-check' }, t('creator.check'));
  check.addEventListener('click', () => {
    check.disabled = true;
    results.setAttribute('aria-busy', 'true');
    run(files, models.input.value, results, who?.mspId)
      .catch((error: unknown) => {
        results.append(errorBox(error));
      })
      .finally(() => {
        check.disabled = false;
        results.setAttribute('aria-busy', 'false');
        results.dataset.done = 'true';
      });
  });
  root.append(
    h('h1', {}, t('creator.title')),
    h('p', {}, t('creator.intro')),
    dropZone(t('creator.drop'), 'creator-files', (picked) => {
      files = picked;
      fill(
        chosen,
        picked.map((f) => h('li', {}, f.name)),
      );
    }),
    chosen,
    models.wrap,
    check,
    results,
  );
}

async function run(files: readonly File[], modelList: string, out: HTMLElement, ownMsp: string | undefined): Promise<void> {
  const signedIn = ownMsp !== undefined;
  delete out.dataset.done;
  out.replaceChildren();
  const checked: Checked[] = [];
  // Without a key, the gateway's public verification surface answers where it is served.
  const open = !signedIn && (await offers('publicTrainingSetMembership'));
  for (const file of files) {
    const digest = await sha256Hex(file);
    if (!signedIn) {
      checked.push({ file, digest, record: open ? await publicFind(digest) : undefined, usedIn: new Set() });
      continue;
    }
    const record = await findData(digest, ownMsp);
    const usedIn = new Set<string>();
    if (record !== undefined) {
      for (const u of await all<{ modelId: string }>(`/v1/data/${encodeURIComponent(record.dataId)}/usage`)) usedIn.add(u.modelId);
    }
    checked.push({ file, digest, record, usedIn });
  }
  const modelIds = new Set(
    modelList
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
  for (const c of checked) for (const m of c.usedIn) modelIds.add(m);
  const modelCache = new Map<string, ModelRecord | undefined>();
  for (const id of modelIds) {
    try {
      modelCache.set(id, await api<ModelRecord>('GET', `/v1/${open ? 'public/' : ''}models/${encodeURIComponent(id)}`));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      modelCache.set(id, undefined);
    }
  }
  for (const c of checked) {
    const item = h(
      'article',
      { class: 'file-result', 'data-file': c.file.name },
      h('h2', {}, c.file.name),
      h('p', { class: 'digest' }, `${t('creator.digest')} ${c.digest}`),
    );
    out.append(item);
    if (!signedIn && !open) {
      item.append(h('p', { class: 'msg' }, t('common.signinNeeded')));
      continue;
    }
    if (c.record === undefined) {
      item.append(h('p', { class: 'verdict none', 'data-verdict': 'unregistered' }, t('creator.notRegistered')));
      continue;
    }
    const record = c.record;
    item.append(h('p', {}, t('creator.registered', { id: record.dataId, provider: record.providerId || '—', status: record.status })));
    const list = h('ul', { class: 'verdicts' });
    item.append(list);
    const sealed = [...modelCache.values()].filter((m): m is ModelRecord => m?.trainingRoot !== undefined && m.trainingSize !== undefined);
    if (sealed.length === 0) list.append(h('li', {}, t('creator.noModels')));
    for (const id of modelIds) {
      const model = modelCache.get(id);
      if (model === undefined) continue;
      if (model.trainingRoot === undefined || model.trainingSize === undefined) {
        list.append(
          h('li', { class: 'verdict pending', 'data-model': id, 'data-verdict': 'unsealed' }, t('creator.unsealed', { model: id })),
        );
        continue;
      }
      list.append(open ? await publicVerdict(record.dataId, model) : await verdictFor(record.dataId, model, c.usedIn.has(id)));
    }
  }
}

/** Fetches the proof and checks it here against the model's root and size as read from the ledger. */
async function verdictFor(dataId: string, model: ModelRecord, used: boolean): Promise<HTMLElement> {
  const base = `/v1/models/${encodeURIComponent(model.modelId)}/proofs`;
  if (used)
    return judged(dataId, model, true, await api<InclusionView>('GET', `${base}/inclusion/${encodeURIComponent(dataId)}`), undefined);
  return judged(
    dataId,
    model,
    false,
    undefined,
    await api<{ proof: ExclusionProof }>('GET', `${base}/exclusion/${encodeURIComponent(dataId)}`),
  );
}

interface InclusionView {
  leafIndex: number;
  treeSize: number;
  auditPath: string[];
}

/** The plain-words verdict, only after the proof checks out against the model's root and size. */
async function judged(
  dataId: string,
  model: ModelRecord,
  used: boolean,
  inclusion: InclusionView | undefined,
  exclusion: { proof: ExclusionProof } | undefined,
): Promise<HTMLElement> {
  const root = model.trainingRoot as string;
  const size = model.trainingSize as number;
  let ok = false;
  if (used && inclusion !== undefined)
    ok =
      inclusion.treeSize === size && (await verifyInclusion(await leafHash(dataId), inclusion.leafIndex, size, inclusion.auditPath, root));
  if (!used && exclusion !== undefined) ok = exclusion.proof.size === size && (await verifyExclusion(dataId, exclusion.proof, root));
  if (!ok)
    return h(
      'li',
      { class: 'verdict bad', 'data-model': model.modelId, 'data-verdict': 'unverified' },
      t('creator.bad', { model: model.modelId }),
    );
  const text = t(used ? 'creator.used' : 'creator.notUsed', { model: model.modelId, root: short(root) });
  return h(
    'li',
    { class: `verdict ${used ? 'used' : 'unused'}`, 'data-model': model.modelId, 'data-verdict': used ? 'used' : 'not-used' },
    h('span', { 'aria-hidden': 'true' }, used ? '● ' : '○ '),
    text,
  );
}

/** The public facts of the data item registered with a digest, or undefined when none is. */
async function publicFind(digest: string): Promise<DataRecord | undefined> {
  try {
    return (await api<{ data?: DataRecord }>('GET', `/v1/public/lookup/${digest}`, { anonymous: true })).data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** Without a key: the public membership answer, its proof checked here against the model's public root. */
async function publicVerdict(dataId: string, model: ModelRecord): Promise<HTMLElement> {
  const answer = await api<{
    included: boolean;
    inclusion?: { leafIndex: number; treeSize: number; auditPath: string[] };
    exclusion?: { proof: ExclusionProof };
  }>('GET', `/v1/public/models/${encodeURIComponent(model.modelId)}/training-set/${encodeURIComponent(dataId)}`, { anonymous: true });
  return judged(dataId, model, answer.included, answer.inclusion, answer.exclusion);
}
