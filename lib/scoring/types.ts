/**
 * Types shared by the automatic scorers (GenEval now; HPS and CLIPScore later). Pixels are
 * 8-bit RGB, row-major, 3 bytes a pixel, no alpha; boxes are in pixels of that image.
 */

export type TRgbImage = { width: number; height: number; rgb: Uint8Array };

/** A binary mask the size of its image, row-major, 1 = object. */
export type TMask = { width: number; height: number; data: Uint8Array };

export type TBox = [x1: number, y1: number, x2: number, y2: number];

export type TDetection = {
  /** One of GenEval's 80 COCO class names, e.g. "dog", "sports ball". */
  class: string;
  /** Confidence in [0, 1]. */
  score: number;
  box: TBox;
  /** Instance mask over the whole image (same width and height as the image). */
  mask?: TMask;
};

/**
 * An object detector. It returns every detection it has (unthresholded or lightly thresholded):
 * the scorer applies the protocol's own thresholds and per-class limits.
 */
export type TDetector = (image: TRgbImage) => Promise<TDetection[]>;

/**
 * A named detector, so a report can say which one ran. `classes`: the names it detects, when they
 * are not GenEval's 80 COCO names (the shapes world's detector); the prompts' metadata must then
 * use these names.
 */
export type TNamedDetector = { id: string; title: string; detect: TDetector; classes?: readonly string[] };

/**
 * The pixels of one object: its box cut out of the image (raw pixels, nothing blended), and,
 * when the detector gave one, the mask over that box (1 = object, same size as the crop).
 */
export type TColourCrop = { width: number; height: number; rgb: Uint8Array; mask?: Uint8Array };

export type TColourResult = { colour: string; scores: Record<string, number> };

/** Names the colour of one object; `className` is its COCO class (CLIP's prompts name it). */
export type TColourClassifier = (crop: TColourCrop, className: string) => Promise<TColourResult>;

/**
 * A named colour classifier, so a report can say which one ran: `kind` 'clip' is GenEval's own
 * method (zero-shot CLIP), 'pixel' the model-free fallback. `fixture`: a test model whose colours
 * mean nothing.
 */
export type TNamedColourClassifier = { id: string; kind: 'clip' | 'pixel'; title: string; version: string; fixture?: boolean; classify: TColourClassifier };

export type TScorerInfo = {
  id: string;
  title: string;
  version: string;
  /** What the scorer needs besides the images, e.g. "detections" or "clip-model". */
  needs: string[];
};
