import { api, ApiError, session } from '../api';
import { barChart } from '../chart';
import { field, h, short, table, text, type Child } from '../dom';
import { t } from '../i18n';
import { errorBox, hashParams, type PageContext } from '../ui';

/**
 * Audit reports over the org's index (the gateway's `/v1/audit/...` API): any record type listed,
 * filtered and paged, each record's history, the governance reports as tables (two also as charts),
 * and every view as CSV. Each view says the index height it reflects.
 */

/** The record types the audit API lists (its `type` path parameter). */
const RECORD_TYPES = [
  'terms',
  'terms-versions',
  'providers',
  'data',
  'datasets',
  'models',
  'model-versions',
  'training-entries',
  'usage',
  'model-provider-counts',
  'model-terms-counts',
  'model-flags',
  'outputs',
  'rights',
  'transfers',
  'revenue',
  'subject-revenue',
  'pools',
  'provider-claims',
  'holder-credits',
  'holder-claims',
  'settlements',
  'offers',
  'grants',
  'reviews',
  'exclusions',
  'access',
] as const;

/** Reports shown on opening the page (provider-income needs a provider and has its own form). */
const REPORTS = [
  'revenue-over-time',
  'status-changes',
  'items-per-terms-provider',
  'terms-coverage',
  'model-composition',
  'revoked-inputs',
  'offers-grants',
] as const;
type Report = (typeof REPORTS)[number] | 'provider-income';

interface Listed {
  key: string[];
  record: unknown;
  blockNumber: string;
  txId: string;
}
interface ListAnswer {
  height: string;
  items: Listed[];
  nextCursor?: string;
}
interface HistoryAnswer {
  height: string;
  versions: { blockNumber: string; txId: string; deleted: boolean; record: unknown; txTime: string | null }[];
}
type Row = Record<string, unknown>;
interface RowsAnswer {
  height: string;
  rows: Row[];
}

const heightLine = (id: string, height: string): HTMLElement =>
  h('p', { class: 'index-height', id, 'data-height': height }, t('reports.height', { height }));

/**
 * A link to a CSV answer of the audit API. The API wants the key as a bearer token, so a click fetches
 * the file with it and hands the browser a download; the link itself names the API address.
 */
function csvApiLink(path: string, name: string, id: string): HTMLAnchorElement {
  const sep = path.includes('?') ? '&' : '?';
  const href = `${path}${sep}format=csv`;
  const link = h('a', { href, id, class: 'button csv', download: name }, t('common.csv'));
  link.addEventListener('click', (e) => {
    e.preventDefault();
    const key = session.key();
    void fetch(href, { headers: key === null ? {} : { authorization: `Bearer ${key}` } })
      .then(async (res) => {
        if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
        const url = URL.createObjectURL(await res.blob());
        const a = h('a', { href: url, download: name, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => {
          URL.revokeObjectURL(url);
        }, 10_000);
      })
      .catch((error: unknown) => {
        link.after(errorBox(error));
      });
  });
  return link;
}

const cell = (value: unknown): string => (Array.isArray(value) ? value.map(text).join(', ') : text(value));

/** A table of report rows, columns named by the first row's fields. */
function rowsTable(caption: string, rows: readonly Row[]): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, t('reports.noRows'));
  const columns = Object.keys(rows[0] as Row);
  return table(
    caption,
    columns,
    rows.map((r) => columns.map((c) => cell(r[c]))),
  );
}

function recordSummary(record: unknown): string {
  const all = text(record);
  return all.length > 140 ? `${all.slice(0, 140)}…` : all;
}

