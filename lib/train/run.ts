import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { TextToImagePipeline } from '../inference/pipeline';
import { sampleExample } from '../shapes/scene';
import { hasCheckpoint } from './checkpoint';
import { Trainer, type TTrainConfig, type TTrainingEngine } from './train';

/**
 * A training run in one folder, so it can stop at any time and go on with `resume`:
 *   checkpoint/          the latest checkpoint (weights, Adam state, step)
 *   model/               the latest export, a diffusers ONNX bundle
 *   samples/step-N.png   sample grids drawn by our own pipeline from the export
 *   text-parts/          the frozen tokenizer and text encoder training conditions on
 */
export type TRunOptions = {
  out: string;
  /**
   * Train until this many steps in total (a resumed run counts the steps already done). A new
   * run plans its learning-rate decay to end here; a resumed run keeps its plan unless `replan`.
   * Omitted on resume: the run's planned length.
   */
  steps?: number;
  /** On resume: move the end of the learning-rate schedule to `steps` (a run cut short or extended). */
  replan?: boolean;
  resume: boolean;
  /** A new run's warm start: another run's folder or its checkpoint folder (see Trainer.create). */
  initFrom?: string;
  config: Partial<TTrainConfig>;
  /** What computes the gradients (see TTrainerOptions); default onnxruntime. */
  engine?: TTrainingEngine;
  /** Threads per step (see TTrainerOptions). */
  workers?: number;
  checkpointEvery: number;
  sampleEvery: number;
  onStep?: (p: TRunProgress) => void;
};

export type TRunProgress = { step: number; steps: number; loss: number; smoothedLoss: number; msPerStep: number };

export type TRunSummary = { out: string; step: number; startedAt: number; smoothedLoss: number | null; msPerStep: number | null; checkpoint: string; model: string; samples: string[] };

export const SAMPLE_PROMPT_COUNT = 8;
const SAMPLE_STEPS = 20;
const SAMPLE_GUIDANCE = 3;

/** The fixed prompts every sample grid draws (the same from step to step, so grids compare). */
export function samplePrompts(): string[] {
  return Array.from({ length: SAMPLE_PROMPT_COUNT }, (_, i) => sampleExample(900_000 + i).metadata.prompt);
}

/** A run folder's checkpoint/, or the folder itself when it is a checkpoint. */
function checkpointFolder(dir: string): string {
  const inRun = path.join(dir, 'checkpoint');
  if (hasCheckpoint(inRun)) return inRun;
  if (hasCheckpoint(dir)) return dir;
  throw new Error(`${dir} is neither a training run nor a checkpoint (no state.json): nothing to start from`);
}

export async function runTraining(o: TRunOptions): Promise<TRunSummary> {
  const checkpoint = path.join(o.out, 'checkpoint');
  const model = path.join(o.out, 'model');
  const saved = hasCheckpoint(checkpoint);
  if (!o.resume && saved) throw new Error(`${o.out} already holds a training run: pass resume to continue it, or choose another folder`);
  // a mistyped folder with resume would otherwise start a new hour-long run from scratch
  if (o.resume && !saved) throw new Error(`${o.out} holds no training checkpoint to resume: check the folder, or leave out resume to start a new run there`);
  const initFrom = o.initFrom === undefined ? undefined : checkpointFolder(o.initFrom);
  const opts = { engine: o.engine, workers: o.workers ?? 1 };
  const trainer = o.resume ? await Trainer.resume(checkpoint, o.out, opts) : await Trainer.create({ ...o.config, ...(o.steps ? { steps: o.steps } : {}) }, o.out, { ...opts, initFrom });
  // made only now: a run refused on its settings (a warm start of another size) leaves no folder behind
  fs.mkdirSync(o.out, { recursive: true });
  if (o.resume && o.replan && o.steps) trainer.replan(o.steps);
  const steps = o.steps ?? trainer.config.steps;
  const startedAt = trainer.step;
  const samples: string[] = [];
  let smoothed: number | null = null;
  let totalMs = 0;
  try {
    while (trainer.step < steps) {
      const r = await trainer.trainStep();
      totalMs += r.ms;
      smoothed = smoothed === null ? r.loss : 0.98 * smoothed + 0.02 * r.loss;
      o.onStep?.({ step: r.step, steps, loss: r.loss, smoothedLoss: smoothed, msPerStep: totalMs / (r.step - startedAt) });
      const done = r.step === steps;
      if (done || r.step % o.checkpointEvery === 0) await trainer.save(checkpoint);
      if (done || r.step % o.sampleEvery === 0) samples.push(await sampleGrid(trainer, model, path.join(o.out, 'samples', `step-${String(r.step).padStart(6, '0')}.png`)));
    }
  } finally {
    await trainer.dispose();
    await TextToImagePipeline.releaseAll();
  }
  const ran = trainer.step - startedAt;
  return { out: o.out, step: trainer.step, startedAt, smoothedLoss: smoothed, msPerStep: ran ? totalMs / ran : null, checkpoint, model, samples };
}

/** Exports the current weights and draws the fixed prompts with our pipeline, one row of images. */
export async function sampleGrid(trainer: Trainer, modelDir: string, file: string): Promise<string> {
  // the pipeline caches open sessions by folder: close them before the export replaces the files
  await TextToImagePipeline.releaseAll();
  await trainer.export(modelDir);
  const pipe = await TextToImagePipeline.load(modelDir);
  const images = [];
  for (const prompt of samplePrompts()) images.push(await pipe.generate({ prompt, seed: 0, steps: SAMPLE_STEPS, guidance: SAMPLE_GUIDANCE }));
  await TextToImagePipeline.releaseAll();
  const { width: w, height: h } = images[0];
  const cols = 4;
  const rows = Math.ceil(images.length / cols);
  const gap = 2;
  const W = cols * w + (cols + 1) * gap;
  const H = rows * h + (rows + 1) * gap;
  const grid = new Uint8Array(W * H * 3).fill(255);
  images.forEach((img, i) => {
    const x0 = gap + (i % cols) * (w + gap);
    const y0 = gap + Math.floor(i / cols) * (h + gap);
    for (let y = 0; y < h; y++) grid.set(img.rgb.subarray(y * w * 3, (y + 1) * w * 3), ((y0 + y) * W + x0) * 3);
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(grid), { raw: { width: W, height: H, channels: 3 } })
    .png({ compressionLevel: 9 })
    .toFile(file);
  fs.writeFileSync(file.replace(/\.png$/, '.txt'), samplePrompts().join('\n') + '\n');
  return file;
}
