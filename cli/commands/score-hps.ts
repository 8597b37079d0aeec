import { AppError } from '../../lib/errors';
import { BOOTSTRAP_DEFAULTS, type TOverall } from '../../lib/scoring/clip-folder';
import { HESSEL_W, scoreClip as runClipScore } from '../../lib/scoring/clip-score';
import { HPS_VERSIONS, scoreHps as runHps } from '../../lib/scoring/hps';
import { intFlag, type TCommand, type TOption, UsageError } from '../framework';

const shared: Record<string, TOption> = {
  scorer: { type: 'string', description: 'CLIP-style scorer folder (onnx/vision_model.onnx + onnx/text_model.onnx, or onnx/model.onnx), required', valueName: 'DIR' },
  bootstrap: { type: 'string', description: `bootstrap resamples for the 95% CI over prompts (default ${BOOTSTRAP_DEFAULTS.resamples})`, valueName: 'N' },
  seed: { type: 'string', description: `bootstrap seed (default ${BOOTSTRAP_DEFAULTS.seed})`, valueName: 'S' },
  batch: { type: 'string', description: 'images per scorer run (default 8)', valueName: 'N' },
  json: { type: 'boolean', description: 'print the full result (per image, per prompt, overall) as JSON' },
};

const LAYOUT = 'IMAGES_DIR is a folder of generated images in GenEval\'s layout: <id>/metadata.jsonl (with "prompt") and <id>/samples/<k>.png, as arena generate writes.';

function folderOptions(values: Record<string, unknown>, json: boolean) {
  return {
    bootstrap: intFlag(values, 'bootstrap', BOOTSTRAP_DEFAULTS.resamples, 1, 1_000_000),
    seed: intFlag(values, 'seed', BOOTSTRAP_DEFAULTS.seed, 0, 2 ** 31 - 1),
    batchSize: intFlag(values, 'batch', 8, 1, 1024),
    onProgress: json ? undefined : (done: number, total: number) => void process.stderr.write(`\r  ${done}/${total} images`),
  };
}

function requireInputs(values: Record<string, unknown>, positionals: string[]): { imagesDir: string; scorer: string } {
  if (positionals.length !== 1) throw new UsageError('give exactly one IMAGES_DIR');
  if (!values.scorer) throw new UsageError('--scorer DIR is required');
  return { imagesDir: positionals[0], scorer: values.scorer as string };
}

/** Bad folders, a scorer that cannot be read, mixed versions: the user's to fix, so usage errors. */
async function userErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError && err.status < 500) throw new UsageError(err.message);
    throw err;
  }
}

function printSummary(title: string, r: { scorer: { dir: string; fixture: boolean; provider: string }; overall: TOverall; byTag: Record<string, { mean: number; prompts: number }> }, digits: number) {
  const f = (x: number) => x.toFixed(digits);
  const o = r.overall;
  console.log(`${title}: ${f(o.mean)} (95% CI ${f(o.ci95[0])} to ${f(o.ci95[1])}; ${o.prompts} prompts, ${o.images} images)`);
  console.log(`  scorer ${r.scorer.dir} on ${r.scorer.provider}${r.scorer.fixture ? ' (a random-weight fixture: these scores mean nothing)' : ''}`);
  console.log(`  CI: percentile bootstrap over prompts, ${o.bootstrap.resamples} resamples, seed ${o.bootstrap.seed}`);
  for (const [tag, t] of Object.entries(r.byTag)) console.log(`  ${tag.padEnd(16)} ${f(t.mean)} (${t.prompts} prompts)`);
}

export const scoreHps: TCommand = {
  name: 'score hps',
  summary: 'HPS (v2 benchmark style: 100 x cosine of image and prompt) of a folder of generated images.',
  args: 'IMAGES_DIR',
  details: `${LAYOUT}\nThe scorer's config.json must say its "hps_version" (${HPS_VERSIONS.join(', ')}), or pass --hps-version; every result records it, and results of different versions are never combined.`,
  options: {
    ...shared,
    'hps-version': { type: 'string', description: `the scorer's HPS version when its config.json does not say (${HPS_VERSIONS.join(', ')})`, valueName: 'V' },
  },
  async run({ values, positionals }) {
    const { imagesDir, scorer } = requireInputs(values, positionals);
    const json = Boolean(values.json);
    const result = await userErrors(() => runHps(imagesDir, scorer, { ...folderOptions(values, json), version: values['hps-version'] as string | undefined }));
    if (!json) process.stderr.write('\n');
    if (json) console.log(JSON.stringify(result, null, 2));
    else printSummary(`HPS ${result.hpsVersion}`, result, 2);
    return 0;
  },
};

export const scoreClip: TCommand = {
  name: 'score clip',
  summary: "CLIPScore (Hessel et al.: w x max(cosine, 0), w = 2.5) of a folder of generated images.",
  args: 'IMAGES_DIR',
  details: `${LAYOUT}\nWith --w 100 the score is torchmetrics' CLIPScore, max(100 x cosine, 0), as text-to-image papers often report it.`,
  options: {
    ...shared,
    w: { type: 'string', description: `the scale w (default ${HESSEL_W}, Hessel et al.; 100 for torchmetrics' form)`, valueName: 'W' },
  },
  async run({ values, positionals }) {
    const { imagesDir, scorer } = requireInputs(values, positionals);
    const json = Boolean(values.json);
    let w = HESSEL_W;
    if (values.w !== undefined) {
      w = Number(values.w);
      if (!/^\s*\d+(\.\d+)?\s*$/.test(String(values.w)) || !(w > 0)) throw new UsageError(`--w must be a positive number (got ${JSON.stringify(values.w)})`);
    }
    const result = await userErrors(() => runClipScore(imagesDir, scorer, { ...folderOptions(values, json), w }));
    if (!json) process.stderr.write('\n');
    if (json) console.log(JSON.stringify(result, null, 2));
    else printSummary(`CLIPScore (w ${result.w})`, result, 4);
    return 0;
  },
};
