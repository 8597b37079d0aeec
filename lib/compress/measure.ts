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
