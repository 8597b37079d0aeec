import { clone } from '@bufbuild/protobuf';
import { type ModelProto, ModelProtoSchema } from 'onnx-buf';
import { AppError } from '../errors';
import type { TCalibrationSet } from './calibration';
import { discoverBlocks, type TDiscovery } from './discovery';
import { relativeError } from './measure';
import { DEFAULT_ALPHA, fitStream, type TStreamFit } from './reconstruct-fit';
import { insertAffine, nodeKey, runWithOutputs, stackStreams, type TRun, type TStreamName, type TStreamPair } from './reconstruct-graph';
import type { TAffineFit } from './ridge';
import { RidgeKernels } from './ridge-ort';
import { type TSensitivity, toBlockLevel } from './sensitivity';

/**
 * Training-free reconstruction of pruned block spans. Removing blocks a..b leaves each residual
 * stream jumping from the span's input X (what block a received) straight to block b+1, which
 * expected the span's output Y. Per span and stream we fit, in closed form, an affine map
 * Y ≈ X W + b on calibration activations and fold it into the graph where the span was.
 *
 * Objective, per span and stream (rows r are tokens; a calibration input s gives N rows):
 *
 *     minimise  Σ_s w_s Σ_{r ∈ s} ‖x_r W + b − y_r‖²  +  λ ‖W − I‖_F²
 *
 * - X: the activations entering the span in the pruned model as reconstructed so far (spans go in
 *   forward order, so the maps of earlier spans already shape them); Y: the original model's
 *   activations leaving the span (what its last block outputs for that stream).
 * - Regularised toward the identity, i.e. toward the pruned model's own behaviour, so that with
 *   little or uninformative data the map stays close to "no reconstruction". b is not penalised.
 * - Sample weights: w_s = e_s / mean(e), e_s = ‖Y_s − X_s‖ / ‖Y_s‖, the relative error removing
 *   the span causes on input s, measured before fitting. Inputs on which the span matters most
 *   count most, so the map spends its capacity where the removal hurts; weights average 1 so λ
 *   keeps its scale. If the span changes nothing on any input, all weights are 1.
 * - λ = α · trace(Xᵀ Ω X) / D (Ω: the row weights), i.e. α times the mean diagonal entry of the
 *   weighted Gram matrix, so the penalty scales with the activations and the sample count;
 *   α = 1e-3 by default. `lambda` sets λ directly instead.
 * - Solved in float64 with a Cholesky factorisation of the (D+1) x (D+1) normal equations; the
 *   sums over tokens (XᵀΩX, XᵀΩY) run in onnxruntime's float64 MatMul (ridge-ort.ts).
 *
 * Folded in as Add(MatMul(x, W), b) for the nodes that read the span's output in the original
 * model, with initializers `<stack>.<first>-<last>.reconstruct.<image|context>.weight/.bias`.
 * Note for block discovery: those names parse as a scope of block <first>, so discoverBlocks on a
 * reconstructed model lists a block <first> with the map's parameters and no nodes; count blocks
 * with nodes (as acceptStudent does) when it matters.
 *
 * Never worse on the calibration data: a stream's map is kept only if it lowers that stream's
 * span-output error ‖Y − Ŷ‖/‖Y‖; a span's maps are kept only if they lower the whole denoiser's
 * relative error against the original (else each stream alone is tried). Whatever is left out is
 * reported with the reason.
 *
 * `sensitivity` (a sensitivity file, e.g. the one the plan was made from) is only reported: the
 * span's |ΔP| summed over its blocks. It does not change the fit, which weights inputs by the
 * sensitivity measured on the calibration data itself.
 */
export type TRemovedBlock = { stack: string; block: number };
export { DEFAULT_ALPHA, fitStream, type TStreamFit };

export type TReconstructOptions = {
  /** λ itself; by default λ = alpha · trace(XᵀΩX) / D. */
  lambda?: number;
  /** The relative strength α of the default λ rule (default 1e-3). */
  alpha?: number;
  sensitivity?: TSensitivity;
  /** onnxruntime intra-op threads (default 1, as predictAll). */
  threads?: number;
};

