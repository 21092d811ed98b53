// Tables: every table with its status, keys, indexes, billing, item count
// and size (DescribeTable of each, a few at a time).

import {h, replace, fmtBytes, fmtInt, statusBadge} from '../dom.js';
import {button, pageHead, card, errorBox, loading, keyParts, thead} from '../ui.js';

export const name = 'tables';

const DESCRIBE_CONCURRENCY = 4;

export async function render(ctx) {
  ctx.setCrumbs([['Tables']]);
  const filter = h('input', {class: 'input search', type: 'search', placeholder: 'Find tables by name', 'aria-label': 'Find tables'});
  const body = h('div', null, loading('Loading tables…'));
  const refresh = button('Refresh', () => load(), {small: false});
  ctx.view.append(
    pageHead('Tables', null, [refresh, button('Create table', () => ctx.navigate('/create-table'), {kind: 'primary', id: 'create-table'})]),
    card(null, null, h('div', {class: 'toolbar'}, filter), body));

  let rows = [];
  filter.addEventListener('input', () => draw());

  function draw() {
    const q = filter.value.trim().toLowerCase();
    const shown = rows.filter(r => r.name.toLowerCase().includes(q));
    if (rows.length === 0) {
      replace(body, h('div', {class: 'empty'},
        h('p', {class: 'empty-title'}, 'No tables'),
        h('p', {class: 'muted'}, 'This server has no tables in region ' + ctx.session.region + ' yet.'),
        button('Create table', () => ctx.navigate('/create-table'), {kind: 'primary'})));
      return;
    }
    replace(body, h('table', {class: 'grid', id: 'tables-grid'},
      thead(['Name', 'Status', 'Partition key', 'Sort key', 'Indexes', 'Billing', 'Items', 'Size'], ['Items', 'Size']),
      h('tbody', null, shown.map(row))));
  }

  function row(r) {
    const d = r.desc;
    if (!d) {
      return h('tr', {dataset: {table: r.name}},
        h('td', null, h('a', {href: '#/tables/' + encodeURIComponent(r.name)}, r.name)),
        h('td', {colspan: 7}, r.error ? errorBox(r.error) : h('span', {class: 'muted'}, 'Loading…')));
    }
    const types = Object.fromEntries((d.AttributeDefinitions || []).map(a => [a.AttributeName, a.AttributeType]));
    const {hash, range} = keyParts(d.KeySchema || []);
    const key = names => names.length ? names.map(n => h('span', {class: 'keyname'}, n, h('span', {class: 'type'}, types[n]))) : h('span', {class: 'muted'}, '–');
    const gsi = (d.GlobalSecondaryIndexes || []).length;
    const lsi = (d.LocalSecondaryIndexes || []).length;
    const billing = d.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'On-demand'
      : `Provisioned (${d.ProvisionedThroughput?.ReadCapacityUnits ?? 0} RCU, ${d.ProvisionedThroughput?.WriteCapacityUnits ?? 0} WCU)`;
    return h('tr', {dataset: {table: r.name}},
      h('td', null, h('a', {href: '#/tables/' + encodeURIComponent(r.name), class: 'strong'}, r.name)),
      h('td', null, statusBadge(d.TableStatus)),
      h('td', null, key(hash)),
      h('td', null, key(range)),
      h('td', null, gsi + lsi === 0 ? h('span', {class: 'muted'}, 'None') : [gsi ? `${gsi} global` : null, gsi && lsi ? ', ' : null, lsi ? `${lsi} local` : null]),
      h('td', null, billing),
      h('td', {class: 'num'}, fmtInt(d.ItemCount)),
      h('td', {class: 'num'}, fmtBytes(d.TableSizeBytes)));
  }

  async function load() {
    let names;
    try {
      names = await ctx.client.listTableNames();
    } catch (e) {
      if (ctx.alive()) replace(body, errorBox(e));
      return;
    }
    if (!ctx.alive()) return;
    rows = names.map(n => ({name: n, desc: null, error: null}));
    draw();
    let next = 0;
    const worker = async () => {
      while (next < rows.length && ctx.alive()) {
        const r = rows[next++];
        try {
          r.desc = (await ctx.client.call('DescribeTable', {TableName: r.name})).Table;
        } catch (e) {
          r.error = e;
        }
      }
    };
    await Promise.all(Array.from({length: DESCRIBE_CONCURRENCY}, worker));
    if (ctx.alive()) draw();
  }

  await load();
}
