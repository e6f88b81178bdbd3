import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { ApiError, loadOperations, resetCaches, session, whoami, type WhoAmI } from './api';
import { fill, h } from './dom';
import { lang, setLang, t, type TextKey } from './i18n';
import { blocksPage } from './pages/blocks';
import { creatorPage } from './pages/creator';
import { explorerPage } from './pages/explorer';
import { homePage } from './pages/home';
import { licensorPage } from './pages/licensor';
import { lineagePage } from './pages/lineage';
import { reportsPage } from './pages/reports';
import { statementPage } from './pages/statement';
import { studioPage } from './pages/studio';
import type { Page } from './ui';

/**
 * The console shell: a hash router over the pages, a sign-in box, the language toggle. The role of the
 * signed-in key decides which pages are listed; every write button is further gated by the roles the
 * gateway's OpenAPI document names for that operation, and the gateway and the chaincode refuse anyway.
 */

interface Route {
  path: string;
  label: TextKey;
  page: Page;
  /** Roles that see this page; `public` pages are listed without a key too. */
  roles: 'public' | readonly string[];
}

const ALL = ['studio-operator', 'licensor-operator', 'provider-agent', 'auditor', 'regulator'];
/** The roles the gateway's audit API (`/v1/audit/...`) serves. */
const AUDIT = ['auditor', 'regulator', 'studio-operator', 'licensor-operator'];
const ROUTES: readonly Route[] = [
  { path: 'home', label: 'nav.home', page: homePage, roles: 'public' },
  { path: 'creator', label: 'nav.creator', page: creatorPage, roles: 'public' },
  { path: 'statement', label: 'nav.statement', page: statementPage, roles: ALL },
  { path: 'lineage', label: 'nav.lineage', page: lineagePage, roles: ALL },
  { path: 'explorer', label: 'nav.explorer', page: explorerPage, roles: ALL },
  { path: 'blocks', label: 'nav.blocks', page: blocksPage, roles: ALL },
  { path: 'licensor', label: 'nav.licensor', page: licensorPage, roles: ['licensor-operator', 'studio-operator', 'auditor', 'regulator'] },
  { path: 'studio', label: 'nav.studio', page: studioPage, roles: ['studio-operator', 'auditor', 'regulator'] },
  { path: 'reports', label: 'nav.reports', page: reportsPage, roles: AUDIT },
];

let who: WhoAmI | undefined;
let leave = new AbortController();

const visible = (route: Route): boolean => route.roles === 'public' || (who !== undefined && route.roles.includes(who.role));

function current(): Route {
  const path = location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  const route = ROUTES.find((r) => r.path === path);
  return route !== undefined && visible(route) ? route : (ROUTES[0] as Route);
}

function header(): void {
  const top = document.getElementById('top') as HTMLElement;
  const active = current();
  const nav = h(
    'nav',
    { 'aria-label': t('nav') },
    h(
      'ul',
      {},
      ROUTES.filter(visible).map((r) =>
        h('li', {}, h('a', { href: `#/${r.path}`, 'aria-current': r === active ? 'page' : undefined }, t(r.label))),
      ),
    ),
  );
  const toggle = h('button', { type: 'button', class: 'lang', title: t('lang.label'), lang: lang() === 'en' ? 'ja' : 'en' }, t('lang'));
  toggle.addEventListener('click', () => {
    setLang(lang() === 'en' ? 'ja' : 'en');
    render();
  });
  fill(top, h('div', { class: 'bar' }, h('p', { class: 'brand' }, t('brand')), signBox(), toggle), nav);
  (document.querySelector('a.skip') as HTMLAnchorElement).textContent = t('skip');
}

function signBox(): HTMLElement {
  if (who !== undefined) {
    const out = h('button', { type: 'button', id: 'signout' }, t('signin.out'));
    out.addEventListener('click', () => {
      session.clear();
      who = undefined;
      resetCaches();
      render();
    });
    return h(
      'div',
      { class: 'who' },
      h('span', { id: 'whoami' }, t('signin.as', { client: who.clientId, role: who.role, msp: who.mspId })),
      out,
    );
  }
  const key = h('input', { id: 'apikey', name: 'apikey', type: 'password', autocomplete: 'off', 'aria-describedby': 'apikey-help' });
  const message = h('p', { id: 'signin-msg', class: 'msg', 'aria-live': 'assertive' });
  const form = h(
    'form',
    { class: 'signin', 'aria-label': t('signin.title') },
    h('span', { id: 'whoami' }, t('signin.public')),
    h('label', { for: 'apikey' }, t('signin.key')),
    key,
    h('button', { type: 'submit' }, t('signin.submit')),
    h('span', { id: 'apikey-help', class: 'sr-only' }, t('signin.help')),
    message,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn(key.value.trim(), message);
  });
  return form;
}

async function signIn(key: string, message: HTMLElement): Promise<void> {
  if (key === '') return;
  session.set(key);
  try {
    who = await identify();
    resetCaches();
    render();
  } catch (error) {
    session.clear();
    who = undefined;
    message.className = 'msg bad';
    message.setAttribute('role', 'alert');
    message.textContent = error instanceof ApiError && error.status === 401 ? t('signin.wrong') : String(error);
  }
}

function render(): void {
  leave.abort();
  leave = new AbortController();
  document.documentElement.lang = lang();
  header();
  const main = document.getElementById('main') as HTMLElement;
  const route = current();
  const root = h('div', { class: `page page-${route.path}` });
  fill(main, root);
  document.title = `${t(route.label)} · ${t('brand')}`;
  void Promise.resolve(route.page({ who, root, signal: leave.signal })).catch((error: unknown) => {
    root.append(h('p', { class: 'msg bad', role: 'alert' }, String(error)));
  });
}

/** Signed in: who the key is, and which operations its role may call (from the OpenAPI document). */
async function identify(): Promise<WhoAmI> {
  const [me] = await Promise.all([whoami(), loadOperations()]);
  return me;
}

async function boot(): Promise<void> {
  if (session.key() !== null) {
    try {
      who = await identify();
    } catch {
      session.clear();
    }
  }
  window.addEventListener('hashchange', () => {
    render();
    (document.getElementById('main') as HTMLElement).focus();
  });
  render();
  document.body.dataset.ready = 'true';
  // Measured by the browser tests as time to interactive: the shell and the first page are usable.
  performance.mark('kiseki-interactive');
}

void boot();
