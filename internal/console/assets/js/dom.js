// DOM building without markup strings. Every text goes through
// document.createTextNode or textContent, never innerHTML, so item content,
// table names and error messages cannot inject markup or script: the
// console is XSS-safe by construction rather than by escaping.

const SVG_NS = 'http://www.w3.org/2000/svg';

// Properties set as DOM properties rather than attributes, because the
// attribute only sets the initial state (value, checked) or is boolean.
const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'readOnly', 'multiple', 'indeterminate']);

function build(el, attrs, children) {
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'on') {
        for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      } else if (k === 'class') {
        el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
      } else if (k === 'dataset') {
        for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = dv;
      } else if (k === 'style') {
        throw new Error('dom: inline styles are not allowed by the console CSP; use a class');
      } else if (PROPS.has(k)) {
        el[k] = v;
      } else {
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, children);
  return el;
}

// append adds children to el: nodes as they are, strings and numbers as
// text, arrays flattened, null/undefined/false skipped.
export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
  return el;
}

// h creates an HTML element: h('button', {class: 'btn', on: {click}}, 'Save').
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

// s creates an SVG element.
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

// clear removes every child of el.
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// replace makes children el's only content.
export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

// fmtBytes formats a byte count as DynamoDB's console does (1,000-based).
export function fmtBytes(n) {
  if (n === undefined || n === null) return '–';
  let i = 0;
  let v = Number(n);
  while (v >= 1000 && i < BYTE_UNITS.length - 1) { v /= 1000; i++; }
  return (i === 0 ? String(v) : v.toFixed(v < 10 ? 2 : 1)) + ' ' + BYTE_UNITS[i];
}

const numberFormat = new Intl.NumberFormat('en-US');

// fmtInt formats an integer with thousands separators.
export function fmtInt(n) {
  if (n === undefined || n === null) return '–';
  return numberFormat.format(n);
}

// fmtDate formats a DynamoDB timestamp (seconds since the epoch, possibly
// fractional) in the browser's locale.
export function fmtDate(sec) {
  if (!sec) return '–';
  return new Date(sec * 1000).toLocaleString();
}

// fmtNumber formats a rate or a quantity with up to 3 significant decimals.
export function fmtNumber(v) {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return numberFormat.format(Math.round(v));
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

// fmtSeconds formats a duration given in seconds.
export function fmtSeconds(v) {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  if (v < 0.001) return (v * 1e6).toFixed(0) + ' µs';
  if (v < 1) return (v * 1000).toFixed(v < 0.01 ? 2 : 1) + ' ms';
  return v.toFixed(2) + ' s';
}

// statusBadge renders a table or index status.
export function statusBadge(status) {
  const kind = {ACTIVE: 'ok', ENABLED: 'ok', CREATING: 'warn', UPDATING: 'warn', ENABLING: 'warn',
    DISABLING: 'warn', DELETING: 'err', DISABLED: 'neutral', ARCHIVED: 'neutral'}[status] || 'neutral';
  return h('span', {class: ['badge', kind]}, status || 'UNKNOWN');
}

// field wraps a control with its label and an optional hint.
export function field(label, control, hint) {
  return h('label', {class: 'field'},
    h('span', {class: 'field-label'}, label),
    control,
    hint ? h('span', {class: 'field-hint'}, hint) : null);
}

// select builds a <select> from [value, label] pairs or plain values.
export function select(options, value, attrs = {}) {
  return h('select', attrs, options.map(o => {
    const [v, label] = Array.isArray(o) ? o : [o, o];
    return h('option', {value: v, selected: v === value}, label);
  }));
}

// debounce delays fn until ms have passed without another call.
export function debounce(fn, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}
