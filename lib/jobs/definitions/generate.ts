import { z } from 'zod';
import { defineJob, throwIfAborted, UnrecoverableError } from '../types';

/**
 * Fills a generation run: every prompt x image with the run's settings. Images already stored are
 * skipped, so a restarted job resumes; each image row is keyed by (run, prompt, sample).
 */
export const generateJob = defineJob({
  name: 'generate',
  title: 'Generate images',
  payload: z.object({ runId: z.string().min(1) }),
  maxAttempts: 3,
  async run({ runId }, ctx) {
    const repo = await import('../../generation/repository');
    const { variantBundle } = await import('../../models/service');
    const { TextToImagePipeline } = await import('../../inference/pipeline');
    const { encodeDisplayWebp, encodePng } = await import('../../inference/images');
    const { artifactStore } = await import('../../artifacts/store');
    const { imageSeed } = await import('../../inference/generate-run');
    const { quantile } = await import('../../stats/quantile');
    const { ORT_VERSION } = await import('../../inference/session');
    const { describeHardware, GpuMemorySampler } = await import('../../inference/gpu-memory');
    const run = await repo.findRun(runId);
    if (!run) throw new UnrecoverableError(`generation run ${runId} no longer exists`);
    const { dir } = await variantBundle(run.variantId);
    const pipeline = await TextToImagePipeline.load(dir);
    const gpu = pipeline.provider === 'cpu' ? null : new GpuMemorySampler();
    const prompts = JSON.parse(run.prompts) as { prompt: string }[];
    const done = await repo.existingImageKeys(runId);
    const total = prompts.length * run.imagesPerPrompt;
    const store = artifactStore();
    const imageMs: number[] = [];
    const stepMs: number[] = [];
    let n = 0;
    await gpu?.start();
    let gpuMemory = null;
    try {
      for (const [promptIndex, p] of prompts.entries()) {
        for (let sample = 0; sample < run.imagesPerPrompt; sample++) {
          n++;
          if (done.has(`${promptIndex}/${sample}`)) continue;
          throwIfAborted(ctx.signal);
          const seed = imageSeed(run.seed, sample);
          const g = await pipeline.generate({ prompt: p.prompt, seed, steps: run.steps, guidance: run.guidance });
          imageMs.push(g.totalMs);
          stepMs.push(...g.stepMs);
          const png = await store.put(await encodePng(g.rgb, g.width, g.height));
          const webp = await store.put(await encodeDisplayWebp(g.rgb, g.width, g.height));
          await repo.upsertImage({
            runId,
            promptIndex,
            sample,
            seed,
            pngSha256: png.sha256,
            webpSha256: webp.sha256,
            width: g.width,
            height: g.height,
            provenance: JSON.stringify({
              model: run.variant.model.name,
              variant: run.variant.name,
              variantId: run.variantId,
              prompt: p.prompt,
              seed,
              steps: run.steps,
              guidance: run.guidance,
              sampler: g.sampler,
              provider: g.provider,
              onnxruntime: ORT_VERSION,
              node: process.version,
              stepMs: g.stepMs,
            }),
          });
          await ctx.progress(n / total, `image ${n} of ${total}: ${p.prompt.slice(0, 60)}`);
        }
      }
    } finally {
      // stopped on failure too: the sampler polls nvidia-smi until told to stop
      gpuMemory = (await gpu?.stop()) ?? null;
    }
    const summary = {
      images: total,
      generatedThisAttempt: imageMs.length,
      provider: pipeline.provider,
      latency: imageMs.length ? { perImageMedianMs: quantile(imageMs, 0.5), perImageP90Ms: quantile(imageMs, 0.9), perStepMedianMs: quantile(stepMs, 0.5) } : null,
      // the worker process's peak so far: an upper bound for this run's memory
      workerPeakRssBytes: process.resourceUsage().maxRSS * 1024,
      gpuMemory,
      hardware: describeHardware(gpuMemory?.device),
      versions: { onnxruntime: ORT_VERSION, node: process.version },
    };
    await repo.setRunSummary(runId, JSON.stringify(summary));
    return summary;
  },
});
