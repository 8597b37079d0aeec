import fs from 'node:fs';
import path from 'node:path';
import { generateRun, type TRunSummary } from '../../lib/inference/generate-run';
import { loadPrompts } from '../../lib/inference/prompts';
import { intFlag, type TCommand, UsageError } from '../framework';

export const generate: TCommand = {
  name: 'generate',
  summary: 'Generate images for a prompt set with a model (GenEval folder layout, PNG + WebP + provenance); resumes where it stopped.',
  args: 'MODEL_DIR',
  options: {
    prompts: { type: 'string', description: 'geneval (default; 553 prompts), shapes (the shapes world\'s 87, GenEval format) or a file (.jsonl records or one prompt a line)', valueName: 'SET' },
    out: { type: 'string', description: 'output folder (required)', valueName: 'DIR' },
    limit: { type: 'string', description: 'only the first N prompts', valueName: 'N' },
    'images-per-prompt': { type: 'string', description: 'images per prompt (default 4)', valueName: 'K' },
    steps: { type: 'string', description: 'sampling steps (default 20)', valueName: 'S' },
    guidance: { type: 'string', description: 'classifier-free guidance scale (default 3; 1 turns it off)', valueName: 'G' },
    seed: { type: 'string', description: 'base seed; image k of each prompt uses seed + k (default 0)', valueName: 'X' },
    threads: { type: 'string', description: 'onnxruntime threads (default ORT_THREADS)', valueName: 'N' },
    json: { type: 'boolean', description: 'print the summary as JSON' },
  },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give exactly one MODEL_DIR');
    if (!values.out) throw new UsageError('--out DIR is required');
    if (!fs.existsSync(path.join(positionals[0], 'model_index.json'))) throw new UsageError(`${positionals[0]} has no model_index.json: is it a model folder in the diffusers ONNX layout?`);
    const guidance = values.guidance === undefined ? 3 : Number(values.guidance);
    if (!(guidance >= 1 && guidance <= 50)) throw new UsageError(`--guidance must be a number from 1 to 50 (got ${JSON.stringify(values.guidance)})`);
    let prompts;
    try {
      prompts = loadPrompts((values.prompts as string | undefined) ?? 'geneval');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const limit = intFlag(values, 'limit', prompts.length, 1, prompts.length);
    const summary = await generateRun(
      positionals[0],
      values.out as string,
      prompts.slice(0, limit),
      {
        imagesPerPrompt: intFlag(values, 'images-per-prompt', 4, 1, 100),
        steps: intFlag(values, 'steps', 20, 1, 1000),
        guidance,
        seed: intFlag(values, 'seed', 0, 0, 2 ** 31 - 1),
        threads: values.threads === undefined ? undefined : intFlag(values, 'threads', 1, 1, 256),
      },
      (d, t) => void (!values.json && process.stderr.write(`\r  ${d}/${t} images`)),
    );
    if (!values.json) process.stderr.write('\n');
    if (values.json) console.log(JSON.stringify(summary, null, 2));
    else {
      console.log(`Generated ${summary.images} images (${summary.skipped} already there) in ${summary.out}`);
      if (summary.latency) console.log(`  ${summary.provider}: ${summary.latency.perImageMedianMs.toFixed(1)} ms per image (p90 ${summary.latency.perImageP90Ms.toFixed(1)}), ${summary.latency.perStepMedianMs.toFixed(2)} ms per denoiser step`);
      console.log(`  peak memory: ${(summary.peakRssBytes / 2 ** 20).toFixed(0)} MiB resident${gpuText(summary.gpuMemory)}`);
    }
    return 0;
  },
};

function gpuText(g: TRunSummary['gpuMemory']): string {
  if (!g?.available) return '';
  const mib = (b: number | null) => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MiB`);
  return `, GPU ${g.device}: ${mib(g.processBytes)} for this process, ${mib(g.deviceDeltaBytes)} above the device's use before the run`;
}
