/**
 * bench/inference.ts: images per second of the text-to-image pipeline on the fixture, and the
 * pipeline's time per image next to the sum of the bare session.run calls it makes (text
 * encoder, one denoiser call per step with the CFG batch, VAE decoder) timed in the same run
 * on the same inputs: the overhead ratio (target under 1.05).
 *
 *   npx tsx bench/inference.ts [--images N] [--steps S]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { writeFixtureBundle } from '../lib/fixtures/bundle';
import { initialNoise } from '../lib/inference/noise';
import { TextToImagePipeline } from '../lib/inference/pipeline';
import { loadTokenizer } from '../lib/inference/tokenizer';

const { values } = parseArgs({ options: { images: { type: 'string', default: '20' }, steps: { type: 'string', default: '20' } } });
const IMAGES = Number(values.images);
const STEPS = Number(values.steps);
const GUIDANCE = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function bareRuns(dir: string, prompt: string, seed: number): Promise<number> {
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const te = await ort.InferenceSession.create(path.join(dir, 'text_encoder', 'model.onnx'), opts);
  const tr = await ort.InferenceSession.create(path.join(dir, 'transformer', 'model.onnx'), opts);
  const vae = await ort.InferenceSession.create(path.join(dir, 'vae_decoder', 'model.onnx'), opts);
  const tok = loadTokenizer(dir);
  const ids = BigInt64Array.from(['', prompt].flatMap((t) => tok.encode(t)).map(BigInt));
  const latent = new Float32Array(2 * 4 * 8 * 8);
  latent.set(initialNoise(seed, [1, 4, 8, 8]));
  latent.set(initialNoise(seed, [1, 4, 8, 8]), 256);
  const timings: number[] = [];
  for (let rep = 0; rep < IMAGES; rep++) {
    let t = 0;
    let t0 = performance.now();
    const enc = await te.run({ input_ids: new ort.Tensor('int64', ids, [2, tok.maxLength]) });
    t += performance.now() - t0;
    for (let i = 0; i < STEPS; i++) {
      t0 = performance.now();
      await tr.run({
        hidden_states: new ort.Tensor('float32', latent, [2, 4, 8, 8]),
        encoder_hidden_states: enc.last_hidden_state,
        pooled_projections: enc.text_embeds,
        timestep: new ort.Tensor('float32', Float32Array.from([500, 500]), [2]),
      });
      t += performance.now() - t0;
    }
    t0 = performance.now();
    await vae.run({ latent_sample: new ort.Tensor('float32', latent.subarray(0, 256), [1, 4, 8, 8]) });
    t += performance.now() - t0;
    timings.push(t);
  }
  for (const s of [te, tr, vae]) await s.release();
  return median(timings);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-bench-inference-'));
  try {
    writeFixtureBundle(dir, { blocks: 12 });
    console.log(`inference benchmark: fixture 12 x 64 (32x32 images), ${STEPS} steps, CFG ${GUIDANCE}, ${IMAGES} images, CPU provider, 1 thread; ${os.cpus().length} cores, ${os.cpus()[0]?.model}, node ${process.version}`);
    const pipeline = await TextToImagePipeline.load(dir, { providers: ['cpu'], threads: 1 });
    await pipeline.generate({ prompt: 'warm-up', seed: 0, steps: 2, guidance: GUIDANCE });
    const times: number[] = [];
    const started = performance.now();
    for (let i = 0; i < IMAGES; i++) times.push((await pipeline.generate({ prompt: 'a photo of a red circle', seed: i, steps: STEPS, guidance: GUIDANCE })).totalMs);
    const wall = (performance.now() - started) / 1000;
    const bare = await bareRuns(dir, 'a photo of a red circle', 0);
    const per = median(times);
    console.log(`  pipeline: ${(IMAGES / wall).toFixed(2)} images/s, ${per.toFixed(1)} ms per image (median)`);
    console.log(`  bare session.run calls for the same image: ${bare.toFixed(1)} ms (median)`);
    console.log(`  overhead ratio: ${(per / bare).toFixed(3)} (pipeline / bare runs; target < 1.05)`);
    await TextToImagePipeline.releaseAll();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
