// Shared pieces of the pages: error boxes, buttons, dialogs, tabs,
// key/value lists.

import {h, clear, append} from './dom.js';
import {ApiError} from './api.js';

// errorBox shows an error as DynamoDB reports it: its type, then its
// message.
export function errorBox(err) {
  const type = err instanceof ApiError ? err.type : (err && err.name) || 'Error';
  const msg = err instanceof ApiError ? err.apiMessage : (err && err.message) || String(err);
  return h('div', {class: 'alert error', role: 'alert'},
    h('strong', {class: 'error-type'}, type),
    msg ? h('span', {class: 'error-message'}, msg) : null);
}

// notice is an informational box.
export function notice(kind, title, ...body) {
  return h('div', {class: ['alert', kind], role: 'status'}, title ? h('strong', null, title) : null, ...body);
}

// button builds a button; kind is '', 'primary', 'danger' or 'link'.
export function button(label, onClick, {kind = '', small = false, type = 'button', ...attrs} = {}) {
  return h('button', {type, class: ['btn', kind, small && 'sm'], on: onClick ? {click: onClick} : undefined, ...attrs}, label);
}

// busy runs fn with btn disabled and marked busy, and returns fn's result.
export async function busy(btn, fn) {
  btn.disabled = true;
  btn.classList.add('busy');
  try {
    return await fn();
  } finally {
    btn.disabled = false;
    btn.classList.remove('busy');
  }
}

// Status is a slot for a pending/ok/error message under a form.
export class Status {
  constructor() { this.el = h('div', {class: 'status-slot', 'aria-live': 'polite'}); }
  clear() { clear(this.el); }
  error(err) { clear(this.el).appendChild(errorBox(err)); }
  ok(msg) { clear(this.el).appendChild(h('div', {class: 'alert ok', role: 'status'}, msg)); }
}

// modal opens a <dialog> with a title, body and footer buttons, and
// returns {dialog, close}. It is removed from the page when closed.
export function modal(title, body, footer, {wide = false} = {}) {
  const dialog = h('dialog', {class: ['modal', wide && 'wide']},
    h('div', {class: 'modal-head'}, h('h2', null, title),
      h('button', {type: 'button', class: 'icon-btn', 'aria-label': 'Close', on: {click: () => dialog.close()}}, '×')),
    h('div', {class: 'modal-body'}, body),
    h('div', {class: 'modal-foot'}, footer));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  return {dialog, close: () => dialog.close()};
}

// confirm asks a yes/no question in a dialog and resolves to true for yes.
// With requireText, the user must type it (a table name) to confirm.
export function confirm(title, message, {action = 'Delete', danger = true, requireText} = {}) {
  return new Promise(resolve => {
    let done = false;
    const input = requireText ? h('input', {type: 'text', class: 'input', 'aria-label': 'Confirmation', autocomplete: 'off'}) : null;
    const ok = button(action, () => { done = true; resolve(true); m.close(); }, {kind: danger ? 'danger solid' : 'primary', 'data-confirm': 'yes'});
    if (input) {
      ok.disabled = true;
      input.addEventListener('input', () => { ok.disabled = input.value !== requireText; });
    }
    const m = modal(title, [
      h('p', null, message),
      input ? h('label', {class: 'field'}, h('span', {class: 'field-label'}, ['Type ', h('code', null, requireText), ' to confirm']), input) : null,
    ], [button('Cancel', () => m.close()), ok]);
    m.dialog.addEventListener('close', () => { if (!done) resolve(false); });
    (input || ok).focus();
  });
}

// tabs renders a tab bar; each tab is {id, label}; onSelect(id) is called
// on a click. It returns the bar.
export function tabs(list, current, onSelect) {
  return h('div', {class: 'tabs', role: 'tablist'}, list.map(t =>
    h('button', {type: 'button', role: 'tab', class: ['tab', t.id === current && 'active'],
      'aria-selected': t.id === current ? 'true' : 'false', dataset: {tab: t.id},
      on: {click: () => onSelect(t.id)}}, t.label)));
}

// thead is a table head; the columns named in numeric are right-aligned,
// as their cells are.
export function thead(cols, numeric = []) {
  return h('thead', null, h('tr', null, cols.map(c => h('th', {class: numeric.includes(c) ? 'num' : null}, c))));
}

// props renders a definition list of [label, value] pairs.
export function props(pairs) {
  return h('dl', {class: 'props'}, pairs.filter(Boolean).map(([k, v]) =>
    h('div', {class: 'prop'}, h('dt', null, k), h('dd', null, v === undefined || v === null || v === '' ? '–' : v))));
}

// card wraps content in a titled panel; actions go to the right of the title.
export function card(title, actions, ...body) {
  return h('section', {class: 'card'},
    title || actions ? h('div', {class: 'card-head'}, title ? h('h2', null, title) : null,
      actions ? h('div', {class: 'card-actions'}, actions) : null) : null,
    h('div', {class: 'card-body'}, body));
}

// pageHead is a page's title row with its actions.
export function pageHead(title, subtitle, actions) {
  return h('div', {class: 'page-head'},
    h('div', null, h('h1', null, title), subtitle ? h('p', {class: 'subtitle'}, subtitle) : null),
    actions ? h('div', {class: 'page-actions'}, actions) : null);
}

// loading is a placeholder while a page loads.
export function loading(what = 'Loading…') {
  return h('div', {class: 'loading'}, h('span', {class: 'spinner'}), what);
}

// keyText describes a key schema: "Artist (S), SongTitle (S)".
export function keyText(keySchema, attrDefs) {
  const types = Object.fromEntries((attrDefs || []).map(d => [d.AttributeName, d.AttributeType]));
  return keySchema.map(k => `${k.AttributeName} (${types[k.AttributeName] || '?'})`).join(', ');
}

// keyParts splits a key schema into its partition and sort attributes.
export function keyParts(keySchema) {
  return {
    hash: keySchema.filter(k => k.KeyType === 'HASH').map(k => k.AttributeName),
    range: keySchema.filter(k => k.KeyType === 'RANGE').map(k => k.AttributeName),
  };
}

export {append};
