// Table detail: the description (status, keys, counts, capacity, stream,
// TTL), its indexes (add and delete global ones), its settings (billing
// and capacity, TTL, stream, deletion protection), its tags, and deleting
// the table.

import {h, replace, fmtBytes, fmtInt, fmtDate, statusBadge, select} from '../dom.js';
import {button, pageHead, card, props, tabs, errorBox, loading, keyText, confirm, modal, Status, busy, thead} from '../ui.js';

export const name = 'table';

const STATUS_POLL_MS = 2000;

const TABS = [{id: 'overview', label: 'Overview'}, {id: 'indexes', label: 'Indexes'},
  {id: 'settings', label: 'Capacity and settings'}, {id: 'tags', label: 'Tags'}];

function input(attrs) {
  return h('input', {class: 'input', type: 'text', spellcheck: 'false', autocomplete: 'off', ...attrs});
}

function billingText(d) {
  return d.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'On-demand' : 'Provisioned';
}

function capacityText(t) {
  if (!t) return '–';
  return `${t.ReadCapacityUnits ?? 0} read, ${t.WriteCapacityUnits ?? 0} write`;
}

function projectionText(p) {
  if (!p) return '–';
  if (p.ProjectionType === 'INCLUDE') return 'Include: ' + (p.NonKeyAttributes || []).join(', ');
  return {ALL: 'All attributes', KEYS_ONLY: 'Keys only'}[p.ProjectionType] || p.ProjectionType;
}

export async function render(ctx) {
  const [tableName] = ctx.params;
  const tab = ctx.query.get('tab') || 'overview';
  ctx.setCrumbs([['Tables', '#/tables'], [tableName]]);
  ctx.view.appendChild(loading());

  const [d, ttl] = await Promise.all([
    ctx.client.call('DescribeTable', {TableName: tableName}).then(o => o.Table),
    ctx.client.call('DescribeTimeToLive', {TableName: tableName}).then(o => o.TimeToLiveDescription).catch(e => ({error: e})),
  ]);
  if (!ctx.alive()) return;
  const reload = () => ctx.navigate(`/tables/${encodeURIComponent(tableName)}?tab=${tab}`);

  const del = button('Delete table', async () => {
    const ok = await confirm('Delete table', `Delete ${tableName} and all of its items? This cannot be undone.`, {requireText: tableName});
    if (!ok) return;
    try {
      await ctx.client.call('DeleteTable', {TableName: tableName});
      ctx.navigate('/tables');
    } catch (e) {
      modal('Could not delete the table', errorBox(e), [button('Close', ev => ev.target.closest('dialog').close())]);
    }
  }, {kind: 'danger', id: 'delete-table'});

  const body = h('div', {class: 'tab-body'});
  ctx.view.replaceChildren(
    pageHead(tableName, h('span', null, statusBadge(d.TableStatus), ' ', h('code', {class: 'arn'}, d.TableArn)), [
      button('Refresh', reload),
      del,
      button('Explore items', () => ctx.navigate(`/tables/${encodeURIComponent(tableName)}/items`), {kind: 'primary', id: 'explore-items'}),
    ]),
    tabs(TABS, tab, id => ctx.navigate(`/tables/${encodeURIComponent(tableName)}?tab=${id}`)),
    body);

  if (tab === 'overview') overview(body, d, ttl);
  else if (tab === 'indexes') indexes(ctx, body, d, reload);
  else if (tab === 'settings') settings(ctx, body, d, ttl, reload);
  else if (tab === 'tags') await tagsTab(ctx, body, d);

  // While the table or an index is changing (a GSI backfilling, say), the
  // overview and the indexes follow it.
  const changing = d.TableStatus !== 'ACTIVE' || (d.GlobalSecondaryIndexes || []).some(g => g.IndexStatus !== 'ACTIVE');
  if (changing && (tab === 'overview' || tab === 'indexes')) {
    const timer = setTimeout(() => { if (ctx.alive()) reload(); }, STATUS_POLL_MS);
    return () => clearTimeout(timer);
  }
}

