import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { shippedDataFile } from '../data-files';
import { prunearenaIndex } from './bundle-info';
import { Rng } from '../fixtures/random';
import { loadTokenizer } from '../inference/tokenizer';


/** A calibration prompt set: GenEval prompts taken in turn from each of its six tasks. */
export function calibrationPrompts(count: number): string[] {
  const byTag = new Map<string, string[]>();
  for (const line of fs.readFileSync(shippedDataFile('geneval', 'evaluation_metadata.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const { tag, prompt } = JSON.parse(line) as { tag: string; prompt: string };
    byTag.set(tag, [...(byTag.get(tag) ?? []), prompt]);
  }
  const tags = [...byTag.keys()];
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const list = byTag.get(tags[i % tags.length])!;
    out.push(list[Math.floor(i / tags.length) % list.length]);
  }
  return out;
}

/** The world a bundle was trained on (model_index.json's prunearena.world, as the shapes model records it), or null. */
export function bundleWorld(bundleDir: string): string | null {
  const world = prunearenaIndex(bundleDir).world;
  return typeof world === 'string' ? world : null;
}

/** Scenes for calibrating a shapes-world model: drawn from its training distribution, never from its evaluation set. */
const SHAPES_CALIBRATION_SEED = 2_000_000;

export type TCalibrationSet = {
  prompts: string[];
  /** Denoiser feeds, one batch per prompt: latent, token states, pooled embedding, timestep. */
  feeds: Record<string, ort.Tensor>[];
};

/**
 * Inputs for measuring a denoiser without generating images: for each prompt, its text
 * encoding, a latent and a timestep spread over the schedule (so early, middle and late
 * denoising steps all count). The latent is seeded Gaussian noise; for a model of the shapes
 * world, whose clean images we can draw, it is what the sampler sees at that timestep instead,
 * x_σ = (1 − σ)·x0 + σ·noise with x0 a scene of the prompt, so sensitivity and reconstruction
 * measure the model where it works.
 */
export async function calibrationSet(bundleDir: string, opts: { count?: number; seed?: number } = {}): Promise<TCalibrationSet> {
  const count = opts.count ?? 8;
  const scenes = bundleWorld(bundleDir) === 'shapes' ? await shapesScenes(count, opts.seed ?? 0) : null;
  const prompts = scenes ? scenes.map((s) => s.prompt) : calibrationPrompts(count);
  const tokenizer = loadTokenizer(bundleDir);
  const te = await ort.InferenceSession.create(path.join(bundleDir, 'text_encoder', 'model.onnx'), { intraOpNumThreads: 1 });
  const config = JSON.parse(fs.readFileSync(path.join(bundleDir, 'transformer', 'config.json'), 'utf8')) as { in_channels: number; sample_size: number };
  const rng = new Rng(opts.seed ?? 0);
  const feeds: Record<string, ort.Tensor>[] = [];
  try {
    for (let i = 0; i < prompts.length; i++) {
      const ids = tokenizer.encode(prompts[i]);
      const enc = await te.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]) });
      const { in_channels: c, sample_size: s } = config;
      const sigma = (i + 0.5) / prompts.length;
      const latent = rng.normals(c * s * s, 1);
      const x0 = scenes?.[i].latent;
      if (x0) {
        if (x0.length !== latent.length) throw new Error(`${bundleDir}: a shapes-world model with latents of ${c}x${s}x${s} does not match the world's ${x0.length} values`);
        for (let k = 0; k < latent.length; k++) latent[k] = (1 - sigma) * x0[k] + sigma * latent[k];
      }
      feeds.push({
        hidden_states: new ort.Tensor('float32', latent, [1, c, s, s]),
        encoder_hidden_states: enc.last_hidden_state,
        pooled_projections: enc.text_embeds,
        timestep: new ort.Tensor('float32', Float32Array.from([1000 * sigma]), [1]),
      });
    }
  } finally {
    await te.release();
  }
  return { prompts, feeds };
}

async function shapesScenes(count: number, seed: number): Promise<{ prompt: string; latent: Float32Array }[]> {
  const { sceneLatent } = await import('../train/data');
  return Array.from({ length: count }, (_, i) => sceneLatent(SHAPES_CALIBRATION_SEED + seed * 100_003 + i));
}
