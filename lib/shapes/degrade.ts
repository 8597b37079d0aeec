import { Rng } from '../fixtures/random';
import type { TRgbImage } from '../scoring/types';

/**
 * Rendered images made worse on purpose, to test the detector on something like what a small
 * trained model draws: soft edges (Gaussian blur) and speckle (Gaussian noise).
 */
export type TDegrade = { blur: number; noise: number; seed: number };

/** Separable Gaussian blur with standard deviation `sigma` pixels; edges repeat the border pixel. */
export function gaussianBlur(img: TRgbImage, sigma: number): TRgbImage {
  if (sigma <= 0) return { ...img, rgb: Uint8Array.from(img.rgb) };
  const radius = Math.ceil(3 * sigma);
  const kernel = Float64Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((s, v) => s + v, 0);
  for (let k = 0; k < kernel.length; k++) kernel[k] /= total;
  const { width: W, height: H } = img;
  const pass = (src: Float64Array, horizontal: boolean) => {
    const out = new Float64Array(src.length);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < 3; c++) {
          let acc = 0;
          for (let k = -radius; k <= radius; k++) {
            const xx = horizontal ? Math.min(W - 1, Math.max(0, x + k)) : x;
            const yy = horizontal ? y : Math.min(H - 1, Math.max(0, y + k));
            acc += kernel[k + radius] * src[(yy * W + xx) * 3 + c];
          }
          out[(y * W + x) * 3 + c] = acc;
        }
      }
    }
    return out;
  };
  const blurred = pass(pass(Float64Array.from(img.rgb), true), false);
  return { width: W, height: H, rgb: Uint8Array.from(blurred, (v) => Math.min(255, Math.max(0, Math.round(v)))) };
}

/** Adds Gaussian noise of standard deviation `std` (0-255 levels) to every channel. */
export function addNoise(img: TRgbImage, std: number, seed: number): TRgbImage {
  const rng = new Rng(seed);
  return { ...img, rgb: Uint8Array.from(img.rgb, (v) => Math.min(255, Math.max(0, Math.round(v + std * rng.normal())))) };
}

export function degrade(img: TRgbImage, d: TDegrade): TRgbImage {
  return addNoise(gaussianBlur(img, d.blur), d.noise, d.seed);
}
