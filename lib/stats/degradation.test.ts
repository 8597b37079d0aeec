import { describe, expect, it } from 'vitest';
import type { TOutcome, TVote } from './counts';
import { aggregateVotes } from './counts';
import { degradation, wilson } from './degradation';
import { eloUpdate, onlineElo } from './elo';
import { rankModels } from './rank-models';
import { predictedWinRates, winRateMatrix } from './win-rate';

function votes(rows: [string, string, TOutcome, number, string?, string?][]): TVote[] {
  return rows.flatMap(([a, b, winner, n, criterion, rater]) =>
    Array.from({ length: n }, () => ({ variantA: a, variantB: b, winner, ...(criterion ? { criterion } : {}), ...(rater ? { rater } : {}) })),
  );
}

describe('degradation', () => {
  // parent P against its compressed variant V, two criteria, sides mixed
  const data = votes([
    ['P', 'V', 'a', 30, 'quality'],
    ['V', 'P', 'b', 10, 'quality'],
    ['P', 'V', 'b', 40, 'quality'],
    ['V', 'P', 'tie', 20, 'quality'],
    ['P', 'V', 'a', 5, 'prompt'],
    ['V', 'P', 'a', 15, 'prompt'],
    ['P', 'X', 'a', 50, 'quality'],
  ]);

  it('gives the share of votes preferring the parent per criterion, with a Wilson CI', () => {
    const [prompt, quality] = degradation(data, { variant: 'V', parent: 'P' });
    expect(quality).toMatchObject({ criterion: 'quality', votes: 100, parentWins: 40, variantWins: 40, ties: 20, share: 0.5 });
    expect(prompt).toMatchObject({ criterion: 'prompt', votes: 20, parentWins: 5, variantWins: 15, share: 0.25 });
    // Wilson 95% for 5 of 20: 0.112 to 0.469 (e.g. Newcombe 1998's table method 3)
    expect(prompt.ciLow!).toBeCloseTo(0.1119, 3);
    expect(prompt.ciHigh!).toBeCloseTo(0.4687, 3);
  });

  it('handles ties as documented: half, excluded, or not a degradation', () => {
    const share = (ties: 'half' | 'exclude' | 'not-degraded') => degradation(data, { variant: 'V', parent: 'P', ties }).find((d) => d.criterion === 'quality')!.share;
    expect([share('half'), share('exclude'), share('not-degraded')]).toEqual([0.5, 0.5, 0.4]);
  });

  it('bootstraps the share, by votes or by raters', () => {
    const rated = votes([
      ['P', 'V', 'a', 40, undefined, 'r1'],
      ['P', 'V', 'b', 10, undefined, 'r1'],
      ['P', 'V', 'a', 10, undefined, 'r2'],
      ['P', 'V', 'b', 40, undefined, 'r2'],
    ]);
    const [plain] = degradation(rated, { variant: 'V', parent: 'P', method: 'bootstrap', seed: 1 });
    expect(plain.share).toBe(0.5);
    expect(plain.ciLow!).toBeGreaterThan(0.38);
    expect(plain.ciHigh!).toBeLessThan(0.62);
    // Two raters who disagree completely: resampling raters gives a far wider interval.
    const [clustered] = degradation(rated, { variant: 'V', parent: 'P', method: 'bootstrap', cluster: 'rater', seed: 1 });
    expect(clustered.ciHigh! - clustered.ciLow!).toBeGreaterThan(2 * (plain.ciHigh! - plain.ciLow!));
  });

  it('computes the Wilson interval by its formula', () => {
    const [lo, hi] = wilson(0, 10, 1.959963984540054);
    expect(lo).toBe(0);
    expect(hi).toBeCloseTo(0.2775, 4);
  });
});

describe('win rates and online Elo', () => {
  it('gives observed and predicted win rates', () => {
    const c = aggregateVotes(votes([['A', 'B', 'a', 6], ['B', 'A', 'a', 2], ['A', 'B', 'tie', 2], ['A', 'C', 'a', 1]]));
    const m = winRateMatrix(c);
    expect(m.models).toEqual(['A', 'B', 'C']);
    expect(m.winRate[0][1]).toBeCloseTo(0.7, 12);
    expect(m.winRate[1][0]).toBeCloseTo(0.3, 12);
    expect(m.winRate[1][2]).toBeNull();
    expect(m.votes[0][1]).toBe(10);
    expect(winRateMatrix(c, { ties: 'exclude' }).winRate[0][1]).toBeCloseTo(0.75, 12);
    const board = rankModels(aggregateVotes(votes([['A', 'B', 'a', 30], ['B', 'A', 'a', 10]])));
    const predicted = predictedWinRates(board);
    expect(predicted.winRate[0][1]).toBeCloseTo(0.75, 10);
    expect(predicted.winRate[0][0]).toBeNull();
  });

  it('updates Elo vote by vote with K = 4 by default', () => {
    expect(eloUpdate(1000, 1000, 'a')).toEqual([1002, 998]);
    expect(eloUpdate(1000, 1000, 'tie')).toEqual([1000, 1000]);
    const [a] = eloUpdate(1200, 1000, 'b', { k: 32 });
    expect(a).toBeCloseTo(1200 - 32 * (1 / (1 + 10 ** (-200 / 400))), 10);
    const live = onlineElo(votes([['A', 'B', 'a', 10], ['B', 'C', 'a', 10]]));
    expect(live.map((r) => r.model)).toEqual(['A', 'B', 'C']);
    expect(live[1].votes).toBe(20);
  });
});
