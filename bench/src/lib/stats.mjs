// Small statistics and formatting helpers shared by every section.

/** Sorted copy of `values`. */
const sorted = (values) => [...values].sort((a, b) => a - b);

/** The q-quantile (0 ≤ q ≤ 1) of `values`, by linear interpolation. */
export function quantile(values, q) {
  const s = sorted(values);
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Median, min and max of a list of samples. */
export function summarize(values) {
  const s = sorted(values);
  return { median: quantile(s, 0.5), min: s[0], max: s[s.length - 1], n: s.length };
}

/** A number with about three significant digits and thin separators for thousands. */
export function num(value, digits = 3) {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Number.isInteger(value)) return String(value);
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return value.toFixed(Math.min(decimals, 4));
}

/** "median (min–max)" of samples, or just the value when there is one sample or no spread. */
export function spread(values, unit = '') {
  const { median, min, max, n } = summarize(values);
  const u = unit ? ` ${unit}` : '';
  if (n === 1 || min === max) return `${num(median)}${u}`;
  return `${num(median)}${u} (${num(min)}–${num(max)})`;
}

/** "×2.5": how many times `a` is `b`. */
export function ratio(a, b) {
  if (!(b > 0) || !Number.isFinite(a)) return 'n/a';
  return `×${num(a / b)}`;
}

/** Runs `fn` (synchronous, one operation) `iterations` times per sample and returns ns/op per sample. */
export function timeSync(fn, { iterations, samples, warmup = iterations }) {
  for (let i = 0; i < warmup; i++) fn(i);
  const out = [];
  for (let s = 0; s < samples; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(i);
    out.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  return out;
}

/**
 * Like {@link timeSync} for an async operation, awaited one after the other; `setup(n)` runs untimed before each
 * sample. Each iteration is timed on its own and a sample reports the median iteration, in ns: on a shared machine
 * a few iterations stall for milliseconds while the process is descheduled, and a mean would mostly measure that.
 */
export async function timeAsync(fn, { iterations, samples, warmup = iterations, setup }) {
  if (setup) await setup(warmup);
  for (let i = 0; i < warmup; i++) await fn(i);
  const out = [];
  const each = new Array(iterations);
  for (let s = 0; s < samples; s++) {
    if (setup) await setup(iterations);
    for (let i = 0; i < iterations; i++) {
      const t0 = process.hrtime.bigint();
      await fn(i);
      each[i] = Number(process.hrtime.bigint() - t0);
    }
    out.push(quantile(each, 0.5));
  }
  return out;
}

/** Full garbage collection (node --expose-gc), a few times so weak/finalized objects go too. */
export async function settleHeap() {
  if (typeof globalThis.gc !== 'function') throw new Error('Run node with --expose-gc (pnpm bench does).');
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}
