// Items in their two textual forms: DynamoDB JSON ({"n": {"N": "1"}}), which
// the API speaks and which is lossless, and plain JSON ({"n": 1}), which
// people write. Numbers stay decimal strings throughout: DynamoDB numbers
// have 38 digits and JavaScript's have 15-17, so a plain number is never
// passed through a JavaScript Number.

export const TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'L', 'M'];

// typeOf returns an attribute value's type name (S, N, M, ...).
export function typeOf(av) {
  return av && typeof av === 'object' ? Object.keys(av)[0] : undefined;
}

// hasLossyTypes reports whether an item holds values plain JSON cannot
// express (sets and binary): edited as plain JSON they become lists and
// strings.
export function hasLossyTypes(item) {
  const walk = av => {
    const t = typeOf(av);
    if (t === 'B' || t === 'SS' || t === 'NS' || t === 'BS') return true;
    if (t === 'L') return av.L.some(walk);
    if (t === 'M') return Object.values(av.M).some(walk);
    return false;
  };
  return Object.values(item).some(walk);
}

// typedText formats an item as indented DynamoDB JSON.
export function typedText(item) {
  return JSON.stringify(item, null, 2);
}

// plainText formats an item as indented plain JSON, numbers written as
// their exact decimal strings.
export function plainText(item, indent = '') {
  return plainMap(item, indent);
}

function plainMap(m, indent) {
  const keys = Object.keys(m);
  if (keys.length === 0) return '{}';
  const inner = indent + '  ';
  return '{\n' + keys.map(k => inner + JSON.stringify(k) + ': ' + plainValue(m[k], inner)).join(',\n') + '\n' + indent + '}';
}

function plainList(values, indent) {
  if (values.length === 0) return '[]';
  const inner = indent + '  ';
  return '[\n' + values.map(v => inner + v).join(',\n') + '\n' + indent + ']';
}

function plainValue(av, indent) {
  const t = typeOf(av);
  const v = av[t];
  switch (t) {
    case 'S': case 'B': return JSON.stringify(v);
    case 'N': return v;
    case 'BOOL': return v ? 'true' : 'false';
    case 'NULL': return 'null';
    case 'SS': case 'BS': return plainList(v.map(x => JSON.stringify(x)), indent);
    case 'NS': return plainList(v.slice(), indent);
    case 'L': return plainList(v.map(x => plainValue(x, indent + '  ')), indent);
    case 'M': return plainMap(v, indent);
    default: throw new Error('unknown attribute value type ' + JSON.stringify(t));
  }
}

// parseTyped parses DynamoDB JSON text into an item, checking that it is
// an object of attribute values (the server checks the rest).
export function parseTyped(text) {
  const item = JSON.parse(text);
  if (!item || typeof item !== 'object' || Array.isArray(item)) throw new SyntaxError('An item must be a JSON object');
  for (const [k, av] of Object.entries(item)) checkTyped(av, k);
  return item;
}

function checkTyped(av, path) {
  const t = av && typeof av === 'object' && !Array.isArray(av) ? Object.keys(av) : [];
  if (t.length !== 1 || !TYPES.includes(t[0])) {
    throw new SyntaxError(`${path}: an attribute value is an object with one of the keys ${TYPES.join(', ')}`);
  }
  const v = av[t[0]];
  if (t[0] === 'L') {
    if (!Array.isArray(v)) throw new SyntaxError(`${path}: an L value is an array`);
    v.forEach((x, i) => checkTyped(x, `${path}[${i}]`));
  }
  if (t[0] === 'M') {
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new SyntaxError(`${path}: an M value is an object`);
    Object.entries(v).forEach(([k, x]) => checkTyped(x, `${path}.${k}`));
  }
}

// parsePlain parses plain JSON text into an item (DynamoDB JSON): strings
// become S, numbers N (their literal digits), booleans BOOL, null NULL,
// arrays L and objects M.
export function parsePlain(text) {
  const p = new PlainParser(text);
  p.ws();
  if (p.peek() !== '{') p.fail('An item must be a JSON object');
  const v = p.value();
  p.ws();
  if (p.i < text.length) p.fail('Unexpected text after the item');
  return v.M;
}

// PlainParser is a JSON parser that yields attribute values directly, so
// that number literals keep every digit.
class PlainParser {
  constructor(text) { this.t = text; this.i = 0; }

