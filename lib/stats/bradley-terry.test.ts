import { describe, expect, it } from 'vitest';
import { fitBradleyTerry, WarmRefitter } from './bradley-terry';
import type { TPairCounts } from './counts';
import { Random } from './random';

const ELO = 400 / Math.LN10;

/** Counts for pairs given as [i, j, wins of i, wins of j, ties]. */
function pairs(k: number, rows: [number, number, number, number, number][]): TPairCounts {
  return {
    k,
    pairI: Int32Array.from(rows, (r) => r[0]),
    pairJ: Int32Array.from(rows, (r) => r[1]),
    winsI: Float64Array.from(rows, (r) => r[2]),
    winsJ: Float64Array.from(rows, (r) => r[3]),
    ties: Float64Array.from(rows, (r) => r[4]),
  };
}

/** Zermelo's MM iteration (Hunter 2004), an independent route to the same MLE: π_i ← W_i / Σ_j n_ij / (π_i + π_j). */
function zermelo(c: TPairCounts): number[] {
  let pi = new Array<number>(c.k).fill(1);
  for (let it = 0; it < 20_000; it++) {
    const wins = new Array<number>(c.k).fill(0);
    const denom = new Array<number>(c.k).fill(0);
    for (let p = 0; p < c.pairI.length; p++) {
      const [i, j] = [c.pairI[p], c.pairJ[p]];
      const n = c.winsI[p] + c.winsJ[p] + c.ties[p];
      wins[i] += c.winsI[p] + c.ties[p] / 2;
      wins[j] += c.winsJ[p] + c.ties[p] / 2;
      denom[i] += n / (pi[i] + pi[j]);
      denom[j] += n / (pi[i] + pi[j]);
    }
    pi = pi.map((_, m) => wins[m] / denom[m]);
  }
  const logs = pi.map(Math.log);
  const mean = logs.reduce((s, v) => s + v, 0) / logs.length;
  return logs.map((v) => v - mean);
}

/** Davidson's log-likelihood written out independently of the fitter. */
function davidsonLogLik(c: TPairCounts, theta: number[], logNu: number): number {
  let f = 0;
  for (let p = 0; p < c.pairI.length; p++) {
    const [ti, tj] = [theta[c.pairI[p]], theta[c.pairJ[p]]];
    const z = Math.exp(ti) + Math.exp(tj) + Math.exp(logNu + (ti + tj) / 2);
    f += c.winsI[p] * (ti - Math.log(z)) + c.winsJ[p] * (tj - Math.log(z)) + c.ties[p] * (logNu + (ti + tj) / 2 - Math.log(z));
  }
  return f;
}

describe('fitBradleyTerry', () => {
  it('gives two models a rating gap of 400/ln10 · ln(w/l), ties as half wins', () => {
    const fit = fitBradleyTerry(pairs(2, [[0, 1, 30, 10, 0]]));
    expect(ELO * (fit.theta[0] - fit.theta[1])).toBeCloseTo(ELO * Math.log(3), 9);
    expect(fit.theta[0] + fit.theta[1]).toBeCloseTo(0, 12);
    const withTies = fitBradleyTerry(pairs(2, [[0, 1, 30, 10, 10]]));
    expect(withTies.theta[0] - withTies.theta[1]).toBeCloseTo(Math.log(35 / 15), 9);
  });

  it('models ties explicitly with Davidson: the gap ignores ties and ν = t / √(w·l)', () => {
    const fit = fitBradleyTerry(pairs(2, [[0, 1, 30, 10, 10]]), { ties: 'davidson' });
    expect(fit.theta[0] - fit.theta[1]).toBeCloseTo(Math.log(3), 8);
    expect(Math.exp(fit.logNu!)).toBeCloseTo(10 / Math.sqrt(300), 8);
    // Counting ties as half wins pulls the two together; Davidson does not.
    expect(Math.log(35 / 15)).toBeLessThan(fit.theta[0] - fit.theta[1]);
  });

  it('matches Zermelo\'s MM iteration on three models', () => {
    const c = pairs(3, [
      [0, 1, 12, 8, 2],
      [0, 2, 15, 5, 0],
      [1, 2, 9, 6, 3],
    ]);
    const fit = fitBradleyTerry(c);
    const mm = zermelo(c);
    for (let m = 0; m < 3; m++) expect(fit.theta[m]).toBeCloseTo(mm[m], 8);
    expect(fit.iterations).toBeLessThanOrEqual(10);
  });

  it('finds the Davidson maximum on three models (gradient zero, every nudge lowers the likelihood)', () => {
    const c = pairs(3, [
      [0, 1, 12, 8, 4],
      [0, 2, 15, 5, 2],
      [1, 2, 9, 6, 5],
    ]);
    const fit = fitBradleyTerry(c, { ties: 'davidson' });
    const x = [...fit.theta, fit.logNu!];
    const f = (v: number[]) => davidsonLogLik(c, v.slice(0, 3), v[3]);
    const best = f(x);
    for (let d = 0; d < 4; d++) {
      for (const h of [1e-3, -1e-3]) {
        const y = [...x];
        y[d] += h;
        expect(f(y)).toBeLessThan(best);
      }
      const y1 = [...x];
      const y2 = [...x];
      y1[d] += 1e-6;
      y2[d] -= 1e-6;
      expect(Math.abs((f(y1) - f(y2)) / 2e-6)).toBeLessThan(1e-5);
    }
  });

  it('stays finite for an undefeated model only with a prior', () => {
    const c = pairs(3, [
      [0, 1, 10, 0, 0],
      [0, 2, 5, 0, 0],
      [1, 2, 6, 4, 0],
    ]);
    const fit = fitBradleyTerry(c, { prior: 1 });
    expect(fit.theta.every(Number.isFinite)).toBe(true);
    expect(fit.theta[0]).toBeGreaterThan(fit.theta[1]);
    // More wins push the undefeated model up: the prior bounds it, the data still speaks.
    const more = fitBradleyTerry(pairs(3, [[0, 1, 100, 0, 0], [0, 2, 50, 0, 0], [1, 2, 6, 4, 0]]), { prior: 1 });
    expect(more.theta[0] - more.theta[1]).toBeGreaterThan(fit.theta[0] - fit.theta[1]);
  });

  it('refits bootstrap replicates from the point estimate to the same answer as a fresh fit', () => {
    const rng = new Random(5);
    for (const ties of ['half', 'davidson'] as const) {
      const rows: [number, number, number, number, number][] = [];
      for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) rows.push([i, j, 20 + rng.int(30) + 5 * (j - i), 20 + rng.int(30), 5 + rng.int(10)]);
      const c = pairs(6, rows);
      const replicate = { ...c, winsI: Float64Array.from(c.winsI), winsJ: Float64Array.from(c.winsJ), ties: Float64Array.from(c.ties) };
      const refitter = new WarmRefitter(replicate, fitBradleyTerry(c, { ties }), { ties });
      for (let r = 0; r < 20; r++) {
        for (let p = 0; p < rows.length; p++) {
          replicate.winsI[p] = rng.binomial(2 * c.winsI[p], 0.5);
          replicate.winsJ[p] = rng.binomial(2 * c.winsJ[p], 0.5);
          replicate.ties[p] = rng.binomial(2 * c.ties[p], 0.5);
        }
        const warm = refitter.refit();
        const fresh = fitBradleyTerry(replicate, { ties });
        for (let m = 0; m < 6; m++) expect(warm.theta[m]).toBeCloseTo(fresh.theta[m], 7);
        if (ties === 'davidson') expect(warm.logNu!).toBeCloseTo(fresh.logNu!, 7);
      }
    }
  });
});