export type TSpanFit = {
  stack: string;
  blocks: number[];
  streams: TStreamFit[];
  /** The whole denoiser's relative error before and after this span's maps (both after earlier spans). */
  modelErrorBefore: number;
  modelErrorAfter: number;
  /** Σ |ΔP| of the span's blocks in `opts.sensitivity`, for the report; null without it. */
  sensitivity: number | null;
};

export type TReconstructResult = {
  model: ModelProto;
  spans: TSpanFit[];
  /** The pruned and the reconstructed denoiser's relative error against the original, over the calibration inputs. */
  errorBefore: number;
  errorAfter: number;
  calibrationInputs: number;
  objective: string;
  lambdaRule: string;
};

const OBJECTIVE = 'minimise Σ_s w_s Σ_{tokens r of input s} ‖x_r W + b − y_r‖² + λ‖W − I‖², w_s = e_s / mean(e), e_s = ‖Y_s − X_s‖/‖Y_s‖';

type TSpanStream = { stream: TStreamName; input: string | null; output: string; why: string | null };
type TSpan = { stack: string; blocks: number[]; nodes: Set<string>; streams: TSpanStream[]; blockOutputs: string[] };

/** Removed blocks grouped into runs of consecutive blocks of one stack, in forward order. */
export function groupSpans(removed: TRemovedBlock[], discovery: TDiscovery): { stack: string; blocks: number[] }[] {
  const spans: { stack: string; blocks: number[] }[] = [];
  for (const stack of discovery.stacks) {
    const gone = new Set(removed.filter((r) => r.stack === stack.name).map((r) => r.block));
    let run: number[] = [];
    for (const b of stack.blocks) {
      if (gone.has(b.index)) run.push(b.index);
      else if (run.length) {
        spans.push({ stack: stack.name, blocks: run });
        run = [];
      }
    }
    if (run.length) spans.push({ stack: stack.name, blocks: run });
  }
  for (const r of removed) {
    const ok = discovery.stacks.find((s) => s.name === r.stack)?.blocks.some((b) => b.index === r.block);
    if (!ok) throw new AppError('BAD_REQUEST', `there is no block ${r.stack}.${r.block} in the original model`);
  }
  return spans;
}

function describeSpan(s: { stack: string; blocks: number[] }): string {
  return `${s.stack}.${s.blocks[0]}${s.blocks.length > 1 ? `-${s.blocks.at(-1)}` : ''}`;
}

/**
 * The boundary tensors of each span: per stream, Y = what its last block outputs in the original
 * graph, and X = what the nodes that read Y in the original read instead in the pruned graph
 * (the span's entry, or whatever surgery left in its place when components of the block before
 * were removed too). X is null, with the reason, when nothing reads the stream any more.
 */
function resolveSpans(original: ModelProto, pruned: ModelProto, discovery: TDiscovery, groups: { stack: string; blocks: number[] }[]): TSpan[] {
  const byStack = new Map<string, Map<number, TStreamPair[]>>();
  const prunedByKey = new Map(pruned.graph!.node.map((n) => [nodeKey(n), n]));
  return groups.map((g) => {
    const stack = discovery.stacks.find((s) => s.name === g.stack)!;
    let streams = byStack.get(g.stack);
    if (!streams) {
      streams = stackStreams(original.graph!, stack);
      byStack.set(g.stack, streams);
    }
    const nodes = new Set(stack.blocks.filter((b) => g.blocks.includes(b.index)).flatMap((b) => b.nodes));
    // the streams the span hands on: its last block's (the context-pre-only last block has no context output)
    const pairs = streams.get(g.blocks.at(-1)!)!.map((p) => {
      const now = new Set<string>();
      for (const n of original.graph!.node) {
        if (nodes.has(n.name) || !n.input.includes(p.output)) continue;
        const m = prunedByKey.get(nodeKey(n));
        n.input.forEach((x, i) => m && x === p.output && now.add(m.input[i]));
      }
      // a graph output keeps its name through an Identity surgery adds
      const identity = pruned.graph!.node.find((n) => n.opType === 'Identity' && n.output[0] === p.output);
      if (identity) now.add(identity.input[0]);
      const input = now.size === 1 ? [...now][0] : null;
      const why = now.size === 0 ? 'nothing in the pruned model reads what the span handed on' : `the span's readers now read ${[...now].join(', ')}, not one tensor`;
      return { stream: p.stream, input, output: p.output, why: input ? null : why };
    });
    const blockOutputs = g.blocks.flatMap((b) => streams.get(b)!.map((p) => p.output));
    return { ...g, nodes, streams: pairs, blockOutputs };
  });
}

