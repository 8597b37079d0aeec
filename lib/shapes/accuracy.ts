import { PIXEL_COLOUR_CLASSIFIER } from '../scoring/colour-pixel';
import { cropObject } from '../scoring/crop';
import { boxIou, GENEVAL_PROTOCOL } from '../scoring/geneval-protocol';
import { degrade } from './degrade';
import { detectShapes, type TShapeDetection } from './detector';
import { renderScene, type TTruthObject } from './render';
import { sampleExample } from './scene';
import { GRID, SHAPE_CLASSES, type TShapeClass } from './world';

/**
 * The detector measured against the generator's ground truth: scenes of consecutive seeds are
 * rendered (optionally blurred and speckled), detected, and each class's detections (above
 * GenEval's 0.3) are matched to that class's true objects, most confident first, at IoU ≥ 0.5.
 */

/** The first seed the accuracy checks use: the detector's rules were set on seeds below it. */
export const HELD_OUT_SEED = 1_000_000;

export type TAccuracyOptions = {
  scenes: number;
  /** First seed (default HELD_OUT_SEED). */
  seed?: number;
  size: number;
  /** Gaussian blur σ in grid units (1/16 of the image; default 0) and noise std in levels (default 0). */
  blur?: number;
  noise?: number;
};

export type TClassAccuracy = { class: TShapeClass; objects: number; detections: number; matched: number; precision: number; recall: number };

export type TAccuracyReport = {
  scenes: number;
  size: number;
  blur: number;
  noise: number;
  objects: number;
  classes: TClassAccuracy[];
  /** Over matched objects: the detector's palette colour, and GenEval's pixel colour judge on its mask, against the truth. */
  colour: { detector: number; judge: number };
  /** True objects matched with a score above GenEval's counting threshold (0.9). */
  recallForCounting: number;
  /** Scenes where every object was found with its class and nothing else was: what GenEval's counting needs. */
  exactScenes: number;
  /** Up to 10 scenes that were not exact, for a look. */
  misses: { seed: number; prompt: string; truth: string[]; detected: string[] }[];
};

/** Greedy matching of one class: detections most confident first, each to the free object it overlaps most (IoU ≥ 0.5). */
function matchClass(dets: TShapeDetection[], truth: TTruthObject[]): [TShapeDetection, TTruthObject][] {
  const free = new Set(truth);
  const pairs: [TShapeDetection, TTruthObject][] = [];
  for (const d of dets) {
    let best: TTruthObject | null = null;
    let bestIou = 0.5;
    for (const t of free) {
      const iou = boxIou(d.box, t.box);
      if (iou >= bestIou) [best, bestIou] = [t, iou];
    }
    if (best) {
      free.delete(best);
      pairs.push([d, best]);
    }
  }
  return pairs;
}

const share = (n: number, d: number) => (d ? n / d : 1);

export async function measureDetector(o: TAccuracyOptions): Promise<TAccuracyReport> {
  const first = o.seed ?? HELD_OUT_SEED;
  const blur = o.blur ?? 0;
  const noise = o.noise ?? 0;
  const counts = new Map(SHAPE_CLASSES.map((c) => [c, { objects: 0, detections: 0, matched: 0 }]));
  let objects = 0;
  let colourDetector = 0;
  let colourJudge = 0;
  let matchedAll = 0;
  let countable = 0;
  let exact = 0;
  const misses: TAccuracyReport['misses'] = [];
  for (let seed = first; seed < first + o.scenes; seed++) {
    const example = sampleExample(seed);
    const rendered = renderScene(example.scene, o.size);
    const image = blur || noise ? degrade(rendered.image, { blur: (blur * o.size) / GRID, noise, seed }) : rendered.image;
    const dets = detectShapes(image).filter((d) => d.score > GENEVAL_PROTOCOL.threshold);
    objects += rendered.objects.length;
    let sceneMatched = 0;
    for (const cls of SHAPE_CLASSES) {
      const c = counts.get(cls)!;
      const mine = dets.filter((d) => d.class === cls);
      const truth = rendered.objects.filter((t) => t.class === cls);
      const pairs = matchClass(mine, truth);
      c.objects += truth.length;
      c.detections += mine.length;
      c.matched += pairs.length;
      sceneMatched += pairs.length;
      for (const [d, t] of pairs) {
        matchedAll++;
        if (d.score > GENEVAL_PROTOCOL.countingThreshold) countable++;
        if (d.colour === t.colour) colourDetector++;
        if ((await PIXEL_COLOUR_CLASSIFIER.classify(cropObject(image, d.box, d.mask), cls)).colour === t.colour) colourJudge++;
      }
    }
    if (sceneMatched === rendered.objects.length && dets.length === sceneMatched) exact++;
    else if (misses.length < 10) {
      misses.push({
        seed,
        prompt: example.metadata.prompt,
        truth: rendered.objects.map((t) => `${t.colour} ${t.class} [${t.box.map((v) => Math.round(v)).join(',')}]`),
        detected: dets.map((d) => `${d.colour} ${d.class} ${d.score.toFixed(2)} [${d.box.join(',')}]`),
      });
    }
  }
  return {
    scenes: o.scenes,
    size: o.size,
    blur,
    noise,
    objects,
    classes: SHAPE_CLASSES.map((cls) => {
      const c = counts.get(cls)!;
      return { class: cls, ...c, precision: share(c.matched, c.detections), recall: share(c.matched, c.objects) };
    }),
    colour: { detector: share(colourDetector, matchedAll), judge: share(colourJudge, matchedAll) },
    recallForCounting: share(countable, objects),
    exactScenes: share(exact, o.scenes),
    misses,
  };
}
