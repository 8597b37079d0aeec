import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModelProto } from 'onnx-buf';
import type { z } from 'zod';
import { AppError } from '../errors';
import { probeDenoiser, type TProbeResult } from '../inference/denoiser-probe';
import { ORT_VERSION } from '../inference/session';
import { readModel, writeModel } from '../onnx/io';
import { calibrationSet } from './calibration';
import { componentSizes, sumSizes, type TSizes } from './bundle-info';
import { discoverBlocks, type TDiscovery } from './discovery';
import { quantizeInt4, type TInt4Report } from './int4';
import { measureSensitivity, predictAll, relativeError } from './measure';
import { planPruning, type TPruningPlan } from './plan';
import { readSensitivity, type TSensitivity } from './sensitivity';
import { ZCompressRecipeSchema, type TCompressRecipe } from './recipe';
import { removeParts, type TRemoval } from './surgery';

/**
 * `arena compress` and the compress job: sensitivity → plan (or an explicit block list) →
 * surgery → optional reconstruction → optional INT4 → a loadable bundle plus a report of what
 * was removed, what it saved, what it costs in error, and how fast and big it runs.
 */
export { ZCompressRecipeSchema, type TCompressRecipe } from './recipe';

export type TCompressReport = {
  version: 1;
  source: string;
  output: string;
  recipe: z.infer<typeof ZCompressRecipeSchema>;
  plan: TPruningPlan | null;
  removed: { stack: string; block: number; component: string | null; params: number }[];
  reconstruction: unknown | null;
  /** The distillation plan written beside the model (budget plans only). */
  distillation: { file: string; enabled: boolean } | null;
  int4: TInt4Report['totals'] | null;
  components: Record<string, { before: TSizes; after: TSizes }>;
  total: { before: TSizes; after: TSizes };
  /** 1 - after/before of the weights at their stored precision (the memory footprint). */
  footprintReduction: { model: number; denoiser: number };
  /** Relative error of the compressed denoiser's prediction on held-out calibration inputs. */
  error: { relative: number; calibrationInputs: number; seed: number };
  latency: { before: TProbeResult; after: TProbeResult } | null;
  environment: { onnxruntime: string; node: string; cpu: string; cores: number };
  durationMs: number;
};

type TProgress = (fraction: number, message: string) => void | Promise<void>;

/** Parses "25-29,31-35" or "single_transformer_blocks:3-5" into block removals (inclusive ranges). */
export function parseBlockList(text: string, discovery: TDiscovery): TRemoval[] {
  const out: TRemoval[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:([a-z_]+):)?(\d+)(?:-(\d+))?$/.exec(raw);
    if (!m) throw new AppError('BAD_REQUEST', `"${raw}" is not a block or range (write e.g. 25-29,31 or single_transformer_blocks:3-5)`);
    const stack = m[1] ?? discovery.stacks[0]?.name;
    const blocks = discovery.stacks.find((s) => s.name === stack)?.blocks.map((b) => b.index);
    if (!blocks) throw new AppError('BAD_REQUEST', `the model has no block stack "${stack}" (it has ${discovery.stacks.map((s) => s.name).join(', ')})`);
    const from = Number(m[2]);
    const to = m[3] === undefined ? from : Number(m[3]);
    if (to < from) throw new AppError('BAD_REQUEST', `range ${raw} runs backwards`);
    for (let b = from; b <= to; b++) {
      if (!blocks.includes(b)) throw new AppError('BAD_REQUEST', `${stack} has no block ${b} (blocks ${blocks[0]}-${blocks.at(-1)})`);
      out.push({ stack: stack!, block: b });
    }
  }
  return out;
}

/** Copies a bundle except its denoiser weights, which the pipeline writes anew. */
function copyBundle(src: string, out: string) {
  fs.mkdirSync(out, { recursive: true });
  fs.cpSync(src, out, {
    recursive: true,
    filter: (p) => {
      const rel = path.relative(src, p);
      return !(rel.startsWith(`transformer${path.sep}model.onnx`) || rel === 'compress-report.json' || rel === 'distillation-plan.json');
    },
  });
}

