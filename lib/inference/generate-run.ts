import fs from 'node:fs';
import path from 'node:path';
import { quantile } from '../stats/quantile';
import { describeHardware, GpuMemorySampler, type TGpuMemory } from './gpu-memory';
import { encodeDisplayWebp, encodePng } from './images';
import { TextToImagePipeline } from './pipeline';
import type { TPrompt } from './prompts';
import { ORT_VERSION, type TProvider } from './session';

export type TRunOptions = { imagesPerPrompt: number; steps: number; guidance: number; seed: number; providers?: TProvider[]; threads?: number };

export type TRunSummary = {
  model: string;
  out: string;
  images: number;
  skipped: number;
  provider: TProvider | null;
  latency: { perImageMedianMs: number; perImageP90Ms: number; perStepMedianMs: number } | null;
  peakRssBytes: number;
  /** Peak GPU memory while generating (nvidia-smi), when the run was on a GPU provider. */
  gpuMemory: TGpuMemory | null;
  versions: { onnxruntime: string; node: string };
  /** Where it ran: the CPU model and core count, and the GPU when a GPU provider ran. */
  hardware: string;
};

/** Seed of image k of a prompt: base seed + k, the same for every variant of a model. */
export const imageSeed = (base: number, k: number) => (base + k) >>> 0;

/**
 * Generates every prompt x image into OUT/<prompt id>/samples/<k>.png (GenEval's folder layout,
 * with metadata.jsonl per prompt) plus a display WebP and a provenance record per image. Images
 * already there are skipped, so an interrupted run resumes where it stopped.
 */
export async function generateRun(modelDir: string, outDir: string, prompts: TPrompt[], o: TRunOptions, onProgress?: (done: number, total: number) => void | Promise<void>): Promise<TRunSummary> {
  const pipeline = await TextToImagePipeline.load(modelDir, { providers: o.providers, threads: o.threads });
  const total = prompts.length * o.imagesPerPrompt;
  const imageMs: number[] = [];
  const stepMs: number[] = [];
  let done = 0;
  let skipped = 0;
  const gpu = pipeline.provider === 'cpu' ? null : new GpuMemorySampler();
  await gpu?.start();
  let gpuMemory: TGpuMemory | null = null;
  try {
    for (const p of prompts) {
      const dir = path.join(outDir, p.id);
      fs.mkdirSync(path.join(dir, 'samples'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'metadata.jsonl'), JSON.stringify(p.metadata ?? { prompt: p.prompt }) + '\n');
      for (let k = 0; k < o.imagesPerPrompt; k++) {
        const png = path.join(dir, 'samples', `${String(k).padStart(4, '0')}.png`);
        if (fs.existsSync(png)) {
          skipped++;
        } else {
          const seed = imageSeed(o.seed, k);
          const g = await pipeline.generate({ prompt: p.prompt, seed, steps: o.steps, guidance: o.guidance });
          imageMs.push(g.totalMs);
          stepMs.push(...g.stepMs);
          fs.writeFileSync(png.replace(/\.png$/, '.webp'), await encodeDisplayWebp(g.rgb, g.width, g.height));
          fs.writeFileSync(
            png.replace(/\.png$/, '.json'),
            JSON.stringify({ model: path.resolve(modelDir), prompt: p.prompt, seed, steps: o.steps, guidance: o.guidance, sampler: g.sampler, provider: g.provider, onnxruntime: ORT_VERSION, node: process.version }, null, 2),
          );
          // the PNG last: its presence means the image is complete (resume skips it)
          const tmp = `${png}.tmp`;
          fs.writeFileSync(tmp, await encodePng(g.rgb, g.width, g.height));
          fs.renameSync(tmp, png);
        }
        done++;
        await onProgress?.(done, total);
      }
    }
  } finally {
    // stopped on failure too: the sampler polls nvidia-smi until told to stop
    gpuMemory = (await gpu?.stop()) ?? null;
  }
  return {
    model: path.resolve(modelDir),
    out: path.resolve(outDir),
    images: total - skipped,
    skipped,
    provider: imageMs.length ? pipeline.provider : null,
    latency: imageMs.length ? { perImageMedianMs: quantile(imageMs, 0.5), perImageP90Ms: quantile(imageMs, 0.9), perStepMedianMs: quantile(stepMs, 0.5) } : null,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    gpuMemory,
    versions: { onnxruntime: ORT_VERSION, node: process.version },
    hardware: describeHardware(gpuMemory?.device),
  };
}
