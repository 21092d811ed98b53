// Metrics: the server's own Prometheus metrics (GET /metrics), scraped
// every few seconds while the page is open and charted: request rate by
// operation, latency quantiles from the request-duration histogram,
// throttling, errors and consumed capacity.

import {h, replace, select, fmtNumber, fmtSeconds, fmtInt} from '../dom.js';
import {Snapshot, delta, bucketDelta, quantile} from '../prom.js';
import {lineChart} from '../chart.js';
import {pageHead, card, errorBox, thead} from '../ui.js';

export const name = 'metrics';

const WINDOW_MS = 10 * 60 * 1000; // history kept on the page
const INTERVALS = [['2', 'Every 2 s'], ['5', 'Every 5 s'], ['10', 'Every 10 s'], ['30', 'Every 30 s']];
const M = {
  requests: 'dynago_requests_total',
  latency: 'dynago_request_duration_seconds',
  throttled: 'dynago_throttled_requests_total',
  readThrottles: 'dynago_read_throttle_events_total',
  writeThrottles: 'dynago_write_throttle_events_total',
  userErrors: 'dynago_user_errors_total',
  systemErrors: 'dynago_system_errors_total',
  conditional: 'dynago_conditional_check_failed_requests_total',
  rcu: 'dynago_consumed_read_capacity_units_total',
  wcu: 'dynago_consumed_write_capacity_units_total',
  provRead: 'dynago_provisioned_read_capacity_units',
  provWrite: 'dynago_provisioned_write_capacity_units',
};

const perSecond = v => fmtNumber(v) + '/s';

