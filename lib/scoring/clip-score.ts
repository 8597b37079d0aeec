import { z } from 'zod';
import { AppError } from '../errors';
import type { TProvider } from '../inference/session';
import { loadClipScorer } from './clip';
import { scoreFolder, type TFolderOptions, ZImageScoreSchema, ZOverallSchema, ZPromptScoreSchema, ZTagScoreSchema } from './clip-folder';
import { ZScorerInfoSchema } from './hps';

/**
 * CLIPScore (Hessel et al., 2021, "CLIPScore: A Reference-free Evaluation Metric for Image
 * Captioning"): CLIP-S(c, v) = w · max(cos(c, v), 0) with w = 2.5, which stretches the cosines
 * CLIP ViT-B/32 gives captions (about 0 to 0.4) towards 0 to 1. Text-to-image papers often
 * report the torchmetrics form instead, max(100 · cos, 0): that is the same formula with w = 100,
 * so `w` is recorded with every result and results with different `w` must not be mixed.
 */
export const HESSEL_W = 2.5;

export function clipScoreFromCosine(cos: number, w: number = HESSEL_W): number {
  return w * Math.max(cos, 0);
}

export const ZClipScoreResultSchema = z.object({
  metric: z.literal('clipscore'),
  w: z.number().positive(),
  imagesDir: z.string(),
  scorer: ZScorerInfoSchema,
  overall: ZOverallSchema,
  byTag: z.record(z.string(), ZTagScoreSchema),
  prompts: z.array(ZPromptScoreSchema),
  images: z.array(ZImageScoreSchema),
});
export type TClipScoreResult = z.infer<typeof ZClipScoreResultSchema>;

export type TClipScoreOptions = TFolderOptions & { w?: number; providers?: TProvider[]; threads?: number; batchSize?: number };

export async function scoreClip(imagesDir: string, scorerDir: string, opts: TClipScoreOptions = {}): Promise<TClipScoreResult> {
  const w = opts.w ?? HESSEL_W;
  if (!(w > 0 && Number.isFinite(w))) throw new AppError('BAD_REQUEST', `CLIPScore's w must be a positive number (got ${w})`);
  const scorer = await loadClipScorer(scorerDir, { providers: opts.providers, threads: opts.threads, batchSize: opts.batchSize });
  try {
    const scores = await scoreFolder(imagesDir, scorer, (cos) => clipScoreFromCosine(cos, w), opts);
    const { dir, name, layout, provider, fixture } = scorer.info;
    return { metric: 'clipscore', w, scorer: { dir, name, layout, provider, fixture }, ...scores };
  } finally {
    await scorer.release();
  }
}
