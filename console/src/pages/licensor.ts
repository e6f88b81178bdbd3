import { api, may, newIdempotencyKey, replayEvents, sha256Hex } from '../api';
import { append, field, fields, fill, h, table } from '../dom';
import { t } from '../i18n';
import { action, committed, confirmStep, errorBox, hashParams, type PageContext } from '../ui';
import type { WhoAmI } from '../api';

/** Licensors (and studios holding rights): transfers to approve, execute or cancel; rights, terms, offers, sales. */

interface Transfer {
  transferId: string;
  rightsId: string;
  fromHolderId: string;
  toHolderId: string;
  toMspId: string;
  shareBps: number;
  status: string;
  approvedBy: string[];
  condition: { approvals?: string[]; notBefore?: string; revenueThreshold?: Record<string, string> };
}

export function licensorPage({ who, root, signal }: PageContext): void {
  const params = hashParams();
  const transferId = field(t('common.id'), 'tr-id', { value: params.get('transfer') ?? '' });
  const transferOut = h('section', { id: 'transfer-out', 'aria-live': 'polite' });
  const form = h('form', { class: 'inline' }, transferId.wrap, h('button', { type: 'submit' }, t('common.load')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/licensor?transfer=${encodeURIComponent(transferId.input.value.trim())}`;
  });
  append(root, [
    h('h1', {}, t('licensor.title')),
    h('h2', {}, t('licensor.transfer')),
    form,
    transferOut,
    pendingSection(signal),
    recordSection(),
    termsSection(who),
    publishSection(who),
  ]);
  if (transferId.input.value !== '') void showTransfer(transferId.input.value, transferOut, who);
}

async function showTransfer(id: string, out: HTMLElement, who: WhoAmI | undefined): Promise<void> {
  fill(out);
  try {
    const tr = await api<Transfer>('GET', `/v1/transfers/${encodeURIComponent(id)}`);
    out.append(
      h('p', { id: 'transfer-status', 'data-status': tr.status }, `${t('common.status')}: ${tr.status}`),
      fields(tr as unknown as Record<string, unknown>),
    );
    if (tr.status !== 'pending' || who === undefined) return;
    const result = h('div', { 'aria-live': 'polite' });
    const path = `/v1/transfers/${encodeURIComponent(id)}`;
    const reload = (): void => {
      void showTransfer(id, out, who);
    };
    const buttons = h('div', { class: 'actions' });
    const asked = tr.condition.approvals?.includes(who.mspId) === true && !tr.approvedBy.includes(who.mspId);
    if (asked && may(who.role, 'approveTransfer')) {
      buttons.append(
        action(
          t('licensor.approve', { msp: who.mspId }),
          result,
          async () => {
            const r = await api<{ transactionId: string; blockNumber: string }>('POST', `${path}/approve`, {
              idempotencyKey: newIdempotencyKey(),
            });
            setTimeout(reload, 1500);
            return committed(r);
          },
          { id: 'approve' },
        ),
      );
    }
    if (may(who.role, 'executeTransfer')) {
      buttons.append(
        action(
          t('licensor.execute'),
          result,
          async () => {
            const r = await api<{ transactionId: string; blockNumber: string }>('POST', `${path}/execute`, {
              idempotencyKey: newIdempotencyKey(),
            });
            setTimeout(reload, 1500);
            return committed(r);
          },
          { id: 'execute' },
        ),
      );
    }
    if (may(who.role, 'cancelTransfer')) {
      buttons.append(
        confirmStep(t('licensor.cancel'), t('licensor.cancel.confirm', { id }), result, async () => {
          const r = await api<{ transactionId: string; blockNumber: string }>('POST', `${path}/cancel`, {
            idempotencyKey: newIdempotencyKey(),
          });
          return committed(r);
        }),
      );
    }
    out.append(buttons, result);
  } catch (error) {
    out.append(errorBox(error));
  }
}

/** Replays RightsTransferProposed events from the first block and lists those transfers still pending. */
function pendingSection(signal: AbortSignal): HTMLElement {
  const out = h('div', { id: 'pending', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', id: 'scan' }, t('licensor.scan'));
  button.addEventListener('click', () => {
    button.disabled = true;
    fill(out);
    const ids = new Set<string>();
    replayEvents(
      ['RightsTransferProposed'],
      (data) => {
        const transfer = (data.payload as { transfer?: { transferId?: string } } | undefined)?.transfer;
        if (transfer?.transferId !== undefined) ids.add(transfer.transferId);
      },
      signal,
    )
      .then(async () => {
        const rows = [];
        for (const id of ids) {
          const tr = await api<Transfer>('GET', `/v1/transfers/${encodeURIComponent(id)}`).catch(() => undefined);
          if (tr?.status === 'pending')
            rows.push([
              h('a', { href: `#/licensor?transfer=${encodeURIComponent(id)}` }, id),
              tr.rightsId,
              `${String(tr.shareBps)} bps → ${tr.toMspId}`,
              (tr.condition.approvals ?? []).join(', '),
              tr.approvedBy.join(', '),
            ]);
        }
        out.append(table(t('licensor.pending'), [t('licensor.transfer'), 'rightsId', 'share', 'approvals', 'approvedBy'], rows));
      })
      .catch((error: unknown) => {
        out.append(errorBox(error));
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  return h('section', {}, h('h2', {}, t('licensor.pending')), button, out);
}

function recordSection(): HTMLElement {
  const kinds: Record<string, string> = { rights: '/v1/rights/', terms: '/v1/terms/', offer: '/v1/offers/', purchase: '/v1/purchases/' };
  const kind = h(
    'select',
    { id: 'lic-kind' },
    Object.keys(kinds).map((k) => h('option', { value: k }, k)),
  );
  const id = field(t('common.id'), 'lic-id');
  const out = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'inline' },
    h('div', { class: 'field' }, h('label', { for: 'lic-kind' }, t('explorer.type')), kind),
    id.wrap,
    h('button', { type: 'submit' }, t('common.load')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    fill(out);
    api('GET', `${kinds[kind.value] ?? ''}${encodeURIComponent(id.input.value.trim())}`)
      .then((record) => {
        out.append(fields(record));
        const holders = record.holders as { holderId: string; mspId: string; shareBps: number }[] | undefined;
        if (holders !== undefined)
          out.append(
            table(
              t('licensor.holders'),
              ['holderId', 'mspId', 'shareBps'],
              holders.map((x) => [x.holderId, x.mspId, String(x.shareBps)]),
            ),
          );
      })
      .catch((error: unknown) => {
        out.append(errorBox(error));
      });
  });
  return h(
    'section',
    {},
    h('h2', {}, `${t('licensor.rights')} · ${t('licensor.terms')} · ${t('licensor.offer')} · ${t('licensor.purchase')}`),
    form,
    out,
  );
}