export function reportsPage({ root }: PageContext): void {
  const params = hashParams();
  const initialType = params.get('type') ?? 'data';
  const type = h(
    'select',
    { id: 'rp-type', name: 'type' },
    RECORD_TYPES.map((k) => h('option', { value: k, selected: k === initialType }, k)),
  );
  const filter = field(t('reports.filter'), 'rp-filter', {
    value: params.get('filter') ?? '',
    placeholder: 'status:active',
    'aria-describedby': 'rp-filter-help',
  });
  const form = h(
    'form',
    { class: 'inline', 'aria-labelledby': 'rp-records-h' },
    h('div', { class: 'field' }, h('label', { for: 'rp-type' }, t('reports.type')), type),
    filter.wrap,
    h('button', { type: 'submit' }, t('reports.search')),
    h('p', { id: 'rp-filter-help', class: 'help' }, t('reports.filterHelp')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = filter.input.value.trim();
    location.hash = `#/reports?type=${type.value}${f === '' ? '' : `&filter=${encodeURIComponent(f)}`}`;
  });
  const history = h('section', { id: 'rp-history', 'aria-live': 'polite' });
  const records = h('section', { id: 'rp-records', 'aria-live': 'polite' });
  const analytics = h('section', { id: 'rp-analytics' });
  root.append(
    h('h1', {}, t('reports.title')),
    h('p', {}, t('reports.intro')),
    h('h2', { id: 'rp-records-h' }, t('reports.records')),
    form,
    history,
    records,
    h('h2', { id: 'rp-analytics-h' }, t('reports.analytics')),
    analytics,
  );
  const chosen = (RECORD_TYPES as readonly string[]).includes(initialType) ? initialType : 'data';
  const key = params.get('key');
  if (key !== null && key !== '') void showHistory(chosen, key, history);
  void listRecords(chosen, params.get('filter') ?? '', records);
  void showReports(analytics);
}

async function listRecords(type: string, filter: string, out: HTMLElement): Promise<void> {
  const base = `/v1/audit/records/${type}${filter === '' ? '' : `?filter=${encodeURIComponent(filter)}`}`;
  const sep = base.includes('?') ? '&' : '?';
  const body = h('tbody', {});
  const caption = t('reports.list', { type });
  const list = h(
    'table',
    { id: 'rp-list' },
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [t('reports.key'), t('reports.block'), t('explorer.tx'), t('reports.record')].map((x) => h('th', { scope: 'col' }, x)),
      ),
    ),
    body,
  );
  const more = h('button', { type: 'button', id: 'rp-more', hidden: true }, t('reports.more'));
  const height = h('div', {});
  out.append(h('div', { class: 'row' }, csvApiLink(`${base}${sep}limit=10000`, `${type}.csv`, 'rp-csv')), height, list, more);
  let cursor: string | undefined;
  let count = 0;
  const load = async (): Promise<void> => {
    more.disabled = true;
    try {
      const page = await api<ListAnswer>(
        'GET',
        `${base}${sep}limit=25${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      height.replaceChildren(heightLine('rp-list-height', page.height));
      for (const item of page.items) {
        const keyText = item.key.join(',');
        body.append(
          h(
            'tr',
            {},
            h(
              'td',
              {},
              h(
                'a',
                {
                  href: `#/reports?type=${type}&key=${encodeURIComponent(keyText)}${filter === '' ? '' : `&filter=${encodeURIComponent(filter)}`}`,
                  class: 'history-link',
                },
                item.key.join(' / '),
              ),
            ),
            h('td', {}, item.blockNumber),
            h('td', {}, h('a', { href: `#/explorer?type=transaction&id=${item.txId}`, title: item.txId }, short(item.txId))),
            h('td', { class: 'record' }, recordSummary(item.record)),
          ),
        );
      }
      count += page.items.length;
      out.dataset.count = String(count);
      cursor = page.nextCursor;
      more.hidden = cursor === undefined;
    } catch (error) {
      out.append(errorBox(error));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => {
    void load();
  });
  await load();
}

async function showHistory(type: string, key: string, out: HTMLElement): Promise<void> {
  const path = `/v1/audit/records/${type}/history?key=${encodeURIComponent(key)}`;
  try {
    const answer = await api<HistoryAnswer>('GET', path);
    const heading = h('h3', { id: 'rp-history-h', tabindex: -1 }, t('reports.history', { type, key }));
    out.append(
      heading,
      heightLine('rp-history-height', answer.height),
      h('div', { class: 'row' }, csvApiLink(path, `${type}-history.csv`, 'rp-history-csv')),
      table(
        t('reports.history', { type, key }),
        [t('reports.block'), t('explorer.tx'), t('reports.time'), t('reports.deleted'), t('reports.record')],
        answer.versions.map((v) => [
          v.blockNumber,
          h('a', { href: `#/explorer?type=transaction&id=${v.txId}`, title: v.txId }, short(v.txId)),
          v.txTime ?? '',
          v.deleted ? t('reports.yes') : '',
          h('code', { class: 'record' }, text(v.record)),
        ]),
      ),
    );
    heading.focus();
  } catch (error) {
    out.append(errorBox(error));
  }
}