export async function compressBundle(
  srcDir: string,
  outDir: string,
  recipeInput: TCompressRecipe,
  opts: { onProgress?: TProgress; sensitivity?: TSensitivity; signal?: AbortSignal } = {},
): Promise<TCompressReport> {
  const started = Date.now();
  const recipe = ZCompressRecipeSchema.parse(recipeInput);
  if (recipe.budget === undefined && recipe.removeBlocks === undefined && !recipe.int4) {
    throw new AppError('BAD_REQUEST', 'nothing to do: give a budget, a block list or INT4');
  }
  const src = path.resolve(srcDir);
  const out = path.resolve(outDir);
  if (src === out) throw new AppError('BAD_REQUEST', 'the output folder must differ from the model folder');
  const denoiserFile = path.join(src, 'transformer', 'model.onnx');
  if (!fs.existsSync(denoiserFile)) throw new AppError('BAD_REQUEST', `${src} has no transformer/model.onnx: is it a model in the diffusers ONNX layout?`);
  const progress = async (f: number, m: string) => {
    if (opts.signal?.aborted) throw new Error('aborted');
    await opts.onProgress?.(f, m);
  };

  await progress(0.02, 'reading the denoiser');
  const original = readModel(denoiserFile).proto;
  const discovery = discoverBlocks(original);
  if (discovery.stacks.length === 0 && (recipe.budget !== undefined || recipe.removeBlocks)) {
    throw new AppError('UNPROCESSABLE', `${denoiserFile}: no repeated transformer blocks found, so nothing can be pruned`);
  }

  let plan: TPruningPlan | null = null;
  let usedSensitivity: TSensitivity | null = null;
  let removals: TRemoval[] = [];
  const sizeOf = (r: TRemoval) => {
    const b = discovery.stacks.find((s) => s.name === r.stack)?.blocks.find((x) => x.index === r.block);
    return (r.component ? b?.components.find((c) => c.name === r.component)?.params : b?.params) ?? 0;
  };
  if (recipe.budget !== undefined) {
    let sensitivity = opts.sensitivity;
    if (!sensitivity) {
      await progress(0.05, `measuring ${recipe.level} sensitivity`);
      sensitivity = await measureSensitivity(src, {
        level: recipe.level,
        count: recipe.calibrationSamples,
        seed: recipe.seed,
        onProgress: (d, t, label) => void opts.onProgress?.(0.05 + 0.4 * (d / t), `sensitivity ${d}/${t}: ${label}`),
      });
    }
    usedSensitivity = sensitivity;
    plan = planPruning(sensitivity, {
      budget: recipe.budget,
      protectFirst: recipe.protectFirst,
      range: recipe.range,
      level: recipe.level,
      ranking: recipe.ranking,
      totalParams: discovery.totalParams,
    });
    if (!plan.feasible) throw new AppError('UNPROCESSABLE', plan.message);
    removals = plan.removed.map((r) => ({ stack: r.stack, block: r.block, component: r.component }));
  } else if (recipe.removeBlocks) {
    removals = parseBlockList(recipe.removeBlocks, discovery);
    const protectedHit = removals.filter((r) => r.block < recipe.protectFirst);
    if (protectedHit.length) throw new AppError('BAD_REQUEST', `blocks ${protectedHit.map((r) => r.block).join(', ')} are protected (--protect-first ${recipe.protectFirst})`);
  }

  await progress(0.5, `removing ${removals.length} ${recipe.level === 'component' ? 'components' : 'blocks'}`);
  let model: ModelProto = removeParts(original, removals, discovery).model;

  const calibration = recipe.reconstruct ? await calibrationSet(src, { count: recipe.calibrationSamples, seed: recipe.seed }) : null;
  let reconstruction: unknown = null;
  if (recipe.reconstruct && removals.length) {
    const blocks = removals.filter((r) => !r.component).map((r) => ({ stack: r.stack, block: r.block }));
    if (blocks.length) {
      await progress(0.6, 'reconstructing pruned spans (ridge regression)');
      const { reconstructSpans } = await import('./reconstruct');
      const result = await reconstructSpans(original, model, blocks, calibration!, {});
      model = result.model;
      reconstruction = { spans: result.spans, errorBefore: result.errorBefore, errorAfter: result.errorAfter };
    } else {
      reconstruction = { skipped: 'reconstruction maps whole pruned block spans; this plan removes components only' };
    }
  }

  let int4: TInt4Report['totals'] | null = null;
  if (recipe.int4) {
    await progress(0.7, `quantising weights to INT4 (block ${recipe.int4.blockSize})`);
    // Reconstruction maps are near-identity matrices that block-wise INT4 destroys: keep them float.
    const q = quantizeInt4(model, { blockSize: recipe.int4.blockSize, symmetric: recipe.int4.symmetric, skip: [/\.reconstruct\./] });
    model = q.model;
    int4 = q.report.totals;
  }

  await progress(0.75, 'writing the compressed model');
  copyBundle(src, out);
  writeModel(model, path.join(out, 'transformer', 'model.onnx'));
  // For external training code: what to freeze, how hard to distil each kept block, which losses.
  let distillation: { file: string; enabled: boolean } | null = null;
  if (plan && usedSensitivity && removals.length) {
    const { distillationPlan } = await import('./distill');
    const dp = distillationPlan(plan, usedSensitivity, discovery, { teacher: original });
    fs.writeFileSync(path.join(out, 'distillation-plan.json'), JSON.stringify(dp, null, 2) + '\n');
    distillation = { file: 'distillation-plan.json', enabled: dp.enabled };
  }
  const indexFile = path.join(out, 'model_index.json');
  if (fs.existsSync(indexFile)) {
    const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
    index.prunearena = { ...(index.prunearena ?? {}), compressedFrom: src, recipe, removed: removals };
    fs.writeFileSync(indexFile, JSON.stringify(index, null, 2) + '\n');
  }

  await progress(0.8, 'measuring the error on held-out calibration inputs');
  const heldOut = await calibrationSet(src, { count: recipe.calibrationSamples, seed: recipe.seed + 1 });
  const error = relativeError(await predictAll(path.join(out, 'transformer', 'model.onnx'), heldOut), await predictAll(original, heldOut));

  let latency: TCompressReport['latency'] = null;
  if (recipe.latencySteps > 0) {
    await progress(0.85, 'timing the denoiser before and after');
    const before = await probeDenoiser(src, denoiserFile, { steps: recipe.latencySteps });
    const after = await probeDenoiser(out, path.join(out, 'transformer', 'model.onnx'), { steps: recipe.latencySteps });
    latency = { before, after };
  }

  const beforeSizes = componentSizes(src);
  const afterSizes = componentSizes(out);
  const components = Object.fromEntries(Object.keys(beforeSizes).map((k) => [k, { before: beforeSizes[k], after: afterSizes[k] ?? beforeSizes[k] }]));
  const total = { before: sumSizes(Object.values(beforeSizes)), after: sumSizes(Object.values(afterSizes)) };
  const report: TCompressReport = {
    version: 1,
    source: src,
    output: out,
    recipe,
    plan,
    removed: removals.map((r) => ({ stack: r.stack, block: r.block, component: r.component ?? null, params: sizeOf(r) })),
    reconstruction,
    distillation,
    int4,
    components,
    total,
    footprintReduction: {
      model: 1 - total.after.weightBytes / total.before.weightBytes,
      denoiser: components.transformer ? 1 - components.transformer.after.weightBytes / components.transformer.before.weightBytes : 0,
    },
    error: { relative: error, calibrationInputs: heldOut.feeds.length, seed: recipe.seed + 1 },
    latency,
    environment: { onnxruntime: ORT_VERSION, node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length },
    durationMs: Date.now() - started,
  };
  fs.writeFileSync(path.join(out, 'compress-report.json'), JSON.stringify(report, null, 2) + '\n');
  await progress(1, 'done');
  return report;
}
