import { fields, h } from '../dom';
import { t } from '../i18n';
import type { PageContext } from '../ui';

/** The public face of the gateway: what it is, whether it is ready, where its API is described. */
export async function homePage({ root }: PageContext): Promise<void> {
  const ready = h('div', {});
  root.append(
    h('h1', {}, t('home.title')),
    h('p', {}, t('home.intro')),
    h(
      'section',
      { 'aria-labelledby': 'public-h' },
      h('h2', { id: 'public-h' }, t('home.public')),
      h('h3', {}, t('home.ready')),
      ready,
      h('p', {}, h('a', { href: '/v1/openapi.json' }, t('home.api'))),
    ),
  );
  const res = await fetch('/readyz');
  const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
  ready.append(
    fields({ status: body.status, ...Object.fromEntries(Object.entries(body.checks).map(([k, v]) => [k, v.ok ? 'ok' : 'down'])) }),
  );
}
