import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { aggregateVotes, type TOutcome, type TVote } from './counts';
import { Random } from './random';
import { ELO_PER_LOGIT, rankModels } from './rank-models';

function votes(rows: [string, string, TOutcome, number][]): TVote[] {
  return rows.flatMap(([a, b, winner, n]) => Array.from({ length: n }, () => ({ variantA: a, variantB: b, winner })));
}

/** Votes from known strengths (logits): every pair `perPair` times, sides at random, ties with probability tieRate. */
function simulate(truth: number[], perPair: number, rng: Random, opts: { tieRate?: number; raters?: number; raterSpread?: number } = {}): TVote[] {
  const raters = opts.raters ?? 0;
  // Heterogeneous raters: each one's own taste added to the true strengths, for all of their votes.
  const taste = Array.from({ length: raters }, () => truth.map(() => (opts.raterSpread ?? 0) * rng.normal()));
  const out: TVote[] = [];
  for (let i = 0; i < truth.length; i++) {
    for (let j = i + 1; j < truth.length; j++) {
      for (let v = 0; v < perPair; v++) {
        const r = raters ? rng.int(raters) : -1;
        const d = truth[i] - truth[j] + (r >= 0 ? taste[r][i] - taste[r][j] : 0);
        const winner: TOutcome = rng.uniform() < (opts.tieRate ?? 0) ? 'tie' : rng.uniform() < 1 / (1 + Math.exp(-d)) ? 'a' : 'b';
        const flip = rng.uniform() < 0.5;
        const vote: TVote = flip ? { variantA: `m${j}`, variantB: `m${i}`, winner: winner === 'a' ? 'b' : winner === 'b' ? 'a' : winner } : { variantA: `m${i}`, variantB: `m${j}`, winner };
        if (r >= 0) vote.rater = `r${r}`;
        out.push(vote);
      }
    }
  }
  return out;
}

const centered = (truth: number[]) => {
  const mean = truth.reduce((s, v) => s + v, 0) / truth.length;
  return truth.map((t) => 1000 + ELO_PER_LOGIT * (t - mean));
};

describe('aggregateVotes', () => {
  it('counts a vote the same whichever side each model was shown on, per criterion, with row counts', () => {
    const c = aggregateVotes([
      { variantA: 'B', variantB: 'A', winner: 'b', criterion: 'quality' },
      { variantA: 'A', variantB: 'B', winner: 'a', criterion: 'quality', count: 2 },
      { variantA: 'A', variantB: 'B', winner: 'bothbad', criterion: 'quality' },
      { variantA: 'A', variantB: 'B', winner: 'b', criterion: 'prompt' },
    ], { criterion: 'quality' });
    expect(c.models).toEqual(['A', 'B']);
    expect([c.winsI[0], c.winsJ[0], c.ties[0], c.bothBad[0], c.total]).toEqual([3, 0, 1, 1, 4]);
  });

  it("keeps each rater's votes in the cells of their pair and side, for the clustered bootstrap", () => {
    const c = aggregateVotes([
      { variantA: 'B', variantB: 'A', winner: 'a', rater: 'u1' },
      { variantA: 'A', variantB: 'B', winner: 'a', rater: 'u1' },
      { variantA: 'C', variantB: 'A', winner: 'tie', rater: 'u2' },
      { variantA: 'A', variantB: 'B', winner: 'b', rater: 'u2', count: 3 },
    ]);
    const { ids, start, cell, count } = c.raters!;
    const cells = ids.map((id, r) => [id, Object.fromEntries(Array.from({ length: start[r + 1] - start[r] }, (_, x) => [cell[start[r] + x], count[start[r] + x]]))]);
    // pair 0 = A-B (cells 0 A wins, 1 B wins, 2 tie), pair 1 = A-C (cells 3, 4, 5)
    expect(cells).toEqual([['u1', { 0: 1, 1: 1 }], ['u2', { 5: 1, 1: 3 }]]);
    expect(aggregateVotes([{ variantA: 'A', variantB: 'B', winner: 'a', rater: 'u1' }, { variantA: 'A', variantB: 'B', winner: 'a' }]).raters).toBeNull();
  });

  it('refuses a vote of a model against itself', () => {
    expect(() => aggregateVotes([{ variantA: 'A', variantB: 'A', winner: 'a' }])).toThrow(/compares "A" with itself/);
  });
});

