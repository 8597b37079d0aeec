import { AppError } from '../errors';
import { cholesky, solveCholesky } from './cholesky';
import type { TPairCounts } from './counts';

/**
 * Bradley-Terry maximum likelihood on pair counts: P(i beats j) = σ(θi - θj).
 *
 * Ties, "half": a tie is half a win for each side (Chatbot Arena's convention; it pulls ratings
 * together a little). "davidson": P(i) : P(j) : P(tie) = e^{d/2} : e^{-d/2} : ν with d = θi - θj,
 * so among decisive votes P(i beats j) is still σ(d) and ratings stay on the same scale; ν is
 * estimated with them (reported as logNu).
 *
 * `prior` adds s virtual games per model against a reference at θ = 0, half won and half lost
 * (a logistic prior, log-concave): it keeps ratings finite when the MLE does not exist (a model
 * undefeated, see graph.ts) and moves ratings backed by hundreds of votes by a tiny fraction of
 * their CI. With prior 0 the ratings are identified only up to a constant: they come back with
 * mean 0.
 *
 * The fit is Newton's method with step halving on the aggregated counts: O(pairs) per gradient,
 * O(K³) per solve, 4-7 iterations from zero.
 */
export type TTies = 'half' | 'davidson';

export type TFit = {
  /** ratings in logit units (natural log odds) */
  theta: Float64Array;
  /** Davidson's log ν; -Infinity with no ties, +Infinity with nothing but ties; null for "half" */
  logNu: number | null;
  logLikelihood: number;
  iterations: number;
};

/** What a bootstrap round keeps of a fit. */
export type TRefit = Pick<TFit, 'theta' | 'logNu'>;

export type TFitOptions = { ties?: TTies; prior?: number; start?: Float64Array };

const TOL = 1e-9;
/** Bootstrap rounds stop at 1e-7 logits (2e-5 rating points): far below anything a CI shows. */
const REFIT_TOL = 1e-7;

export function fitBradleyTerry(counts: TPairCounts, opts: TFitOptions = {}): TFit {
  const objective = new Objective(counts, opts.ties ?? 'half', opts.prior ?? 0);
  // Davidson with nothing but ties: ν = ∞ and every rating equal. (With no ties, ν = 0: plain BT.)
  if (objective.degenerateNu === Infinity) return { theta: new Float64Array(counts.k), logNu: Infinity, logLikelihood: 0, iterations: 0 };
  const x = new Float64Array(objective.size);
  if (opts.start) x.set(opts.start.subarray(0, x.length));
  const iterations = newton(objective, x);
  return objective.result(x, iterations);
}

/**
 * Refits bootstrap replicates starting from the point estimate with the point estimate's Hessian
 * factored once (the chord method): each iteration is one O(pairs) gradient and one O(K²) solve,
 * and a replicate of a large study sits close enough to the point estimate to converge in a
 * handful. A replicate that converges slowly gets full Newton steps instead.
 */
export class WarmRefitter {
  private readonly objective: Objective;
  private readonly factor: Float64Array;
  private readonly x0: Float64Array;
  private readonly g: Float64Array;
  private readonly step: Float64Array;
  private readonly pointDegenerate: number | null;

  /** counts must hold the data of the point estimate when this is built; refit() reads them as they are then. */
  constructor(counts: TPairCounts, point: TFit, opts: TFitOptions) {
    this.objective = new Objective(counts, opts.ties ?? 'half', opts.prior ?? 0);
    this.pointDegenerate = this.objective.degenerateNu;
    this.x0 = new Float64Array(this.objective.size);
    this.x0.set(point.theta);
    if (this.objective.hasEta && Number.isFinite(point.logNu)) this.x0[counts.k] = point.logNu!;
    this.g = new Float64Array(this.objective.size);
    this.step = new Float64Array(this.objective.size);
    this.objective.evaluate(this.x0, this.g, true);
    this.factor = cholesky(this.objective.matrix, this.objective.size);
  }