type TFitted = { stream: TStreamName; x: string; report: TStreamFit; fit: TAffineFit | null };

/** The model with the given maps of one span folded in (a new copy). */
function withMaps(current: ModelProto, original: ModelProto, span: TSpan, fits: TFitted[]): ModelProto {
  const model = clone(ModelProtoSchema, current);
  const graph = model.graph!;
  const label = describeSpan(span);
  const range = `${span.blocks[0]}-${span.blocks.at(-1)}`;
  for (const f of fits) {
    // the span's consumers now read its input; readers of that tensor in the original model
    // (outside the span) read it before the span and keep doing so
    const before = new Set(original.graph!.node.filter((n) => !span.nodes.has(n.name) && n.input.includes(f.x)).map(nodeKey));
    const readers = new Set(graph.node.filter((n) => n.input.includes(f.x) && !before.has(nodeKey(n))).map(nodeKey));
    const weightName = `${span.stack}.${range}.reconstruct.${f.stream}.weight`;
    const biasName = `${span.stack}.${range}.reconstruct.${f.stream}.bias`;
    const redirected = insertAffine(graph, f.x, readers, {
      weight: Float32Array.from(f.fit!.weight),
      bias: Float32Array.from(f.fit!.bias),
      weightName,
      biasName,
      scope: `${span.stack}_${range}/${f.stream}`,
    });
    if (redirected === 0) throw new AppError('INTERNAL', `${label}: nothing in the pruned model reads its ${f.stream} input ${f.x}`);
    f.report.weight = weightName;
    f.report.bias = biasName;
  }
  return model;
}

function spanSensitivity(s: TSensitivity | undefined, span: { stack: string; blocks: number[] }): number | null {
  if (!s) return null;
  const entries = toBlockLevel(s).entries.filter((e) => e.stack === span.stack && span.blocks.includes(e.block));
  return entries.length ? entries.reduce((a, e) => a + e.delta, 0) : null;
}

/**
 * Fits and folds a map over every span of removed blocks. `pruned` is `original` after
 * removeParts (whole blocks, possibly components too); `removedBlocks` are the whole blocks it
 * removed. Neither model is modified. With nothing removed, `pruned` comes back unchanged.
 */
