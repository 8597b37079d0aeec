import path from 'node:path';
import { toBinary } from '@bufbuild/protobuf';
import { type ModelProto, ModelProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { readModel } from '../onnx/io';
import { calibrationSet, type TCalibrationSet } from './calibration';
import { discoverBlocks } from './discovery';
import type { TSensitivity } from './sensitivity';
import { removeParts, type TRemoval } from './surgery';

/** Runs a denoiser on every calibration input; returns one output array per input. */
export async function predictAll(model: ModelProto | string, calibration: TCalibrationSet, threads = 1): Promise<Float32Array[]> {
  const source = typeof model === 'string' ? model : toBinary(ModelProtoSchema, model);
  const session = await ort.InferenceSession.create(source as string, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  try {
    const out: Float32Array[] = [];
    for (const feeds of calibration.feeds) out.push((await session.run(feeds))[session.outputNames[0]].data as Float32Array);
    return out;
  } finally {
    await session.release();
  }
}

/** ‖pred − ref‖ / ‖ref‖ over all calibration outputs together. */
export function relativeError(pred: Float32Array[], ref: Float32Array[]): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < ref.length; k++) {
    for (let i = 0; i < ref[k].length; i++) {
      num += (pred[k][i] - ref[k][i]) ** 2;
      den += ref[k][i] ** 2;
    }
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/**
 * Block or component sensitivity of a bundle's denoiser: each part in turn is replaced by an
 * identity, and the relative error of the denoiser's prediction against the original is
 * measured over the calibration inputs (latents, timesteps, prompt embeddings).
 */
export async function measureSensitivity(
  bundleDir: string,
  opts: { level?: 'block' | 'component'; count?: number; seed?: number; threads?: number; onProgress?: (done: number, total: number, label: string) => void } = {},
): Promise<TSensitivity> {
  const level = opts.level ?? 'block';
  const denoiserFile = path.join(bundleDir, 'transformer', 'model.onnx');
  const model = readModel(denoiserFile).proto;
  const discovery = discoverBlocks(model);
  if (discovery.stacks.length === 0) throw new Error(`${denoiserFile}: no repeated transformer blocks found`);
  const calibration = await calibrationSet(bundleDir, { count: opts.count, seed: opts.seed });
  const reference = await predictAll(model, calibration, opts.threads);
  const parts: { removal: TRemoval; params: number; label: string }[] = [];
  for (const stack of discovery.stacks) {
    for (const block of stack.blocks) {
      if (level === 'block') parts.push({ removal: { stack: stack.name, block: block.index }, params: block.params, label: `${stack.name}.${block.index}` });
      else for (const c of block.components) parts.push({ removal: { stack: stack.name, block: block.index, component: c.name }, params: c.params, label: `${stack.name}.${block.index}.${c.name}` });
    }
  }
  const entries: TSensitivity['entries'] = [];
  for (const [i, part] of parts.entries()) {
    const pruned = removeParts(model, [part.removal], discovery).model;
    const error = relativeError(await predictAll(pruned, calibration, opts.threads), reference);
    entries.push({ stack: part.removal.stack, block: part.removal.block, component: part.removal.component ?? null, value: error, delta: error, params: part.params });
    opts.onProgress?.(i + 1, parts.length, part.label);
  }
  return {
    version: 1,
    model: path.basename(path.resolve(bundleDir)),
    source: `relative error of the denoiser's prediction over ${calibration.prompts.length} calibration inputs (GenEval prompts, seeded latents, timesteps spread over 0-1000)`,
    level,
    metric: 'relative-error',
    higherIsBetter: false,
    baseline: null,
    blockCount: Math.max(...discovery.stacks.map((s) => s.blocks.length)),
    totalParams: discovery.totalParams,
    entries,
  };
}

/**
 * Sensitivity measured the paper's way: with each part removed, generate images for a prompt set
 * and score them with an HPS-style scorer; the effect is the drop from the unpruned model's score.
 * Slower than the prediction error (a generation per part), and what the paper's ablation file holds.
 */
export async function measureScoreSensitivity(
  bundleDir: string,
  opts: { scorerDir: string; level?: 'block' | 'component'; prompts?: number; steps?: number; seed?: number; onProgress?: (done: number, total: number, label: string) => void },
): Promise<TSensitivity> {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const { writeModel } = await import('../onnx/io');
  const { generateRun } = await import('../inference/generate-run');
  const { TextToImagePipeline } = await import('../inference/pipeline');
  const { scoreHps } = await import('../scoring/hps');
  const { calibrationPrompts } = await import('./calibration');
  const level = opts.level ?? 'block';
  const src = path.resolve(bundleDir);
  const model = readModel(path.join(src, 'transformer', 'model.onnx')).proto;
  const discovery = discoverBlocks(model);
  if (discovery.stacks.length === 0) throw new Error(`${src}/transformer/model.onnx: no repeated transformer blocks found`);
  const prompts = calibrationPrompts(opts.prompts ?? 8).map((prompt, i) => ({ id: String(i).padStart(5, '0'), prompt }));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-score-sensitivity-'));
  let version = '';
  const scoreOf = async (denoiser: ModelProto | null, label: string): Promise<number> => {
    // a bundle that shares every part but the denoiser (links, not copies: real models are big)
    const dir = path.join(work, label.replace(/[^\w.-]/g, '_'));
    fs.mkdirSync(path.join(dir, 'transformer'), { recursive: true });
    for (const entry of fs.readdirSync(src)) if (entry !== 'transformer') fs.symlinkSync(path.join(src, entry), path.join(dir, entry));
    fs.copyFileSync(path.join(src, 'transformer', 'config.json'), path.join(dir, 'transformer', 'config.json'));
    if (denoiser) writeModel(denoiser, path.join(dir, 'transformer', 'model.onnx'));
    else fs.symlinkSync(path.join(src, 'transformer', 'model.onnx'), path.join(dir, 'transformer', 'model.onnx'));
    await generateRun(dir, path.join(dir, 'images'), prompts, { imagesPerPrompt: 1, steps: opts.steps ?? 8, guidance: 3, seed: opts.seed ?? 0 });
    await TextToImagePipeline.releaseAll();
    const result = await scoreHps(path.join(dir, 'images'), opts.scorerDir, { bootstrap: 100 });
    version = result.hpsVersion;
    fs.rmSync(dir, { recursive: true, force: true });
    return result.overall.mean;
  };
  try {
    const parts: { removal: TRemoval; params: number; label: string }[] = [];
    for (const stack of discovery.stacks) {
      for (const block of stack.blocks) {
        if (level === 'block') parts.push({ removal: { stack: stack.name, block: block.index }, params: block.params, label: `${stack.name}.${block.index}` });
        else for (const c of block.components) parts.push({ removal: { stack: stack.name, block: block.index, component: c.name }, params: c.params, label: `${stack.name}.${block.index}.${c.name}` });
      }
    }
    const baseline = await scoreOf(null, 'original');
    const entries: TSensitivity['entries'] = [];
    for (const [i, part] of parts.entries()) {
      const value = await scoreOf(removeParts(model, [part.removal], discovery).model, part.label);
      entries.push({ stack: part.removal.stack, block: part.removal.block, component: part.removal.component ?? null, value, delta: Math.abs(baseline - value), params: part.params });
      opts.onProgress?.(i + 1, parts.length, part.label);
    }
    return {
      version: 1,
      model: path.basename(src),
      source: `HPS (${version}) of ${prompts.length} calibration prompts x 1 image (${opts.steps ?? 8} steps, seed ${opts.seed ?? 0}) with each part replaced by an identity`,
      level,
      metric: `HPS ${version}`,
      higherIsBetter: true,
      baseline,
      blockCount: Math.max(...discovery.stacks.map((s) => s.blocks.length)),
      totalParams: discovery.totalParams,
      entries,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
