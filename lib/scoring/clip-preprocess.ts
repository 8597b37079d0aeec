import fs from 'node:fs';
import sharp from 'sharp';
import { z } from 'zod';
import { AppError } from '../errors';

/**
 * CLIP image preprocessing as open_clip's validation transform does it (the one HPSv2 scores
 * with): torchvision `Resize(224, BICUBIC)` of the shortest side, `CenterCrop(224)`, convert to
 * RGB, `ToTensor()` (/255) and `Normalize(mean, std)`. torchvision resizes a PIL image with
 * Pillow, so the resize below re-implements Pillow's bicubic resampling (Keys kernel, a = -0.5,
 * support widened by the downscale factor, coefficients in 22-bit fixed point, horizontal pass
 * first with an 8-bit intermediate image) to give the same bytes Pillow gives. sharp only decodes.
 *
 * Known differences from Pillow, none of which affect RGB PNGs without an ICC profile (what
 * `arena generate` writes): sharp converts images with an embedded ICC profile to sRGB (Pillow
 * ignores it); alpha is dropped before resizing (Pillow resizes RGBA premultiplied, then drops
 * it); palette images are expanded to RGB (Pillow resizes them with nearest-neighbour).
 * transformers' CLIPImageProcessor (what a preprocessor_config.json describes) floors the crop
 * offset where torchvision rounds half to even, so on odd margins it crops one pixel apart; the
 * config's sizes, mean and std are honoured, the crop follows open_clip.
 */
export const OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;
/** Pillow's `Image.BICUBIC`, as `resample` in a Hugging Face preprocessor_config.json. */
const PIL_BICUBIC = 3;

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);
const side = z.number().int().min(1).max(4096);

/** The fields of a Hugging Face CLIPImageProcessor config that this preprocessing honours. */
export const ZClipPreprocessorSchema = z.object({
  image_mean: rgbTriple.default([...OPENAI_CLIP_MEAN]),
  image_std: rgbTriple.refine((s) => s.every((v) => v > 0), 'must be positive').default([...OPENAI_CLIP_STD]),
  size: z.union([side, z.object({ shortest_edge: side })]).default({ shortest_edge: 224 }),
  crop_size: z.union([side, z.object({ height: side, width: side })]).default({ height: 224, width: 224 }),
  resample: z.literal(PIL_BICUBIC, { error: 'only bicubic resampling (3) is supported' }).default(PIL_BICUBIC),
  do_resize: z.literal(true, { error: 'only configs that resize (do_resize: true) are supported' }).default(true),
  do_center_crop: z.literal(true, { error: 'only configs that centre-crop (do_center_crop: true) are supported' }).default(true),
  do_normalize: z.boolean().default(true),
  rescale_factor: z
    .number()
    .refine((f) => Math.abs(f - 1 / 255) < 1e-12, 'must be 1/255')
    .default(1 / 255),
});

export type TClipPreprocess = { shortestEdge: number; cropWidth: number; cropHeight: number; mean: readonly number[]; std: readonly number[] };

export const CLIP_224: TClipPreprocess = { shortestEdge: 224, cropWidth: 224, cropHeight: 224, mean: OPENAI_CLIP_MEAN, std: OPENAI_CLIP_STD };

