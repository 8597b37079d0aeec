import { AppError } from '../errors';
import type { TVote } from './counts';
import { normalQuantile } from './normal';
import { quantileSorted } from './quantile';
import { Random } from './random';

/**
 * Perceived degradation of a compressed variant against its parent: the share of votes between
 * the two that prefer the parent, per criterion, with a CI. 50% means no visible difference.
 *
 * Ties ("tie" and "bothbad"):
 * - "half" (default): half a vote for each side, so 50% still means "no difference" (the
 *   leaderboard's convention). The Wilson interval then treats the half-integer count as
 *   binomial, which overstates the variance a little (a tie is less variable than a coin
 *   flip): the interval is conservative.
 * - "exclude": decisive votes only (the share among people who saw a difference).
 * - "not-degraded": a tie counts as not preferring the parent (degradation = parent wins / all
 *   votes, the reading of "x% of votes saw a degradation").
 * CI: Wilson score interval (default), or a percentile bootstrap of the three counts
 * (multinomial) or of the raters (cluster "rater", for raters with many votes each).
 */
export type TDegradationTies = 'half' | 'exclude' | 'not-degraded';

export type TDegradationOptions = {
  variant: string;
  parent: string;
  ties?: TDegradationTies;
  method?: 'wilson' | 'bootstrap';
  cluster?: 'none' | 'rater';
  rounds?: number;
  seed?: number;
  confidence?: number;
};

export type TDegradation = {
  /** null for votes without a criterion */
  criterion: string | null;
  votes: number;
  parentWins: number;
  variantWins: number;
  ties: number;
  bothBad: number;
  /** share of votes preferring the parent, per the tie rule; null without votes */
  share: number | null;
  ciLow: number | null;
  ciHigh: number | null;
};

type TCell = { parent: number; variant: number; tie: number; bothBad: number };

export function degradation(votes: Iterable<TVote>, opts: TDegradationOptions): TDegradation[] {
  const ties = opts.ties ?? 'half';
  const method = opts.method ?? 'wilson';
  const confidence = opts.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new AppError('BAD_REQUEST', `confidence must be in (0, 1) (got ${confidence})`);
  const byCriterion = new Map<string | null, { total: TCell; raters: Map<string, TCell> }>();
  for (const v of votes) {
    const parentIsA = v.variantA === opts.parent && v.variantB === opts.variant;
    if (!parentIsA && !(v.variantA === opts.variant && v.variantB === opts.parent)) continue;
    const key = v.criterion ?? null;
    if (!byCriterion.has(key)) byCriterion.set(key, { total: emptyCell(), raters: new Map() });
    const group = byCriterion.get(key)!;
    const n = v.count ?? 1;
    const add = (c: TCell) => {
      if (v.winner === 'tie' || v.winner === 'bothbad') {
        c.tie += n;
        if (v.winner === 'bothbad') c.bothBad += n;
      } else if ((v.winner === 'a') === parentIsA) c.parent += n;
      else c.variant += n;
    };
    add(group.total);
    if (method === 'bootstrap' && opts.cluster === 'rater') {
      if (v.rater === undefined) throw new AppError('BAD_REQUEST', 'the rater-clustered bootstrap needs a rater on every vote');
      if (!group.raters.has(v.rater)) group.raters.set(v.rater, emptyCell());
      add(group.raters.get(v.rater)!);
    }
  }
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const out: TDegradation[] = [];
  for (const [criterion, { total, raters }] of [...byCriterion].sort(([a], [b]) => (a ?? '').localeCompare(b ?? ''))) {
    const [x, n] = score(total, ties);
    const row: TDegradation = {
      criterion,
      votes: total.parent + total.variant + total.tie,
      parentWins: total.parent,
      variantWins: total.variant,
      ties: total.tie,
      bothBad: total.bothBad,
      share: n > 0 ? x / n : null,
      ciLow: null,
      ciHigh: null,
    };
    if (n > 0) {
      const [lo, hi] = method === 'wilson' ? wilson(x, n, z) : bootstrapShare(total, [...raters.values()], ties, opts, confidence);
      row.ciLow = lo;
      row.ciHigh = hi;
    }
    out.push(row);
  }
  return out;
}

/** Wilson score interval for x successes in n trials (x may be a half-integer), multiplier z. */
export function wilson(x: number, n: number, z: number): [number, number] {
  const p = x / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

function emptyCell(): TCell {
  return { parent: 0, variant: 0, tie: 0, bothBad: 0 };
}

/** [points for the parent, votes counted] under the tie rule. */
function score(c: TCell, ties: TDegradationTies): [number, number] {
  if (ties === 'half') return [c.parent + c.tie / 2, c.parent + c.variant + c.tie];
  if (ties === 'exclude') return [c.parent, c.parent + c.variant];
  return [c.parent, c.parent + c.variant + c.tie];
}

function bootstrapShare(total: TCell, raters: TCell[], ties: TDegradationTies, opts: TDegradationOptions, confidence: number): [number, number] {
  const rounds = opts.rounds ?? 2000;
  const rng = new Random(opts.seed ?? 0);
  const shares: number[] = [];
  const weights = [total.parent, total.variant, total.tie];
  const drawn = [0, 0, 0];
  const n = weights[0] + weights[1] + weights[2];
  for (let r = 0; r < rounds; r++) {
    const c = emptyCell();
    if (opts.cluster === 'rater') {
      for (let x = 0; x < raters.length; x++) {
        const pick = raters[rng.int(raters.length)];
        c.parent += pick.parent;
        c.variant += pick.variant;
        c.tie += pick.tie;
      }
    } else {
      rng.multinomial(n, weights, drawn);
      [c.parent, c.variant, c.tie] = drawn;
    }
    const [x, m] = score(c, ties);
    if (m > 0) shares.push(x / m);
  }
  const sorted = Float64Array.from(shares).sort();
  const lo = (1 - confidence) / 2;
  return [quantileSorted(sorted, lo), quantileSorted(sorted, 1 - lo)];
}