function publishSection(who: WhoAmI | undefined): HTMLElement | null {
  if (!may(who?.role, 'publishTerms')) return null;
  const termsId = field('termsId', 'pt-id', { required: true });
  const territory = field('territory', 'pt-territory', { value: 'JP', required: true });
  const pool = field('dataPoolShareBps', 'pt-pool', { value: '2000', inputmode: 'numeric', required: true });
  const legal = field('legalText', 'pt-legal', { required: true });
  const flags = ['aiTraining', 'commercialUse', 'derivatives', 'attribution'].map((f) => {
    const box = h('input', { type: 'checkbox', id: `pt-${f}`, checked: true });
    return { f, box, wrap: h('div', { class: 'check' }, box, h('label', { for: `pt-${f}` }, f)) };
  });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    {},
    termsId.wrap,
    territory.wrap,
    pool.wrap,
    legal.wrap,
    flags.map((x) => x.wrap),
    h('button', { type: 'submit' }, t('licensor.publish')),
    out,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    fill(out);
    const body = {
      termsId: termsId.input.value.trim(),
      territory: territory.input.value.trim(),
      dataPoolShareBps: Number(pool.input.value),
      legalText: legal.input.value,
      validFrom: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...Object.fromEntries(flags.map((x) => [x.f, x.box.checked])),
    };
    api<{ transactionId: string; blockNumber: string }>('POST', '/v1/terms', { body, idempotencyKey: newIdempotencyKey() })
      .then((r) => {
        out.append(committed(r));
      })
      .catch((error: unknown) => {
        out.append(errorBox(error));
      });
  });
  return h('section', {}, h('h2', {}, t('licensor.publish')), form);
}

interface Terms {
  termsId: string;
  issuerMsp: string;
  version?: number;
  status?: string;
  aiTraining: boolean;
  commercialUse: boolean;
  derivatives: boolean;
  attribution: boolean;
  territory: string;
  validFrom: string;
  validUntil?: string;
  dataPoolShareBps: number;
  legalTextDigest: string;
}

/** Terms by ID with their versions; the issuing licensor amends (a new version) or withdraws them. */
function termsSection(who: WhoAmI | undefined): HTMLElement {
  const params = hashParams();
  const id = field('termsId', 'terms-id', { value: params.get('terms') ?? '' });
  const out = h('div', { id: 'terms-out', 'aria-live': 'polite' });
  const form = h('form', { class: 'inline' }, id.wrap, h('button', { type: 'submit', id: 'terms-load' }, t('common.load')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void showTerms(id.input.value.trim(), out, who);
  });
  if (id.input.value !== '') void showTerms(id.input.value, out, who);
  return h('section', { id: 'terms-section' }, h('h2', {}, t('terms.title')), form, out);
}

