import { AppError } from '../errors';
import type { TTies } from './bradley-terry';
import { aggregateVotes, type TVote } from './counts';
import { kendallTauB, spearman } from './rank-correlation';
import { Random } from './random';
import { rankModels } from './rank-models';

/**
 * Split-half reliability of the leaderboard: the raters are split at random into two halves, each
 * half's votes are ranked on their own (Bradley-Terry point estimates), and the two rankings are
 * compared by Spearman's ρ (and Kendall's τ-b) over the models ranked in both. Repeated over
 * `splits` random splits (seeded) and averaged. spearmanBrown = 2ρ / (1 + ρ) estimates the
 * reliability of the whole study, twice the size of each half.
 */
export type TSplitHalf = {
  spearman: number | null;
  kendall: number | null;
  spearmanBrown: number | null;
  splits: { spearman: number | null; kendall: number | null; models: number }[];
  raters: number;
};

export function splitHalfReliability(votes: TVote[], opts: { splits?: number; seed?: number; ties?: TTies; criterion?: string } = {}): TSplitHalf {
  const splits = opts.splits ?? 20;
  const rng = new Random(opts.seed ?? 0);
  const kept = votes.filter((v) => opts.criterion === undefined || v.criterion === opts.criterion);
  const raters = [...new Set(kept.map((v) => v.rater))];
  if (raters.includes(undefined)) throw new AppError('BAD_REQUEST', 'split-half reliability needs a rater on every vote');
  if (raters.length < 2) throw new AppError('BAD_REQUEST', 'split-half reliability needs at least 2 raters');
  const out: TSplitHalf['splits'] = [];
  for (let s = 0; s < splits; s++) {
    // Fisher-Yates shuffle, then the first half of the raters against the second.
    const order = [...raters];
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const first = new Set(order.slice(0, Math.floor(order.length / 2)));
    const ratings = [kept.filter((v) => first.has(v.rater)), kept.filter((v) => !first.has(v.rater))].map((half) => {
      const board = rankModels(aggregateVotes(half), { ties: opts.ties });
      return new Map(board.models.filter((m) => m.rating !== null).map((m) => [m.model, m.rating!]));
    });
    const common = [...ratings[0].keys()].filter((m) => ratings[1].has(m)).sort();
    const x = common.map((m) => ratings[0].get(m)!);
    const y = common.map((m) => ratings[1].get(m)!);
    out.push({ spearman: common.length >= 3 ? spearman(x, y) : null, kendall: common.length >= 3 ? kendallTauB(x, y) : null, models: common.length });
  }
  const mean = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null;
  };
  const rho = mean(out.map((o) => o.spearman));
  return { spearman: rho, kendall: mean(out.map((o) => o.kendall)), spearmanBrown: rho === null ? null : (2 * rho) / (1 + rho), splits: out, raters: raters.length };
}
