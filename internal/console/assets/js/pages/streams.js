// Stream viewer: the DynamoDB Streams API (ListStreams, DescribeStream,
// GetShardIterator, GetRecords) polled live. On a server that does not
// serve Streams, ListStreams fails with UnknownOperationException and the
// page says so.

import {h, replace, select, fmtDate} from '../dom.js';
import {summary} from '../ddbjson.js';
import {isUnavailable} from '../api.js';
import {button, pageHead, card, notice, errorBox, loading, Status} from '../ui.js';

export const name = 'streams';

const POLL_MS = 1000;     // between GetRecords rounds
const MAX_RECORDS = 500;  // kept on the page, newest first

export async function render(ctx) {
  ctx.setCrumbs([['Streams']]);
  const body = h('div', null, loading('Listing streams…'));
  ctx.view.append(pageHead('Streams', 'Follow the changes to a table’s items as its stream records them.'), body);

  let streams = [];
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
  const wanted = ctx.query.get('table');
  if (wanted) streams = streams.filter(s => s.TableName === wanted);
  if (streams.length === 0) {
    replace(body, card(null, null, h('div', {class: 'empty', id: 'streams-empty'}, h('p', {class: 'empty-title'}, 'No streams'),
      h('p', {class: 'muted'}, 'Turn on a stream in a table’s Capacity and settings tab.'))));
    return;
  }

  let timer = null;
  let running = false;
  const records = [];
  const status = new Status();
  const list = h('div', {id: 'stream-records'});
  const streamSel = select(streams.map(s => [s.StreamArn, `${s.TableName} – ${s.StreamLabel}`]), streams[0].StreamArn, {class: 'input', 'aria-label': 'Stream'});
  const start = select([['LATEST', 'New changes only'], ['TRIM_HORIZON', 'From the oldest record']], 'LATEST', {class: 'input', 'aria-label': 'Start at'});
  const toggle = button('Start', () => (running ? stop() : go()), {kind: 'primary', id: 'stream-toggle'});
  const info = h('div', {class: 'muted'});

  function stop() {
    running = false;
    clearTimeout(timer);
    replace(toggle, 'Start');
    toggle.classList.add('primary');
  }

  async function go() {
    status.clear();
    records.length = 0;
    draw();
    let iterators;
    try {
      const d = (await ctx.client.call('DescribeStream', {StreamArn: streamSel.value}, {api: 'streams'})).StreamDescription;
      replace(info, `${d.Shards.length} shards · view type ${d.StreamViewType} · status ${d.StreamStatus}`);
      iterators = await Promise.all(d.Shards.filter(s => !s.SequenceNumberRange?.EndingSequenceNumber).map(s =>
        ctx.client.call('GetShardIterator', {StreamArn: streamSel.value, ShardId: s.ShardId, ShardIteratorType: start.value}, {api: 'streams'})
          .then(o => o.ShardIterator)));
    } catch (e) {
      status.error(e);
      return;
    }
    running = true;
    replace(toggle, 'Stop');
    toggle.classList.remove('primary');
    const poll = async () => {
      if (!running || !ctx.alive()) return;
      try {
        const outs = await Promise.all(iterators.filter(Boolean).map(it => ctx.client.call('GetRecords', {ShardIterator: it}, {api: 'streams'})));
        iterators = outs.map(o => o.NextShardIterator);
        const fresh = outs.flatMap(o => o.Records || []);
        if (fresh.length) {
          records.unshift(...fresh.reverse());
          records.length = Math.min(records.length, MAX_RECORDS);
          draw();
        }
      } catch (e) {
        status.error(e);
        stop();
        return;
      }
      timer = setTimeout(poll, POLL_MS);
    };
    poll();
  }

  function draw() {
    replace(list, records.length === 0 ? h('p', {class: 'muted'}, running ? 'Waiting for changes…' : 'Press Start to follow the stream.') :
      h('table', {class: 'grid'},
        h('thead', null, h('tr', null, ['Time', 'Event', 'Keys', 'New image', 'Old image', 'Sequence number'].map(c => h('th', null, c)))),
        h('tbody', null, records.map(r => {
          const d = r.dynamodb || {};
          const img = m => m ? Object.entries(m).map(([k, v]) => `${k}: ${summary(v)}`).join(', ') : '–';
          return h('tr', null,
            h('td', null, fmtDate(d.ApproximateCreationDateTime)),
            h('td', null, h('span', {class: ['badge', {INSERT: 'ok', MODIFY: 'warn', REMOVE: 'err'}[r.eventName] || 'neutral']}, r.eventName)),
            h('td', null, img(d.Keys)), h('td', null, img(d.NewImage)), h('td', null, img(d.OldImage)),
            h('td', null, h('code', null, d.SequenceNumber || '')));
        }))));
  }

  replace(body, card(null, null, h('div', {class: 'toolbar'}, streamSel, start, toggle, info), status.el), card('Records', null, list));
  draw();
  return stop;
}
