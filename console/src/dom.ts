/** A tiny element builder: no framework, no innerHTML (every text goes in as a text node). */

export type Child = Node | string | number | null | undefined | false | readonly Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

/** Any value as display text: objects as JSON, the rest as strings. */
export function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child as readonly Child[]);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(text(child)));
  }
}

/** Replaces every child of `el`. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** Announces a message to screen readers through the page's live region. */
export function announce(message: string): void {
  const region = document.getElementById('status');
  if (region !== null) region.textContent = message;
}

/** A definition list of a record's fields (nested values shown as JSON). */
export function fields(record: Record<string, unknown>, keys?: readonly string[]): HTMLDListElement {
  const dl = h('dl', { class: 'fields' });
  for (const key of keys ?? Object.keys(record)) {
    const value = record[key];
    if (value === undefined) continue;
    append(dl, [h('dt', {}, key), h('dd', {}, text(value))]);
  }
  return dl;
}

/** A table from rows of cells. */
export function table(caption: string, headers: readonly string[], rows: readonly (readonly Child[])[]): HTMLTableElement {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) => h('th', { scope: 'col' }, x)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          {},
          r.map((c) => h('td', {}, c)),
        ),
      ),
    ),
  );
}

/** A labelled text input; `name` doubles as its id. */
export function field(label: string, name: string, attrs: Attrs = {}): { wrap: HTMLDivElement; input: HTMLInputElement } {
  const input = h('input', { id: name, name, type: 'text', autocomplete: 'off', ...attrs });
  return { wrap: h('div', { class: 'field' }, h('label', { for: name }, label), input), input };
}

export const short = (hex: string | undefined): string =>
  hex === undefined ? '' : hex.length > 16 ? `${hex.slice(0, 12)}…${hex.slice(-4)}` : hex;
