import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors';
import { Rng } from '../fixtures/random';
import { dot, type TClipScorer } from './clip';
import { parsePromptRecord, readPromptFolders, SCORER_FOLDER_RULES } from './geneval-images';
import { quantileSorted } from '../stats/quantile';

export const ZImageScoreSchema = z.object({ promptId: z.string(), file: z.string(), cosine: z.number(), score: z.number() });
export const ZPromptScoreSchema = z.object({ promptId: z.string(), prompt: z.string(), tag: z.string().nullable(), images: z.number().int(), mean: z.number() });
export const ZOverallSchema = z.object({
  mean: z.number(),
  ci95: z.tuple([z.number(), z.number()]),
  prompts: z.number().int(),
  images: z.number().int(),
  bootstrap: z.object({ resamples: z.number().int(), seed: z.number().int(), unit: z.literal('prompt') }),
});
export const ZTagScoreSchema = z.object({ mean: z.number(), prompts: z.number().int() });

export type TImageScore = z.infer<typeof ZImageScoreSchema>;
export type TPromptScore = z.infer<typeof ZPromptScoreSchema>;
export type TOverall = z.infer<typeof ZOverallSchema>;

export type TFolderScores = { imagesDir: string; images: TImageScore[]; prompts: TPromptScore[]; byTag: Record<string, z.infer<typeof ZTagScoreSchema>>; overall: TOverall };

export type TFolderOptions = { bootstrap?: number; seed?: number; onProgress?: (done: number, total: number) => void };

export const BOOTSTRAP_DEFAULTS = { resamples: 1000, seed: 0 } as const;

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Percentile bootstrap 95% interval of the mean: resample the values with replacement, seeded. */
export function bootstrapMeanCi(values: number[], resamples: number = BOOTSTRAP_DEFAULTS.resamples, seed: number = BOOTSTRAP_DEFAULTS.seed): [number, number] {
  if (values.length === 0) throw new AppError('BAD_REQUEST', 'no values to bootstrap');
  if (!Number.isInteger(resamples) || resamples < 1) throw new AppError('BAD_REQUEST', `bootstrap resamples must be a positive whole number (got ${resamples})`);
  const rng = new Rng(seed);
  const n = values.length;
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rng.next() * n)];
    means[r] = s / n;
  }
  means.sort();
  return [quantileSorted(means, 0.025), quantileSorted(means, 0.975)];
}

/**
 * Scores a folder of generated images in GenEval's layout (read by geneval-images.ts with
 * SCORER_FOLDER_RULES: .png, .jpg or .jpeg samples, "prompt" and GenEval's "tag" from
 * metadata.jsonl) with a CLIP-style scorer. Each image gets f(cosine(image, prompt)); a prompt's
 * score is the mean over its images; the overall score is the mean over prompts (each prompt
 * weighs the same, however many images it has), with a percentile-bootstrap 95% interval from
 * resampling prompts, seeded.
 *
 * Embeds each prompt once and its images in batches; `pairScore` turns a cosine into the metric.
 */
export async function scoreFolder(imagesDir: string, scorer: TClipScorer, pairScore: (cosine: number) => number, opts: TFolderOptions = {}): Promise<TFolderScores> {
  const root = path.resolve(imagesDir);
  const folders = readPromptFolders(root, SCORER_FOLDER_RULES, parsePromptRecord);
  const resamples = opts.bootstrap ?? BOOTSTRAP_DEFAULTS.resamples;
  const seed = opts.seed ?? BOOTSTRAP_DEFAULTS.seed;
  const total = folders.reduce((s, f) => s + f.images.length, 0);
  const textEmbeds = await scorer.embedTexts(folders.map((f) => f.metadata.prompt));
  const images: TImageScore[] = [];
  const prompts: TPromptScore[] = [];
  for (const [i, f] of folders.entries()) {
    const files = f.images.map((rel) => path.join(root, rel));
    const embeds = await scorer.embedImageFiles(files);
    const scores = embeds.map((e, k) => {
      const cos = dot(e, textEmbeds[i]);
      const score = pairScore(cos);
      images.push({ promptId: f.folder, file: path.relative(root, files[k]), cosine: cos, score });
      return score;
    });
    prompts.push({ promptId: f.folder, prompt: f.metadata.prompt, tag: f.metadata.tag, images: scores.length, mean: mean(scores) });
    opts.onProgress?.(images.length, total);
  }
  const promptMeans = prompts.map((p) => p.mean);
  const byTag: TFolderScores['byTag'] = {};
  for (const tag of [...new Set(prompts.map((p) => p.tag).filter((t): t is string => t !== null))].sort()) {
    const ps = prompts.filter((p) => p.tag === tag);
    byTag[tag] = { mean: mean(ps.map((p) => p.mean)), prompts: ps.length };
  }
  return {
    imagesDir: root,
    images,
    prompts,
    byTag,
    overall: { mean: mean(promptMeans), ci95: bootstrapMeanCi(promptMeans, resamples, seed), prompts: prompts.length, images: images.length, bootstrap: { resamples, seed, unit: 'prompt' } },
  };
}
