import { all, api, streamEvents } from '../api';
import { field, fields, fill, h, short, table, text } from '../dom';
import { t } from '../i18n';
import { csvLink, errorBox, hashParams, type PageContext } from '../ui';

/** Browse and search: any record by type and ID, its history, lists, consortium totals, live events. */

const TYPES: Readonly<Record<string, (id: string) => string>> = {
  data: (id) => `/v1/data/${id}`,
  model: (id) => `/v1/models/${id}`,
  output: (id) => `/v1/outputs/${id}`,
  terms: (id) => `/v1/terms/${id}`,
  provider: (id) => `/v1/providers/${id}`,
  rights: (id) => `/v1/rights/${id}`,
  transfer: (id) => `/v1/transfers/${id}`,
  offer: (id) => `/v1/offers/${id}`,
  purchase: (id) => `/v1/purchases/${id}`,
  settlement: (id) => `/v1/settlements/${id}`,
  transaction: (id) => `/v1/transactions/${id}`,
};

export function explorerPage({ root, signal }: PageContext): void {
  const params = hashParams();
  const type = h(
    'select',
    { id: 'ex-type', name: 'type' },
    Object.keys(TYPES).map((k) => h('option', { value: k, selected: k === params.get('type') }, k)),
  );
  const id = field(t('common.id'), 'ex-id', { value: params.get('id') ?? '' });
  const found = h('section', { id: 'ex-found', 'aria-live': 'polite' });
  const find = h(
    'form',
    { class: 'inline', 'aria-labelledby': 'ex-find-h' },
    h('div', { class: 'field' }, h('label', { for: 'ex-type' }, t('explorer.type')), type),
    id.wrap,
    h('button', { type: 'submit' }, t('common.load')),
  );
  find.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/explorer?type=${type.value}&id=${encodeURIComponent(id.input.value.trim())}`;
  });
  root.append(
    h('h1', {}, t('explorer.title')),
    h('h2', { id: 'ex-find-h' }, t('explorer.find')),
    find,
    found,
    listSection(),
    totalsSection(),
    feedSection(signal),
  );
  const initial = params.get('id');
  if (initial !== null && initial !== '') void show(type.value, initial, found);
}

async function show(type: string, id: string, out: HTMLElement): Promise<void> {
  const path = TYPES[type];
  if (path === undefined) return;
  try {
    const record = await api('GET', path(encodeURIComponent(id)));
    out.append(h('h3', {}, `${type} ${id}`), fields(record));
    if (type === 'data') {
      const history = await api<{ entries: { txId: string; timestamp: string; isDelete: boolean; record?: { status?: string } }[] }>(
        'GET',
        `/v1/data/${encodeURIComponent(id)}/history`,
      );
      out.append(
        h(
          'div',
          { id: 'ex-history' },
          table(
            t('explorer.history'),
            [t('explorer.tx'), 'timestamp', t('common.status')],
            history.entries.map((e) => [
              h('a', { href: `#/explorer?type=transaction&id=${e.txId}` }, short(e.txId)),
              e.timestamp,
              e.isDelete ? 'deleted' : (e.record?.status ?? ''),
            ]),
          ),
        ),
      );
      const usage = await all<{ modelId: string; index: number }>(`/v1/data/${encodeURIComponent(id)}/usage`, 200);
      out.append(
        table(
          t('explorer.usage'),
          [t('statement.model'), 'leaf index'],
          usage.map((u) => [h('a', { href: `#/lineage?model=${encodeURIComponent(u.modelId)}` }, u.modelId), String(u.index)]),
        ),
      );
    }
    if (type === 'model') {
      const counts = await all<Record<string, unknown>>(`/v1/models/${encodeURIComponent(id)}/providers`, 500);
      out.append(
        table(
          t('explorer.providers'),
          ['providerId', 'items'],
          counts.map((c) => [text(c.providerId), text(c.count ?? c.itemCount)]),
        ),
      );
    }
    if (type === 'output') out.append(h('p', {}, h('a', { href: `#/lineage?output=${encodeURIComponent(id)}` }, t('nav.lineage'))));
  } catch (error) {
    out.append(errorBox(error));
  }
}

