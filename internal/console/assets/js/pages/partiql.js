// PartiQL editor: ExecuteStatement, its results as a table, paging with
// NextToken ("Load more" appends the next page, as the AWS console's
// editor does), and the API's errors shown as DynamoDB reports them. On a
// server that does not serve PartiQL the call fails with
// UnknownOperationException and the page says so.

import {h, replace, fmtNumber} from '../dom.js';
import {summary} from '../ddbjson.js';
import {isUnavailable} from '../api.js';
import {button, pageHead, card, notice, Status, busy, loading} from '../ui.js';

export const name = 'partiql';

const HISTORY_KEY = 'dynago.console.partiql';
const UNAVAILABLE = 'PartiQL is not available on this server';

// MAX_LIMIT is ExecuteStatement's largest Limit (the API refuses more).
const MAX_LIMIT = 10000;

export async function render(ctx) {
  ctx.setCrumbs([['PartiQL editor']]);
  const editor = h('textarea', {class: 'code-input', id: 'partiql-input', rows: 8, spellcheck: 'false', 'aria-label': 'PartiQL statement',
    placeholder: 'SELECT * FROM "Music" WHERE Artist = \'The Beatles\''});
  editor.value = sessionStorage.getItem(HISTORY_KEY) || '';
  const consistent = h('input', {type: 'checkbox', name: 'consistent'});
  const limit = h('input', {type: 'number', class: 'input narrow', name: 'limit', id: 'partiql-limit', min: 1, max: MAX_LIMIT,
    placeholder: 'none', 'aria-label': 'Items evaluated per page (Limit)'});
  const params = h('input', {type: 'text', class: 'input grow code', name: 'parameters', id: 'partiql-params', spellcheck: 'false',
    placeholder: '[{"S": "The Beatles"}]', 'aria-label': 'Parameters for ? placeholders, a JSON array of DynamoDB JSON values'});
  const status = new Status();
  const results = h('div', {class: 'results', id: 'partiql-results'}, h('p', {class: 'muted'}, 'Run a statement to see what it returns.'));
  const banner = h('div', {id: 'partiql-availability'});
  const runBtn = button('Run', null, {kind: 'primary', id: 'run-partiql'});

  // The statement being paged through, its NextToken, and what its pages
  // returned so far.
  let statement = '';
  let token = null;
  let items = [];
  let pages = 0;
  let units = 0;
  let runs = 0; // completed calls, exposed for tests as data-run

  function unavailable() {
    replace(banner, notice('warn', UNAVAILABLE + '.', h('span', null, 'ExecuteStatement answered UnknownOperationException: this Dynago does not serve PartiQL yet. Use the item explorer instead.')));
  }

  async function run(next) {
    status.clear();
    if (!next) {
      statement = editor.value.trim();
      token = null;
      items = [];
      pages = 0;
      units = 0;
    }
    if (!statement) { status.error(new Error('Enter a statement')); return; }
    let parameters;
    try {
      parameters = parseParameters(params.value);
    } catch (e) {
      status.error(e);
      return;
    }
    sessionStorage.setItem(HISTORY_KEY, editor.value);
    const req = {Statement: statement, ReturnConsumedCapacity: 'TOTAL'};
    if (parameters) req.Parameters = parameters;
    if (consistent.checked) req.ConsistentRead = true;
    if (limit.value !== '') req.Limit = Number(limit.value);
    if (next && token) req.NextToken = token;
    if (!next) replace(results, loading('Running…'));
    let out;
    try {
      out = await ctx.client.call('ExecuteStatement', req);
    } catch (e) {
      if (!ctx.alive()) return;
      if (!next) replace(results, h('p', {class: 'muted', id: 'partiql-failed'}, 'The statement failed: see the error above.'));
      if (isUnavailable(e)) unavailable();
      status.error(e);
      results.dataset.run = String(++runs);
      return;
    }
    if (!ctx.alive()) return;
    token = out.NextToken || null;
    items = items.concat(out.Items || []);
    pages++;
    units += out.ConsumedCapacity?.CapacityUnits || 0;
    draw();
    results.dataset.run = String(++runs);
  }

  // draw shows every item returned so far, its attributes as columns in
  // the order they first appear (a later page may bring new ones).
  function draw() {
    const cols = [...new Set(items.flatMap(it => Object.keys(it)))];
    const info = h('div', {class: 'result-info', id: 'partiql-info'},
      h('span', {class: 'strong'}, `${items.length} ${items.length === 1 ? 'item' : 'items'}`),
      h('span', {class: 'muted'}, ` · ${pages} ${pages === 1 ? 'page' : 'pages'} · ${fmtNumber(units)} capacity units consumed`),
      token ? h('span', {class: 'muted'}, ' · more to read') : null);
    const table = items.length === 0
      ? h('div', {class: 'empty'}, h('p', {class: 'empty-title'}, 'Statement succeeded'),
        h('p', {class: 'muted'}, token ? 'This page returned no items; there are more pages.' : 'It returned no items.'))
      : h('div', {class: 'grid-scroll'}, h('table', {class: 'grid items'},
        h('thead', null, h('tr', null, cols.map(c => h('th', null, c)))),
        h('tbody', null, items.map(it => h('tr', null, cols.map(c => {
          const text = summary(it[c]);
          return h('td', {title: text, class: it[c] === undefined ? 'absent' : null}, text);
        }))))));
    replace(results, info, table,
      token ? h('div', {class: 'more'}, button('Load more', e => busy(e.currentTarget, () => run(true)), {small: true, id: 'partiql-more'})) : null);
  }

  runBtn.addEventListener('click', () => busy(runBtn, () => run(false)));
  editor.addEventListener('keydown', e => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); busy(runBtn, () => run(false)); }
  });

  ctx.view.append(
    pageHead('PartiQL editor', 'Run SELECT, INSERT, UPDATE and DELETE statements with ExecuteStatement.'),
    banner,
    card(null, null, editor,
      h('label', {class: 'field params'}, h('span', {class: 'field-label'}, 'Parameters'), params,
        h('span', {class: 'field-hint'}, 'Values for the statement’s ? placeholders, in order, as DynamoDB JSON: [{"S": "a"}, {"N": "1"}]')),
      h('div', {class: 'form-actions left'}, runBtn,
      h('label', {class: 'field check'}, consistent, h('span', null, 'Strongly consistent')),
      h('label', {class: 'inline-label'}, h('span', null, 'Limit'), limit),
      h('span', {class: 'muted'}, 'Ctrl+Enter runs the statement')), status.el),
    card('Results', null, results));

  // Probe: an empty request is refused with a ValidationException by a
  // server that serves PartiQL, and with UnknownOperationException by one
  // that does not.
  try {
    await ctx.client.call('ExecuteStatement', {});
  } catch (e) {
    if (ctx.alive() && isUnavailable(e)) unavailable();
  }
}

// parseParameters reads the Parameters field: empty for none, else a JSON
// array of DynamoDB JSON values (numbers are strings there, so JSON.parse
// loses no digits).
function parseParameters(text) {
  if (text.trim() === '') return null;
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`Parameters are not JSON: ${e.message}`);
  }
  if (!Array.isArray(v) || v.some(p => p === null || typeof p !== 'object' || Array.isArray(p) || Object.keys(p).length !== 1)) {
    throw new Error('Parameters must be a JSON array of DynamoDB JSON values, such as [{"S": "a"}, {"N": "1"}]');
  }
  return v;
}