function overview(body, d, ttl) {
  const lsis = d.LocalSecondaryIndexes || [];
  const gsis = d.GlobalSecondaryIndexes || [];
  const stream = d.StreamSpecification?.StreamEnabled ? d.StreamSpecification.StreamViewType : 'Off';
  body.append(
    h('div', {class: 'stats'},
      stat('Items', fmtInt(d.ItemCount)),
      stat('Table size', fmtBytes(d.TableSizeBytes)),
      stat('Average item size', d.ItemCount ? fmtBytes(Math.round(d.TableSizeBytes / d.ItemCount)) : '–'),
      stat('Indexes', String(gsis.length + lsis.length))),
    h('div', {class: 'cols'},
      card('General information', null, props([
        ['Partition key', keyText(d.KeySchema.filter(k => k.KeyType === 'HASH'), d.AttributeDefinitions)],
        ['Sort key', keyText(d.KeySchema.filter(k => k.KeyType === 'RANGE'), d.AttributeDefinitions) || '–'],
        ['Status', statusBadge(d.TableStatus)],
        ['Created', fmtDate(d.CreationDateTime)],
        ['Table class', d.TableClassSummary?.TableClass || 'STANDARD'],
        ['Deletion protection', d.DeletionProtectionEnabled ? 'On' : 'Off'],
        ['Table ID', d.TableId],
      ])),
      card('Capacity and features', null, props([
        ['Billing mode', billingText(d)],
        ['Provisioned capacity', billingText(d) === 'Provisioned' ? capacityText(d.ProvisionedThroughput) : '–'],
        ['Time to live', ttl.error ? errorBox(ttl.error) : ttl.TimeToLiveStatus === 'ENABLED' ? `On (attribute ${ttl.AttributeName})` : 'Off'],
        ['Stream', stream],
        ['Latest stream ARN', d.LatestStreamArn],
      ]))));
}

function stat(label, value) {
  return h('div', {class: 'stat'}, h('div', {class: 'stat-label'}, label), h('div', {class: 'stat-value'}, value));
}

function indexes(ctx, body, d, reload) {
  const gsis = d.GlobalSecondaryIndexes || [];
  const lsis = d.LocalSecondaryIndexes || [];
  const provisioned = billingText(d) === 'Provisioned';
  const deleteGsi = async name => {
    if (!await confirm('Delete index', `Delete the global secondary index ${name}?`)) return;
    try {
      await ctx.client.call('UpdateTable', {TableName: d.TableName, GlobalSecondaryIndexUpdates: [{Delete: {IndexName: name}}]});
      reload();
    } catch (e) {
      body.prepend(errorBox(e));
    }
  };
  body.append(
    card('Global secondary indexes', button('Create index', () => createGsi(ctx, d, reload), {small: true, id: 'create-gsi'}),
      gsis.length === 0 ? h('p', {class: 'muted'}, 'No global secondary indexes.') :
        h('table', {class: 'grid', id: 'gsi-grid'},
          thead(['Name', 'Status', 'Partition key', 'Sort key', 'Projection', 'Capacity', 'Items', 'Size', ''], ['Items', 'Size']),
          h('tbody', null, gsis.map(g => h('tr', {dataset: {index: g.IndexName}},
            h('td', {class: 'strong'}, g.IndexName),
            h('td', null, statusBadge(g.IndexStatus), g.Backfilling ? h('span', {class: 'muted'}, ' backfilling') : null),
            h('td', null, keyText(g.KeySchema.filter(k => k.KeyType === 'HASH'), d.AttributeDefinitions)),
            h('td', null, keyText(g.KeySchema.filter(k => k.KeyType === 'RANGE'), d.AttributeDefinitions) || '–'),
            h('td', null, projectionText(g.Projection)),
            h('td', null, provisioned ? capacityText(g.ProvisionedThroughput) : 'On-demand'),
            h('td', {class: 'num'}, fmtInt(g.ItemCount)),
            h('td', {class: 'num'}, fmtBytes(g.IndexSizeBytes)),
            h('td', {class: 'actions'}, button('Delete', () => deleteGsi(g.IndexName), {small: true, kind: 'link danger'}))))))),
    card('Local secondary indexes', null,
      lsis.length === 0 ? h('p', {class: 'muted'}, 'No local secondary indexes. They can only be created with the table.') :
        h('table', {class: 'grid'},
          thead(['Name', 'Sort key', 'Projection', 'Items', 'Size'], ['Items', 'Size']),
          h('tbody', null, lsis.map(l => h('tr', null,
            h('td', {class: 'strong'}, l.IndexName),
            h('td', null, keyText(l.KeySchema.filter(k => k.KeyType === 'RANGE'), d.AttributeDefinitions)),
            h('td', null, projectionText(l.Projection)),
            h('td', {class: 'num'}, fmtInt(l.ItemCount)),
            h('td', {class: 'num'}, fmtBytes(l.IndexSizeBytes))))))));
}