export async function reconstructSpans(
  original: ModelProto,
  pruned: ModelProto,
  removedBlocks: TRemovedBlock[],
  calibration: TCalibrationSet,
  opts: TReconstructOptions = {},
): Promise<TReconstructResult> {
  if (calibration.feeds.length === 0) throw new AppError('BAD_REQUEST', 'reconstruction needs at least one calibration input');
  if (opts.lambda !== undefined && !(opts.lambda >= 0 && Number.isFinite(opts.lambda))) throw new AppError('BAD_REQUEST', `lambda must be a finite number ≥ 0 (got ${opts.lambda})`);
  if (opts.alpha !== undefined && !(opts.alpha > 0 && Number.isFinite(opts.alpha))) throw new AppError('BAD_REQUEST', `alpha must be a finite number > 0 (got ${opts.alpha})`);
  const threads = opts.threads ?? 1;
  const discovery = discoverBlocks(original);
  const prunedTensors = new Set([...pruned.graph!.node.flatMap((n) => n.output), ...pruned.graph!.input.map((i) => i.name)]);
  const spans = resolveSpans(original, pruned, discovery, groupSpans(removedBlocks, discovery));
  for (const span of spans) {
    const still = span.blockOutputs.find((t) => prunedTensors.has(t));
    if (still) throw new AppError('BAD_REQUEST', `${describeSpan(span)} is still in the pruned model (${still} is computed): pass the model removeParts returned for these blocks`);
  }

  const reference = await runWithOutputs(original, calibration, spans.flatMap((s) => s.streams.map((p) => p.output)), threads);
  const inputsOf = (span: TSpan | undefined) => (span ? span.streams.flatMap((p) => (p.input ? [p.input] : [])) : []);
  let current = pruned;
  let state: TRun = await runWithOutputs(current, calibration, inputsOf(spans[0]), threads);
  const errorBefore = relativeError(state.pred, reference.pred);
  let error = errorBefore;
  const reports: TSpanFit[] = [];
  const kernels = await RidgeKernels.create(threads);
  try {
    for (const [k, span] of spans.entries()) {
      const fitted: TFitted[] = [];
      for (const p of span.streams) {
        if (!p.input) {
          const report: TStreamFit = { name: p.stream, errorBefore: null, errorAfter: null, samples: 0, inputs: 0, lambda: 0, alpha: null, weights: [], applied: false, note: `no map: ${p.why}`, weight: null, bias: null };
          fitted.push({ stream: p.stream, x: '', report, fit: null });
          continue;
        }
        const { report, fit } = await fitStream(p.stream, state.tensors.get(p.input)!, reference.tensors.get(p.output)!, opts, kernels);
        fitted.push({ stream: p.stream, x: p.input, report, fit });
      }
      const useful = fitted.filter((f) => f.fit);
      const next = inputsOf(spans[k + 1]);
      // all useful maps together first; if that does not help the whole model, each alone
      const options = useful.length ? [useful, ...(useful.length > 1 ? useful.map((f) => [f]) : [])] : [];
      let best: { option: TFitted[]; model: ModelProto; run: TRun; error: number } | null = null;
      const tried: string[] = [];
      for (const option of options) {
        const model = withMaps(current, original, span, option);
        const run = await runWithOutputs(model, calibration, next, threads);
        const e = relativeError(run.pred, reference.pred);
        tried.push(`${option.map((f) => f.stream).join('+')}: ${e.toPrecision(4)}`);
        if (e < (best?.error ?? error)) best = { option, model, run, error: e };
        if (option === useful && best) break;
      }
      const modelErrorBefore = error;
      for (const f of useful) {
        if (best?.option.includes(f)) {
          f.report.applied = true;
        } else {
          f.report.weight = null;
          f.report.bias = null;
          f.report.note = `its map lowers the span-output error (${f.report.errorBefore!.toPrecision(4)} → ${f.report.errorAfter!.toPrecision(4)}) but not the denoiser's error (${error.toPrecision(4)}; with maps ${tried.join(', ')}): left out`;
        }
      }
      if (best) {
        current = best.model;
        state = best.run;
        error = best.error;
      } else if (next.length) {
        state = await runWithOutputs(current, calibration, next, threads);
      }
      reports.push({ stack: span.stack, blocks: span.blocks, streams: fitted.map((f) => f.report), modelErrorBefore, modelErrorAfter: error, sensitivity: spanSensitivity(opts.sensitivity, span) });
    }
  } finally {
    await kernels.release();
  }

  return {
    model: current,
    spans: reports,
    errorBefore,
    errorAfter: error,
    calibrationInputs: calibration.feeds.length,
    objective: OBJECTIVE,
    lambdaRule: opts.lambda === undefined ? `λ = α · trace(XᵀΩX) / D, α = ${opts.alpha ?? DEFAULT_ALPHA}` : `λ = ${opts.lambda} (given)`,
  };
}
