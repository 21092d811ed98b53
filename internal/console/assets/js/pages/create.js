// Create table: keys, billing, global and local secondary indexes, stream,
// deletion protection and tags, with the CreateTable request it will send
// shown as it is edited.

import {h, replace, select} from '../dom.js';
import {button, pageHead, card, Status, busy} from '../ui.js';

export const name = 'create';

const KEY_TYPES = [['S', 'String'], ['N', 'Number'], ['B', 'Binary']];
const PROJECTIONS = [['ALL', 'All attributes'], ['KEYS_ONLY', 'Keys only'], ['INCLUDE', 'Include…']];
const STREAM_VIEWS = [['', 'Off'], ['NEW_AND_OLD_IMAGES', 'New and old images'], ['NEW_IMAGE', 'New image'],
  ['OLD_IMAGE', 'Old image'], ['KEYS_ONLY', 'Keys only']];

function input(attrs) {
  return h('input', {class: 'input', type: 'text', spellcheck: 'false', autocomplete: 'off', ...attrs});
}

// keyInputs is a key attribute's name and type controls.
function keyInputs(prefix, placeholder) {
  const nameEl = input({name: prefix + '-name', placeholder});
  const typeEl = select(KEY_TYPES, 'S', {class: 'input', name: prefix + '-type', 'aria-label': 'Type'});
  return {nameEl, typeEl, el: h('div', {class: 'inline'}, nameEl, typeEl)};
}

function capacityInputs(prefix) {
  const r = input({type: 'number', min: 1, value: 5, name: prefix + '-rcu', class: 'input narrow'});
  const w = input({type: 'number', min: 1, value: 5, name: prefix + '-wcu', class: 'input narrow'});
  return {r, w, el: h('div', {class: 'inline'}, h('label', {class: 'inline-label'}, 'Read', r), h('label', {class: 'inline-label'}, 'Write', w))};
}

function projectionInputs(prefix) {
  const type = select(PROJECTIONS, 'ALL', {class: 'input', name: prefix + '-projection', 'aria-label': 'Projection'});
  const attrs = input({name: prefix + '-nonkey', placeholder: 'attribute, attribute', hidden: true});
  type.addEventListener('change', () => { attrs.hidden = type.value !== 'INCLUDE'; });
  return {
    el: h('div', {class: 'inline'}, type, attrs),
    value: () => {
      const p = {ProjectionType: type.value};
      if (type.value === 'INCLUDE') p.NonKeyAttributes = attrs.value.split(',').map(x => x.trim()).filter(Boolean);
      return p;
    },
    watch: fn => { type.addEventListener('change', fn); attrs.addEventListener('input', fn); },
  };
}