/** Sums decimal strings exactly (BigInt); values that are not integers count as 0. */
function sum(values: readonly unknown[]): string {
  let total = 0n;
  for (const v of values) if (typeof v === 'string' && /^-?\d+$/.test(v)) total += BigInt(v);
  return total.toString();
}

/** Revenue per day and currency (what was recorded against subjects), as bars. */
function revenueChart(rows: readonly Row[]): HTMLElement {
  const subject = rows.filter((r) => r.kind === 'subject');
  const days = [...new Set(subject.map((r) => String(r.day)))].sort();
  const currencies = [...new Set(subject.map((r) => String(r.currency)))].sort();
  const colors = ['#1d4ed8', '#b45309', '#047857', '#7c3aed'];
  return barChart(
    t('reports.chart.revenue'),
    t('reports.day'),
    days,
    currencies.map((c, i) => ({
      label: c,
      color: colors[i % colors.length] as string,
      values: days.map((d) => sum(subject.filter((r) => r.day === d && r.currency === c).map((r) => r.amount))),
    })),
  );
}

/** Consent revocations and disputes per day, as bars. */
function statusChart(rows: readonly Row[]): HTMLElement {
  const days = rows.map((r) => String(r.day));
  return barChart(t('reports.chart.status'), t('reports.day'), days, [
    { label: t('reports.revoked'), color: '#b91c1c', values: rows.map((r) => text(r.consentRevoked)) },
    { label: t('reports.disputed'), color: '#b45309', values: rows.map((r) => text(r.disputed)) },
  ]);
}

async function report(question: Report, query: string): Promise<{ answer: RowsAnswer; path: string }> {
  const path = `/v1/audit/analytics/${question}${query}`;
  return { answer: await api<RowsAnswer>('GET', path), path };
}

function reportSection(question: Report, answer: RowsAnswer, path: string, chart?: (rows: readonly Row[]) => HTMLElement): Child[] {
  return [
    heightLine(`rp-${question}-height`, answer.height),
    h('div', { class: 'row' }, csvApiLink(path, `${question}.csv`, `rp-${question}-csv`)),
    chart !== undefined && answer.rows.length > 0 ? chart(answer.rows) : null,
    rowsTable(t(`reports.q.${question}`), answer.rows),
  ];
}

async function showReports(out: HTMLElement): Promise<void> {
  const charts: Partial<Record<Report, (rows: readonly Row[]) => HTMLElement>> = {
    'revenue-over-time': revenueChart,
    'status-changes': statusChart,
  };
  const sections = REPORTS.map((q) => {
    const section = h(
      'section',
      { id: `rp-${q}`, class: 'report', 'aria-labelledby': `rp-${q}-h`, 'aria-busy': 'true' },
      h('h3', { id: `rp-${q}-h` }, t(`reports.q.${q}`)),
    );
    out.append(section);
    return [q, section] as const;
  });
  out.append(providerIncomeSection());
  await Promise.all(
    sections.map(async ([q, section]) => {
      try {
        const { answer, path } = await report(q, '');
        section.append(...reportSection(q, answer, path, charts[q]).filter((c): c is HTMLElement => c instanceof HTMLElement));
      } catch (error) {
        section.append(errorBox(error));
      } finally {
        section.setAttribute('aria-busy', 'false');
      }
    }),
  );
}

function providerIncomeSection(): HTMLElement {
  const provider = field(t('reports.provider'), 'rp-provider', { required: true });
  const result = h('div', { id: 'rp-provider-income-out', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'inline', 'aria-labelledby': 'rp-provider-income-h' },
    provider.wrap,
    h('button', { type: 'submit' }, t('common.load')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = provider.input.value.trim();
    if (id === '') return;
    result.replaceChildren();
    report('provider-income', `?providerId=${encodeURIComponent(id)}`)
      .then(({ answer, path }) => {
        result.append(...reportSection('provider-income', answer, path).filter((c): c is HTMLElement => c instanceof HTMLElement));
      })
      .catch((error: unknown) => {
        result.append(errorBox(error));
      });
  });
  return h(
    'section',
    { id: 'rp-provider-income', class: 'report', 'aria-labelledby': 'rp-provider-income-h' },
    h('h3', { id: 'rp-provider-income-h' }, t('reports.q.provider-income')),
    form,
    result,
  );
}
