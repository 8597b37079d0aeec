import { GENEVAL_COLOURS, type TGenEvalColour } from './geneval-protocol';
import type { TColourCrop, TNamedColourClassifier } from './types';

/**
 * A colour classifier that needs no model: every object pixel (the mask inside the box; the whole
 * box when there is no mask or the mask is empty there) is converted to CIELAB (sRGB, D65) and
 * named by the rules below; the object's colour is the name most of its pixels get, and the
 * scores are the shares of pixels per name. GenEval itself classifies the masked crop with CLIP
 * ViT-L-14 zero-shot; this fallback is not the same judge, so colour-task scores made with it are
 * not comparable with published GenEval numbers (reports say which classifier ran).
 *
 * Rules, on lightness L (0-100), chroma C = |(a, b)| and hue h = atan2(b, a) in degrees:
 * - achromatic when C < 10, or C < 18 and L > 85 (cream, off-white), or C < 20 and L < 25
 *   (near-black): white if L >= 50, else black (GenEval has no grey);
 * - black when L < 12 whatever the hue;
 * - otherwise by hue (sRGB primaries: red 40°, orange 73°, yellow 103°, green 136°, blue 306°,
 *   purple 328°, pink 8°):
 *     [345°, 20°)  pink, or red when dark (L < 45)
 *     [20°, 55°)   red; pink when light and soft (L >= 65, C < 60); brown when dull (C < 50, L < 60)
 *     [55°, 85°)   orange; brown when dark (L < 55) or dull (C < 35)
 *     [85°, 110°)  yellow; brown when dark (L < 45)
 *     [110°, 190°) green
 *     [190°, 310°) blue
 *     [310°, 345°) purple; pink when light (L >= 65)
 */
export const PIXEL_COLOUR_CLASSIFIER_VERSION = '1';

/** One reference swatch per GenEval colour (the usual sRGB names), for tests and documentation. */
export const COLOUR_SWATCHES: Record<TGenEvalColour, [number, number, number]> = {
  red: [255, 0, 0],
  orange: [255, 165, 0],
  yellow: [255, 255, 0],
  green: [0, 128, 0],
  blue: [0, 0, 255],
  purple: [128, 0, 128],
  pink: [255, 192, 203],
  brown: [139, 69, 19],
  black: [0, 0, 0],
  white: [255, 255, 255],
};

const LINEAR = Float64Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/** sRGB (0-255) to CIELAB under D65. */
export function rgbToLab(r: number, g: number, b: number): [number, number, number] {
  const [R, G, B] = [LINEAR[r], LINEAR[g], LINEAR[b]];
  const x = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const [fx, fy, fz] = [f(x), f(y), f(z)];
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** The GenEval colour name of one pixel, by the rules above. */
export function pixelColour(r: number, g: number, b: number): TGenEvalColour {
  const [L, A, B] = rgbToLab(r, g, b);
  const C = Math.hypot(A, B);
  if (C < 10 || (C < 18 && L > 85) || (C < 20 && L < 25)) return L >= 50 ? 'white' : 'black';
  if (L < 12) return 'black';
  const h = ((Math.atan2(B, A) * 180) / Math.PI + 360) % 360;
  if (h >= 345 || h < 20) return L < 45 ? 'red' : 'pink';
  if (h < 55) return L >= 65 && C < 60 ? 'pink' : C < 50 && L < 60 ? 'brown' : 'red';
  if (h < 85) return L < 55 || C < 35 ? 'brown' : 'orange';
  if (h < 110) return L < 45 ? 'brown' : 'yellow';
  if (h < 190) return 'green';
  if (h < 310) return 'blue';
  return L >= 65 ? 'pink' : 'purple';
}

export async function classifyColourByPixels(crop: TColourCrop): Promise<{ colour: TGenEvalColour; scores: Record<string, number> }> {
  const n = crop.width * crop.height;
  let useMask = false;
  if (crop.mask) for (let i = 0; i < n && !useMask; i++) useMask = crop.mask[i] !== 0;
  const votes = new Map<TGenEvalColour, number>(GENEVAL_COLOURS.map((c) => [c, 0]));
  // Many neighbouring pixels share a value; a small cache keeps big crops cheap.
  const cache = new Map<number, TGenEvalColour>();
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (useMask && crop.mask![i] === 0) continue;
    const key = (crop.rgb[3 * i] << 16) | (crop.rgb[3 * i + 1] << 8) | crop.rgb[3 * i + 2];
    let c = cache.get(key);
    if (!c) {
      c = pixelColour(crop.rgb[3 * i], crop.rgb[3 * i + 1], crop.rgb[3 * i + 2]);
      if (cache.size < 1 << 16) cache.set(key, c);
    }
    votes.set(c, votes.get(c)! + 1);
    total++;
  }
  const scores: Record<string, number> = {};
  let colour: TGenEvalColour = GENEVAL_COLOURS[0];
  for (const c of GENEVAL_COLOURS) {
    scores[c] = total ? votes.get(c)! / total : 0;
    if (scores[c] > scores[colour]) colour = c;
  }
  return { colour, scores };
}

export const PIXEL_COLOUR_CLASSIFIER: TNamedColourClassifier = {
  id: 'pixel-lab',
  kind: 'pixel',
  title: 'pixel fallback: CIELAB lightness/chroma/hue rules, majority of the masked pixels (not GenEval\'s CLIP classifier)',
  version: PIXEL_COLOUR_CLASSIFIER_VERSION,
  classify: classifyColourByPixels,
};