export async function render(ctx) {
  ctx.setCrumbs([['Tables', '#/tables'], ['Create table']]);
  const status = new Status();
  const preview = h('pre', {class: 'code preview', id: 'create-preview'});

  const tableName = input({name: 'table-name', placeholder: 'Music', required: true});
  const pk = keyInputs('pk', 'Artist');
  const sk = keyInputs('sk', 'SongTitle (optional)');
  const billing = select([['PAY_PER_REQUEST', 'On-demand'], ['PROVISIONED', 'Provisioned']], 'PAY_PER_REQUEST', {class: 'input', name: 'billing'});
  const cap = capacityInputs('table');
  const stream = select(STREAM_VIEWS, '', {class: 'input', name: 'stream'});
  const protect = h('input', {type: 'checkbox', name: 'deletion-protection'});

  const gsis = [];
  const lsis = [];
  const tags = [];
  const gsiList = h('div', {class: 'rows', id: 'gsi-rows'});
  const lsiList = h('div', {class: 'rows', id: 'lsi-rows'});
  const tagList = h('div', {class: 'rows', id: 'tag-rows'});

  function addGsi() {
    const n = gsis.length;
    const g = {name: input({name: `gsi${n}-name`, placeholder: 'GenreIndex'}), pk: keyInputs(`gsi${n}-pk`, 'Partition key'),
      sk: keyInputs(`gsi${n}-sk`, 'Sort key (optional)'), proj: projectionInputs(`gsi${n}`), cap: capacityInputs(`gsi${n}`)};
    g.el = h('div', {class: 'subform', dataset: {gsi: String(n)}},
      h('div', {class: 'subform-grid'},
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Index name'), g.name),
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Partition key'), g.pk.el),
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Sort key'), g.sk.el),
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Projection'), g.proj.el),
        g.capField = h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Capacity units'), g.cap.el)),
      button('Remove', () => { gsis.splice(gsis.indexOf(g), 1); g.el.remove(); update(); }, {kind: 'link', small: true}));
    g.proj.watch(update);
    gsis.push(g);
    gsiList.appendChild(g.el);
    update();
  }

  function addLsi() {
    const n = lsis.length;
    const l = {name: input({name: `lsi${n}-name`, placeholder: 'ByYear'}), sk: keyInputs(`lsi${n}-sk`, 'Sort key'), proj: projectionInputs(`lsi${n}`)};
    l.el = h('div', {class: 'subform', dataset: {lsi: String(n)}},
      h('div', {class: 'subform-grid'},
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Index name'), l.name),
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Sort key'), l.sk.el),
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Projection'), l.proj.el)),
      button('Remove', () => { lsis.splice(lsis.indexOf(l), 1); l.el.remove(); update(); }, {kind: 'link', small: true}));
    l.proj.watch(update);
    lsis.push(l);
    lsiList.appendChild(l.el);
    update();
  }

  function addTag() {
    const t = {k: input({placeholder: 'Key', 'aria-label': 'Tag key'}), v: input({placeholder: 'Value', 'aria-label': 'Tag value'})};
    t.el = h('div', {class: 'inline'}, t.k, t.v, button('Remove', () => { tags.splice(tags.indexOf(t), 1); t.el.remove(); update(); }, {kind: 'link', small: true}));
    tags.push(t);
    tagList.appendChild(t.el);
    update();
  }

  // request builds the CreateTable input from the form, or throws an Error
  // naming the first thing to fix.
  function request() {
    const defs = new Map();
    const def = (nameEl, typeEl, what) => {
      const n = nameEl.value.trim();
      if (!n) return null;
      const prev = defs.get(n);
      if (prev && prev !== typeEl.value) throw new Error(`Attribute ${n} is a key of type ${prev} and of type ${typeEl.value} (${what})`);
      defs.set(n, typeEl.value);
      return n;
    };
    const provisioned = billing.value === 'PROVISIONED';
    const throughput = c => ({ReadCapacityUnits: Number(c.r.value), WriteCapacityUnits: Number(c.w.value)});
    const req = {TableName: tableName.value.trim()};
    const hashName = def(pk.nameEl, pk.typeEl, 'partition key');
    req.KeySchema = [{AttributeName: hashName || '', KeyType: 'HASH'}];
    const rangeName = def(sk.nameEl, sk.typeEl, 'sort key');
    if (rangeName) req.KeySchema.push({AttributeName: rangeName, KeyType: 'RANGE'});
    req.BillingMode = billing.value;
    if (provisioned) req.ProvisionedThroughput = throughput(cap);
    if (gsis.length) {
      req.GlobalSecondaryIndexes = gsis.map(g => {
        const ks = [{AttributeName: def(g.pk.nameEl, g.pk.typeEl, g.name.value) || '', KeyType: 'HASH'}];
        const r = def(g.sk.nameEl, g.sk.typeEl, g.name.value);
        if (r) ks.push({AttributeName: r, KeyType: 'RANGE'});
        const x = {IndexName: g.name.value.trim(), KeySchema: ks, Projection: g.proj.value()};
        if (provisioned) x.ProvisionedThroughput = throughput(g.cap);
        return x;
      });
    }
    if (lsis.length) {
      req.LocalSecondaryIndexes = lsis.map(l => ({
        IndexName: l.name.value.trim(),
        KeySchema: [{AttributeName: hashName || '', KeyType: 'HASH'}, {AttributeName: def(l.sk.nameEl, l.sk.typeEl, l.name.value) || '', KeyType: 'RANGE'}],
        Projection: l.proj.value(),
      }));
    }
    req.AttributeDefinitions = [...defs].map(([AttributeName, AttributeType]) => ({AttributeName, AttributeType}));
    if (stream.value) req.StreamSpecification = {StreamEnabled: true, StreamViewType: stream.value};
    if (protect.checked) req.DeletionProtectionEnabled = true;
    const tagValues = tags.filter(t => t.k.value.trim()).map(t => ({Key: t.k.value.trim(), Value: t.v.value}));
    if (tagValues.length) req.Tags = tagValues;
    return req;
  }

  function update() {
    const provisioned = billing.value === 'PROVISIONED';
    cap.el.parentElement.hidden = !provisioned;
    for (const g of gsis) g.capField.hidden = !provisioned;
    try {
      replace(preview, JSON.stringify(request(), null, 2));
    } catch (e) {
      replace(preview, e.message);
    }
  }

  const form = h('form', {class: 'create-form', id: 'create-form', novalidate: true},
    card('Table details', null,
      h('div', {class: 'form-grid two'},
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Table name'), tableName,
          h('span', {class: 'field-hint'}, '3 to 255 characters: letters, digits, _ - .')),
        h('div'),
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Partition key'), pk.el),
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Sort key'), sk.el))),
    card('Capacity', null,
      h('div', {class: 'form-grid two'},
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Billing mode'), billing),
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Provisioned capacity units'), cap.el))),
    card('Global secondary indexes', button('Add global index', addGsi, {small: true, id: 'add-gsi'}),
      gsiList, h('p', {class: 'muted empty-hint'}, 'An index with its own partition key, over the whole table.')),
    card('Local secondary indexes', button('Add local index', addLsi, {small: true, id: 'add-lsi'}),
      lsiList, h('p', {class: 'muted empty-hint'}, "An alternative sort key within each partition; it can only be added now, with the table.")),
    card('Other settings', null,
      h('div', {class: 'form-grid two'},
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Stream'), stream),
        h('label', {class: 'field check'}, protect, h('span', null, 'Deletion protection'))),
      h('div', {class: 'field'}, h('span', {class: 'field-label'}, 'Tags'), tagList,
        button('Add tag', addTag, {small: true, kind: 'link'}))));

  form.addEventListener('input', update);
  form.addEventListener('change', update);
  const submit = button('Create table', null, {kind: 'primary', type: 'submit', form: 'create-form', id: 'create-submit'});
  form.addEventListener('submit', async e => {
    e.preventDefault();
    status.clear();
    let req;
    try {
      req = request();
    } catch (err) {
      status.error(err);
      return;
    }
    await busy(submit, async () => {
      try {
        await ctx.client.call('CreateTable', req);
        if (ctx.alive()) ctx.navigate('/tables/' + encodeURIComponent(req.TableName));
      } catch (err) {
        if (ctx.alive()) status.error(err);
      }
    });
  });

  ctx.view.append(
    pageHead('Create table', 'A table needs a name and a partition key; everything else is optional.'),
    h('div', {class: 'split'},
      h('div', {class: 'split-main'}, form, h('div', {class: 'form-actions'}, status.el,
        button('Cancel', () => ctx.navigate('/tables')), submit)),
      h('aside', {class: 'split-side'}, card('Request', null, h('p', {class: 'muted'}, 'The CreateTable call the console will make:'), preview))));
  update();
  tableName.focus();
}
