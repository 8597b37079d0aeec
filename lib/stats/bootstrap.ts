import { AppError } from '../errors';
import { fitBradleyTerry, type TFit, type TRefit, type TTies, WarmRefitter } from './bradley-terry';
import { pairCounts, type TPairCounts, type TVoteCounts } from './counts';
import { mleExists } from './graph';
import { Random } from './random';

/**
 * Bootstrap replicates of a Bradley-Terry fit.
 *
 * - "none": multinomial resampling of the outcome counts, i.e. resampling votes with replacement
 *   as Chatbot Arena does, drawn as ~3 binomials per pair instead of N indices per round.
 * - "rater": resampling participants with replacement and keeping all votes of each one drawn.
 *   Votes of one rater are correlated (taste, attention, position habits); the design effect is
 *   1 + (m-1)ρ for m votes per rater, and only this variant's CIs widen with it.
 *
 * A replicate in which some model is unbeaten (or cut off) has no finite MLE even when the data
 * has one; such rounds are fitted with `fallbackPrior` and counted in `regularizedRounds`.
 */
export type TCluster = 'none' | 'rater';

export type TBootstrapOptions = {
  rounds: number;
  cluster: TCluster;
  seed: number;
  ties: TTies;
  /** the prior the point estimate used (0: none) */
  prior: number;
  fallbackPrior: number;
};

export type TBootstrapResult = {
  /** rounds x K ratings in logit units, row-major, each row as the fit returned it */
  theta: Float64Array;
  /** Davidson's log ν per round (null for "half") */
  logNu: Float64Array | null;
  regularizedRounds: number;
};

/** counts: one connected component (as rankModels passes it). */
export function bootstrapFits(counts: TVoteCounts, point: TFit, opts: TBootstrapOptions): TBootstrapResult {
  const k = counts.models.length;
  if (opts.cluster === 'rater' && !counts.raters) throw new AppError('BAD_REQUEST', 'the rater-clustered bootstrap needs a rater on every vote');
  const replicate: TPairCounts = { ...pairCounts(counts), winsI: Float64Array.from(counts.winsI), winsJ: Float64Array.from(counts.winsJ), ties: Float64Array.from(counts.ties) };
  const refitter = new WarmRefitter(replicate, point, { ties: opts.ties, prior: opts.prior });
  const rng = new Random(opts.seed);
  const draw = opts.cluster === 'rater' ? raterDraw(counts, replicate, rng) : multinomialDraw(counts, replicate, rng);
  const theta = new Float64Array(opts.rounds * k);
  const logNu = opts.ties === 'davidson' ? new Float64Array(opts.rounds) : null;
  let regularizedRounds = 0;
  for (let r = 0; r < opts.rounds; r++) {
    draw();
    let fit: TRefit;
    if (opts.prior === 0 && !mleExists(replicate, true)) {
      regularizedRounds++;
      fit = fitBradleyTerry(replicate, { ties: opts.ties, prior: opts.fallbackPrior });
    } else fit = refitter.refit();
    theta.set(fit.theta, r * k);
    if (logNu) logNu[r] = fit.logNu!;
  }
  return { theta, logNu, regularizedRounds };
}

/** Multinomial(N, cell counts / N) over the 3 cells of every pair, by sequential conditional binomials. */
function multinomialDraw(counts: TVoteCounts, out: TPairCounts, rng: Random): () => void {
  const P = counts.pairI.length;
  const cells = new Float64Array(3 * P);
  let total = 0;
  for (let p = 0; p < P; p++) {
    cells[3 * p] = counts.winsI[p];
    cells[3 * p + 1] = counts.winsJ[p];
    cells[3 * p + 2] = counts.ties[p];
    total += counts.winsI[p] + counts.winsJ[p] + counts.ties[p];
  }
  if (!Number.isInteger(total)) throw new AppError('BAD_REQUEST', 'bootstrap resampling needs whole-number vote counts');
  const drawn = new Float64Array(3 * P);
  return () => {
    rng.multinomial(total, cells, drawn);
    for (let p = 0; p < P; p++) {
      out.winsI[p] = drawn[3 * p];
      out.winsJ[p] = drawn[3 * p + 1];
      out.ties[p] = drawn[3 * p + 2];
    }
  };
}

/** R raters drawn with replacement; each brings all of their votes. */
function raterDraw(counts: TVoteCounts, out: TPairCounts, rng: Random): () => void {
  const { ids, start, cell, count } = counts.raters!;
  const R = ids.length;
  const times = new Int32Array(R);
  const flat = new Float64Array(3 * counts.pairI.length);
  return () => {
    times.fill(0);
    for (let x = 0; x < R; x++) times[rng.int(R)]++;
    flat.fill(0);
    for (let r = 0; r < R; r++) {
      const t = times[r];
      if (t === 0) continue;
      const end = start[r + 1];
      for (let x = start[r]; x < end; x++) flat[cell[x]] += t * count[x];
    }
    for (let p = 0; p < counts.pairI.length; p++) {
      out.winsI[p] = flat[3 * p];
      out.winsJ[p] = flat[3 * p + 1];
      out.ties[p] = flat[3 * p + 2];
    }
  };
}
