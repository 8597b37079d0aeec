/**
 * The standard normal distribution: Φ and its inverse, accurate to ~1e-14 absolute (enough for
 * CI multipliers and power computations; no tables copied in).
 */
const INV_SQRT_2PI = 0.3989422804014327;

export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** Φ(x) = P(Z <= x). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < -5) return upperTail(-x);
  if (x > 5) return 1 - upperTail(x);
  // Marsaglia (2004): Φ(x) = 1/2 + φ(x)·(x + x³/3 + x⁵/(3·5) + ...), all terms of one sign.
  let term = x;
  let sum = x;
  const x2 = x * x;
  for (let i = 3; Math.abs(term) > 1e-17 * Math.abs(sum); i += 2) {
    term *= x2 / i;
    sum += term;
  }
  return 0.5 + normalPdf(x) * sum;
}

/** 1 - Φ(x) for x >= 5 by the continued fraction φ(x) / (x + 1/(x + 2/(x + 3/(x + ...)))). */
function upperTail(x: number): number {
  let f = x;
  for (let n = 80; n >= 1; n--) f = x + n / f;
  return normalPdf(x) / f;
}

/** Φ⁻¹(p) for p in (0, 1). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  // Abramowitz & Stegun 26.2.23 (error < 4.5e-4) as a start, then Newton on Φ.
  const q = Math.min(p, 1 - p);
  const t = Math.sqrt(-2 * Math.log(q));
  let x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
  if (p < 0.5) x = -x;
  for (let i = 0; i < 6; i++) {
    const step = (normalCdf(x) - p) / normalPdf(x);
    x -= step;
    if (Math.abs(step) < 1e-15 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}

/** The two-sided 95% normal quantile, 1.959964… */
export const Z95 = normalQuantile(0.975);