function listSection(): HTMLElement {
  const filter = h(
    'select',
    { id: 'ex-filter' },
    ['collectorMsp', 'providerId', 'termsId'].map((f) => h('option', { value: f }, f)),
  );
  const value = field(t('explorer.value'), 'ex-filter-value');
  const out = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'inline' },
    h('div', { class: 'field' }, h('label', { for: 'ex-filter' }, t('explorer.filter')), filter),
    value.wrap,
    h('button', { type: 'submit' }, t('common.load')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    fill(out);
    all<Record<string, unknown>>(`/v1/data?${filter.value}=${encodeURIComponent(value.input.value.trim())}`, 1000)
      .then((items) => {
        const headers = ['dataId', 'providerId', 'collectorMsp', 'termsId', 'status', 'contentDigest'];
        const rows = items.map((r) => headers.map((k) => text(r[k])));
        out.append(
          table(
            t('explorer.list'),
            headers,
            rows.map((r) =>
              r.map((c, i) => (i === 0 ? h('a', { href: `#/explorer?type=data&id=${encodeURIComponent(c)}` }, c) : i === 5 ? short(c) : c)),
            ),
          ),
          csvLink('data.csv', headers, rows),
        );
      })
      .catch((error: unknown) => {
        out.append(errorBox(error));
      });
  });
  return h('section', {}, h('h2', {}, t('explorer.list')), form, out);
}

function totalsSection(): HTMLElement {
  const currency = field(t('statement.currency'), 'ex-currency', { value: 'JPY' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'inline' }, currency.wrap, h('button', { type: 'submit' }, t('common.load')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    fill(out);
    api('GET', `/v1/revenue-totals?currency=${encodeURIComponent(currency.input.value.trim())}`)
      .then((totals) => {
        const entries = Object.entries(totals).map(([k, v]) => [k, text(v)]);
        out.append(fields(totals), csvLink('revenue-totals.csv', ['field', 'value'], entries));
      })
      .catch((error: unknown) => {
        out.append(errorBox(error));
      });
  });
  return h('section', {}, h('h2', {}, t('explorer.totals')), form, out);
}

function feedSection(signal: AbortSignal): HTMLElement {
  const from = field(t('explorer.feed.from'), 'ex-from', { inputmode: 'numeric', pattern: '[0-9]*' });
  const rows = h('tbody', { id: 'ex-feed-rows' });
  const out = h('div', { 'aria-live': 'off' });
  const button = h('button', { type: 'button', id: 'ex-feed' }, t('explorer.feed.start'));
  let running: AbortController | undefined;
  button.addEventListener('click', () => {
    if (running !== undefined) {
      running.abort();
      running = undefined;
      button.textContent = t('explorer.feed.start');
      return;
    }
    const controller = new AbortController();
    signal.addEventListener('abort', () => {
      controller.abort();
    });
    running = controller;
    button.textContent = t('explorer.feed.stop');
    const start = from.input.value.trim();
    streamEvents(
      start === '' ? '' : `?startBlock=${start}`,
      (event) => {
        const d = event.data as { blockNumber?: string; transactionId?: string; eventName?: string; payload?: unknown };
        rows.prepend(
          h(
            'tr',
            {},
            h('td', {}, d.blockNumber ?? ''),
            h('td', {}, h('a', { href: `#/explorer?type=transaction&id=${d.transactionId ?? ''}` }, short(d.transactionId))),
            h('td', {}, d.eventName ?? event.name),
            h('td', { class: 'payload' }, JSON.stringify(d.payload ?? {}).slice(0, 160)),
          ),
        );
        while (rows.children.length > 200) rows.lastElementChild?.remove();
      },
      controller.signal,
    ).catch((error: unknown) => {
      if (!controller.signal.aborted) out.append(errorBox(error));
    });
  });
  return h(
    'section',
    {},
    h('h2', {}, t('explorer.feed')),
    h('div', { class: 'inline' }, from.wrap, button),
    out,
    h(
      'table',
      {},
      h('caption', {}, t('explorer.feed')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [t('explorer.block'), t('explorer.tx'), t('explorer.event'), 'payload'].map((x) => h('th', { scope: 'col' }, x)),
        ),
      ),
      rows,
    ),
  );
}
