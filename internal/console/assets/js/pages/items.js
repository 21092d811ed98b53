// Items: Scan or Query a table or one of its indexes, with a key condition
// builder, filters and paging through LastEvaluatedKey; open an item in
// the editor, add one, delete one.

import {h, replace, select, fmtNumber} from '../dom.js';
import {summary, keyOf, NUMBER_RE} from '../ddbjson.js';
import {button, pageHead, card, errorBox, loading, Status, busy, confirm, keyParts} from '../ui.js';
import {openEditor} from './editor.js';

export const name = 'items';

const DEFAULT_PAGE_SIZE = 50;
const MAX_COLUMNS = 14; // attribute columns shown; the editor shows the rest

const SORT_OPS = [['=', '='], ['<', '<'], ['<=', '<='], ['>', '>'], ['>=', '>='], ['between', 'between'], ['begins_with', 'begins with']];
const FILTER_OPS = [['=', '='], ['<>', '≠'], ['<', '<'], ['<=', '<='], ['>', '>'], ['>=', '>='],
  ['begins_with', 'begins with'], ['contains', 'contains'], ['exists', 'exists'], ['not_exists', 'does not exist']];
const FILTER_TYPES = [['S', 'String'], ['N', 'Number'], ['BOOL', 'Boolean'], ['NULL', 'Null']];

function input(attrs) {
  return h('input', {class: 'input', type: 'text', spellcheck: 'false', autocomplete: 'off', ...attrs});
}

// typedValue turns the text of an input into an attribute value of type.
function typedValue(type, text, what) {
  if (type === 'N') {
    if (!NUMBER_RE.test(text.trim())) throw new Error(`${what}: "${text}" is not a number`);
    return {N: text.trim()};
  }
  if (type === 'BOOL') {
    if (!/^(true|false)$/i.test(text.trim())) throw new Error(`${what}: "${text}" is not true or false`);
    return {BOOL: text.trim().toLowerCase() === 'true'};
  }
  if (type === 'NULL') return {NULL: true};
  return {[type]: text};
}

