// The item editor: one item edited as a form (attribute, type, value), as
// DynamoDB JSON or as plain JSON, saved with PutItem and deleted with
// DeleteItem. The item in DynamoDB JSON is the editor's state; switching
// views parses the current view into it first, so nothing typed is lost.

import {h, replace, select} from '../dom.js';
import {TYPES, typeOf, typedText, plainText, parseTyped, parsePlain, hasLossyTypes, keyOf, NUMBER_RE} from '../ddbjson.js';
import {button, modal, tabs, Status, busy, confirm} from '../ui.js';

const TYPE_LABELS = {S: 'String', N: 'Number', B: 'Binary', BOOL: 'Boolean', NULL: 'Null',
  SS: 'String set', NS: 'Number set', BS: 'Binary set', L: 'List', M: 'Map'};

const MAX_STRING_ROWS = 8;

const VIEWS = [{id: 'form', label: 'Form'}, {id: 'typed', label: 'DynamoDB JSON'}, {id: 'plain', label: 'JSON'}];

// openEditor edits item (null for a new one) of the table desc. onDone is
// called after a save or a delete.
export function openEditor(client, desc, item, onDone) {
  const isNew = item === null;
  const keySchema = desc.KeySchema;
  const keyTypes = Object.fromEntries(desc.AttributeDefinitions.map(a => [a.AttributeName, a.AttributeType]));
  const keyNames = keySchema.map(k => k.AttributeName);
  let state = item ? structuredClone(item) : Object.fromEntries(keyNames.map(n => [n, {[keyTypes[n]]: ''}]));
  let view = 'form';
  let form = null; // the form view's rows, while it is shown
  let text = null; // the JSON views' textarea, while one is shown

  const status = new Status();
  const viewBody = h('div', {class: 'editor-body'});
  const tabBar = h('div');
  const save = button(isNew ? 'Create item' : 'Save changes', null, {kind: 'primary', id: 'editor-save'});
  const del = isNew ? null : button('Delete item', null, {kind: 'danger', id: 'editor-delete'});
  const m = modal(isNew ? `New item in ${desc.TableName}` : `Edit item in ${desc.TableName}`,
    [tabBar, viewBody, status.el],
    [del, h('span', {class: 'spacer'}), button('Cancel', () => m.close()), save], {wide: true});
  m.dialog.id = 'item-editor';

  // collect parses the shown view into state, or throws.
  function collect() {
    if (view === 'form') state = form.value();
    else if (view === 'typed') state = parseTyped(text.value);
    else state = parsePlain(text.value);
    return state;
  }

  function show(next) {
    if (next !== view) {
      try {
        collect();
      } catch (e) {
        status.error(e);
        return;
      }
    }
    status.clear();
    view = next;
    replace(tabBar, tabs(VIEWS, view, show));
    form = text = null;
    if (view === 'form') {
      form = formView(state, keyNames, keyTypes, keySchema, isNew);
      replace(viewBody, form.el);
    } else {
      text = h('textarea', {class: 'code-input', spellcheck: 'false', rows: 18, id: 'editor-text', 'aria-label': 'Item JSON'});
      text.value = view === 'typed' ? typedText(state) : plainText(state);
      replace(viewBody,
        view === 'plain' && hasLossyTypes(state)
          ? h('div', {class: 'alert warn'}, 'This item holds sets or binary values. Plain JSON has neither: saved from this view they become lists and strings. Use the DynamoDB JSON view to keep them.')
          : null,
        text);
    }
  }

  save.addEventListener('click', () => busy(save, async () => {
    status.clear();
    let next;
    try {
      next = collect();
      for (const n of keyNames) {
        if (!next[n]) throw new Error(`The item needs its key attribute ${n}`);
        if (!isNew && JSON.stringify(next[n]) !== JSON.stringify(item[n])) {
          throw new Error(`The key attribute ${n} cannot change: create a new item and delete this one instead`);
        }
      }
    } catch (e) {
      status.error(e);
      return;
    }
    const req = {TableName: desc.TableName, Item: next};
    if (isNew) {
      // A new item must not silently replace an existing one.
      req.ConditionExpression = 'attribute_not_exists(#pk)';
      req.ExpressionAttributeNames = {'#pk': keyNames[0]};
    }
    try {
      await client.call('PutItem', req);
      m.close();
      onDone();
    } catch (e) {
      status.error(e.type === 'ConditionalCheckFailedException' ? new Error('An item with this key already exists') : e);
    }
  }));

  if (del) {
    del.addEventListener('click', async () => {
      if (!await confirm('Delete item', 'Delete this item? This cannot be undone.')) return;
      try {
        await client.call('DeleteItem', {TableName: desc.TableName, Key: keyOf(item, keySchema)});
        m.close();
        onDone();
      } catch (e) {
        status.error(e);
      }
    });
  }

  show('form');
}

// formView renders an item as rows of attribute name, type and value.
// Key attributes come first with their names and types fixed (and, for an
// existing item, their values).
function formView(item, keyNames, keyTypes, keySchema, isNew) {
  const rows = [];
  const list = h('div', {class: 'attr-rows', id: 'editor-rows'});
  const add = (name, av, isKey) => {
    const r = attrRow(name, av, isKey, isKey && !isNew, keySchema);
    r.remove = () => { rows.splice(rows.indexOf(r), 1); r.el.remove(); };
    rows.push(r);
    list.appendChild(r.el);
    return r;
  };
  for (const n of keyNames) add(n, item[n] || {[keyTypes[n]]: ''}, true);
  for (const [n, av] of Object.entries(item)) if (!keyNames.includes(n)) add(n, av, false);
  const addBtn = button('Add attribute', () => { add('', {S: ''}, false).nameEl.focus(); }, {small: true, id: 'editor-add-attr'});
  return {
    el: h('div', null,
      h('div', {class: 'attr-head'}, h('span', null, 'Attribute'), h('span', null, 'Type'), h('span', null, 'Value'), h('span')),
      list, addBtn),
    value() {
      const out = {};
      for (const r of rows) {
        const n = r.nameEl.value;
        if (n === '') throw new Error('Every attribute needs a name');
        if (Object.hasOwn(out, n)) throw new Error(`Attribute ${n} appears twice`);
        out[n] = r.value();
      }
      return out;
    },
  };
}

