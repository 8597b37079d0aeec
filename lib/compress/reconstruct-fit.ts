import type { TActivations, TStreamName } from './reconstruct-graph';
import { AffineRidge, RidgeError, type TAffineFit } from './ridge';
import { RidgeKernels } from './ridge-ort';

/** One stream of one span: the weighted ridge fit of Y ≈ X W + b (see reconstruct.ts for the objective). */

export const DEFAULT_ALPHA = 1e-3;

export type TStreamFit = {
  name: TStreamName;
  /** ‖Y − X‖ / ‖Y‖ over the calibration rows: the span's output error with nothing fitted (null when X could not be found). */
  errorBefore: number | null;
  /** ‖Y − (X W + b)‖ / ‖Y‖ with the fitted map (equal to errorBefore when no map is fitted). */
  errorAfter: number | null;
  /** Rows (tokens) the map was fitted on. */
  samples: number;
  /** Calibration inputs those rows came from. */
  inputs: number;
  /** The λ used, and the α of the rule (null when λ was given). */
  lambda: number;
  alpha: number | null;
  /** The sample weights w_s, one per calibration input (mean 1). */
  weights: number[];
  /** Whether the map is in the returned model. */
  applied: boolean;
  /** Why a map was left out. */
  note: string | null;
  /** Initializer names of the folded map (null when not applied). */
  weight: string | null;
  bias: string | null;
};

const sq = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
};
const sqDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
};

/**
 * Fits one stream's map; `fit` is null (and the report says why) when it would not help. The
 * sums over tokens run in onnxruntime (float64); pass `kernels` to reuse its sessions.
 */
export async function fitStream(
  stream: TStreamName,
  x: TActivations,
  y: TActivations,
  opts: { lambda?: number; alpha?: number },
  kernels?: RidgeKernels,
): Promise<{ report: TStreamFit; fit: TAffineFit | null }> {
  const d = y.dims.at(-1)!;
  const inputs = y.data.length;
  const alpha = opts.lambda === undefined ? (opts.alpha ?? DEFAULT_ALPHA) : null;
  const base = { name: stream, inputs, alpha, weight: null, bias: null };
  const sameShape = x.data.length === inputs && x.dims.join('x') === y.dims.join('x');
  if (!sameShape) {
    return {
      report: { ...base, errorBefore: null, errorAfter: null, samples: 0, lambda: 0, weights: [], applied: false, note: `the span's input [${x.dims}] and output [${y.dims}] differ in shape: no map fitted` },
      fit: null,
    };
  }
  const rowsOf = (a: Float32Array) => a.length / d;
  const errs = y.data.map((ys, s) => Math.sqrt(sqDiff(ys, x.data[s]) / Math.max(sq(ys), 1e-30)));
  const mean = errs.reduce((a, e) => a + e, 0) / inputs;
  const weights = mean > 0 ? errs.map((e) => e / mean) : errs.map(() => 1);
  const k = kernels ?? (await RidgeKernels.create());
  try {
    const ridge = new AffineRidge(d);
    for (const [s, ys] of y.data.entries()) ridge.addMoments(await k.momentsOf(x.data[s], ys, rowsOf(ys), d), weights[s]);
    const lambda = opts.lambda ?? alpha! * (ridge.traceXX() / d);
    let fit: TAffineFit;
    try {
      fit = ridge.solve(lambda);
    } catch (err) {
      if (!(err instanceof RidgeError)) throw err;
      const none = Math.sqrt(y.data.reduce((a, ys, s) => a + sqDiff(ys, x.data[s]), 0) / Math.max(y.data.reduce((a, ys) => a + sq(ys), 0), 1e-30));
      return { report: { ...base, errorBefore: none, errorAfter: none, samples: ridge.rows, lambda, weights, applied: false, note: `no map: ${err.message}` }, fit: null };
    }
    let before = 0;
    let after = 0;
    let energy = 0;
    for (const [s, ys] of y.data.entries()) {
      const r = await k.residualOf(x.data[s], ys, rowsOf(ys), fit);
      before += r.before;
      after += r.after;
      energy += r.energy;
    }
    const errorBefore = Math.sqrt(before / Math.max(energy, 1e-30));
    const errorAfter = Math.sqrt(after / Math.max(energy, 1e-30));
    const samples = ridge.rows;
    if (!(errorAfter < errorBefore)) {
      return {
        report: { ...base, errorBefore, errorAfter: errorBefore, samples, lambda, weights, applied: false, note: `the fitted map does not lower the span-output error (${errorBefore.toPrecision(4)} → ${errorAfter.toPrecision(4)}): left out` },
        fit: null,
      };
    }
    return { report: { ...base, errorBefore, errorAfter, samples, lambda, weights, applied: false, note: null }, fit };
  } finally {
    if (!kernels) await k.release();
  }
}