describe('rankModels', () => {
  it('puts two models 400/ln10 · ln(w/l) apart around a mean of 1000, or pins an anchor', () => {
    const c = aggregateVotes(votes([['A', 'B', 'a', 30], ['B', 'A', 'a', 10]]));
    const board = rankModels(c);
    const [a, b] = board.models;
    expect(a.model).toBe('A');
    expect(a.rating! - b.rating!).toBeCloseTo(ELO_PER_LOGIT * Math.log(3), 8);
    expect((a.rating! + b.rating!) / 2).toBeCloseTo(1000, 8);
    expect([a.wins, a.losses, a.votes, a.rank, b.rank]).toEqual([30, 10, 40, 1, 2]);
    const anchored = rankModels(c, { anchor: { model: 'B', rating: 1200 }, bootstrap: 200 });
    const pinned = anchored.models.find((m) => m.model === 'B')!;
    expect([pinned.rating, pinned.ciLow, pinned.ciHigh]).toEqual([1200, 1200, 1200]);
    expect(anchored.models[0].rating).toBeCloseTo(1200 + ELO_PER_LOGIT * Math.log(3), 8);
  });

  it('counts ties as half wins by default and models them with Davidson on request', () => {
    const c = aggregateVotes(votes([['A', 'B', 'a', 30], ['A', 'B', 'b', 10], ['A', 'B', 'tie', 6], ['A', 'B', 'bothbad', 4]]));
    const half = rankModels(c);
    expect(half.models[0].rating! - half.models[1].rating!).toBeCloseTo(ELO_PER_LOGIT * Math.log(35 / 15), 8);
    expect([half.models[0].ties, half.models[0].bothBad]).toEqual([10, 4]);
    const dav = rankModels(c, { ties: 'davidson', bootstrap: 300 });
    expect(dav.models[0].rating! - dav.models[1].rating!).toBeCloseTo(ELO_PER_LOGIT * Math.log(3), 6);
    expect(dav.tieParameter!.nu).toBeCloseTo(10 / Math.sqrt(300), 6);
    expect(dav.tieParameter!.ciLow!).toBeLessThan(dav.tieParameter!.nu);
    expect(dav.tieParameter!.ciHigh!).toBeGreaterThan(dav.tieParameter!.nu);
  });

  it('flags an undefeated model, keeps it finite with a documented prior, and refuses without one', () => {
    const c = aggregateVotes(votes([['A', 'B', 'a', 10], ['A', 'C', 'a', 5], ['B', 'C', 'a', 6], ['B', 'C', 'b', 4]]));
    const board = rankModels(c, { bootstrap: 200 });
    const a = board.models[0];
    expect(a).toMatchObject({ model: 'A', rank: 1, undefeated: true, winless: false });
    expect(board.models.every((m) => Number.isFinite(m.rating) && Number.isFinite(m.ciLow) && Number.isFinite(m.ciHigh))).toBe(true);
    expect(board.diagnostics).toMatchObject({ mleExists: false, prior: 1, groups: [['A'], ['B', 'C']] });
    expect(board.diagnostics.warnings.join(' ')).toMatch(/A never lost.*prior of 1 virtual game/);
    let error: unknown;
    try {
      rankModels(c, { prior: 0 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toMatch(/no finite Bradley-Terry ratings exist: A > B, C/);
  });

  it('orders a strict chain of groups and flags the winless end', () => {
    const c = aggregateVotes(votes([['A', 'B', 'a', 3], ['B', 'C', 'a', 3], ['C', 'D', 'a', 2], ['D', 'C', 'a', 1]]));
    const board = rankModels(c);
    expect(board.diagnostics.groups).toEqual([['A'], ['B'], ['C', 'D']]);
    expect(board.models.map((m) => m.model)).toEqual(['A', 'B', 'C', 'D']);
    expect(board.models.find((m) => m.model === 'A')!.undefeated).toBe(true);
    expect(board.models.find((m) => m.model === 'D')!.winless).toBe(false);
  });

  it('ranks one component of a disconnected graph and lists the others unranked', () => {
    const c = aggregateVotes(votes([['A', 'B', 'a', 25], ['A', 'B', 'b', 5], ['C', 'D', 'a', 3], ['C', 'D', 'b', 2]]));
    const board = rankModels(c, { bootstrap: 100 });
    expect(board.diagnostics).toMatchObject({ connected: false, components: [['A', 'B'], ['C', 'D']], rankedComponent: 0, unranked: ['C', 'D'] });
    expect(board.models.map((m) => [m.model, m.rank])).toEqual([['A', 1], ['B', 2], ['C', null], ['D', null]]);
    expect(board.models[2]).toMatchObject({ rating: null, ciLow: null, ciHigh: null, votes: 5, component: 1 });
    expect(board.rankedVotes).toBe(30);
    expect(board.diagnostics.warnings[0]).toMatch(/never met.*Unranked: C, D/);
    // An anchor picks its own component.
    const other = rankModels(c, { anchor: { model: 'D', rating: 900 } });
    expect(other.models.filter((m) => m.rank !== null).map((m) => m.model)).toEqual(['C', 'D']);
  });

  it('recovers known strengths from simulated votes, with the truth inside the CIs', () => {
    const truth = [1.2, 0.6, 0.1, 0, -0.4, -1.5];
    const board = rankModels(aggregateVotes(simulate(truth, 2000, new Random(1))), { bootstrap: 500, seed: 3 });
    const expected = centered(truth);
    expect(board.models.map((m) => m.model)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    let inside = 0;
    for (const m of board.models) {
      const t = expected[Number(m.model.slice(1))];
      expect(Math.abs(m.rating! - t)).toBeLessThan(15); // about 3 standard errors
      if (m.ciLow! <= t && t <= m.ciHigh!) inside++;
    }
    expect(inside).toBeGreaterThanOrEqual(4);
  });

  it('shrinks the scale when ties count as half wins; Davidson keeps it', () => {
    const truth = [1, 0, -1];
    const c = aggregateVotes(simulate(truth, 4000, new Random(8), { tieRate: 0.25 }));
    const spread = (b: ReturnType<typeof rankModels>) => b.models[0].rating! - b.models[2].rating!;
    const trueSpread = ELO_PER_LOGIT * 2;
    expect(spread(rankModels(c)) / trueSpread).toBeLessThan(0.85);
    // (the simulated ties are not Davidson's own tie model, so a few % either way)
    expect(Math.abs(spread(rankModels(c, { ties: 'davidson' })) / trueSpread - 1)).toBeLessThan(0.08);
  });

  it('gives ranks from CI overlap: 1 + the models whose lower bound is above this upper bound', () => {
    const truth = [0.5, 0.45, 0, -0.8];
    const board = rankModels(aggregateVotes(simulate(truth, 150, new Random(4))), { bootstrap: 400, seed: 1 });
    for (const m of board.models) expect(m.rank).toBe(1 + board.models.filter((o) => o.ciLow! > m.ciHigh!).length);
    const [m0, m1] = [board.models.find((m) => m.model === 'm0')!, board.models.find((m) => m.model === 'm1')!];
    expect(m0.rank).toBe(m1.rank); // 0.05 logits apart on 150 votes a pair: not separable
    expect(board.models.find((m) => m.model === 'm3')!.rank).toBe(4);
  });

  it('is reproducible for a seed', () => {
    const c = aggregateVotes(simulate([0.3, 0, -0.3], 100, new Random(9)));
    const a = rankModels(c, { bootstrap: 200, seed: 5 });
    expect(rankModels(c, { bootstrap: 200, seed: 5 })).toEqual(a);
    expect(rankModels(c, { bootstrap: 200, seed: 6 }).models[0].ciLow).not.toBe(a.models[0].ciLow);
  });

  it('covers the true ratings about 95% of the time over 200 simulated studies', () => {
    const rng = new Random(2026);
    const truth = [0.6, 0.2, -0.1, -0.7];
    const expected = centered(truth);
    let covered = 0;
    let total = 0;
    for (let s = 0; s < 200; s++) {
      const board = rankModels(aggregateVotes(simulate(truth, 80, rng)), { bootstrap: 300, seed: s });
      for (const m of board.models) {
        const t = expected[Number(m.model.slice(1))];
        total++;
        if (m.ciLow! <= t && t <= m.ciHigh!) covered++;
      }
    }
    // 800 intervals: a binomial SE of 0.8% at 95%; percentile bootstraps run a little under nominal on small studies.
    expect(covered / total).toBeGreaterThan(0.91);
    expect(covered / total).toBeLessThan(0.98);
  });

  it('widens CIs when raters disagree among themselves, and only then, with the rater-clustered bootstrap', () => {
    const truth = [0.4, 0, -0.4];
    const width = (board: ReturnType<typeof rankModels>) => board.models.reduce((s, m) => s + m.ciHigh! - m.ciLow!, 0);
    const hetero = aggregateVotes(simulate(truth, 1200, new Random(12), { raters: 30, raterSpread: 1 }));
    const plain = rankModels(hetero, { bootstrap: 400, seed: 1 });
    const clustered = rankModels(hetero, { bootstrap: 400, seed: 1, cluster: 'rater' });
    expect(width(clustered) / width(plain)).toBeGreaterThan(2);
    const homo = aggregateVotes(simulate(truth, 1200, new Random(13), { raters: 30, raterSpread: 0 }));
    const ratio = width(rankModels(homo, { bootstrap: 400, seed: 1, cluster: 'rater' })) / width(rankModels(homo, { bootstrap: 400, seed: 1 }));
    // 30 clusters give a noisy width: about 1, give or take 20%
    expect(ratio).toBeGreaterThan(0.7);
    expect(ratio).toBeLessThan(1.3);
    expect(() => rankModels(aggregateVotes(simulate(truth, 10, new Random(1))), { bootstrap: 10, cluster: 'rater' })).toThrow(/needs a rater on every vote/);
  });

  it('reports an empty study without failing', () => {
    const board = rankModels(aggregateVotes([]));
    expect(board.models).toEqual([]);
    expect(board.diagnostics.warnings).toEqual(['There are no votes to rank.']);
  });
});
