import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { shippedDataFile } from '../data-files';
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

export type TCalibrationSet = {
  prompts: string[];
  /** Denoiser feeds, one batch per prompt: latent, token states, pooled embedding, timestep. */
  feeds: Record<string, ort.Tensor>[];
};

/**
 * Inputs for measuring a denoiser without generating images: for each prompt, its text
 * encoding, a seeded Gaussian latent and a timestep spread over the schedule (so early, middle
 * and late denoising steps all count).
 */
export async function calibrationSet(bundleDir: string, opts: { count?: number; seed?: number } = {}): Promise<TCalibrationSet> {
  const count = opts.count ?? 8;
  const prompts = calibrationPrompts(count);
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
      feeds.push({
        hidden_states: new ort.Tensor('float32', rng.normals(c * s * s, 1), [1, c, s, s]),
        encoder_hidden_states: enc.last_hidden_state,
        pooled_projections: enc.text_embeds,
        timestep: new ort.Tensor('float32', Float32Array.from([(1000 * (i + 0.5)) / prompts.length]), [1]),
      });
    }
  } finally {
    await te.release();
  }
  return { prompts, feeds };
}
