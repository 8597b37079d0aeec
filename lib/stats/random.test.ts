import { describe, expect, it } from 'vitest';
import { normalQuantile } from './normal';
import { logFactorial, Random } from './random';

/** Upper 0.1% point of χ² with df degrees of freedom (Wilson-Hilferty; close enough for a test bound). */
function chiSquareCritical(df: number): number {
  const z = normalQuantile(0.999);
  return df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
}

function binomialPmf(n: number, p: number, k: number): number {
  return Math.exp(logFactorial(n) - logFactorial(k) - logFactorial(n - k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** χ² of `draws` samples against the Binomial(n, p) pmf, bins with expectation < 5 pooled into the tails. */
function chiSquareBinomial(rng: Random, n: number, p: number, draws: number): { stat: number; df: number } {
  const seen = new Map<number, number>();
  let invalid = 0;
  for (let d = 0; d < draws; d++) {
    const x = rng.binomial(n, p);
    if (!(Number.isInteger(x) && x >= 0 && x <= n)) invalid++;
    seen.set(x, (seen.get(x) ?? 0) + 1);
  }
  expect(invalid).toBe(0);
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  const lo = Math.max(0, Math.floor(mean - 6 * sd - 2));
  const hi = Math.min(n, Math.ceil(mean + 6 * sd + 2));
  const bins: { expected: number; observed: number }[] = [];
  let pending = { expected: 0, observed: 0 };
  for (let k = lo; k <= hi; k++) {
    pending.expected += draws * binomialPmf(n, p, k);
    pending.observed += seen.get(k) ?? 0;
    if (pending.expected >= 5) {
      bins.push(pending);
      pending = { expected: 0, observed: 0 };
    }
  }
  if (bins.length) {
    bins[bins.length - 1].expected += pending.expected;
    bins[bins.length - 1].observed += pending.observed;
  }
  // mass outside [lo, hi] is negligible; anything observed there goes into the nearest bin
  let outside = 0;
  for (const [k, c] of seen) if (k < lo || k > hi) outside += c;
  expect(outside).toBe(0);
  return { stat: bins.reduce((s, b) => s + (b.observed - b.expected) ** 2 / b.expected, 0), df: bins.length - 1 };
}

describe('Random', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Random(7);
    const b = new Random(7);
    const c = new Random(8);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('gives uniform draws with the right mean and variance', () => {
    const rng = new Random(1);
    let s = 0;
    let s2 = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      s += u;
      s2 += u * u;
    }
    expect(s / n).toBeCloseTo(0.5, 2);
    expect(s2 / n - (s / n) ** 2).toBeCloseTo(1 / 12, 3);
  });

  it('has log-factorials that agree across the table and the Stirling series', () => {
    let exact = 0;
    for (let k = 2; k <= 3000; k++) exact += Math.log(k);
    expect(logFactorial(3000)).toBeCloseTo(exact, 8);
    expect(logFactorial(1023) + Math.log(1024)).toBeCloseTo(logFactorial(1024), 9);
    expect(logFactorial(0)).toBe(0);
    expect(logFactorial(5)).toBeCloseTo(Math.log(120), 12);
  });

  // Inversion (n·p < 10), BTRS (n·p >= 10), the p > 0.5 reflection, a huge n: each passes a χ² test.
  it.each([
    [20, 0.3],
    [1000, 0.004],
    [60, 0.5],
    [1000, 0.4],
    [200, 0.93],
    [1_000_000, 0.001],
    [1_000_000, 0.37],
  ])('draws Binomial(%d, %d) with the right distribution', (n, p) => {
    const { stat, df } = chiSquareBinomial(new Random(n + Math.round(p * 1000)), n, p, 60_000);
    expect(df).toBeGreaterThan(3);
    expect(stat).toBeLessThan(chiSquareCritical(df));
  });

  it('handles the edges of Binomial exactly', () => {
    const rng = new Random(3);
    expect(rng.binomial(0, 0.5)).toBe(0);
    expect(rng.binomial(10, 0)).toBe(0);
    expect(rng.binomial(10, 1)).toBe(10);
  });

  it('draws multinomials that sum to n with the right means and covariance', () => {
    const rng = new Random(11);
    const weights = [500, 0, 300, 200, 1];
    const n = 1001;
    const out = new Float64Array(weights.length);
    const rounds = 20_000;
    const sum = new Float64Array(weights.length);
    let cov02 = 0;
    let wrongSum = 0;
    let zeroWeightDrawn = 0;
    for (let r = 0; r < rounds; r++) {
      rng.multinomial(n, weights, out);
      if (out.reduce((s, v) => s + v, 0) !== n) wrongSum++;
      if (out[1] !== 0) zeroWeightDrawn++;
      for (let c = 0; c < weights.length; c++) sum[c] += out[c];
      cov02 += (out[0] - 500) * (out[2] - 300);
    }
    expect([wrongSum, zeroWeightDrawn]).toEqual([0, 0]);
    const total = weights.reduce((s, w) => s + w, 0);
    for (let c = 0; c < weights.length; c++) expect(sum[c] / rounds).toBeCloseTo((n * weights[c]) / total, 0);
    // Cov(X0, X2) = -n p0 p2 = -150 (sampling error of the estimate ~ 2.5)
    expect(cov02 / rounds).toBeGreaterThan(-160);
    expect(cov02 / rounds).toBeLessThan(-140);
  });
});
