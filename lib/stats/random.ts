/**
 * A seeded generator for the statistics code (xoshiro128**, seeded through splitmix32) with the
 * exact discrete samplers a bootstrap needs: binomial and multinomial.
 *
 * Binomial draws use inversion when n·min(p, 1-p) < 10 and Hörmann's BTRS (transformed rejection
 * with squeeze, 1993) above that, so one draw costs O(1) whatever n is: a bootstrap round over a
 * million votes is a few hundred draws, not a million.
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      // splitmix32: spreads any seed (0 included) over the whole state
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    return ((this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6)) / 9007199254740992;
  }

  /** A whole number uniform in [0, n), n up to 2^32. */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller; the second value of each pair is dropped to keep no state). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** One draw from Binomial(n, p); n a whole number >= 0. */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    return n * p < 10 ? this.binomialInversion(n, p) : this.binomialBtrs(n, p);
  }

  /**
   * Multinomial(n, weights / sum(weights)) into `out`, by sequential conditional binomials:
   * x_c ~ Binomial(n - x_1 - ... - x_{c-1}, w_c / (w_c + ... + w_C)). The remaining mass is
   * summed from the weights themselves, so whole-number weights (vote counts) stay exact.
   */
  multinomial(n: number, weights: ArrayLike<number>, out: Float64Array | number[]): void {
    let rest = 0;
    for (let c = 0; c < weights.length; c++) rest += weights[c];
    let left = n;
    for (let c = 0; c < weights.length; c++) {
      const w = weights[c];
      if (left === 0 || w <= 0) {
        out[c] = 0;
      } else if (w >= rest) {
        out[c] = left;
        left = 0;
      } else {
        const x = this.binomial(left, w / rest);
        out[c] = x;
        left -= x;
      }
      rest -= w;
    }
  }

  private binomialInversion(n: number, p: number): number {
    const q = 1 - p;
    const ratio = p / q;
    const p0 = Math.exp(n * Math.log1p(-p));
    for (;;) {
      let u = this.uniform();
      let k = 0;
      let f = p0;
      while (u > f) {
        u -= f;
        if (k >= n) break;
        f *= (ratio * (n - k)) / (k + 1);
        k++;
      }
      // Rounding can leave u above the whole mass when it lands in the last ulp: draw again.
      if (u <= f) return k;
    }
  }

  /** BTRS for p <= 0.5 and n·p >= 10 (Hörmann, "The generation of binomial random variates", 1993). */
  private binomialBtrs(n: number, p: number): number {
    const q = 1 - p;
    const spq = Math.sqrt(n * p * q);
    const b = 1.15 + 2.53 * spq;
    const a = -0.0873 + 0.0248 * b + 0.01 * p;
    const c = n * p + 0.5;
    const vr = 0.92 - 4.2 / b;
    // Most draws end at the squeeze; what the exact test needs is computed on first use.
    let alpha = 0;
    let lpq = 0;
    let m = 0;
    let h = NaN;
    for (;;) {
      const u = this.nextUint32() / 4294967296 - 0.5;
      let v = this.nextUint32() / 4294967296;
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + c);
      if (k < 0 || k > n) continue;
      if (us >= 0.07 && v <= vr) return k;
      if (Number.isNaN(h)) {
        alpha = (2.83 + 5.1 / b) * spq;
        lpq = Math.log(p / q);
        m = Math.floor((n + 1) * p);
        h = logFactorial(m) + logFactorial(n - m);
      }
      if (v === 0) continue;
      v = Math.log((v * alpha) / (a / (us * us) + b));
      if (v <= h - logFactorial(k) - logFactorial(n - k) + (k - m) * lpq) return k;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const LOG_FACTORIAL_TABLE = (() => {
  const t = new Float64Array(1024);
  for (let k = 2; k < t.length; k++) t[k] = t[k - 1] + Math.log(k);
  return t;
})();

/** ln(k!) for a whole number k >= 0: a table below 1024, Stirling's series above (error < 1e-15). */
export function logFactorial(k: number): number {
  if (k < 1024) return LOG_FACTORIAL_TABLE[k];
  const x = k + 1;
  const x2 = x * x;
  return (x - 0.5) * Math.log(x) - x + 0.9189385332046728 + (1 / 12 - (1 / 360 - 1 / (1260 * x2)) / x2) / x;
}
