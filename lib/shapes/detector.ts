import type { TDetection, TNamedDetector, TRgbImage } from '../scoring/types';
import { segment, type TSegmentOptions } from './segment';
import { shapeFeatures, shapeScores, type TShapeFeatures, type TShapeScores } from './shape-features';
import { fitFactor, shapeFit } from './shape-fit';
import { GRID, SHAPE_CLASSES, SIZES, type TShapeClass, type TShapeColour } from './world';

/**
 * The shapes world's GenEval detector: colour segmentation (segment.ts), shape classification
 * from moments (shape-features.ts) and the fit of the outline (shape-fit.ts). No model, no
 * download, the same answer on every machine.
 *
 * Each blob becomes one detection of its most likely shape: its box (pixel edges: the core and
 * the fainter pixels joined to it), its core as the mask (what GenEval's colour judge looks at:
 * pixels at least half the object's colour), and a score = that shape's probability x a size
 * factor that falls below 1 for blobs under half the area of the smallest object the world draws
 * (a speck of colour is not an object) x a fit factor that falls below 1 when the core's outline
 * is not that shape's (a smear is not a circle because it is more round than square). A crisp
 * rendering scores above 0.95, over GenEval's 0.9 for counting prompts.
 *
 * Version 2 added the fit factor: version 1 named every blob as some shape, so an image of
 * scattered colour fragments passed prompts a clean drawing failed.
 */

export const SHAPES_DETECTOR_VERSION = '2';

export type TShapeDetection = TDetection & {
  class: TShapeClass;
  /** The palette colour the blob was segmented as (GenEval's judge names colours itself). */
  colour: TShapeColour;
  features: TShapeFeatures;
  shapes: TShapeScores;
  /** The IoU of the core and the class's ideal outline (shapeFit). */
  fit: number;
};

/** Half the area of a 6-unit triangle (the smallest object drawn), in grid units². */
const MIN_OBJECT_UNITS = (SIZES[3][0] * SIZES[3][0]) / 4;

export function detectShapes(img: TRgbImage, o: TSegmentOptions = {}): TShapeDetection[] {
  const { width: W, height: H } = img;
  // the world's scenes, and every image a shapes model draws, are square; the outline fit assumes it
  if (W !== H) throw new Error(`the shapes detector reads square images (got ${W}x${H})`);
  const { blobs } = segment(img, o);
  const minObject = MIN_OBJECT_UNITS * ((W / GRID) * (H / GRID));
  const out: TShapeDetection[] = blobs.map((b) => {
    const features = shapeFeatures(b.support.map(({ index, weight }) => ({ x: (index % W) + 0.5, y: Math.floor(index / W) + 0.5, w: weight })));
    const shapes = shapeScores(features);
    const cls = SHAPE_CLASSES.reduce((best, c) => (shapes[c] > shapes[best] ? c : best));
    const mask = new Uint8Array(W * H);
    for (const i of b.core) mask[i] = 1;
    const fit = shapeFit(mask, W, cls);
    const score = shapes[cls] * Math.min(1, features.area / minObject) * fitFactor(fit);
    return { class: cls, score, box: b.box, mask: { width: W, height: H, data: mask }, colour: b.colour, features, shapes, fit };
  });
  return out.sort((a, b) => b.score - a.score);
}

export const SHAPES_DETECTOR: TNamedDetector = {
  id: `shapes-moments-v${SHAPES_DETECTOR_VERSION}`,
  title: 'shapes world: colour segmentation and shape moments (circle, square, triangle)',
  classes: SHAPE_CLASSES,
  detect: async (img) => detectShapes(img),
};