export async function render(ctx) {
  const [tableName] = ctx.params;
  ctx.setCrumbs([['Tables', '#/tables'], [tableName, '#/tables/' + encodeURIComponent(tableName)], ['Items']]);
  ctx.view.appendChild(loading());
  const desc = (await ctx.client.call('DescribeTable', {TableName: tableName})).Table;
  if (!ctx.alive()) return;

  const types = Object.fromEntries(desc.AttributeDefinitions.map(a => [a.AttributeName, a.AttributeType]));
  const indexes = [
    ...(desc.GlobalSecondaryIndexes || []).map(i => ({...i, kind: 'GSI'})),
    ...(desc.LocalSecondaryIndexes || []).map(i => ({...i, kind: 'LSI'})),
  ];
  const schemaOf = idx => (idx ? indexes.find(i => i.IndexName === idx).KeySchema : desc.KeySchema);

  // Builder state and controls.
  let mode = ctx.query.get('mode') === 'query' ? 'query' : 'scan';
  const modeBar = h('div', {class: 'segmented', role: 'radiogroup', 'aria-label': 'Operation'});
  const indexSel = select([['', `Table – ${tableName}`], ...indexes.map(i => [i.IndexName, `${i.kind} – ${i.IndexName}`])], '',
    {class: 'input', name: 'index', 'aria-label': 'Table or index'});
  const keyBox = h('div', {class: 'key-conditions', id: 'key-conditions'});
  const filterRows = [];
  const filterList = h('div', {class: 'filter-rows', id: 'filter-rows'});
  const pageSize = input({type: 'number', min: 1, max: 1000, value: DEFAULT_PAGE_SIZE, name: 'page-size', class: 'input narrow'});
  const consistent = h('input', {type: 'checkbox', name: 'consistent'});
  const order = select([['asc', 'Ascending'], ['desc', 'Descending']], 'asc', {class: 'input', name: 'order', 'aria-label': 'Sort order'});
  const orderField = h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Sort order'), order);
  let keyInputs = [];

  function drawMode() {
    replace(modeBar, ['scan', 'query'].map(m => h('button', {type: 'button', role: 'radio', class: ['seg', m === mode && 'active'],
      'aria-checked': m === mode ? 'true' : 'false', dataset: {mode: m},
      on: {click: () => { mode = m; drawMode(); }}}, m === 'scan' ? 'Scan' : 'Query')));
    keyBox.hidden = mode !== 'query';
    orderField.hidden = mode !== 'query';
    drawKeys();
  }

  function drawKeys() {
    const idx = indexSel.value;
    consistent.disabled = indexes.find(i => i.IndexName === idx)?.kind === 'GSI';
    if (consistent.disabled) consistent.checked = false;
    const {hash, range} = keyParts(schemaOf(idx));
    keyInputs = [];
    const rows = [];
    for (const n of hash) {
      const v = input({name: 'pk-' + n, placeholder: 'Value', 'aria-label': n, dataset: {key: n}});
      keyInputs.push({name: n, op: () => '=', v1: v, hash: true});
      rows.push(h('div', {class: 'key-row'}, h('span', {class: 'key-label'}, h('span', {class: 'keyname'}, n, h('span', {class: 'type'}, types[n])), h('span', {class: 'muted'}, ' partition key')),
        h('span', {class: 'op-fixed'}, '='), v));
    }
    for (const n of range) {
      const op = select(SORT_OPS, '=', {class: 'input op', name: 'sk-op-' + n, 'aria-label': n + ' condition'});
      const v1 = input({name: 'sk-' + n, placeholder: 'Value (optional)', 'aria-label': n, dataset: {key: n}});
      const v2 = input({name: 'sk2-' + n, placeholder: 'and', 'aria-label': n + ' upper bound', hidden: true});
      op.addEventListener('change', () => { v2.hidden = op.value !== 'between'; });
      keyInputs.push({name: n, op: () => op.value, v1, v2, hash: false});
      rows.push(h('div', {class: 'key-row'}, h('span', {class: 'key-label'}, h('span', {class: 'keyname'}, n, h('span', {class: 'type'}, types[n])), h('span', {class: 'muted'}, ' sort key')),
        op, v1, v2));
    }
    replace(keyBox, rows);
  }
  indexSel.addEventListener('change', drawKeys);

  function addFilter() {
    const attr = input({placeholder: 'Attribute', 'aria-label': 'Filter attribute', class: 'input', name: 'filter-attr'});
    const op = select(FILTER_OPS, '=', {class: 'input op', 'aria-label': 'Filter condition', name: 'filter-op'});
    const type = select(FILTER_TYPES, 'S', {class: 'input', 'aria-label': 'Filter value type', name: 'filter-type'});
    const value = input({placeholder: 'Value', 'aria-label': 'Filter value', name: 'filter-value'});
    const f = {attr, op, type, value};
    const sync = () => {
      const noValue = op.value === 'exists' || op.value === 'not_exists' || type.value === 'NULL';
      value.hidden = noValue;
      type.hidden = op.value === 'exists' || op.value === 'not_exists';
    };
    op.addEventListener('change', sync);
    type.addEventListener('change', sync);
    f.el = h('div', {class: 'filter-row'}, attr, op, type, value,
      h('button', {type: 'button', class: 'icon-btn', 'aria-label': 'Remove filter', on: {click: () => { filterRows.splice(filterRows.indexOf(f), 1); f.el.remove(); }}}, '×'));
    filterRows.push(f);
    filterList.appendChild(f.el);
    attr.focus();
  }

  // request builds the Scan or Query input from the builder, or throws.
  function request() {
    const req = {TableName: tableName, Limit: Number(pageSize.value) || DEFAULT_PAGE_SIZE, ReturnConsumedCapacity: 'TOTAL'};
    if (indexSel.value) req.IndexName = indexSel.value;
    if (consistent.checked) req.ConsistentRead = true;
    const names = {};
    const values = {};
    if (mode === 'query') {
      const parts = [];
      keyInputs.forEach((k, i) => {
        const op = k.op();
        if (!k.hash && k.v1.value === '') return;
        if (k.hash && k.v1.value === '') throw new Error(`Enter a value for the partition key ${k.name}`);
        names['#k' + i] = k.name;
        values[':k' + i] = typedValue(types[k.name], k.v1.value, k.name);
        if (op === 'between') {
          values[':k' + i + 'b'] = typedValue(types[k.name], k.v2.value, k.name);
          parts.push(`#k${i} BETWEEN :k${i} AND :k${i}b`);
        } else if (op === 'begins_with') {
          parts.push(`begins_with(#k${i}, :k${i})`);
        } else {
          parts.push(`#k${i} ${op} :k${i}`);
        }
      });
      req.KeyConditionExpression = parts.join(' AND ');
      if (order.value === 'desc') req.ScanIndexForward = false;
    }
    const conds = [];
    filterRows.forEach((f, i) => {
      const attr = f.attr.value.trim();
      if (!attr) return;
      names['#f' + i] = attr;
      const op = f.op.value;
      if (op === 'exists') { conds.push(`attribute_exists(#f${i})`); return; }
      if (op === 'not_exists') { conds.push(`attribute_not_exists(#f${i})`); return; }
      values[':f' + i] = typedValue(f.type.value, f.value.value, attr);
      if (op === 'begins_with' || op === 'contains') conds.push(`${op}(#f${i}, :f${i})`);
      else conds.push(`#f${i} ${op} :f${i}`);
    });
    if (conds.length) req.FilterExpression = conds.join(' AND ');
    if (Object.keys(names).length) req.ExpressionAttributeNames = names;
    if (Object.keys(values).length) req.ExpressionAttributeValues = values;
    return req;
  }

  // Results and paging: starts[i] is page i's ExclusiveStartKey.
  const results = h('div', {class: 'results', id: 'results'});
  const resultStatus = new Status();
  let starts = [undefined];
  let page = 0;
  let lastReq = null;
  let lastOut = null;
  let runs = 0; // answers shown, in results' data-run: tests wait on it

  async function run(startPage) {
    resultStatus.clear();
    if (startPage === 0) {
      try {
        lastReq = request();
      } catch (e) {
        resultStatus.error(e);
        return;
      }
      starts = [undefined];
    }
    page = startPage;
    const req = {...lastReq};
    if (starts[page]) req.ExclusiveStartKey = starts[page];
    replace(results, loading(mode === 'query' ? 'Querying…' : 'Scanning…'));
    try {
      lastOut = await ctx.client.call(lastReq.KeyConditionExpression ? 'Query' : 'Scan', req);
    } catch (e) {
      if (!ctx.alive()) return;
      replace(results);
      resultStatus.error(e);
      results.dataset.run = String(++runs);
      return;
    }
    if (!ctx.alive()) return;
    starts[page + 1] = lastOut.LastEvaluatedKey;
    drawResults();
    results.dataset.run = String(++runs);
  }

  function drawResults() {
    const out = lastOut;
    const items = out.Items || [];
    const baseKeys = desc.KeySchema.map(k => k.AttributeName);
    const idxKeys = lastReq.IndexName ? schemaOf(lastReq.IndexName).map(k => k.AttributeName) : [];
    const cols = [...new Set([...baseKeys, ...idxKeys])];
    const seen = new Map();
    for (const it of items) for (const k of Object.keys(it)) if (!cols.includes(k)) seen.set(k, (seen.get(k) || 0) + 1);
    const extra = [...seen.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(x => x[0]);
    const shown = cols.concat(extra).slice(0, MAX_COLUMNS);
    const hidden = cols.length + extra.length - shown.length;
    const cap = out.ConsumedCapacity?.CapacityUnits;
    const info = h('div', {class: 'result-info', id: 'result-info'},
      h('span', {class: 'strong'}, `${items.length} ${items.length === 1 ? 'item' : 'items'}`),
      h('span', {class: 'muted'}, ` returned · ${out.ScannedCount ?? items.length} scanned`),
      cap !== undefined ? h('span', {class: 'muted'}, ` · ${fmtNumber(cap)} RCU consumed`) : null,
      hidden > 0 ? h('span', {class: 'muted'}, ` · ${hidden} more attributes in the editor`) : null);
    const pager = h('div', {class: 'pager'},
      button('Previous', () => run(page - 1), {small: true, disabled: page === 0, id: 'page-prev'}),
      h('span', {class: 'muted', id: 'page-number'}, `Page ${page + 1}`),
      button('Next', () => run(page + 1), {small: true, disabled: !out.LastEvaluatedKey, id: 'page-next'}));
    const table = items.length === 0 ? h('div', {class: 'empty'}, h('p', {class: 'empty-title'}, 'No items'),
      h('p', {class: 'muted'}, out.LastEvaluatedKey ? 'None on this page matched; there are more pages.' : 'Nothing matched.')) :
      h('div', {class: 'grid-scroll'}, h('table', {class: 'grid items', id: 'items-grid'},
        h('thead', null, h('tr', null, shown.map(c => h('th', {class: baseKeys.includes(c) ? 'key-col' : null}, c)), h('th', null, ''))),
        h('tbody', null, items.map(it => {
          const key = keyOf(it, desc.KeySchema);
          return h('tr', {dataset: {key: JSON.stringify(key)}},
            shown.map(c => {
              const text = summary(it[c]);
              return h('td', {title: text, class: it[c] === undefined ? 'absent' : null}, text);
            }),
            h('td', {class: 'actions'},
              button('Edit', () => edit(key), {small: true, kind: 'link', dataset: {action: 'edit'}}),
              button('Delete', () => remove(key), {small: true, kind: 'link danger', dataset: {action: 'delete'}})));
        }))));
    replace(results, h('div', {class: 'result-bar'}, info, pager), table);
  }

  const refresh = () => (lastReq ? run(page) : Promise.resolve());

  // edit re-reads the whole item: an index may project only part of it.
  async function edit(key) {
    try {
      const out = await ctx.client.call('GetItem', {TableName: tableName, Key: key, ConsistentRead: true});
      if (!out.Item) throw new Error('The item no longer exists');
      openEditor(ctx.client, desc, out.Item, refresh);
    } catch (e) {
      resultStatus.error(e);
    }
  }

  async function remove(key) {
    if (!await confirm('Delete item', 'Delete the item with key ' + Object.entries(key).map(([k, v]) => `${k} = ${summary(v)}`).join(', ') + '?')) return;
    try {
      await ctx.client.call('DeleteItem', {TableName: tableName, Key: key});
      await refresh();
    } catch (e) {
      resultStatus.error(e);
    }
  }

  const runBtn = button('Run', null, {kind: 'primary', type: 'submit', form: 'query-form', id: 'run-query'});
  const form = h('form', {id: 'query-form', class: 'query-form'},
    h('div', {class: 'query-top'}, modeBar,
      h('label', {class: 'field grow'}, h('span', {class: 'field-label'}, 'Table or index'), indexSel),
      orderField,
      h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Page size'), pageSize),
      h('label', {class: 'field check'}, consistent, h('span', null, 'Strongly consistent'))),
    keyBox,
    h('div', {class: 'filters'}, h('div', {class: 'filters-head'}, h('span', {class: 'field-label'}, 'Filters'),
      button('Add filter', addFilter, {small: true, kind: 'link', id: 'add-filter'})), filterList),
    h('div', {class: 'form-actions left'}, runBtn,
      button('Reset', () => { filterRows.splice(0).forEach(f => f.el.remove()); drawKeys(); replace(results); resultStatus.clear(); lastReq = null; })));
  form.addEventListener('submit', e => { e.preventDefault(); busy(runBtn, () => run(0)); });

  ctx.view.replaceChildren(
    pageHead(tableName, 'Explore items', [
      button('Table details', () => ctx.navigate('/tables/' + encodeURIComponent(tableName))),
      button('Create item', () => openEditor(ctx.client, desc, null, refresh), {kind: 'primary', id: 'create-item'}),
    ]),
    card(null, null, form),
    card(null, null, resultStatus.el, results));
  drawMode();
  if (mode === 'scan') busy(runBtn, () => run(0));
}
