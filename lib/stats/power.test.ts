import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from './normal';
import { binomialPower, trialsToDetect, votesToSeparate } from './power';

describe('normal distribution', () => {
  it('matches table values of Φ and its inverse', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 12);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 14);
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424308822899, 9);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 13);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 14);
    expect(normalCdf(-6) / 9.865876450376982e-10).toBeCloseTo(1, 10);
    expect(normalCdf(8)).toBe(1 - normalCdf(-8));
  });
});

describe('power', () => {
  it('needs the textbook number of votes to detect a preference at α = 0.05, power 0.8', () => {
    expect([0.55, 0.6, 0.65, 0.7].map((p) => trialsToDetect(p))).toEqual([783, 194, 85, 47]);
    expect(trialsToDetect(0.45)).toBe(783);
    expect(trialsToDetect(0.6, { power: 0.9 })).toBeGreaterThan(194);
    expect(() => trialsToDetect(0.5)).toThrow(/not 0.5/);
  });

  it('gives the exact binomial power near the target at those sizes', () => {
    for (const [p, n] of [[0.55, 783], [0.6, 194], [0.7, 47]]) {
      const power = binomialPower(n, p);
      expect(power).toBeGreaterThan(0.76);
      expect(power).toBeLessThan(0.84);
    }
    // Under the null, the exact test rejects at most α of the time.
    expect(binomialPower(200, 0.5)).toBeLessThanOrEqual(0.05);
    expect(binomialPower(5, 0.9)).toBe(0); // 5 votes can never reach p < 0.05 two-sided
  });

  it('estimates the votes that would separate two overlapping CIs', () => {
    // gap 20, half-widths 15 + 15: CIs shrink as 1/√n, so (30/20)² = 2.25 times the votes
    const r = votesToSeparate({ rating: 1010, ciLow: 995, ciHigh: 1025 }, { rating: 990, ciLow: 975, ciHigh: 1005 }, 4000);
    expect(r.separated).toBe(false);
    expect(r.factor).toBeCloseTo(2.25, 12);
    expect(r.additionalVotes).toBe(5000);
    expect(votesToSeparate({ rating: 1050, ciLow: 1030, ciHigh: 1070 }, { rating: 990, ciLow: 975, ciHigh: 1005 }, 4000)).toEqual({ separated: true, factor: 1, additionalVotes: 0 });
    expect(votesToSeparate({ rating: 1000, ciLow: 990, ciHigh: 1010 }, { rating: 1000, ciLow: 990, ciHigh: 1010 }, 100).additionalVotes).toBeNull();
  });
});
