/**
 * bench/gpu.ts: the GPU path of onnxruntime-node next to its CPU path, in the same process, on
 * fixture models of three sizes: which provider actually opened, time per denoiser step and per
 * image (medians), the speed-up over CPU, GPU memory (nvidia-smi) and peak RSS, and how far the
 * GPU's image is from the CPU's for the same prompt and seed (they should agree to a few levels).
 *
 *   npx tsx bench/gpu.ts [--providers webgpu,cpu] [--images 3] [--steps 10] [--sizes small,medium,large] [--json FILE]
 *
 * The fixtures are random-weight models (they draw noise): the figures are about the runtime,
 * not image quality. Sizes: small is the default fixture (12 blocks x 64, 8x8 latents), medium
 * 12 x 256 on 16x16 latents, large 12 x 512 on 32x32 latents (1024 image tokens per step).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFixtureBundle, type TFixtureOptions } from '../lib/fixtures/bundle';
import { GpuMemorySampler, type TGpuMemory } from '../lib/inference/gpu-memory';
import { TextToImagePipeline, type TGeneration } from '../lib/inference/pipeline';
import { ORT_VERSION, type TProvider } from '../lib/inference/session';
import { quantile } from '../lib/stats/quantile';

const SIZES: Record<string, TFixtureOptions> = {
  small: {},
  medium: { blocks: 12, hidden: 256, heads: 4, latentSize: 16 },
  large: { blocks: 12, hidden: 512, heads: 8, latentSize: 32 },
};

const { values } = parseArgs({
  options: {
    providers: { type: 'string', default: 'webgpu,cpu' },
    images: { type: 'string', default: '3' },
    steps: { type: 'string', default: '10' },
    sizes: { type: 'string', default: 'small,medium,large' },
    json: { type: 'string' },
  },
});
const providers = values.providers.split(',') as TProvider[];
const IMAGES = Number(values.images);
const STEPS = Number(values.steps);
const GUIDANCE = 3;

type TResult = {
  size: string;
  asked: TProvider;
  provider: TProvider | null;
  error?: string;
  openMs?: number;
  stepMs?: number;
  imageMs?: number;
  gpu?: TGpuMemory;
  peakRssMiB?: number;
  maxPixelDiffVsCpu?: number;
  meanPixelDiffVsCpu?: number;
};

async function runOne(dir: string, size: string, asked: TProvider): Promise<{ result: TResult; images: TGeneration[] }> {
  const sampler = new GpuMemorySampler(100);
  await sampler.start();
  const t0 = performance.now();
  let pipeline: TextToImagePipeline;
  try {
    pipeline = await TextToImagePipeline.load(dir, { providers: [asked], threads: 0 });
  } catch (err) {
    await sampler.stop();
    return { result: { size, asked, provider: null, error: (err as Error).message.slice(0, 400) }, images: [] };
  }
  const openMs = performance.now() - t0;
  await pipeline.generate({ prompt: 'warm-up', seed: 99, steps: 2, guidance: GUIDANCE });
  const images: TGeneration[] = [];
  for (let i = 0; i < IMAGES; i++) images.push(await pipeline.generate({ prompt: 'a photo of a red circle', seed: i, steps: STEPS, guidance: GUIDANCE }));
  const gpu = await sampler.stop();
  await TextToImagePipeline.releaseAll();
  return {
    result: {
      size,
      asked,
      provider: pipeline.provider,
      openMs,
      stepMs: quantile(images.flatMap((g) => g.stepMs), 0.5),
      imageMs: quantile(images.map((g) => g.totalMs), 0.5),
      gpu,
      peakRssMiB: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    },
    images,
  };
}

function pixelDiff(a: TGeneration[], b: TGeneration[]): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    for (let k = 0; k < a[i].rgb.length; k++) {
      const d = Math.abs(a[i].rgb[k] - b[i].rgb[k]);
      max = Math.max(max, d);
      sum += d;
      n++;
    }
  }
  return { max, mean: n ? sum / n : 0 };
}

async function main() {
  console.log(`gpu benchmark: ${STEPS} steps, CFG ${GUIDANCE}, ${IMAGES} images per size and provider; onnxruntime-node ${ORT_VERSION}, node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model})`);
  const results: TResult[] = [];
  for (const size of values.sizes.split(',')) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `arena-bench-gpu-${size}-`));
    try {
      writeFixtureBundle(dir, SIZES[size]);
      const bySize = new Map<TProvider, TGeneration[]>();
      for (const asked of providers) {
        const { result, images } = await runOne(dir, size, asked);
        bySize.set(asked, images);
        results.push(result);
      }
      const cpu = bySize.get('cpu');
      for (const r of results.filter((x) => x.size === size && x.asked !== 'cpu' && x.provider)) {
        if (!cpu?.length) continue;
        const d = pixelDiff(bySize.get(r.asked) ?? [], cpu);
        r.maxPixelDiffVsCpu = d.max;
        r.meanPixelDiffVsCpu = d.mean;
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const r of results) {
    if (!r.provider) {
      console.log(`  ${r.size.padEnd(6)} ${r.asked.padEnd(6)} did not open: ${r.error}`);
      continue;
    }
    const cpu = results.find((x) => x.size === r.size && x.asked === 'cpu' && x.provider);
    const speedup = cpu?.stepMs && r.stepMs ? ` (${(cpu.stepMs / r.stepMs).toFixed(2)}x CPU)` : '';
    const gpu = r.gpu?.available ? `, GPU ${r.gpu.device}: process ${r.gpu.processBytes === null ? 'n/a' : (r.gpu.processBytes / 2 ** 20).toFixed(0) + ' MiB'}, device +${((r.gpu.deviceDeltaBytes ?? 0) / 2 ** 20).toFixed(0)} MiB` : '';
    const diff = r.maxPixelDiffVsCpu === undefined ? '' : `, pixels vs CPU: max ${r.maxPixelDiffVsCpu}, mean ${r.meanPixelDiffVsCpu?.toFixed(3)}`;
    console.log(
      `  ${r.size.padEnd(6)} ${r.asked.padEnd(6)} ran on ${r.provider}: open ${r.openMs?.toFixed(0)} ms, step ${r.stepMs?.toFixed(2)} ms${speedup}, image ${r.imageMs?.toFixed(1)} ms, peak RSS ${r.peakRssMiB?.toFixed(0)} MiB${gpu}${diff}`,
    );
  }
  if (values.json) fs.writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), onnxruntime: ORT_VERSION, node: process.version, cpus: os.cpus().length, results }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