export function parsePreprocessorConfig(file: string): TClipPreprocess {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('UNPROCESSABLE', `${file}: cannot read the preprocessor config (${(err as Error).message})`);
  }
  const parsed = ZClipPreprocessorSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('UNPROCESSABLE', `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'} ${i.message}`).join('; ')}`);
  }
  const c = parsed.data;
  const shortestEdge = typeof c.size === 'number' ? c.size : c.size.shortest_edge;
  const crop = typeof c.crop_size === 'number' ? { height: c.crop_size, width: c.crop_size } : c.crop_size;
  if (crop.height > shortestEdge || crop.width > shortestEdge) {
    throw new AppError('UNPROCESSABLE', `${file}: crop ${crop.width}x${crop.height} is larger than the resized shortest side ${shortestEdge}`);
  }
  return {
    shortestEdge,
    cropWidth: crop.width,
    cropHeight: crop.height,
    mean: c.do_normalize ? c.image_mean : [0, 0, 0],
    std: c.do_normalize ? c.image_std : [1, 1, 1],
  };
}

/** 8-bit RGB, row-major, 3 bytes a pixel (the same shape as lib/scoring/types.ts' TRgbImage). */
export type TRgbImage = { width: number; height: number; rgb: Uint8Array };

/** Decodes any image sharp reads into 8-bit RGB, row-major, without auto-rotation (as Pillow opens it). */
export async function decodeRgb(source: string | Buffer): Promise<TRgbImage> {
  try {
    const { data, info } = await sharp(source).removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (err) {
    const name = typeof source === 'string' ? source : 'image';
    throw new AppError('UNPROCESSABLE', `${name}: cannot decode the image (${(err as Error).message})`);
  }
}

/** torchvision's output size for `Resize(int)`: the short side becomes `shortest`, the long side scales and is truncated. */
export function resizedSize(width: number, height: number, shortest: number): { width: number; height: number } {
  if (width <= height) return { width: shortest, height: Math.trunc((shortest * height) / width) };
  return { width: Math.trunc((shortest * width) / height), height: shortest };
}

/** Python's round(): halves go to the even neighbour (torchvision's centre crop uses it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision `center_crop` offsets: `int(round((size - crop) / 2))`. */
export function centerCropOffset(width: number, height: number, cropWidth: number, cropHeight: number): { left: number; top: number } {
  return { left: roundHalfEven((width - cropWidth) / 2), top: roundHalfEven((height - cropHeight) / 2) };
}

const PRECISION_BITS = 32 - 8 - 2;

function bicubicKernel(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

type TCoefficients = { ksize: number; bounds: Int32Array; weights: Int32Array };

/** Pillow's per-output-pixel filter taps (first input index, tap count) and fixed-point weights. */
function coefficients(inSize: number, outSize: number): TCoefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const taps = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const count = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < count; x++) {
      taps[x] = bicubicKernel((x + xmin - center + 0.5) / filterScale);
      sum += taps[x];
    }
    for (let x = 0; x < count; x++) {
      const w = sum !== 0 ? taps[x] / sum : taps[x];
      weights[xx * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = count;
  }
  return { ksize, bounds, weights };
}

const clip8 = (acc: number) => {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

/** Resizes 8-bit RGB like Pillow's `Image.resize(size, Image.BICUBIC)`, byte for byte. */
export function resizeBicubic(src: TRgbImage, outWidth: number, outHeight: number): TRgbImage {
  const { width: inW, height: inH } = src;
  if (outWidth === inW && outHeight === inH) return { width: inW, height: inH, rgb: src.rgb.slice() };
  const horiz = coefficients(inW, outWidth);
  const vert = coefficients(inH, outHeight);
  const half = 1 << (PRECISION_BITS - 1);
  let img = src;
  if (outWidth !== inW) {
    // only the rows the vertical pass will read
    const first = outHeight !== inH ? vert.bounds[0] : 0;
    const last = outHeight !== inH ? vert.bounds[(outHeight - 1) * 2] + vert.bounds[(outHeight - 1) * 2 + 1] : inH;
    const rows = last - first;
    const out = new Uint8Array(outWidth * rows * 3);
    for (let y = 0; y < rows; y++) {
      const rowIn = (y + first) * inW * 3;
      for (let xx = 0; xx < outWidth; xx++) {
        const xmin = horiz.bounds[xx * 2];
        const count = horiz.bounds[xx * 2 + 1];
        const k = xx * horiz.ksize;
        let r = half;
        let g = half;
        let b = half;
        for (let x = 0; x < count; x++) {
          const w = horiz.weights[k + x];
          const p = rowIn + (x + xmin) * 3;
          r += src.rgb[p] * w;
          g += src.rgb[p + 1] * w;
          b += src.rgb[p + 2] * w;
        }
        const o = (y * outWidth + xx) * 3;
        out[o] = clip8(r);
        out[o + 1] = clip8(g);
        out[o + 2] = clip8(b);
      }
    }
    if (outHeight !== inH) for (let i = 0; i < outHeight; i++) vert.bounds[i * 2] -= first;
    img = { width: outWidth, height: rows, rgb: out };
  }
  if (outHeight === inH) return img;
  const w3 = img.width * 3;
  const out = new Uint8Array(img.width * outHeight * 3);
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = vert.bounds[yy * 2];
    const count = vert.bounds[yy * 2 + 1];
    const k = yy * vert.ksize;
    for (let i = 0; i < w3; i++) {
      let acc = half;
      for (let y = 0; y < count; y++) acc += img.rgb[(y + ymin) * w3 + i] * vert.weights[k + y];
      out[yy * w3 + i] = clip8(acc);
    }
  }
  return { width: img.width, height: outHeight, rgb: out };
}

/**
 * Resize (shortest side, bicubic), centre crop and normalise into a CHW float32 tensor, with the
 * arithmetic in float32 as torch does it: `x / 255`, then `(x - mean) / std`.
 */
export function clipPixels(img: TRgbImage, p: TClipPreprocess = CLIP_224): Float32Array {
  const size = resizedSize(img.width, img.height, p.shortestEdge);
  const resized = resizeBicubic(img, size.width, size.height);
  const { left, top } = centerCropOffset(size.width, size.height, p.cropWidth, p.cropHeight);
  const plane = p.cropWidth * p.cropHeight;
  const out = new Float32Array(3 * plane);
  const f = Math.fround;
  for (let c = 0; c < 3; c++) {
    const mean = f(p.mean[c]);
    const std = f(p.std[c]);
    for (let y = 0; y < p.cropHeight; y++) {
      const row = ((y + top) * resized.width + left) * 3 + c;
      for (let x = 0; x < p.cropWidth; x++) out[c * plane + y * p.cropWidth + x] = f(f(f(resized.rgb[row + x * 3] / 255) - mean) / std);
    }
  }
  return out;
}

/** Decodes an image file (or bytes) and preprocesses it: [3, crop, crop] float32. */
export async function preprocessImage(source: string | Buffer, p: TClipPreprocess = CLIP_224): Promise<Float32Array> {
  return clipPixels(await decodeRgb(source), p);
}