  /** The fit of the counts as they are now (the arrays the refitter was built on). */
  refit(): TRefit {
    const { objective, g, step } = this;
    // A replicate with no ties (or only ties) where the data had both: fit it on its own.
    if (objective.refreshDegenerate() !== this.pointDegenerate) return fitBradleyTerry(objective.counts, { ties: objective.ties, prior: objective.prior });
    const x = Float64Array.from(this.x0);
    let previous = Infinity;
    for (let it = 1; it <= 60; it++) {
      objective.evaluate(x, g, false, false);
      step.set(g);
      solveCholesky(this.factor, objective.size, step);
      let size = 0;
      for (let v = 0; v < x.length; v++) {
        x[v] += step[v];
        size = Math.max(size, Math.abs(step[v]));
      }
      if (!Number.isFinite(size)) break;
      if (size < REFIT_TOL) return objective.parameters(x);
      if (it >= 3 && size > 0.5 * previous) {
        // Too far from the point estimate for its Hessian: finish with Newton from here.
        newton(objective, x);
        return objective.parameters(x);
      }
      previous = size;
    }
    const y = Float64Array.from(this.x0);
    newton(objective, y);
    return objective.parameters(y);
  }
}

/** Newton with step halving; returns the iterations used. Throws when it cannot converge. */
function newton(objective: Objective, x: Float64Array): number {
  const n = objective.size;
  const g = new Float64Array(n);
  const trial = new Float64Array(n);
  for (let it = 1; it <= 200; it++) {
    const f = objective.evaluate(x, g, true);
    const step = Float64Array.from(g);
    solveCholesky(cholesky(objective.matrix, n), n, step);
    let size = 0;
    for (let v = 0; v < n; v++) size = Math.max(size, Math.abs(step[v]));
    let t = 1;
    for (;;) {
      for (let v = 0; v < n; v++) trial[v] = x[v] + t * step[v];
      const ft = objective.evaluate(trial, null, false);
      if (ft >= f - 1e-12 * Math.abs(f) || t < 1e-8) break;
      t /= 2;
    }
    x.set(trial);
    if (size * t < TOL) return it;
  }
  throw new AppError('INTERNAL', 'the Bradley-Terry fit did not converge in 200 Newton steps');
}

/** Log-likelihood (+ log prior), its gradient and the negated Hessian (+ gauge) of one problem. */
class Objective {
  readonly size: number;
  readonly hasEta: boolean;
  /** the negated Hessian after evaluate(..., true), n x n row-major */
  readonly matrix: Float64Array;
  degenerateNu: number | null = null;

  constructor(
    readonly counts: TPairCounts,
    readonly ties: TTies,
    readonly prior: number,
  ) {
    if (!(prior >= 0)) throw new AppError('BAD_REQUEST', `prior must be >= 0 (got ${prior})`);
    this.refreshDegenerate();
    this.hasEta = ties === 'davidson';
    this.size = counts.k + (this.hasEta ? 1 : 0);
    this.matrix = new Float64Array(this.size * this.size);
  }

  /** For Davidson: ν = 0 without ties, ∞ with nothing but ties (both outside the model's interior). */
  refreshDegenerate(): number | null {
    this.degenerateNu = null;
    if (this.ties !== 'davidson') return null;
    let t = 0;
    let decisive = 0;
    for (let p = 0; p < this.counts.pairI.length; p++) {
      t += this.counts.ties[p];
      decisive += this.counts.winsI[p] + this.counts.winsJ[p];
    }
    if (t === 0) this.degenerateNu = -Infinity;
    else if (decisive === 0) this.degenerateNu = Infinity;
    return this.degenerateNu;
  }

