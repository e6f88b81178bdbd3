import { all, api, may, newIdempotencyKey, replayEvents, type DataRecord } from '../api';
import { barChart, timeChart } from '../chart';
import { field, fill, h, table } from '../dom';
import { t } from '../i18n';
import { action, committed, confirmStep, errorBox, hashParams, type PageContext } from '../ui';

/** A provider's statement (items per model, accrued / claimed / claimable), claims, and consent per item. */

interface Line {
  modelId: string;
  currency: string;
  itemCount: number;
  trainingSize: number;
  accrued: string;
  claimed: string;
  claimable: string;
}
interface Statement {
  providerId: string;
  managingMsp: string;
  lines: Line[];
  totals: { currency: string; accrued: string; claimed: string; claimable: string }[];
}

export function statementPage({ who, root, signal }: PageContext): void {
  const provider = field(t('statement.provider'), 'st-provider', { value: hashParams().get('provider') ?? '', required: true });
  const currency = field(t('statement.currency'), 'st-currency', { value: 'JPY', pattern: '[A-Z]{3}', required: true });
  const out = h('section', { id: 'statement-out', 'aria-live': 'polite' });
  const form = h('form', { class: 'inline' }, provider.wrap, currency.wrap, h('button', { type: 'submit' }, t('statement.show')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void show(provider.input.value.trim(), currency.input.value.trim(), out, who?.role, signal);
  });
  root.append(h('h1', {}, t('statement.title')), form, out);
  if (provider.input.value !== '') void show(provider.input.value, currency.input.value, out, who?.role, signal);
}

async function show(providerId: string, currency: string, out: HTMLElement, role: string | undefined, signal: AbortSignal): Promise<void> {
  fill(out);
  try {
    const st = await api<Statement>(
      'GET',
      `/v1/providers/${encodeURIComponent(providerId)}/statement?currency=${encodeURIComponent(currency)}`,
    );
    const lines = st.lines.filter((l) => l.currency === currency);
    out.append(
      table(
        t('statement.lines'),
        [t('statement.model'), t('statement.items'), t('statement.accrued'), t('statement.claimed'), t('statement.claimable')],
        lines.map((l) => [
          h('a', { href: `#/lineage?model=${encodeURIComponent(l.modelId)}` }, l.modelId),
          `${l.itemCount} / ${l.trainingSize}`,
          l.accrued,
          l.claimed,
          l.claimable,
        ]),
      ),
    );
    if (lines.length > 0) {
      out.append(
        barChart(
          t('statement.chart'),
          t('statement.model'),
          lines.map((l) => l.modelId),
          [
            { label: t('statement.claimed'), color: '#1d4ed8', values: lines.map((l) => l.claimed) },
            { label: t('statement.claimable'), color: '#b45309', values: lines.map((l) => l.claimable) },
          ],
        ),
      );
    }
    const overTime = h('div', { id: 'earnings-time', 'aria-live': 'polite' });
    out.append(overTime);
    void earningsOverTime(lines, currency, overTime, signal);
    const claimOut = h('div', {});
    for (const total of st.totals.filter((x) => x.currency === currency && x.claimable !== '0')) {
      if (may(role, 'claim')) {
        out.append(
          action(
            t('statement.claim', { amount: total.claimable, currency }),
            claimOut,
            async () => {
              const result = await api<{ transactionId: string; blockNumber: string }>('POST', '/v1/claims', {
                body: { providerId, currency },
                idempotencyKey: newIdempotencyKey(),
              });
              return committed(result);
            },
            { id: 'claim' },
          ),
        );
      }
    }
    out.append(claimOut);
    const items = await all<DataRecord>(`/v1/data?providerId=${encodeURIComponent(providerId)}`, 500);
    const revokeOut = h('div', { 'aria-live': 'polite' });
    out.append(
      table(
        t('statement.items.title'),
        [t('common.id'), t('common.status'), ''],
        items.map((d) => [
          h('a', { href: `#/explorer?type=data&id=${encodeURIComponent(d.dataId)}` }, d.dataId),
          d.status,
          d.status === 'active' && may(role, 'revokeConsent') ? revokeButton(d.dataId, revokeOut) : '',
        ]),
      ),
      revokeOut,
    );
  } catch (error) {
    out.append(errorBox(error));
  }
}

function revokeButton(dataId: string, out: HTMLElement): HTMLElement {
  const reason = field(t('statement.revoke.reason'), `reason-${dataId}`, { value: 'withdrawn by the provider' });
  return confirmStep(
    t('statement.revoke', { id: dataId }),
    t('statement.revoke.confirm', { id: dataId }),
    out,
    async () => {
      const result = await api<{ transactionId: string; blockNumber: string }>(
        'POST',
        `/v1/data/${encodeURIComponent(dataId)}/consent/revoke`,
        {
          body: { reason: reason.input.value },
          idempotencyKey: newIdempotencyKey(),
        },
      );
      return committed(result);
    },
    reason.wrap,
  );
}

/** Fixed-point scale of a pool's per-item index (the chaincode's ROYALTY_SCALE). */
const ROYALTY_SCALE = 10n ** 18n;

/**
 * Earnings over time, rebuilt from the ledger's own events: each RevenueRecorded event carries the
 * updated pools (cumulative revenue index per training item) with their transaction time, so the
 * provider's entitlement after each event is the sum over its models of items × index / scale.
 */
async function earningsOverTime(lines: readonly Line[], currency: string, out: HTMLElement, signal: AbortSignal): Promise<void> {
  const counts = new Map(lines.map((l) => [l.modelId, BigInt(l.itemCount)]));
  if (counts.size === 0) return;
  const index = new Map<string, bigint>();
  const points: [number, number][] = [];
  try {
    await replayEvents(
      ['RevenueRecorded'],
      (data) => {
        const pools = ((data.payload as { pools?: unknown } | undefined)?.pools ?? []) as {
          modelId?: string;
          currency?: string;
          index?: string;
          updatedAt?: string;
          createdAt?: string;
        }[];
        let at: number | undefined;
        for (const pool of pools) {
          if (pool.modelId === undefined || pool.currency !== currency || pool.index === undefined || !counts.has(pool.modelId)) continue;
          index.set(pool.modelId, BigInt(pool.index));
          at = Date.parse(pool.updatedAt ?? pool.createdAt ?? '') / 1000;
        }
        if (at === undefined || Number.isNaN(at)) return;
        let total = 0n;
        for (const [model, count] of counts) total += (count * (index.get(model) ?? 0n)) / ROYALTY_SCALE;
        points.push([at, Number(total)]);
      },
      signal,
    );
    points.sort((a, b) => a[0] - b[0]);
    const first = points[0];
    if (first !== undefined) points.unshift([first[0] - 60, 0]);
    if (points.length > 0) out.append(timeChart(t('statement.overTime'), t('statement.accrued'), points));
  } catch (error) {
    out.append(errorBox(error));
  }
}
