import { ApiError, type WhoAmI } from './api';
import { announce, append, h, type Child } from './dom';
import { t } from './i18n';

/** What every page gets: the signed-in caller (undefined in public mode) and its own region. */
export interface PageContext {
  who: WhoAmI | undefined;
  root: HTMLElement;
  /** Aborted when the page is left (ends live streams). */
  signal: AbortSignal;
}

export type Page = (ctx: PageContext) => void | Promise<void>;

/** A message box for an error, in plain words with the gateway's stable code. */
export function errorBox(error: unknown): HTMLElement {
  const e = error instanceof ApiError ? error : new ApiError(0, 'ERROR', error instanceof Error ? error.message : String(error));
  const text = e.code === 'UNAUTHENTICATED' ? t('signin.wrong') : t('common.error', { code: e.code, message: e.message });
  announce(text);
  return h('p', { class: 'msg bad', role: 'alert' }, text);
}

export function okBox(...children: Child[]): HTMLElement {
  return h('p', { class: 'msg good', role: 'status' }, ...children);
}

/** Runs a click handler with the button disabled, putting the result (or the error) into `out`. */
export function action(label: string, out: HTMLElement, run: () => Promise<Child>, attrs: Record<string, string> = {}): HTMLButtonElement {
  const button = h('button', { type: 'button', ...attrs }, label);
  button.addEventListener('click', () => {
    button.disabled = true;
    out.replaceChildren();
    run()
      .then((result) => {
        if (result !== undefined && result !== null && result !== false) append(out, [result]);
      })
      .catch((error: unknown) => {
        out.append(errorBox(error));
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  return button;
}

/** The result of a committed write, in plain words. */
export function committed(result: { transactionId?: string; blockNumber?: string }): HTMLElement {
  const text = t('common.done', { tx: (result.transactionId ?? '').slice(0, 12), block: result.blockNumber ?? '?' });
  announce(text);
  return okBox(text);
}

/** A two-step confirmation: the first click reveals Confirm / Cancel. */
export function confirmStep(
  label: string,
  question: string,
  out: HTMLElement,
  run: () => Promise<Child>,
  extra?: HTMLElement,
): HTMLElement {
  const wrap = h('div', { class: 'confirm' });
  const open = h('button', { type: 'button', class: 'danger' }, label);
  open.addEventListener('click', () => {
    const box = h('div', { role: 'group', 'aria-label': label, class: 'confirm-box' }, h('p', {}, question), extra ?? null);
    const yes = action(
      t('common.confirm'),
      out,
      async () => {
        const result = await run();
        box.remove();
        open.hidden = false;
        return result;
      },
      { class: 'danger' },
    );
    const no = h('button', { type: 'button' }, t('common.cancel'));
    no.addEventListener('click', () => {
      box.remove();
      open.hidden = false;
      open.focus();
    });
    box.append(yes, no);
    open.hidden = true;
    wrap.append(box);
    yes.focus();
  });
  wrap.append(open);
  return wrap;
}

/** A CSV download of table rows (values quoted when needed). */
export function csvLink(name: string, headers: readonly string[], rows: readonly (readonly string[])[]): HTMLAnchorElement {
  const quote = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const text = [headers, ...rows].map((r) => r.map(quote).join(',')).join('\n');
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  return h('a', { href: url, download: name, class: 'button' }, t('common.csv'));
}

/** Reads files chosen in an input or dropped on a zone. */
export function dropZone(
  label: string,
  id: string,
  onFiles: (files: File[]) => void,
  attrs: Record<string, string | boolean> = {},
): HTMLElement {
  const input = h('input', { type: 'file', id, multiple: true, ...attrs });
  input.addEventListener('change', () => {
    onFiles([...(input.files ?? [])]);
  });
  const zone = h('div', { class: 'drop' }, h('label', { for: id }, label), input);
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => {
    zone.classList.remove('over');
  });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    onFiles([...(e.dataTransfer?.files ?? [])]);
  });
  return zone;
}

/** Parameters after `?` in the hash (`#/explorer?type=data&id=x`). */
export function hashParams(): URLSearchParams {
  const at = location.hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : location.hash.slice(at + 1));
}
