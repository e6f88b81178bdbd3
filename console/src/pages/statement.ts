import { all, api, may, newIdempotencyKey, type DataRecord } from '../api';
import { barChart } from '../chart';
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

export function statementPage({ who, root }: PageContext): void {
  const provider = field(t('statement.provider'), 'st-provider', { value: hashParams().get('provider') ?? '', required: true });
  const currency = field(t('statement.currency'), 'st-currency', { value: 'JPY', pattern: '[A-Z]{3}', required: true });
  const out = h('section', { id: 'statement-out', 'aria-live': 'polite' });
  const form = h('form', { class: 'inline' }, provider.wrap, currency.wrap, h('button', { type: 'submit' }, t('statement.show')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void show(provider.input.value.trim(), currency.input.value.trim(), out, who?.role);
  });
  root.append(h('h1', {}, t('statement.title')), form, out);
  if (provider.input.value !== '') void show(provider.input.value, currency.input.value, out, who?.role);
}

async function show(providerId: string, currency: string, out: HTMLElement, role: string | undefined): Promise<void> {
  fill(out);
  try {
    const st = await api<Statement>('GET', `/v1/providers/${encodeURIComponent(providerId)}/statement?currency=${encodeURIComponent(currency)}`);
    const lines = st.lines.filter((l) => l.currency === currency);
    out.append(
      table(
        t('statement.lines'),
        [t('statement.model'), t('statement.items'), t('statement.accrued'), t('statement.claimed'), t('statement.claimable')],
        lines.map((l) => [h('a', { href: `#/lineage?model=${encodeURIComponent(l.modelId)}` }, l.modelId), `${l.itemCount} / ${l.trainingSize}`, l.accrued, l.claimed, l.claimable]),
      ),
    );
    if (lines.length > 0) {
      out.append(
        barChart(t('statement.chart'), t('statement.model'), lines.map((l) => l.modelId), [
          { label: t('statement.claimed'), color: '#1d4ed8', values: lines.map((l) => l.claimed) },
          { label: t('statement.claimable'), color: '#b45309', values: lines.map((l) => l.claimable) },
        ]),
      );
    }
    const claimOut = h('div', {});
    for (const total of st.totals.filter((x) => x.currency === currency && x.claimable !== '0')) {
      if (may(role, 'claim')) {
        out.append(
          action(t('statement.claim', { amount: total.claimable, currency }), claimOut, async () => {
            const result = await api<{ transactionId: string; blockNumber: string }>('POST', '/v1/claims', { body: { providerId, currency }, idempotencyKey: newIdempotencyKey() });
            return committed(result);
          }, { id: 'claim' }),
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
  return confirmStep(t('statement.revoke', { id: dataId }), t('statement.revoke.confirm', { id: dataId }), out, async () => {
    const result = await api<{ transactionId: string; blockNumber: string }>('POST', `/v1/data/${encodeURIComponent(dataId)}/consent/revoke`, {
      body: { reason: reason.input.value },
      idempotencyKey: newIdempotencyKey(),
    });
    return committed(result);
  }, reason.wrap);
}