  /** The objective at x; with grad, its gradient; with hessian, the negated Hessian into matrix. valueToo: false skips the value (NaN back). */
  evaluate(x: Float64Array, grad: Float64Array | null, hessian: boolean, valueToo = true): number {
    const { pairI, pairJ, winsI, winsJ, ties, k } = this.counts;
    const A = this.matrix;
    const n = this.size;
    if (grad) grad.fill(0);
    if (hessian) A.fill(0);
    const davidson = this.hasEta && this.degenerateNu === null;
    const eta = this.hasEta ? x[k] : 0;
    let f = 0;
    for (let p = 0; p < pairI.length; p++) {
      const total = winsI[p] + winsJ[p] + ties[p];
      if (total <= 0) continue;
      const i = pairI[p];
      const j = pairJ[p];
      const d = x[i] - x[j];
      let gd: number;
      let hdd: number;
      if (davidson) {
        const m = Math.max(Math.abs(d) / 2, eta);
        const a = Math.exp(d / 2 - m);
        const b = Math.exp(-d / 2 - m);
        const c = Math.exp(eta - m);
        const z = a + b + c;
        const pa = a / z;
        const pb = b / z;
        const pt = c / z;
        if (valueToo) {
          const logZ = m + Math.log(z);
          f += winsI[p] * (d / 2 - logZ) + winsJ[p] * (-d / 2 - logZ) + ties[p] * (eta - logZ);
        }
        gd = (winsI[p] - winsJ[p]) / 2 - (total * (pa - pb)) / 2;
        hdd = (total * (pa + pb - (pa - pb) * (pa - pb))) / 4;
        if (grad) grad[k] += ties[p] - total * pt;
        if (hessian) {
          const hde = (-total * (pa - pb) * pt) / 2;
          A[i * n + k] += hde;
          A[k * n + i] += hde;
          A[j * n + k] -= hde;
          A[k * n + j] -= hde;
          A[k * n + k] += total * pt * (1 - pt);
        }
      } else {
        const wi = winsI[p] + ties[p] / 2;
        const wj = winsJ[p] + ties[p] / 2;
        if (valueToo) f -= wi * softplus(-d) + wj * softplus(d);
        const s = 1 / (1 + Math.exp(-d));
        gd = wi - total * s;
        hdd = total * s * (1 - s);
      }
      if (grad) {
        grad[i] += gd;
        grad[j] -= gd;
      }
      if (hessian) {
        A[i * n + i] += hdd;
        A[j * n + j] += hdd;
        A[i * n + j] -= hdd;
        A[j * n + i] -= hdd;
      }
    }
    if (this.prior > 0) {
      for (let m = 0; m < k; m++) {
        if (valueToo) f -= (this.prior / 2) * (softplus(-x[m]) + softplus(x[m]));
        const s = 1 / (1 + Math.exp(-x[m]));
        if (grad) grad[m] += this.prior * (0.5 - s);
        if (hessian) A[m * n + m] += this.prior * s * (1 - s);
      }
    } else if (hessian) {
      // The likelihood is flat along θ + c·1: adding c·11ᵀ makes the system solvable and, as the
      // gradient sums to zero over θ, gives the step with sum zero.
      let trace = 0;
      for (let m = 0; m < k; m++) trace += A[m * n + m];
      const c = Math.max(trace, 1e-12) / (k * k);
      for (let r = 0; r < k; r++) for (let s = 0; s < k; s++) A[r * n + s] += c;
    }
    if (this.hasEta && this.degenerateNu !== null && hessian) A[k * n + k] = 1;
    return valueToo ? f : NaN;
  }

  result(x: Float64Array, iterations: number): TFit {
    return { ...this.parameters(x), logLikelihood: this.evaluate(x, null, false), iterations };
  }

  parameters(x: Float64Array): TRefit {
    const k = this.counts.k;
    const theta = Float64Array.from(x.subarray(0, k));
    if (this.prior === 0 && k > 0) {
      let mean = 0;
      for (const v of theta) mean += v;
      mean /= k;
      for (let m = 0; m < k; m++) theta[m] -= mean;
    }
    return { theta, logNu: !this.hasEta ? null : this.degenerateNu ?? x[k] };
  }
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