async function showTerms(termsId: string, out: HTMLElement, who: WhoAmI | undefined): Promise<void> {
  fill(out);
  if (termsId === '') return;
  try {
    const terms = await api<Terms>('GET', `/v1/terms/${encodeURIComponent(termsId)}`);
    const version = terms.version ?? 1;
    const versions = await Promise.all(
      Array.from({ length: Math.min(version, 10) }, (_, i) => version - i).map((v) =>
        api<Terms>('GET', `/v1/terms/${encodeURIComponent(termsId)}/versions/${v}`).catch(() => undefined),
      ),
    );
    out.append(
      h(
        'p',
        { id: 'terms-status', 'data-status': terms.status ?? 'active', 'data-version': String(version) },
        t('terms.status', { status: terms.status ?? 'active', version: String(version) }),
      ),
      fields(terms as unknown as Record<string, unknown>),
      table(
        t('terms.versions'),
        ['version', 'territory', 'dataPoolShareBps', 'aiTraining', 'commercialUse', 'validFrom', 'validUntil'],
        versions
          .filter((v): v is Terms => v !== undefined)
          .map((v) => [
            String(v.version ?? 1),
            v.territory,
            String(v.dataPoolShareBps),
            String(v.aiTraining),
            String(v.commercialUse),
            v.validFrom,
            v.validUntil ?? '',
          ]),
      ),
    );
    const mine = who !== undefined && who.mspId === terms.issuerMsp && terms.status !== 'withdrawn';
    if (!mine) return;
    const reload = (): void => {
      void showTerms(termsId, out, who);
    };
    if (may(who.role, 'amendTerms')) out.append(amendForm(terms, reload));
    if (may(who.role, 'withdrawTerms')) {
      const reason = field(t('terms.reason'), 'withdraw-reason', { required: true });
      const result = h('div', { 'aria-live': 'polite' });
      out.append(
        h(
          'section',
          { class: 'withdraw' },
          h('h3', {}, t('terms.withdraw')),
          confirmStep(
            t('terms.withdraw'),
            t('terms.withdraw.confirm', { id: termsId }),
            result,
            async () => {
              const r = await api<{ transactionId: string; blockNumber: string }>(
                'POST',
                `/v1/terms/${encodeURIComponent(termsId)}/withdraw`,
                { body: { reason: reason.input.value.trim() || 'withdrawn' }, idempotencyKey: newIdempotencyKey() },
              );
              setTimeout(reload, 1200);
              return committed(r);
            },
            reason.wrap,
          ),
          result,
        ),
      );
    }
  } catch (error) {
    out.append(errorBox(error));
  }
}

function amendForm(terms: Terms, reload: () => void): HTMLElement {
  const territory = field('territory', 'am-territory', { value: terms.territory, required: true });
  const pool = field('dataPoolShareBps', 'am-pool', { value: String(terms.dataPoolShareBps), inputmode: 'numeric', required: true });
  const until = field(`validUntil (${t('terms.optional')})`, 'am-until', { value: terms.validUntil ?? '' });
  const legal = field(t('terms.legal'), 'am-legal');
  const flags = (['aiTraining', 'commercialUse', 'derivatives', 'attribution'] as const).map((f) => {
    const box = h('input', { type: 'checkbox', id: `am-${f}`, checked: terms[f] });
    return { f, box, wrap: h('div', { class: 'check' }, box, h('label', { for: `am-${f}` }, f)) };
  });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { id: 'amend-form' },
    territory.wrap,
    pool.wrap,
    until.wrap,
    legal.wrap,
    flags.map((x) => x.wrap),
    h('button', { type: 'submit', id: 'amend' }, t('terms.amend')),
    out,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    fill(out);
    void (async () => {
      // The amendment restates every field; a new legal text is hashed here, the old digest kept otherwise.
      const text = legal.input.value;
      const legalTextDigest = text === '' ? terms.legalTextDigest : await sha256Hex(new Blob([text]));
      const validUntil = until.input.value.trim();
      const body = {
        territory: territory.input.value.trim(),
        dataPoolShareBps: Number(pool.input.value),
        validFrom: terms.validFrom,
        ...(validUntil === '' ? {} : { validUntil }),
        legalTextDigest,
        ...Object.fromEntries(flags.map((x) => [x.f, x.box.checked])),
      };
      const r = await api<{ transactionId: string; blockNumber: string }>(
        'POST',
        `/v1/terms/${encodeURIComponent(terms.termsId)}/amendments`,
        { body, idempotencyKey: newIdempotencyKey() },
      );
      out.append(committed(r));
      setTimeout(reload, 1200);
    })().catch((error: unknown) => {
      out.append(errorBox(error));
    });
  });
  return h('section', { class: 'amend' }, h('h3', {}, t('terms.amend')), form);
}
