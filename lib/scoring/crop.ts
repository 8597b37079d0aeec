import type { TBox, TColourCrop, TMask, TRgbImage } from './types';

/** Python's round(): halves go to the even neighbour. */
const roundHalfEven = (v: number) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/**
 * The object's box cut out of the image, with its mask over the same pixels. The box is rounded
 * the way PIL's Image.crop rounds it (what the official code crops with), clamped to the image,
 * and never less than one pixel wide or high.
 */
export function cropObject(image: TRgbImage, box: TBox, mask?: TMask): TColourCrop {
  const clampX = (v: number) => Math.min(Math.max(roundHalfEven(v), 0), image.width);
  const clampY = (v: number) => Math.min(Math.max(roundHalfEven(v), 0), image.height);
  let [x0, y0, x1, y1] = [clampX(box[0]), clampY(box[1]), clampX(box[2]), clampY(box[3])];
  if (x1 <= x0) [x0, x1] = x0 < image.width ? [x0, x0 + 1] : [image.width - 1, image.width];
  if (y1 <= y0) [y0, y1] = y0 < image.height ? [y0, y0 + 1] : [image.height - 1, image.height];
  const width = x1 - x0;
  const height = y1 - y0;
  const rgb = new Uint8Array(width * height * 3);
  const m = mask ? new Uint8Array(width * height) : undefined;
  for (let y = 0; y < height; y++) {
    const src = ((y0 + y) * image.width + x0) * 3;
    rgb.set(image.rgb.subarray(src, src + width * 3), y * width * 3);
    if (m && mask) for (let x = 0; x < width; x++) m[y * width + x] = mask.data[(y0 + y) * mask.width + x0 + x] ? 1 : 0;
  }
  return { width, height, rgb, mask: m };
}

/** GenEval's default background for the pixels outside the mask ("#999"). */
export const GENEVAL_CROP_BACKGROUND = [0x99, 0x99, 0x99] as const;

/**
 * The crop as the official code shows it to CLIP: object pixels as they are, the rest of the box
 * filled with #999 grey. Model-based colour classifiers use this to match GenEval's input.
 */
export function compositeOnGrey(crop: TColourCrop): Uint8Array {
  const out = Uint8Array.from(crop.rgb);
  if (!crop.mask) return out;
  for (let i = 0; i < crop.width * crop.height; i++) {
    if (!crop.mask[i]) out.set(GENEVAL_CROP_BACKGROUND, i * 3);
  }
  return out;
}