export async function render(ctx) {
  ctx.setCrumbs([['Metrics']]);
  const wanted = String(Math.max(1, Number(ctx.query.get('interval')) || 5));
  const options = INTERVALS.some(o => o[0] === wanted) ? INTERVALS : [[wanted, `Every ${wanted} s`], ...INTERVALS];
  const interval = select(options, wanted, {class: 'input', 'aria-label': 'Refresh interval', name: 'interval'});
  const status = h('div');
  const tiles = h('div', {class: 'stats', id: 'metric-tiles'});
  const charts = {
    throughput: h('div', {id: 'chart-throughput'}),
    latency: h('div', {id: 'chart-latency'}),
    throttling: h('div', {id: 'chart-throttling'}),
    errors: h('div', {id: 'chart-errors'}),
    read: h('div', {id: 'chart-read'}),
    write: h('div', {id: 'chart-write'}),
  };
  const opTable = h('div', {id: 'metric-operations'});
  const tableTable = h('div', {id: 'metric-tables'});
  ctx.view.append(
    pageHead('Metrics', h('span', null, 'Scraped from this server’s ', h('a', {href: '/metrics', target: '_blank', rel: 'noopener'}, 'GET /metrics'), ' while the page is open.'),
      [h('label', {class: 'inline-label'}, 'Refresh', interval)]),
    status, tiles,
    h('div', {class: 'chart-grid'},
      card('Requests by operation', null, charts.throughput),
      card('Latency, all operations', null, charts.latency),
      card('Throttling', null, charts.throttling),
      card('Errors', null, charts.errors),
      card('Consumed read capacity units by table', null, charts.read),
      card('Consumed write capacity units by table', null, charts.write)),
    card('Operations', null, opTable),
    card('Tables', null, tableTable));

  const snaps = [];
  let timer = null;
  let stopped = false;

  async function scrape() {
    if (stopped || !ctx.alive()) return;
    try {
      const text = await ctx.client.metrics();
      snaps.push(new Snapshot(text));
      while (snaps.length > 2 && snaps[snaps.length - 1].time - snaps[0].time > WINDOW_MS) snaps.shift();
      replace(status);
      draw();
    } catch (e) {
      replace(status, errorBox(e));
    }
    if (!stopped && ctx.alive()) timer = setTimeout(scrape, Number(interval.value) * 1000);
  }
  interval.addEventListener('change', () => { clearTimeout(timer); scrape(); });

  // rates returns, per consecutive pair of scrapes, the per-second growth
  // of a counter grouped by label: [{time, values: Map}].
  function rates(metric, label) {
    const out = [];
    for (let i = 1; i < snaps.length; i++) {
      const dt = (snaps[i].time - snaps[i - 1].time) / 1000;
      const d = delta(snaps[i - 1].sumBy(metric, label), snaps[i].sumBy(metric, label));
      for (const [k, v] of d) d.set(k, v / dt);
      out.push({time: snaps[i].time, values: d});
    }
    return out;
  }

  // seriesOf turns rates into chart series, one per key, busiest first.
  function seriesOf(rs, rename = k => k) {
    const keys = new Map();
    for (const r of rs) for (const [k, v] of r.values) keys.set(k, (keys.get(k) || 0) + v);
    return [...keys.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => ({
      name: rename(k), points: rs.map(r => [r.time, r.values.get(k) || 0]),
    }));
  }

  // busy drops the series that stayed at zero over the whole window.
  function busy(series) {
    return series.filter(x => x.points.some(p => p[1] > 0));
  }

  function latencyPoints(q, filter) {
    const pts = [];
    for (let i = 1; i < snaps.length; i++) {
      const b = bucketDelta(snaps[i - 1].buckets(M.latency, filter), snaps[i].buckets(M.latency, filter));
      const v = quantile(q, b);
      if (Number.isFinite(v)) pts.push([snaps[i].time, v]);
    }
    return pts;
  }

  function draw() {
    const last = snaps[snaps.length - 1];
    const first = snaps[0];
    const reqRates = rates(M.requests, 'operation');
    const total = reqRates.length ? [...reqRates[reqRates.length - 1].values.values()].reduce((a, b) => a + b, 0) : NaN;
    const lastBuckets = snaps.length > 1 ? bucketDelta(snaps[snaps.length - 2].buckets(M.latency), last.buckets(M.latency)) : [];
    const thr = rates(M.throttled, '');
    const errs = [rates(M.userErrors, ''), rates(M.systemErrors, '')];
    const lastOf = rs => (rs.length ? rs[rs.length - 1].values.get('') || 0 : NaN);

    replace(tiles,
      tile('Requests', perSecond(total)),
      tile('Latency p50', fmtSeconds(quantile(0.5, lastBuckets))),
      tile('Latency p99', fmtSeconds(quantile(0.99, lastBuckets))),
      tile('Throttled', perSecond(lastOf(thr))),
      tile('Errors', perSecond(lastOf(errs[0]) + lastOf(errs[1]))));

    const idle = snaps.length < 2 ? 'Waiting for data…' : 'No requests in this window';
    replace(charts.throughput, lineChart({series: busy(seriesOf(reqRates)), format: fmtNumber, empty: idle}));
    replace(charts.latency, lineChart({series: [
      {name: 'p50', points: latencyPoints(0.5)},
      {name: 'p90', points: latencyPoints(0.9)},
      {name: 'p99', points: latencyPoints(0.99)},
    ], format: fmtSeconds, empty: idle}));
    replace(charts.throttling, lineChart({series: [
      {name: 'Throttled requests', points: thr.map(r => [r.time, r.values.get('') || 0])},
      {name: 'Read throttle events', points: rates(M.readThrottles, '').map(r => [r.time, r.values.get('') || 0])},
      {name: 'Write throttle events', points: rates(M.writeThrottles, '').map(r => [r.time, r.values.get('') || 0])},
    ], format: fmtNumber}));
    replace(charts.errors, lineChart({series: [
      {name: 'User errors', points: errs[0].map(r => [r.time, r.values.get('') || 0])},
      {name: 'System errors', points: errs[1].map(r => [r.time, r.values.get('') || 0])},
      {name: 'Conditional check failures', points: rates(M.conditional, '').map(r => [r.time, r.values.get('') || 0])},
    ], format: fmtNumber}));
    replace(charts.read, lineChart({series: busy(seriesOf(rates(M.rcu, 'table'), tableText)), format: fmtNumber, empty: idle}));
    replace(charts.write, lineChart({series: busy(seriesOf(rates(M.wcu, 'table'), tableText)), format: fmtNumber, empty: idle}));

    // The operations table covers the whole window on the page.
    const minutes = Math.max(1, Math.round((last.time - first.time) / 60000));
    const windowText = snaps.length > 1 ? `over the last ${minutes === 1 ? 'minute' : minutes + ' minutes'}` : 'since the server started';
    const base = snaps.length > 1 ? first : null;
    const ops = [...last.sumBy(M.requests, 'operation').keys()].sort();
    const countOf = (snap, metric, op) => (snap ? snap.sumBy(metric, 'operation').get(op) || 0 : 0);
    replace(opTable, ops.length === 0 ? h('p', {class: 'muted'}, 'No requests yet.') : h('table', {class: 'grid', id: 'operations-grid'},
      thead(['Operation', 'Requests (total)', 'Requests ' + windowText, 'p50', 'p99', 'Throttled', 'Errors'], ['Requests (total)', 'Requests ' + windowText, 'p50', 'p99', 'Throttled', 'Errors']),
      h('tbody', null, ops.map(op => {
        const filter = l => l.operation === op;
        const b = base ? bucketDelta(base.buckets(M.latency, filter), last.buckets(M.latency, filter)) : last.buckets(M.latency, filter);
        const inWindow = countOf(last, M.requests, op) - countOf(base, M.requests, op);
        const errors = countOf(last, M.userErrors, op) + countOf(last, M.systemErrors, op);
        return h('tr', {dataset: {operation: op}},
          h('td', {class: 'strong'}, op),
          h('td', {class: 'num'}, fmtInt(countOf(last, M.requests, op))),
          h('td', {class: 'num'}, fmtInt(inWindow)),
          h('td', {class: 'num'}, fmtSeconds(quantile(0.5, b))),
          h('td', {class: 'num'}, fmtSeconds(quantile(0.99, b))),
          h('td', {class: 'num'}, fmtInt(countOf(last, M.throttled, op))),
          h('td', {class: 'num'}, fmtInt(errors)));
      }))));

    const provR = new Map(last.samples(M.provRead).filter(s => s.labels.index === '').map(s => [s.labels.table, s]));
    const provW = new Map(last.samples(M.provWrite).filter(s => s.labels.index === '').map(s => [s.labels.table, s]));
    const rcu = last.sumBy(M.rcu, 'table');
    const wcu = last.sumBy(M.wcu, 'table');
    const tables = [...new Set([...provR.keys(), ...rcu.keys(), ...wcu.keys()])].filter(Boolean).sort();
    replace(tableTable, tables.length === 0 ? h('p', {class: 'muted'}, 'No tables.') : h('table', {class: 'grid', id: 'tables-metrics-grid'},
      thead(['Table', 'Billing', 'Provisioned read', 'Provisioned write', 'Consumed read (total)', 'Consumed write (total)'], ['Provisioned read', 'Provisioned write', 'Consumed read (total)', 'Consumed write (total)']),
      h('tbody', null, tables.map(t => {
        const od = provR.get(t)?.labels.billing_mode === 'PAY_PER_REQUEST';
        return h('tr', {dataset: {table: t}}, h('td', {class: 'strong'}, tableCell(t)), h('td', null, od ? 'On-demand' : 'Provisioned'),
          h('td', {class: 'num'}, od ? '–' : fmtNumber(provR.get(t)?.value ?? NaN)),
          h('td', {class: 'num'}, od ? '–' : fmtNumber(provW.get(t)?.value ?? NaN)),
          h('td', {class: 'num'}, fmtNumber(rcu.get(t) || 0)),
          h('td', {class: 'num'}, fmtNumber(wcu.get(t) || 0)));
      }))));
  }

  scrape();
  return () => { stopped = true; clearTimeout(timer); };
}

// On a server with --auth each account and region has its own tables,
// and /metrics labels them with their ARNs: namespacedTable splits one
// into name, region and account (null for a plain name).
function namespacedTable(label) {
  const m = /^arn:aws:dynamodb:([^:]*):([^:]*):table\/(.+)$/.exec(label);
  return m ? {region: m[1], account: m[2], name: m[3]} : null;
}

// tableText names a table label in a chart's legend.
function tableText(label) {
  const t = namespacedTable(label);
  return t ? `${t.name} (${t.region}, ${t.account})` : label;
}

// tableCell shows a table label in the tables grid: the name, and a
// namespaced table's region and account beside it.
function tableCell(label) {
  const t = namespacedTable(label);
  if (!t) return label;
  return h('span', {title: label}, t.name, ' ', h('span', {class: 'muted ns'}, `${t.region} · ${t.account}`));
}

function tile(label, value) {
  return h('div', {class: 'stat'}, h('div', {class: 'stat-label'}, label), h('div', {class: 'stat-value'}, value));
}
