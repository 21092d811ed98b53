// A small SVG line chart for the metrics page: time on x, one line per
// series, nice round y ticks, a legend. Hand-written because the console
// loads nothing from elsewhere and needs only this.

import {s, h} from './dom.js';

const W = 640;         // viewBox width; the SVG scales to its container
const H = 220;         // viewBox height
const PAD = {l: 56, r: 12, t: 12, b: 26};
const MAX_SERIES = 8;  // colours in console.css (.series-0 … .series-7)

// niceStep returns a round step (1, 2 or 5 × 10^k) for about n ticks up to max.
function niceStep(max, n) {
  const raw = max / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

function clock(t) {
  const d = new Date(t);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map(x => String(x).padStart(2, '0')).join(':');
}

// lineChart renders series [{name, points: [[timeMs, value], ...]}].
// format formats a y value for the axis and the legend's latest values.
export function lineChart({series, format = String, empty = 'Waiting for data…'}) {
  const shown = series.filter(x => x.points.length > 0).slice(0, MAX_SERIES);
  const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img'});
  const wrap = h('div', {class: 'chart-wrap'}, svg);
  const all = shown.flatMap(x => x.points);
  if (all.length < 2) {
    svg.appendChild(s('text', {x: W / 2, y: H / 2, class: 'chart-empty', 'text-anchor': 'middle'}, empty));
    return wrap;
  }
  const t0 = Math.min(...all.map(p => p[0]));
  const t1 = Math.max(...all.map(p => p[0]));
  let ymax = Math.max(...all.map(p => p[1]).filter(Number.isFinite), 0);
  if (ymax === 0) ymax = 1;
  const step = niceStep(ymax, 4);
  ymax = Math.ceil(ymax / step) * step;
  const x = t => PAD.l + (t1 === t0 ? 0 : (t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const y = v => H - PAD.b - (v / ymax) * (H - PAD.t - PAD.b);

  const grid = s('g', {class: 'chart-grid'});
  for (let v = 0; v <= ymax + step / 2; v += step) {
    grid.appendChild(s('line', {x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v)}));
    grid.appendChild(s('text', {x: PAD.l - 6, y: y(v) + 4, 'text-anchor': 'end'}, format(v)));
  }
  const ticks = 4;
  let prevLabel = '';
  for (let i = 0; i <= ticks; i++) {
    const t = t0 + (t1 - t0) * i / ticks;
    // A short window repeats a second; label it once.
    if (clock(t) === prevLabel) continue;
    prevLabel = clock(t);
    grid.appendChild(s('text', {x: x(t), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === ticks ? 'end' : 'middle'}, clock(t)));
  }
  svg.appendChild(grid);

  shown.forEach((ser, i) => {
    const pts = ser.points.filter(p => Number.isFinite(p[1]));
    if (pts.length === 0) return;
    const d = pts.map((p, j) => (j === 0 ? 'M' : 'L') + x(p[0]).toFixed(1) + ' ' + y(p[1]).toFixed(1)).join(' ');
    svg.appendChild(s('path', {d, class: ['chart-line', 'series-' + i], 'vector-effect': 'non-scaling-stroke'},
      s('title', null, ser.name)));
  });

  wrap.appendChild(h('ul', {class: 'legend'}, shown.map((ser, i) => {
    const last = ser.points[ser.points.length - 1];
    return h('li', null, h('span', {class: ['swatch', 'series-' + i]}), ser.name,
      h('span', {class: 'legend-value'}, last ? format(last[1]) : '–'));
  })));
  return wrap;
}
