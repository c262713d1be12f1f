/**
 * Paired measurements: the two sides alternate (a b, b a, a b, ...) so drift in the machine's load
 * hits both alike; each pair gives a ratio, and the row reports the median ratio with its spread.
 */
const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Runs `pairs` rounds after `warmup` unrecorded ones; each round runs every side once, the order
 * rotating from round to round. Sides return `{ metric: number }`. Returns, for each side other than
 * the first, what `paired` returns against the first.
 */
async function rounds({ pairs, warmup = 1, sides }) {
  const names = Object.keys(sides);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = -warmup; i < pairs; i++) {
    const k = ((i % names.length) + names.length) % names.length;
    const order = [...names.slice(k), ...names.slice(0, k)];
    const got = {};
    for (const side of order) got[side] = await sides[side](i);
    if (i >= 0) for (const n of names) samples[n].push(got[n]);
  }
  const [first, ...rest] = names;
  return Object.fromEntries(rest.map((n) => [n, summarize({ a: samples[first], b: samples[n] })]));
}

/** Two sides, a and b, alternated (a b, b a, ...); per metric the medians and the pair ratios a/b. */
async function paired({ pairs, warmup = 1, a, b }) {
  return (await rounds({ pairs, warmup, sides: { a, b } })).b;
}

function summarize(samples) {
  const metrics = Object.keys(samples.a[0] ?? {}).filter((k) => typeof samples.a[0][k] === "number");
  const out = { runs: samples.a.length, metrics: {} };
  for (const k of metrics) {
    const ratios = samples.a.map((x, i) => x[k] / samples.b[i][k]);
    out.metrics[k] = {
      a: median(samples.a.map((x) => x[k])),
      b: median(samples.b.map((x) => x[k])),
      ratio: median(ratios),
      min: Math.min(...ratios),
      max: Math.max(...ratios),
      samplesA: samples.a.map((x) => x[k]),
      samplesB: samples.b.map((x) => x[k]),
    };
  }
  return out;
}

/** Unpaired repeated measurement of one side (absolute targets): median, min, max. */
async function repeated(runs, fn) {
  const xs = [];
  for (let i = 0; i < runs; i++) xs.push(await fn(i));
  const metrics = {};
  for (const k of Object.keys(xs[0] ?? {}).filter((k) => typeof xs[0][k] === "number")) {
    const v = xs.map((x) => x[k]);
    metrics[k] = { value: median(v), min: Math.min(...v), max: Math.max(...v), samples: v };
  }
  return { runs: xs.length, metrics };
}

module.exports = { median, paired, rounds, repeated, summarize };
