// PartiQL editor: ExecuteStatement with paging through NextToken. On a
// server that does not serve PartiQL the call fails with
// UnknownOperationException and the page says so.

import {h, replace} from '../dom.js';
import {summary} from '../ddbjson.js';
import {isUnavailable} from '../api.js';
import {button, pageHead, card, notice, Status, busy, loading} from '../ui.js';

export const name = 'partiql';

const HISTORY_KEY = 'dynago.console.partiql';
const UNAVAILABLE = 'PartiQL is not available on this server';

export async function render(ctx) {
  ctx.setCrumbs([['PartiQL editor']]);
  const editor = h('textarea', {class: 'code-input', id: 'partiql-input', rows: 8, spellcheck: 'false', 'aria-label': 'PartiQL statement',
    placeholder: 'SELECT * FROM "Music" WHERE Artist = \'The Beatles\''});
  editor.value = sessionStorage.getItem(HISTORY_KEY) || '';
  const consistent = h('input', {type: 'checkbox', name: 'consistent'});
  const status = new Status();
  const results = h('div', {class: 'results', id: 'partiql-results'}, h('p', {class: 'muted'}, 'Run a statement to see what it returns.'));
  const banner = h('div', {id: 'partiql-availability'});
  const runBtn = button('Run', null, {kind: 'primary', id: 'run-partiql'});
  let token = null;
  let statement = '';

  function unavailable() {
    replace(banner, notice('warn', UNAVAILABLE + '.', h('span', null, 'ExecuteStatement answered UnknownOperationException: this Dynago does not serve PartiQL yet. Use the item explorer instead.')));
  }

  async function run(next) {
    status.clear();
    if (!next) { statement = editor.value.trim(); token = null; }
    if (!statement) { status.error(new Error('Enter a statement')); return; }
    sessionStorage.setItem(HISTORY_KEY, editor.value);
    const req = {Statement: statement, ReturnConsumedCapacity: 'TOTAL'};
    if (consistent.checked) req.ConsistentRead = true;
    if (next && token) req.NextToken = token;
    if (!next) replace(results, loading('Running…'));
    let out;
    try {
      out = await ctx.client.call('ExecuteStatement', req);
    } catch (e) {
      if (!ctx.alive()) return;
      if (!next) replace(results, h('p', {class: 'muted'}, 'The statement failed: see the error above.'));
      if (isUnavailable(e)) unavailable();
      status.error(e);
      return;
    }
    if (!ctx.alive()) return;
    token = out.NextToken || null;
    const items = out.Items || [];
    const prev = next ? results.querySelector('tbody') : null;
    const cols = [...new Set(items.flatMap(it => Object.keys(it)))];
    const rows = items.map(it => h('tr', null, cols.map(c => h('td', {title: summary(it[c])}, summary(it[c])))));
    if (prev) {
      prev.append(...rows);
    } else {
      replace(results, items.length === 0
        ? h('div', {class: 'empty'}, h('p', {class: 'empty-title'}, 'Statement succeeded'), h('p', {class: 'muted'}, 'It returned no items.'))
        : h('div', {class: 'grid-scroll'}, h('table', {class: 'grid items'},
          h('thead', null, h('tr', null, cols.map(c => h('th', null, c)))), h('tbody', null, rows))));
    }
    const more = results.querySelector('.more');
    if (more) more.remove();
    if (token) results.appendChild(h('div', {class: 'more'}, button('Load more', () => run(true), {small: true})));
  }

  runBtn.addEventListener('click', () => busy(runBtn, () => run(false)));
  editor.addEventListener('keydown', e => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); busy(runBtn, () => run(false)); }
  });

  ctx.view.append(
    pageHead('PartiQL editor', 'Run SELECT, INSERT, UPDATE and DELETE statements with ExecuteStatement.'),
    banner,
    card(null, null, editor, h('div', {class: 'form-actions left'}, runBtn,
      h('label', {class: 'field check'}, consistent, h('span', null, 'Strongly consistent')),
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