// createGsi opens the form that adds a global secondary index with
// UpdateTable.
function createGsi(ctx, d, reload) {
  const types = [['S', 'String'], ['N', 'Number'], ['B', 'Binary']];
  const name = input({name: 'gsi-name', placeholder: 'ByGenre'});
  const pkName = input({name: 'gsi-pk-name', placeholder: 'Partition key'});
  const pkType = select(types, 'S', {class: 'input', name: 'gsi-pk-type'});
  const skName = input({name: 'gsi-sk-name', placeholder: 'Sort key (optional)'});
  const skType = select(types, 'S', {class: 'input', name: 'gsi-sk-type'});
  const proj = select([['ALL', 'All attributes'], ['KEYS_ONLY', 'Keys only'], ['INCLUDE', 'Include…']], 'ALL', {class: 'input', name: 'gsi-projection'});
  const nonKey = input({name: 'gsi-nonkey', placeholder: 'attribute, attribute', hidden: true});
  proj.addEventListener('change', () => { nonKey.hidden = proj.value !== 'INCLUDE'; });
  const provisioned = billingText(d) === 'Provisioned';
  const rcu = input({type: 'number', min: 1, value: 5, class: 'input narrow'});
  const wcu = input({type: 'number', min: 1, value: 5, class: 'input narrow'});
  const status = new Status();
  const form = h('form', {class: 'form-grid', id: 'gsi-form'},
    h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Index name'), name),
    h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Partition key'), h('div', {class: 'inline'}, pkName, pkType)),
    h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Sort key'), h('div', {class: 'inline'}, skName, skType)),
    h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Projection'), h('div', {class: 'inline'}, proj, nonKey)),
    provisioned ? h('div', {class: 'field'}, h('span', {class: 'field-label'}, 'Capacity units'),
      h('div', {class: 'inline'}, h('label', {class: 'inline-label'}, 'Read', rcu), h('label', {class: 'inline-label'}, 'Write', wcu))) : null,
    status.el);
  const submit = button('Create index', null, {kind: 'primary', type: 'submit', form: 'gsi-form'});
  const m = modal('Create global secondary index', form, [button('Cancel', () => m.close()), submit]);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const defs = [{AttributeName: pkName.value.trim(), AttributeType: pkType.value}];
    const ks = [{AttributeName: pkName.value.trim(), KeyType: 'HASH'}];
    if (skName.value.trim()) {
      defs.push({AttributeName: skName.value.trim(), AttributeType: skType.value});
      ks.push({AttributeName: skName.value.trim(), KeyType: 'RANGE'});
    }
    const projection = {ProjectionType: proj.value};
    if (proj.value === 'INCLUDE') projection.NonKeyAttributes = nonKey.value.split(',').map(x => x.trim()).filter(Boolean);
    const create = {IndexName: name.value.trim(), KeySchema: ks, Projection: projection};
    if (provisioned) create.ProvisionedThroughput = {ReadCapacityUnits: Number(rcu.value), WriteCapacityUnits: Number(wcu.value)};
    await busy(submit, async () => {
      try {
        await ctx.client.call('UpdateTable', {TableName: d.TableName, AttributeDefinitions: defs, GlobalSecondaryIndexUpdates: [{Create: create}]});
        m.close();
        reload();
      } catch (err) {
        status.error(err);
      }
    });
  });
  name.focus();
}

