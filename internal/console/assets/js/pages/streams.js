// Stream viewer: a table's stream records as they arrive, read with the
// DynamoDB Streams API exactly as a consumer would (ListStreams,
// DescribeStream, GetShardIterator, then GetRecords polled on every shard
// being followed). When a shard ends (its NextShardIterator is absent, as
// when DynamoDB rolls shards over) the viewer follows its child shards
// from their start, so no record is missed across a roll-over. On a server
// that does not serve Streams, ListStreams fails with
// UnknownOperationException and the page says so.

import {h, replace, select, fmtDate} from '../dom.js';
import {summary} from '../ddbjson.js';
import {isUnavailable} from '../api.js';
import {button, pageHead, card, notice, errorBox, loading, Status} from '../ui.js';

export const name = 'streams';

const POLL_MS = 1000;     // between GetRecords rounds (DynamoDB allows 5 calls a second per shard)
const MAX_RECORDS = 500;  // kept on the page, newest first

const EVENT_BADGE = {INSERT: 'ok', MODIFY: 'warn', REMOVE: 'err'};

export async function render(ctx) {
  ctx.setCrumbs([['Streams']]);
  const body = h('div', null, loading('Listing streams…'));
  ctx.view.append(pageHead('Streams', 'Follow the changes to a table’s items as its stream records them.'), body);

  const streams = [];
  try {
    await ctx.client.pages('ListStreams', {}, out => out.LastEvaluatedStreamArn ? {ExclusiveStartStreamArn: out.LastEvaluatedStreamArn} : null,
      out => streams.push(...(out.Streams || [])), {api: 'streams'});
  } catch (e) {
    if (!ctx.alive()) return;
    replace(body, isUnavailable(e)
      ? h('div', {id: 'streams-unavailable'}, notice('warn', 'Streams are not available on this server.',
        h('span', null, 'ListStreams answered UnknownOperationException: this Dynago does not serve the DynamoDB Streams API yet.')))
      : errorBox(e));
    return;
  }
  if (!ctx.alive()) return;
  if (streams.length === 0) {
    replace(body, card(null, null, h('div', {class: 'empty', id: 'streams-empty'}, h('p', {class: 'empty-title'}, 'No streams'),
      h('p', {class: 'muted'}, 'Turn on a stream in a table’s Capacity and settings tab.'))));
    return;
  }
  // ?table=Name (the table page's link) preselects that table's newest stream.
  const wanted = ctx.query.get('table');
  const first = streams.find(s => s.TableName === wanted) || streams[0];

  let timer = null;
  let running = false;
  let records = [];
  let viewType = '';
  // followed maps a shard id to its next iterator; null once it has ended.
  let followed = new Map();
  const status = new Status();
  const list = h('div', {id: 'stream-records'});
  const streamSel = select(streams.map(s => [s.StreamArn, `${s.TableName} – ${s.StreamLabel}`]), first.StreamArn,
    {class: 'input', 'aria-label': 'Stream', id: 'stream-select'});
  const start = select([['LATEST', 'New changes only'], ['TRIM_HORIZON', 'From the oldest record']], 'LATEST',
    {class: 'input', 'aria-label': 'Start at', id: 'stream-start'});
  const toggle = button('Start', () => (running ? stop() : go()), {kind: 'primary', id: 'stream-toggle'});
  const info = h('div', {class: 'muted', id: 'stream-info'});

  function stop() {
    running = false;
    clearTimeout(timer);
    replace(toggle, 'Start');
    toggle.classList.add('primary');
    list.dataset.state = 'stopped';
    drawInfo();
  }

  // shardsOf returns every shard of the stream (DescribeStream pages them).
  async function shardsOf(arn) {
    const shards = [];
    await ctx.client.pages('DescribeStream', {StreamArn: arn},
      out => out.StreamDescription.LastEvaluatedShardId ? {StreamArn: arn, ExclusiveStartShardId: out.StreamDescription.LastEvaluatedShardId} : null,
      out => { viewType = out.StreamDescription.StreamViewType; shards.push(...(out.StreamDescription.Shards || [])); }, {api: 'streams'});
    return shards;
  }

  async function follow(arn, shard, type) {
    const out = await ctx.client.call('GetShardIterator', {StreamArn: arn, ShardId: shard.ShardId, ShardIteratorType: type}, {api: 'streams'});
    followed.set(shard.ShardId, out.ShardIterator || null);
  }

  async function go() {
    status.clear();
    records = [];
    followed = new Map();
    const arn = streamSel.value;
    try {
      const shards = await shardsOf(arn);
      // From the oldest record: every shard still holding records, parents
      // included. New changes only: the open shards, from their ends.
      const from = start.value;
      const chosen = from === 'LATEST' ? shards.filter(s => !s.SequenceNumberRange?.EndingSequenceNumber) : shards;
      await Promise.all(chosen.map(s => follow(arn, s, from)));
    } catch (e) {
      if (ctx.alive()) status.error(e);
      return;
    }
    if (!ctx.alive()) return;
    running = true;
    replace(toggle, 'Stop');
    toggle.classList.remove('primary');
    list.dataset.state = 'following';
    draw();
    const poll = async () => {
      if (!running || !ctx.alive()) return;
      try {
        const open = [...followed].filter(([, it]) => it);
        const outs = await Promise.all(open.map(([, it]) => ctx.client.call('GetRecords', {ShardIterator: it}, {api: 'streams'})));
        if (!running || !ctx.alive()) return;
        const ended = [];
        outs.forEach((o, i) => {
          followed.set(open[i][0], o.NextShardIterator || null);
          if (!o.NextShardIterator) ended.push(open[i][0]);
        });
        if (ended.length) {
          // A closed shard's records continue in its children.
          const shards = await shardsOf(arn);
          await Promise.all(shards.filter(s => ended.includes(s.ParentShardId) && !followed.has(s.ShardId))
            .map(s => follow(arn, s, 'TRIM_HORIZON')));
        }
        const fresh = outs.flatMap(o => o.Records || []);
        if (fresh.length) {
          fresh.sort(byStreamOrder);
          records = fresh.reverse().concat(records).slice(0, MAX_RECORDS);
          draw();
        } else if (ended.length) {
          drawInfo();
        }
      } catch (e) {
        if (!ctx.alive()) return;
        status.error(e);
        stop();
        return;
      }
      timer = setTimeout(poll, POLL_MS);
    };
    poll();
  }

  function drawInfo() {
    const open = [...followed.values()].filter(Boolean).length;
    replace(info, `${records.length} ${records.length === 1 ? 'record' : 'records'} · following ${open} of ${followed.size} ${followed.size === 1 ? 'shard' : 'shards'}` +
      (viewType ? ` · view type ${viewType}` : '') + (running ? '' : ' · stopped'));
  }

  function draw() {
    drawInfo();
    // Images leave out the key attributes, which have their own column.
    const attrs = (m, skip) => m ? Object.entries(m).filter(([k]) => !skip || !(k in skip)).map(([k, v]) => `${k}: ${summary(v)}`).join(', ') || '(keys only)' : '–';
    replace(list, records.length === 0 ? h('p', {class: 'muted'}, running ? 'Waiting for changes…' : 'Press Start to follow the stream.') :
      h('div', {class: 'grid-scroll'}, h('table', {class: 'grid'},
        h('thead', null, h('tr', null, ['Time', 'Event', 'Keys', 'New image', 'Old image', 'Sequence number'].map(c => h('th', null, c)))),
        h('tbody', null, records.map(r => {
          const d = r.dynamodb || {};
          const seq = d.SequenceNumber || '';
          return h('tr', {dataset: {event: r.eventName || ''}},
            h('td', {class: 'nowrap'}, fmtDate(d.ApproximateCreationDateTime)),
            h('td', null, h('span', {class: ['badge', EVENT_BADGE[r.eventName] || 'neutral']}, r.eventName)),
            h('td', {class: 'image', title: attrs(d.Keys)}, attrs(d.Keys)),
            h('td', {class: 'image', title: attrs(d.NewImage, d.Keys)}, attrs(d.NewImage, d.Keys)),
            h('td', {class: 'image', title: attrs(d.OldImage, d.Keys)}, attrs(d.OldImage, d.Keys)),
            // Sequence numbers are zero-padded to a fixed width; the
            // padding says nothing.
            h('td', {title: seq}, h('code', null, seq.replace(/^0+(?=\d)/, ''))));
        })))));
  }

  replace(body, card(null, null, h('div', {class: 'toolbar'}, streamSel, start, toggle), info, status.el), card('Records', null, list));
  draw();
  return stop;
}

// byStreamOrder orders records of one GetRecords round oldest first: by
// creation time, then by sequence number (decimal strings of growing
// length, as DynamoDB's are).
function byStreamOrder(a, b) {
  const ta = a.dynamodb?.ApproximateCreationDateTime || 0;
  const tb = b.dynamodb?.ApproximateCreationDateTime || 0;
  if (ta !== tb) return ta - tb;
  const sa = a.dynamodb?.SequenceNumber || '';
  const sb = b.dynamodb?.SequenceNumber || '';
  return sa.length - sb.length || (sa < sb ? -1 : sa > sb ? 1 : 0);
}
