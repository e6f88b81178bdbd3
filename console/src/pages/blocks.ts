import { api } from '../api';
import { h, short, table } from '../dom';
import { t } from '../i18n';
import { errorBox, hashParams, type PageContext } from '../ui';

/** Blocks, newest first, each with its transactions: ID, submitting org, contract:function, validation code. */

interface BlockTx {
  index: number;
  transactionId: string;
  type: string;
  creatorMsp: string;
  function: string;
  validationCode: string;
}
interface Block {
  number: string;
  hash: string;
  previousHash: string;
  transactionCount: number;
  transactions: BlockTx[];
}
interface BlockPage {
  height: string;
  blocks: Block[];
  next?: string;
}

export function blocksPage({ root }: PageContext): void {
  const params = hashParams();
  const list = h('section', { id: 'blocks', 'aria-live': 'polite' });
  const height = h('p', { id: 'blocks-height' });
  const more = h('button', { type: 'button', id: 'blocks-more', hidden: true }, t('blocks.older'));
  let next: string | undefined;
  const load = async (before: string | undefined): Promise<void> => {
    more.disabled = true;
    try {
      const page = await api<BlockPage>('GET', `/v1/blocks?limit=8${before === undefined ? '' : `&before=${before}`}`);
      height.textContent = t('blocks.height', { height: page.height });
      for (const block of page.blocks) list.append(blockCard(block));
      next = page.next;
      more.hidden = next === undefined;
    } catch (error) {
      list.append(errorBox(error));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => {
    void load(next);
  });
  root.append(h('h1', {}, t('blocks.title')), h('p', {}, t('blocks.intro')), height, list, more);
  const from = params.get('before');
  void load(from === null || !/^\d+$/.test(from) ? undefined : from);
}

function blockCard(block: Block): HTMLElement {
  const rows = block.transactions.map((tx) => [
    String(tx.index),
    tx.transactionId === ''
      ? ''
      : h('a', { href: `#/explorer?type=transaction&id=${tx.transactionId}`, title: tx.transactionId }, short(tx.transactionId)),
    tx.type === 'ENDORSER_TRANSACTION' ? tx.function : tx.type,
    tx.creatorMsp,
    h('span', { class: tx.validationCode === 'VALID' ? 'good' : 'bad' }, tx.validationCode),
  ]);
  const card = h(
    'article',
    { class: 'block-card', 'data-block': block.number },
    h('h2', {}, t('blocks.block', { number: block.number })),
    h(
      'dl',
      {},
      h('dt', {}, t('blocks.hash')),
      h('dd', { class: 'hash', title: block.hash }, short(block.hash)),
      h('dt', {}, t('blocks.previous')),
      h('dd', { title: block.previousHash }, short(block.previousHash)),
      h('dt', {}, t('blocks.txCount')),
      h('dd', { class: 'tx-count' }, String(block.transactionCount)),
    ),
    table(
      t('blocks.transactions', { number: block.number }),
      ['#', t('explorer.tx'), t('blocks.function'), 'MSP', t('blocks.validation')],
      rows,
    ),
  );
  return card;
}