function settings(ctx, body, d, ttl, reload) {
  // Billing and capacity.
  const mode = select([['PAY_PER_REQUEST', 'On-demand'], ['PROVISIONED', 'Provisioned']],
    d.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED', {class: 'input', name: 'billing'});
  const rcu = input({type: 'number', min: 1, name: 'rcu', class: 'input narrow', value: d.ProvisionedThroughput?.ReadCapacityUnits || 5});
  const wcu = input({type: 'number', min: 1, name: 'wcu', class: 'input narrow', value: d.ProvisionedThroughput?.WriteCapacityUnits || 5});
  const capRow = h('div', {class: 'inline'}, h('label', {class: 'inline-label'}, 'Read', rcu), h('label', {class: 'inline-label'}, 'Write', wcu));
  const showCap = () => { capRow.hidden = mode.value !== 'PROVISIONED'; };
  mode.addEventListener('change', showCap);
  showCap();
  const capStatus = new Status();
  const capSave = button('Save capacity', async () => {
    const req = {TableName: d.TableName, BillingMode: mode.value};
    if (mode.value === 'PROVISIONED') {
      req.ProvisionedThroughput = {ReadCapacityUnits: Number(rcu.value), WriteCapacityUnits: Number(wcu.value)};
      // Switching to provisioned needs capacity for every global index too.
      const gsis = d.GlobalSecondaryIndexes || [];
      if (gsis.length && d.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST') {
        req.GlobalSecondaryIndexUpdates = gsis.map(g => ({Update: {IndexName: g.IndexName, ProvisionedThroughput: req.ProvisionedThroughput}}));
      }
    }
    await saveWith(capSave, capStatus, () => ctx.client.call('UpdateTable', req), 'Capacity updated.');
  }, {kind: 'primary', id: 'save-capacity'});

  // Time to live.
  const ttlOn = !ttl.error && ttl.TimeToLiveStatus === 'ENABLED';
  const ttlAttr = input({name: 'ttl-attribute', placeholder: 'expiresAt', value: ttl.AttributeName || ''});
  const ttlStatus = new Status();
  const ttlSave = button(ttlOn ? 'Turn off TTL' : 'Turn on TTL', async () => {
    await saveWith(ttlSave, ttlStatus, () => ctx.client.call('UpdateTimeToLive', {TableName: d.TableName,
      TimeToLiveSpecification: {Enabled: !ttlOn, AttributeName: ttlAttr.value.trim()}}), ttlOn ? 'TTL turned off.' : 'TTL turned on.');
  }, {kind: ttlOn ? '' : 'primary', id: 'save-ttl'});
  if (ttlOn) ttlAttr.readOnly = true;

  // Stream.
  const streamOn = !!d.StreamSpecification?.StreamEnabled;
  const view = select([['NEW_AND_OLD_IMAGES', 'New and old images'], ['NEW_IMAGE', 'New image'], ['OLD_IMAGE', 'Old image'], ['KEYS_ONLY', 'Keys only']],
    d.StreamSpecification?.StreamViewType || 'NEW_AND_OLD_IMAGES', {class: 'input', name: 'stream-view', disabled: streamOn});
  const streamStatus = new Status();
  const streamSave = button(streamOn ? 'Turn off stream' : 'Turn on stream', async () => {
    const spec = streamOn ? {StreamEnabled: false} : {StreamEnabled: true, StreamViewType: view.value};
    await saveWith(streamSave, streamStatus, () => ctx.client.call('UpdateTable', {TableName: d.TableName, StreamSpecification: spec}),
      streamOn ? 'Stream turned off.' : 'Stream turned on.');
  }, {kind: streamOn ? '' : 'primary', id: 'save-stream'});

  // Deletion protection.
  const protectOn = !!d.DeletionProtectionEnabled;
  const protectStatus = new Status();
  const protectSave = button(protectOn ? 'Turn off deletion protection' : 'Turn on deletion protection', async () => {
    await saveWith(protectSave, protectStatus, () => ctx.client.call('UpdateTable', {TableName: d.TableName, DeletionProtectionEnabled: !protectOn}),
      'Deletion protection updated.');
  }, {id: 'save-protection'});

  async function saveWith(btn, status, call, okText) {
    status.clear();
    await busy(btn, async () => {
      try {
        await call();
        status.ok(okText);
        setTimeout(() => { if (ctx.alive()) reload(); }, 600);
      } catch (e) {
        status.error(e);
      }
    });
  }

  body.append(h('div', {class: 'cols'},
    card('Billing and capacity', null,
      h('div', {class: 'form-grid'},
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Billing mode'), mode),
        h('div', {class: 'field'}, h('span', {class: 'field-label'}, 'Table capacity units'), capRow),
        h('div', {class: 'form-actions left'}, capSave), capStatus.el)),
    card('Time to live (TTL)', null,
      h('p', {class: 'muted'}, 'Items whose TTL attribute holds a time (seconds since the epoch) in the past are deleted in the background.'),
      h('div', {class: 'form-grid'},
        props([['Status', ttl.error ? errorBox(ttl.error) : statusBadge(ttl.TimeToLiveStatus || 'DISABLED')]]),
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'TTL attribute'), ttlAttr),
        h('div', {class: 'form-actions left'}, ttlSave), ttlStatus.el)),
    card('Stream', null,
      h('p', {class: 'muted'}, 'A stream records every change to the table’s items for 24 hours.'),
      h('div', {class: 'form-grid'},
        props([['Status', streamOn ? statusBadge('ENABLED') : statusBadge('DISABLED')], ['Stream ARN', d.LatestStreamArn]]),
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'View type'), view),
        h('div', {class: 'form-actions left'}, streamSave,
          streamOn ? h('a', {class: 'btn', id: 'view-stream', href: '#/streams?table=' + encodeURIComponent(d.TableName)}, 'View stream records') : null),
        streamStatus.el)),
    card('Deletion protection', null,
      h('p', {class: 'muted'}, 'A protected table cannot be deleted until protection is turned off.'),
      h('div', {class: 'form-grid'},
        props([['Status', protectOn ? statusBadge('ENABLED') : statusBadge('DISABLED')]]),
        h('div', {class: 'form-actions left'}, protectSave), protectStatus.el))));
}

