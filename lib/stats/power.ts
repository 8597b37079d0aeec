import { AppError } from '../errors';
import { normalQuantile } from './normal';
import { logFactorial } from './random';

/**
 * Sample sizes for pairwise studies.
 *
 * trialsToDetect: votes (ties excluded) needed to detect a true preference p against 50% with a
 * two-sided test at level α and the given power, by the normal approximation to the binomial:
 *   n = ((z_{1-α/2}·0.5 + z_{power}·√(p(1-p))) / (p - 0.5))², rounded up.
 * At α = 0.05 and power 0.8 that gives 783 for 55%, 194 for 60%, 85 for 65%, 47 for 70%.
 * binomialPower gives the exact power of the exact (equal-tailed) binomial test at a given n, to
 * check a small n: the exact test is discrete and can fall a little short of the target.
 */
export function trialsToDetect(p: number, opts: { alpha?: number; power?: number } = {}): number {
  const { alpha, power } = checkLevels(opts);
  if (!(p > 0 && p < 1) || p === 0.5) throw new AppError('BAD_REQUEST', `the preference must be in (0, 1) and not 0.5 (got ${p})`);
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  return Math.ceil(((za * 0.5 + zb * Math.sqrt(p * (1 - p))) / (p - 0.5)) ** 2);
}

/** Power of the exact two-sided binomial test of H0: p = 0.5 (α/2 in each tail) with n votes when the truth is p. */
export function binomialPower(n: number, p: number, opts: { alpha?: number } = {}): number {
  const alpha = opts.alpha ?? 0.05;
  if (!(Number.isInteger(n) && n >= 1)) throw new AppError('BAD_REQUEST', `n must be a whole number >= 1 (got ${n})`);
  const pmf = (x: number, q: number) => Math.exp(logFactorial(n) - logFactorial(x) - logFactorial(n - x) + x * Math.log(q) + (n - x) * Math.log1p(-q));
  // Largest c with P0(X <= c) <= α/2; by symmetry the upper region is X >= n - c.
  let c = -1;
  let tail = 0;
  while (c + 1 <= n && tail + pmf(c + 1, 0.5) <= alpha / 2) tail += pmf(++c, 0.5);
  if (c < 0) return 0;
  let power = 0;
  for (let x = 0; x <= c; x++) power += pmf(x, p) + pmf(n - x, p);
  return Math.min(1, power);
}

/**
 * For a running study: roughly how many more votes would separate two models' CIs (so that their
 * Arena ranks differ), from their current ratings, CIs and the votes so far. Assumes CI widths
 * shrink as 1/√votes with the current allocation of votes to pairs and that the ratings stay
 * where they are: the CIs separate once the gap exceeds the two half-widths, i.e. after a factor
 * ((hwA + hwB) / gap)² of the votes. A rough planning figure, not a guarantee; null when the
 * ratings are equal (no number of votes separates them on current evidence).
 */
export function votesToSeparate(
  a: { rating: number; ciLow: number; ciHigh: number },
  b: { rating: number; ciLow: number; ciHigh: number },
  votesSoFar: number,
): { separated: boolean; factor: number | null; additionalVotes: number | null } {
  const [hi, lo] = a.rating >= b.rating ? [a, b] : [b, a];
  if (hi.ciLow > lo.ciHigh) return { separated: true, factor: 1, additionalVotes: 0 };
  const gap = hi.rating - lo.rating;
  if (!(gap > 0)) return { separated: false, factor: null, additionalVotes: null };
  const widths = hi.rating - hi.ciLow + (lo.ciHigh - lo.rating);
  const factor = (widths / gap) ** 2;
  return { separated: false, factor, additionalVotes: Math.max(0, Math.ceil((factor - 1) * votesSoFar)) };
}

function checkLevels(opts: { alpha?: number; power?: number }) {
  const alpha = opts.alpha ?? 0.05;
  const power = opts.power ?? 0.8;
  if (!(alpha > 0 && alpha < 1)) throw new AppError('BAD_REQUEST', `alpha must be in (0, 1) (got ${alpha})`);
  if (!(power > 0 && power < 1)) throw new AppError('BAD_REQUEST', `power must be in (0, 1) (got ${power})`);
  return { alpha, power };
}
