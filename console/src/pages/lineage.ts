import { api, ApiError, sha256Hex } from '../api';
import { field, fields, fill, h, short, table } from '../dom';
import { t } from '../i18n';
import { dropZone, errorBox, hashParams, type PageContext } from '../ui';

/** An output's lineage: output → model → base models → training roots → terms, with rights holders. */

interface Link {
  modelId: string;
  status: string;
  ownerMsp?: string;
  baseModelId?: string;
  trainingRoot?: string;
  trainingSize?: number;
  terms?: { termsId: string; itemCount: number; issuerMsp?: string; aiTraining?: boolean; commercialUse?: boolean; territory?: string }[];
  flags?: { consentRevoked: number; disputed: number };
}
interface Verification {
  outputId: string;
  output: { contentDigest: string; modelId: string; ownerMsp: string; mediaType: string };
  verdict: string;
  reasons: string[];
  lineage: Link[];
}

export function lineagePage({ root }: PageContext): void {
  const params = hashParams();
  const output = field(t('lineage.output'), 'lineage-output', { value: params.get('output') ?? '' });
  let file: File | undefined;
  const out = h('section', { id: 'lineage-out', 'aria-live': 'polite' });
  const form = h(
    'form',
    {},
    output.wrap,
    dropZone(
      t('lineage.file'),
      'lineage-file',
      (files) => {
        file = files[0];
      },
      { multiple: false },
    ),
    h('button', { type: 'submit', id: 'lineage-verify' }, t('lineage.verify')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void show(output.input.value.trim(), file, out);
  });
  root.append(h('h1', {}, t('lineage.title')), h('p', {}, t('lineage.intro')), form, out);
  const model = params.get('model');
  if (output.input.value !== '') void show(output.input.value, undefined, out);
  else if (model !== null) void showModel(model, out);
}

async function show(outputId: string, file: File | undefined, out: HTMLElement): Promise<void> {
  fill(out);
  if (outputId === '') return;
  try {
    const v = await api<Verification>('GET', `/v1/outputs/${encodeURIComponent(outputId)}/verification`);
    const good = v.verdict === 'authorized';
    out.append(
      h('h2', {}, t('lineage.verdict', { verdict: v.verdict })),
      h(
        'p',
        { class: `msg ${good ? 'good' : 'bad'}`, id: 'lineage-verdict', 'data-verdict': v.verdict },
        good ? t('lineage.authorized') : t('lineage.unauthorized', { reasons: v.reasons.join('; ') }),
      ),
    );
    if (file !== undefined) {
      const digest = await sha256Hex(file);
      out.append(
        h(
          'p',
          { class: `msg ${digest === v.output.contentDigest ? 'good' : 'bad'}`, id: 'lineage-match' },
          digest === v.output.contentDigest ? t('lineage.match', { digest: short(digest) }) : t('lineage.mismatch'),
        ),
      );
    }
    out.append(fields({ outputId: v.outputId, ...v.output }), evidenceSection(outputId));
    for (const link of v.lineage) out.append(modelCard(link));
    await rights(outputId, out);
  } catch (error) {
    out.append(errorBox(error));
  }
}

async function showModel(modelId: string, out: HTMLElement): Promise<void> {
  try {
    out.append(modelCard(await api<Link>('GET', `/v1/models/${encodeURIComponent(modelId)}`)));
  } catch (error) {
    out.append(errorBox(error));
  }
}

function modelCard(link: Link): HTMLElement {
  const training = h('div', {});
  const button = h('button', { type: 'button', class: 'training', 'data-model': link.modelId }, t('lineage.training'));
  button.addEventListener('click', () => {
    button.disabled = true;
    api<{ items: string[] }>('GET', `/v1/models/${encodeURIComponent(link.modelId)}/training-ids?limit=100`)
      .then((page) => {
        fill(
          training,
          h(
            'ol',
            { start: 0, class: 'training-ids' },
            page.items.map((id) => h('li', {}, h('a', { href: `#/explorer?type=data&id=${encodeURIComponent(id)}` }, id))),
          ),
        );
      })
      .catch((error: unknown) => {
        training.append(errorBox(error));
      });
  });
  return h(
    'section',
    { class: 'model-card', 'data-model': link.modelId },
    h('h3', {}, t('lineage.model', { model: link.modelId })),
    fields({
      status: link.status,
      ownerMsp: link.ownerMsp,
      baseModelId: link.baseModelId,
      [t('lineage.root')]: link.trainingRoot,
      [t('lineage.size')]: link.trainingSize,
      flags: link.flags,
    }),
    link.terms === undefined || link.terms.length === 0
      ? null
      : table(
          t('lineage.terms'),
          ['termsId', 'issuer', 'items', 'aiTraining', 'commercialUse', 'territory'],
          link.terms.map((x) => [
            x.termsId,
            x.issuerMsp ?? '',
            String(x.itemCount),
            String(x.aiTraining),
            String(x.commercialUse),
            x.territory ?? '',
          ]),
        ),
    link.trainingRoot === undefined ? null : button,
    training,
  );
}

async function rights(outputId: string, out: HTMLElement): Promise<void> {
  try {
    const r = await api<{ rightsId: string; holders: { holderId: string; mspId: string; shareBps: number }[] }>(
      'GET',
      `/v1/rights?subjectType=output&subjectId=${encodeURIComponent(outputId)}`,
    );
    out.append(
      table(
        `${t('lineage.rights')} (${r.rightsId})`,
        ['holderId', 'mspId', 'shareBps'],
        r.holders.map((x) => [x.holderId, x.mspId, String(x.shareBps)]),
      ),
    );
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) out.append(h('p', {}, t('lineage.noRights')));
    else out.append(errorBox(error));
  }
}

/**
 * The output's evidence bundle, downloaded as a file for `kiseki-verify` (which checks it offline
 * against the config block hash the consortium publishes).
 */
function evidenceSection(outputId: string): HTMLElement {
  const out = h('div', { id: 'evidence-out', 'aria-live': 'polite' });
  let bundle: Record<string, unknown> | undefined;
  const load = async (): Promise<Record<string, unknown>> => {
    if (bundle !== undefined) return bundle;
    const loaded: Record<string, unknown> = await api('GET', `/v1/outputs/${encodeURIComponent(outputId)}/evidence`);
    bundle = loaded;
    return loaded;
  };
  const download = h('button', { type: 'button', id: 'evidence-download' }, t('evidence.download'));
  download.addEventListener('click', () => {
    download.disabled = true;
    load()
      .then((b) => {
        const url = URL.createObjectURL(new Blob([JSON.stringify(b, null, 2)], { type: 'application/json' }));
        const link = h('a', { href: url, download: `evidence-${outputId}.json`, id: 'evidence-file' }, `evidence-${outputId}.json`);
        fill(out, link);
        link.click();
      })
      .catch((error: unknown) => {
        fill(out, errorBox(error));
      })
      .finally(() => {
        download.disabled = false;
      });
  });
  return h('section', { id: 'evidence' }, h('h3', {}, t('evidence.title')), h('div', { class: 'actions' }, download), out);
}
