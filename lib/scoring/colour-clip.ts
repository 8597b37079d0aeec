import path from 'node:path';
import { AppError } from '../errors';
import { dot, l2Normalize, loadClipScorer, type TClipLoadOptions, type TClipScorer } from './clip';
import { clipPixels, type TClipPreprocess } from './clip-preprocess';
import { compositeOnGrey } from './crop';
import { GENEVAL_COLOURS } from './geneval-protocol';
import type { TColourCrop, TColourResult, TNamedColourClassifier } from './types';

/**
 * GenEval's own colour classifier (evaluate_images.py, color_classification), on any CLIP-style
 * scorer folder that lib/scoring/clip.ts loads:
 * - image: the pixels off the object's mask become #999 grey, the box is cut out with PIL's
 *   rounding (cropObject + compositeOnGrey: the official code greys the whole image first, then
 *   crops, which gives the same pixels), then CLIP's own preprocessing (clip-preprocess.ts). With
 *   no mask the raw box is used, as in the official code.
 * - text: per colour, the three prompts below with the object's class name; each embedding unit
 *   length, averaged over the templates and made unit length again (clip_benchmark's
 *   zero_shot_classifier). Embedded once per class, in one batch, and cached.
 * - the colour is the argmax of 100 x cosine(image, colour) over GenEval's ten colours (the first
 *   in GenEval's order on a tie); the scores are the softmax of those logits.
 * GenEval runs OpenAI CLIP ViT-L-14: colour-task scores are comparable with published GenEval
 * numbers only with that model (reports name the model that ran).
 */
export const CLIP_COLOUR_TEMPLATES = ['a photo of a {c} {object}', 'a photo of a {c}-colored {object}', 'a photo of a {c} object'] as const;
/** clip_benchmark's fixed logit scale (not the model's learned one). */
export const CLIP_COLOUR_LOGIT_SCALE = 100;
export const CLIP_COLOUR_CLASSIFIER_VERSION = '1';

/** What the classifier needs of a CLIP scorer (a test double can provide just this). */
export type TClipEncoders = Pick<TClipScorer, 'embedPixels' | 'embedTexts'> & { info: Pick<TClipScorer['info'], 'dir' | 'name' | 'fixture' | 'preprocess'> };

export type TClipColourClassifier = TNamedColourClassifier & {
  kind: 'clip';
  /** The class names whose colour prompts have been embedded so far. */
  cachedClasses(): string[];
  release(): Promise<void>;
};

/** The prompts for one class: one row per GenEval colour, one entry per template. */
export function colourPrompts(className: string): string[][] {
  return GENEVAL_COLOURS.map((c) => CLIP_COLOUR_TEMPLATES.map((t) => t.replace('{c}', c).replace('{object}', className)));
}

/** The image CLIP sees for one object: the masked crop on #999 grey, preprocessed to [3, S, S]. */
export function colourCropPixels(crop: TColourCrop, preprocess: TClipPreprocess): Float32Array {
  return clipPixels({ width: crop.width, height: crop.height, rgb: compositeOnGrey(crop) }, preprocess);
}

/** The classifier's id in reports: `clip:<model id>` (config.json `_name_or_path`), else `clip:<folder name>`. */
export function clipColourClassifierId(info: { dir: string; name: string | null }): string {
  return `clip:${info.name ?? path.basename(info.dir)}`;
}

/** Picks the colour with the highest logit and gives the softmax of the logits as scores. */
export function colourFromLogits(logits: readonly number[]): TColourResult {
  let best = 0;
  for (let k = 1; k < logits.length; k++) if (logits[k] > logits[best]) best = k;
  const exps = logits.map((l) => Math.exp(l - logits[best]));
  const sum = exps.reduce((a, b) => a + b, 0);
  return { colour: GENEVAL_COLOURS[best], scores: Object.fromEntries(GENEVAL_COLOURS.map((c, k) => [c, exps[k] / sum])) };
}

export function clipColourClassifier(encoders: TClipEncoders, release: () => Promise<void> = async () => {}): TClipColourClassifier {
  const { info } = encoders;
  // a promise per class, so objects of one class classified at once embed its prompts only once
  const weights = new Map<string, Promise<Float64Array[]>>();
  const classWeights = (className: string): Promise<Float64Array[]> => {
    let w = weights.get(className);
    if (!w) {
      w = (async () => {
        const rows = colourPrompts(className);
        const embeds = await encoders.embedTexts(rows.flat());
        const T = CLIP_COLOUR_TEMPLATES.length;
        return rows.map((_, c) => {
          const mean = new Float64Array(embeds[0].length);
          for (let t = 0; t < T; t++) embeds[c * T + t].forEach((v, i) => (mean[i] += v / T));
          return l2Normalize(mean);
        });
      })();
      w.catch(() => weights.delete(className));
      weights.set(className, w);
    }
    return w;
  };
  const id = clipColourClassifierId(info);
  return {
    id,
    kind: 'clip',
    title: `CLIP zero-shot on the masked crop (GenEval's method), model ${info.name ?? path.basename(info.dir)} from ${info.dir}${info.fixture ? ' (a test fixture: its colours mean nothing)' : ''}`,
    version: CLIP_COLOUR_CLASSIFIER_VERSION,
    fixture: info.fixture,
    async classify(crop, className) {
      if (!className) throw new AppError('BAD_REQUEST', 'the CLIP colour classifier needs the object\'s class name');
      const [w, [image]] = await Promise.all([classWeights(className), encoders.embedPixels([colourCropPixels(crop, info.preprocess)])]);
      return colourFromLogits(w.map((wc) => CLIP_COLOUR_LOGIT_SCALE * dot(image, wc)));
    },
    cachedClasses: () => [...weights.keys()],
    release,
  };
}

/** Loads a CLIP-style scorer folder (see clip.ts) as GenEval's colour classifier; release() when done. */
export async function loadClipColourClassifier(dir: string, opts: TClipLoadOptions = {}): Promise<TClipColourClassifier> {
  const scorer = await loadClipScorer(dir, opts);
  return clipColourClassifier(scorer, () => scorer.release());
}