function attrRow(name, av, isKey, lockValue, keySchema) {
  const t = typeOf(av);
  const nameEl = h('input', {class: 'input', value: name, readOnly: isKey, spellcheck: 'false', 'aria-label': 'Attribute name', dataset: {attr: name}});
  const typeEl = select(TYPES.map(x => [x, `${x} – ${TYPE_LABELS[x]}`]), t, {class: 'input', disabled: isKey, 'aria-label': 'Type'});
  const slot = h('div', {class: 'attr-value'});
  let valueEl = null;
  let current = av;
  const draw = type => {
    valueEl = valueControl(type, current, lockValue);
    replace(slot, valueEl.el);
  };
  typeEl.addEventListener('change', () => {
    // Carry what can be carried across a type change: the text of a
    // scalar, else start empty.
    let carry = '';
    try { carry = valueEl.raw(); } catch { carry = ''; }
    current = blank(typeEl.value, carry);
    draw(typeEl.value);
  });
  draw(t);
  const role = isKey ? (keySchema.find(k => k.AttributeName === name).KeyType === 'HASH' ? 'Partition key' : 'Sort key') : null;
  const el = h('div', {class: ['attr-row', isKey && 'key'], dataset: {attr: name}},
    h('div', {class: 'attr-name'}, nameEl, role ? h('span', {class: 'badge neutral'}, role) : null),
    typeEl, slot,
    isKey ? h('span') : h('button', {type: 'button', class: 'icon-btn', 'aria-label': 'Remove attribute', on: {click: () => row.remove()}}, '×'));
  const row = {el, nameEl, value: () => valueEl.value(nameEl.value || 'attribute')};
  return row;
}

// blank is an empty value of type, seeded with text where it fits.
function blank(type, text) {
  switch (type) {
    case 'S': case 'N': case 'B': return {[type]: typeof text === 'string' ? text : ''};
    case 'BOOL': return {BOOL: text === 'true'};
    case 'NULL': return {NULL: true};
    case 'SS': case 'NS': case 'BS': return {[type]: []};
    case 'L': return {L: []};
    default: return {M: {}};
  }
}

// valueControl is the input for one attribute value of a type: value(name)
// returns the attribute value or throws; raw() returns its text.
function valueControl(type, av, locked) {
  const v = av[type];
  switch (type) {
    case 'S': {
      const el = h('textarea', {class: 'input grow', rows: 1, readOnly: locked, spellcheck: 'false', 'aria-label': 'Value'});
      el.value = v ?? '';
      // One row per line of the string, up to a limit, then it scrolls.
      const fit = () => { el.rows = Math.min(MAX_STRING_ROWS, el.value.split('\n').length); };
      el.addEventListener('input', fit);
      fit();
      return {el, raw: () => el.value, value: () => ({S: el.value})};
    }
    case 'N': case 'B': {
      const el = h('input', {class: 'input', value: v ?? '', readOnly: locked, spellcheck: 'false', 'aria-label': 'Value',
        placeholder: type === 'N' ? '0' : 'base64'});
      return {el, raw: () => el.value, value: name => {
        const x = el.value.trim();
        if (type === 'N' && !NUMBER_RE.test(x)) throw new Error(`${name}: "${el.value}" is not a number`);
        return {[type]: x};
      }};
    }
    case 'BOOL': {
      const el = select([['true', 'true'], ['false', 'false']], v ? 'true' : 'false', {class: 'input', 'aria-label': 'Value'});
      return {el, raw: () => el.value, value: () => ({BOOL: el.value === 'true'})};
    }
    case 'NULL':
      return {el: h('span', {class: 'muted'}, 'null'), raw: () => '', value: () => ({NULL: true})};
    case 'SS': case 'NS': case 'BS': {
      const el = h('textarea', {class: 'input grow', rows: Math.min(6, Math.max(2, (v || []).length)), spellcheck: 'false',
        'aria-label': 'Values, one per line', placeholder: 'one value per line'});
      el.value = (v || []).join('\n');
      return {el, raw: () => el.value, value: name => {
        const items = el.value.split('\n').map(x => type === 'SS' ? x : x.trim()).filter(x => x !== '');
        if (type === 'NS') for (const x of items) if (!NUMBER_RE.test(x)) throw new Error(`${name}: "${x}" is not a number`);
        return {[type]: items};
      }};
    }
    default: { // L, M: their DynamoDB JSON
      const el = h('textarea', {class: 'input grow code', rows: 4, spellcheck: 'false', 'aria-label': 'Value as DynamoDB JSON'});
      el.value = JSON.stringify(v ?? (type === 'L' ? [] : {}), null, 2);
      return {el, raw: () => '', value: name => {
        let parsed;
        try {
          parsed = parseTyped(JSON.stringify({[name]: {[type]: JSON.parse(el.value)}}));
        } catch (e) {
          throw new Error(`${name}: ${e.message}`);
        }
        return parsed[name];
      }};
    }
  }
}
