import { all, api, ApiError, may, newIdempotencyKey, resetCaches, type WhoAmI } from '../api';
import { append, field, fields, fill, h, table, text } from '../dom';
import { t } from '../i18n';
import { action, committed, errorBox, hashParams, type PageContext } from '../ui';

/** Studios: models (training progress, seal, composition), outputs, revenue, bulk upload with a resumable queue. */

export function studioPage({ who, root }: PageContext): void {
  const params = hashParams();
  append(root, [
    h('h1', {}, t('studio.title')),
    modelSection(who, params.get('model') ?? ''),
    outputSection(),
    revenueSection(who),
    uploadSection(who),
  ]);
}

function modelSection(who: WhoAmI | undefined, initial: string): HTMLElement {
  const id = field(t('common.id'), 'st-model', { value: initial });
  const out = h('div', { id: 'model-out', 'aria-live': 'polite' });
  const load = async (): Promise<void> => {
    fill(out);
    try {
      const modelId = id.input.value.trim();
      const model = await api<{
        modelId: string;
        status: string;
        trainingSize?: number;
        trainingRoot?: string;
        frontier?: { size: number };
      }>('GET', `/v1/models/${encodeURIComponent(modelId)}`);
      const size = model.trainingSize ?? model.frontier?.size ?? 0;
      out.append(h('p', { class: 'progress-text' }, t('studio.progress', { size, status: model.status })), fields(model));
      const counts = await all<Record<string, unknown>>(`/v1/models/${encodeURIComponent(modelId)}/providers`, 500);
      out.append(
        table(
          t('explorer.providers'),
          ['providerId', 'items'],
          counts.map((c) => [text(c.providerId), text(c.count ?? c.itemCount)]),
        ),
      );
      if (model.status === 'training' && may(who?.role, 'sealModel')) {
        const result = h('div', {});
        out.append(
          action(
            t('studio.seal'),
            result,
            async () => {
              const r = await api<{ transactionId: string; blockNumber: string }>(
                'POST',
                `/v1/models/${encodeURIComponent(modelId)}/seal`,
                { idempotencyKey: newIdempotencyKey() },
              );
              return committed(r);
            },
            { id: 'seal' },
          ),
          result,
        );
      }
    } catch (error) {
      out.append(errorBox(error));
    }
  };
  const form = h('form', { class: 'inline' }, id.wrap, h('button', { type: 'submit' }, t('common.load')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  if (initial !== '') void load();
  return h('section', {}, h('h2', {}, t('studio.model')), form, out);
}

function outputSection(): HTMLElement {
  const id = field(t('common.id'), 'st-output');
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'inline' }, id.wrap, h('button', { type: 'submit' }, t('common.load')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    fill(out);
    const outputId = id.input.value.trim();
    api('GET', `/v1/outputs/${encodeURIComponent(outputId)}`)
      .then((record) => {
        out.append(fields(record), h('p', {}, h('a', { href: `#/lineage?output=${encodeURIComponent(outputId)}` }, t('nav.lineage'))));
      })
      .catch((error: unknown) => {
        out.append(errorBox(error));
      });
  });
  return h('section', {}, h('h2', {}, t('studio.output')), form, out);
}

function revenueSection(who: WhoAmI | undefined): HTMLElement | null {
  if (!may(who?.role, 'recordRevenue')) return null;
  const type = h(
    'select',
    { id: 'rv-type' },
    ['output', 'model', 'work', 'dataset', 'data'].map((x) => h('option', { value: x }, x)),
  );
  const subject = field(t('studio.subjectId'), 'rv-subject', { required: true });
  const amount = field(t('studio.amount'), 'rv-amount', { inputmode: 'numeric', pattern: '[1-9][0-9]*', required: true });
  const currency = field(t('statement.currency'), 'rv-currency', { value: 'JPY', required: true });
  const reference = field(t('studio.reference'), 'rv-ref', { required: true });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    {},
    h('div', { class: 'field' }, h('label', { for: 'rv-type' }, t('studio.subjectType')), type),
    subject.wrap,
    amount.wrap,
    currency.wrap,
    reference.wrap,
    h('button', { type: 'submit' }, t('studio.revenue')),
    out,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    fill(out);
    const body = {
      subjectType: type.value,
      subjectId: subject.input.value.trim(),
      amount: amount.input.value.trim(),
      currency: currency.input.value.trim(),
      reference: reference.input.value.trim(),
    };
    api<{ transactionId: string; blockNumber: string }>('POST', '/v1/revenue', { body, idempotencyKey: `revenue:${body.reference}` })
      .then((r) => {
        out.append(committed(r));
      })
      .catch((error: unknown) => {
        out.append(errorBox(error));
      });
  });
  return h('section', {}, h('h2', {}, t('studio.revenue')), form);
}

interface QueueItem {
  file: File;
  dataId: string;
  state: 'queued' | 'uploading' | 'done' | 'failed';
  error?: string;
}

const ID_CHARS = /[^A-Za-z0-9._:-]/g;
const DONE_STORAGE = 'kiseki.upload.done';