async function tagsTab(ctx, body, d) {
  body.appendChild(loading('Loading tags…'));
  const tags = [];
  try {
    await ctx.client.pages('ListTagsOfResource', {ResourceArn: d.TableArn},
      out => out.NextToken ? {NextToken: out.NextToken} : null, out => tags.push(...(out.Tags || [])));
  } catch (e) {
    replace(body, errorBox(e));
    return;
  }
  if (!ctx.alive()) return;
  const status = new Status();
  const redraw = () => ctx.navigate(`/tables/${encodeURIComponent(d.TableName)}?tab=tags`);
  const key = input({name: 'tag-key', placeholder: 'Key'});
  const value = input({name: 'tag-value', placeholder: 'Value'});
  const add = button('Add tag', null, {kind: 'primary', type: 'submit', form: 'tag-form'});
  const form = h('form', {class: 'inline', id: 'tag-form'}, key, value, add);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    await busy(add, async () => {
      try {
        await ctx.client.call('TagResource', {ResourceArn: d.TableArn, Tags: [{Key: key.value.trim(), Value: value.value}]});
        redraw();
      } catch (err) {
        status.error(err);
      }
    });
  });
  const remove = async k => {
    try {
      await ctx.client.call('UntagResource', {ResourceArn: d.TableArn, TagKeys: [k]});
      redraw();
    } catch (err) {
      status.error(err);
    }
  };
  replace(body, card('Tags', null,
    tags.length === 0 ? h('p', {class: 'muted'}, 'This table has no tags.') :
      h('table', {class: 'grid', id: 'tags-grid'},
        h('thead', null, h('tr', null, h('th', null, 'Key'), h('th', null, 'Value'), h('th', null, ''))),
        h('tbody', null, tags.map(t => h('tr', null, h('td', {class: 'strong'}, t.Key), h('td', null, t.Value),
          h('td', {class: 'actions'}, button('Remove', () => remove(t.Key), {small: true, kind: 'link danger'})))))),
    h('div', {class: 'tag-add'}, form), status.el));
}