  fail(msg) {
    const before = this.t.slice(0, this.i);
    const line = before.split('\n').length;
    const col = this.i - before.lastIndexOf('\n');
    throw new SyntaxError(`${msg} at line ${line}, column ${col}`);
  }

  peek() { return this.t[this.i]; }

  ws() { while (/[ \t\n\r]/.test(this.t[this.i] || '')) this.i++; }

  expect(c) {
    this.ws();
    if (this.t[this.i] !== c) this.fail(`Expected '${c}'`);
    this.i++;
  }

  value() {
    this.ws();
    const c = this.peek();
    if (c === '{') return {M: this.object()};
    if (c === '[') return {L: this.array()};
    if (c === '"') return {S: this.string()};
    if (c === '-' || (c >= '0' && c <= '9')) return {N: this.number()};
    for (const [word, av] of [['true', {BOOL: true}], ['false', {BOOL: false}], ['null', {NULL: true}]]) {
      if (this.t.startsWith(word, this.i)) { this.i += word.length; return av; }
    }
    return this.fail(c === undefined ? 'Unexpected end of text' : `Unexpected character '${c}'`);
  }

  object() {
    const m = {};
    this.i++; // {
    this.ws();
    if (this.peek() === '}') { this.i++; return m; }
    for (;;) {
      this.ws();
      if (this.peek() !== '"') this.fail('Expected an attribute name in double quotes');
      const k = this.string();
      if (Object.hasOwn(m, k)) this.fail(`Duplicate attribute "${k}"`);
      this.expect(':');
      m[k] = this.value();
      this.ws();
      if (this.peek() === ',') { this.i++; continue; }
      if (this.peek() === '}') { this.i++; return m; }
      this.fail("Expected ',' or '}'");
    }
  }

  array() {
    const l = [];
    this.i++; // [
    this.ws();
    if (this.peek() === ']') { this.i++; return l; }
    for (;;) {
      l.push(this.value());
      this.ws();
      if (this.peek() === ',') { this.i++; continue; }
      if (this.peek() === ']') { this.i++; return l; }
      this.fail("Expected ',' or ']'");
    }
  }

  string() {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(this.t.slice(this.i));
    if (!m) this.fail('Malformed string');
    this.i += m[0].length;
    return JSON.parse(m[0]);
  }

  number() {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.t.slice(this.i));
    if (!m) this.fail('Malformed number');
    this.i += m[0].length;
    return m[0];
  }
}

const SUMMARY_LIMIT = 120; // characters shown in a table cell

// summary is an attribute value's one-line text for a results table.
export function summary(av) {
  if (av === undefined) return '';
  const t = typeOf(av);
  let s;
  switch (t) {
    case 'S': s = av.S; break;
    case 'N': s = av.N; break;
    case 'BOOL': s = String(av.BOOL); break;
    case 'NULL': s = 'null'; break;
    case 'B': s = `Binary (${base64Length(av.B)} bytes)`; break;
    case 'BS': s = `Binary set (${av.BS.length})`; break;
    default: s = compact(av);
  }
  return s.length > SUMMARY_LIMIT ? s.slice(0, SUMMARY_LIMIT - 1) + '…' : s;
}

// compact is a value's plain JSON on one line: ["a", "b"], {"k": 1}.
function compact(av) {
  const t = typeOf(av);
  const v = av[t];
  switch (t) {
    case 'S': case 'B': return JSON.stringify(v);
    case 'N': return v;
    case 'BOOL': return String(v);
    case 'NULL': return 'null';
    case 'SS': case 'BS': return '[' + v.map(x => JSON.stringify(x)).join(', ') + ']';
    case 'NS': return '[' + v.join(', ') + ']';
    case 'L': return '[' + v.map(compact).join(', ') + ']';
    case 'M': return '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ': ' + compact(x)).join(', ') + '}';
    default: return '?';
  }
}

function base64Length(b64) {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor(b64.length * 3 / 4) - pad;
}

// keyOf returns the key attributes of item for a key schema.
export function keyOf(item, keySchema) {
  const key = {};
  for (const k of keySchema) key[k.AttributeName] = item[k.AttributeName];
  return key;
}

// NUMBER_RE matches what DynamoDB accepts as a number's text.
export const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