/** Every dataId this browser saw registered, so a reloaded page resumes without re-sending them. */
function doneIds(): Set<string> {
  try {
    return new Set(JSON.parse(localStorage.getItem(DONE_STORAGE) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}
function markDone(dataId: string): void {
  const ids = doneIds();
  ids.add(dataId);
  localStorage.setItem(DONE_STORAGE, JSON.stringify([...ids].slice(-5000)));
}

function uploadSection(who: WhoAmI | undefined): HTMLElement | null {
  if (!may(who?.role, 'uploadData')) return null;
  const provider = field('providerId', 'up-provider', { required: true });
  const terms = field('termsId', 'up-terms', { required: true });
  const prefix = field(t('studio.prefix'), 'up-prefix', { value: 'item-', required: true });
  const folder = h('input', { type: 'file', id: 'up-folder', multiple: true, webkitdirectory: true });
  const filesInput = h('input', { type: 'file', id: 'up-files', multiple: true });
  const bar = h('progress', { id: 'up-progress', max: 1, value: 0, 'aria-label': t('studio.upload') });
  const text = h('p', { id: 'up-text', role: 'status' });
  const list = h('ol', { id: 'up-list', class: 'queue' });
  const start = h('button', { type: 'button', id: 'up-start', disabled: true }, t('studio.start', { n: 0 }));
  let queue: QueueItem[] = [];
  let running = false;

  const paint = (): void => {
    const done = queue.filter((q) => q.state === 'done').length;
    const failed = queue.filter((q) => q.state === 'failed').length;
    bar.max = Math.max(1, queue.length);
    bar.value = done;
    text.textContent = t('studio.progressUpload', { done, total: queue.length, failed });
    text.dataset.done = String(done);
    text.dataset.failed = String(failed);
    start.disabled = running || queue.every((q) => q.state === 'done');
    start.textContent = failed > 0 || done > 0 ? t('studio.retry') : t('studio.start', { n: queue.length });
    fill(
      list,
      queue
        .slice(0, 200)
        .map((q) => h('li', { 'data-state': q.state }, `${q.dataId} — ${q.state}${q.error === undefined ? '' : `: ${q.error}`}`)),
    );
  };
  const choose = (files: FileList | null): void => {
    const seen = doneIds();
    queue = [...(files ?? [])]
      .sort((a, b) => (a.webkitRelativePath || a.name).localeCompare(b.webkitRelativePath || b.name))
      .map((file) => {
        const dataId = `${prefix.input.value.trim()}${file.name}`.replace(ID_CHARS, '-').slice(0, 128);
        return { file, dataId, state: seen.has(dataId) ? 'done' : 'queued' };
      });
    paint();
  };
  folder.addEventListener('change', () => {
    choose(folder.files);
  });
  filesInput.addEventListener('change', () => {
    choose(filesInput.files);
  });

  const uploadOne = async (item: QueueItem): Promise<void> => {
    item.state = 'uploading';
    const query = `dataId=${encodeURIComponent(item.dataId)}&providerId=${encodeURIComponent(provider.input.value.trim())}&termsId=${encodeURIComponent(terms.input.value.trim())}`;
    try {
      // The key is fixed per item: a retry after a lost answer replays the first registration.
      await api('POST', `/v1/data?${query}`, {
        raw: item.file,
        contentType: item.file.type || 'application/octet-stream',
        idempotencyKey: `upload:${item.dataId}`,
      });
      item.state = 'done';
      delete item.error;
      markDone(item.dataId);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'CONFLICT' && (await alreadyMine(item))) {
        item.state = 'done';
        markDone(item.dataId);
        return;
      }
      item.state = 'failed';
      item.error = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
    }
  };

  start.addEventListener('click', () => {
    if (running) return;
    running = true;
    paint();
    const pending = queue.filter((q) => q.state !== 'done');
    // Four uploads at a time: each mostly waits for its block to commit, so they overlap well.
    const worker = async (): Promise<void> => {
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
        await uploadOne(next);
        paint();
      }
    };
    void Promise.all([worker(), worker(), worker(), worker()]).finally(() => {
      running = false;
      resetCaches();
      paint();
    });
  });

  return h(
    'section',
    { id: 'upload' },
    h('h2', {}, t('studio.upload')),
    h('p', {}, t('studio.upload.intro')),
    provider.wrap,
    terms.wrap,
    prefix.wrap,
    h('div', { class: 'field' }, h('label', { for: 'up-folder' }, t('studio.folder')), folder),
    h('div', { class: 'field' }, h('label', { for: 'up-files' }, t('creator.files')), filesInput),
    start,
    bar,
    text,
    list,
  );
}

/** A 409 on retry means the item is registered: done if it is the same bytes under this dataId. */
async function alreadyMine(item: QueueItem): Promise<boolean> {
  try {
    const record = await api<{ size?: number }>('GET', `/v1/data/${encodeURIComponent(item.dataId)}`);
    return record.size === item.file.size;
  } catch {
    return false;
  }
}
