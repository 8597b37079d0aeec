import type { TBox, TMask, TRgbImage } from '../scoring/types';
import { BACKGROUND, GRID, SHAPE_PALETTE, type TScene, type TSceneObject, type TShapeClass, type TShapeColour } from './world';

/** Sub-samples per pixel along each axis: the anti-aliased rim gets 17 levels of coverage. */
const SUPERSAMPLE = 4;

/** Whether a point (grid units) lies inside the object. */
function inside(o: TSceneObject, x: number, y: number): boolean {
  const { x: x0, y: y0, size: s } = o;
  if (x < x0 || x > x0 + s || y < y0 || y > y0 + s) return false;
  switch (o.shape) {
    case 'square':
      return true;
    case 'circle': {
      const r = s / 2;
      return (x - x0 - r) ** 2 + (y - y0 - r) ** 2 <= r * r;
    }
    case 'triangle':
      // apex at the top middle, base along the bottom edge: the half-width grows linearly downward
      return Math.abs(x - x0 - s / 2) <= (y - y0) / 2;
  }
}

/** The share of each pixel the object covers, over the whole image (row-major, 0..1). */
export function coverage(o: TSceneObject, size: number): Float32Array {
  const out = new Float32Array(size * size);
  const scale = size / GRID;
  const px0 = Math.max(0, Math.floor(o.x * scale) - 1);
  const py0 = Math.max(0, Math.floor(o.y * scale) - 1);
  const px1 = Math.min(size, Math.ceil((o.x + o.size) * scale) + 1);
  const py1 = Math.min(size, Math.ceil((o.y + o.size) * scale) + 1);
  for (let py = py0; py < py1; py++) {
    for (let px = px0; px < px1; px++) {
      let hits = 0;
      for (let j = 0; j < SUPERSAMPLE; j++) {
        for (let i = 0; i < SUPERSAMPLE; i++) {
          if (inside(o, (px + (i + 0.5) / SUPERSAMPLE) / scale, (py + (j + 0.5) / SUPERSAMPLE) / scale)) hits++;
        }
      }
      out[py * size + px] = hits / (SUPERSAMPLE * SUPERSAMPLE);
    }
  }
  return out;
}

/** One object as drawn: its box in pixels (continuous, [x1, y1, x2, y2]) and its mask (coverage ≥ 0.5). */
export type TTruthObject = { class: TShapeClass; colour: TShapeColour; box: TBox; mask: TMask };
export type TRendered = { image: TRgbImage; objects: TTruthObject[] };

/**
 * Draws a scene at `size` x `size` pixels: the grey background, each object blended over it by
 * its coverage (objects never overlap: the layout keeps a gap). The same scene and size always
 * give the same bytes. Returns the ground truth of every object with the image.
 */
export function renderScene(scene: TScene, size: number): TRendered {
  if (!Number.isInteger(size) || size < 8) throw new Error(`render size must be an integer of at least 8 pixels, not ${size}`);
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) rgb.set(BACKGROUND, i * 3);
  const scale = size / GRID;
  const objects: TTruthObject[] = scene.objects.map((o) => {
    const cover = coverage(o, size);
    const colour = SHAPE_PALETTE[o.colour];
    const mask = new Uint8Array(size * size);
    for (let i = 0; i < size * size; i++) {
      const a = cover[i];
      if (a === 0) continue;
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round(rgb[i * 3 + c] + a * (colour[c] - rgb[i * 3 + c]));
      mask[i] = a >= 0.5 ? 1 : 0;
    }
    return { class: o.shape, colour: o.colour, box: [o.x * scale, o.y * scale, (o.x + o.size) * scale, (o.y + o.size) * scale], mask: { width: size, height: size, data: mask } };
  });
  return { image: { width: size, height: size, rgb }, objects };
}
