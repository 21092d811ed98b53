// Reading the Prometheus text format that GET /metrics serves, and the
// arithmetic the metrics page needs: rates between two scrapes and
// quantiles of a histogram's bucket increments (as PromQL's
// histogram_quantile computes them).

// parse returns the samples of a Prometheus text exposition:
// [{name, labels: {k: v}, value}]. Comments (# HELP, # TYPE) are skipped.
export function parse(text) {
  const out = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line[0] === '#') continue;
    const sample = parseLine(line);
    if (sample) out.push(sample);
  }
  return out;
}

function parseLine(line) {
  let i = 0;
  while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i])) i++;
  const name = line.slice(0, i);
  if (!name) return null;
  const labels = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') { i++; break; }
      const eq = line.indexOf('=', i);
      if (eq < 0 || line[eq + 1] !== '"') return null;
      const key = line.slice(i, eq).trim();
      let j = eq + 2;
      let v = '';
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\') {
          j++;
          v += line[j] === 'n' ? '\n' : line[j];
        } else {
          v += line[j];
        }
        j++;
      }
      if (j >= line.length) return null;
      labels[key] = v;
      i = j + 1;
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  return {name, labels, value: parseValue(rest[0])};
}

function parseValue(s) {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s); // NaN for "NaN"
}

// Snapshot is one scrape, indexed for the page's lookups.
export class Snapshot {
  constructor(text, time = Date.now()) {
    this.time = time;
    this.byName = new Map();
    for (const s of parse(text)) {
      if (!this.byName.has(s.name)) this.byName.set(s.name, []);
      this.byName.get(s.name).push(s);
    }
  }

  samples(name) { return this.byName.get(name) || []; }

  // sumBy adds up a metric's samples grouped by one label ('' for all).
  sumBy(name, label) {
    const m = new Map();
    for (const s of this.samples(name)) {
      const k = label ? s.labels[label] ?? '' : '';
      m.set(k, (m.get(k) || 0) + s.value);
    }
    return m;
  }

  // buckets returns a histogram's cumulative bucket counts summed over the
  // series that match filter, as [{le, count}] sorted by le.
  buckets(name, filter = () => true) {
    const m = new Map();
    for (const s of this.samples(name + '_bucket')) {
      if (!filter(s.labels)) continue;
      const le = parseValue(s.labels.le);
      m.set(le, (m.get(le) || 0) + s.value);
    }
    return [...m.entries()].map(([le, count]) => ({le, count})).sort((a, b) => a.le - b.le);
  }
}

// delta returns, per key, how much a grouped counter grew from a to b.
// A counter that went down (the server restarted) counts from zero.
export function delta(a, b) {
  const out = new Map();
  for (const [k, v] of b) {
    const before = a.get(k) || 0;
    out.set(k, v >= before ? v - before : v);
  }
  return out;
}

// bucketDelta returns the growth of cumulative buckets from a to b.
export function bucketDelta(a, b) {
  const before = new Map(a.map(x => [x.le, x.count]));
  return b.map(x => {
    const c = x.count - (before.get(x.le) || 0);
    return {le: x.le, count: c >= 0 ? c : x.count};
  });
}

// quantile estimates the q-quantile (0..1) of observations counted in
// cumulative buckets, interpolating linearly inside the bucket it falls
// in, as Prometheus' histogram_quantile does. It returns NaN for no
// observations; a quantile in the +Inf bucket is the highest finite bound.
export function quantile(q, buckets) {
  if (buckets.length === 0) return NaN;
  const total = buckets[buckets.length - 1].count;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      if (b.count === prevCount) return b.le;
      return prevLe + (b.le - prevLe) * (rank - prevCount) / (b.count - prevCount);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}
