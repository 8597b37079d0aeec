import { coverage } from './render';
import { GRID, type TShapeClass } from './world';

/**
 * How well a blob has the outline of a shape: the IoU of its core (the pixels at least half its
 * colour, segment.ts) and the ideal shape of that class with the core's centroid and area, drawn
 * as the generator draws it (render.ts) and cut at half coverage. Half-α cores keep a convex
 * outline under blur, so a rendered object fits its class at 0.86 or more (99 in 100) even
 * blurred by a grid unit, while a ragged smear or a clump of fragments, which the moments still
 * call the shape it is most like, fits worse (a median of 0.62 on an undertrained model's draws).
 * The moments (shape-features.ts) say which shape a blob is most like; this says whether it is
 * one at all, as a detector's confidence should.
 */
export function shapeFit(core: Uint8Array, size: number, cls: TShapeClass): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < core.length; i++) {
    if (!core[i]) continue;
    n++;
    sx += (i % size) + 0.5;
    sy += Math.floor(i / size) + 0.5;
  }
  if (!n) return 0;
  const [cx, cy] = [sx / n, sy / n];
  // the ideal box's side (pixels) from the area; a triangle's centroid lies two thirds of the way down from its apex
  const side = cls === 'square' ? Math.sqrt(n) : cls === 'circle' ? 2 * Math.sqrt(n / Math.PI) : Math.sqrt(2 * n);
  const top = cls === 'triangle' ? cy - (2 * side) / 3 : cy - side / 2;
  const unit = GRID / size;
  const ideal = coverage({ shape: cls, colour: 'red', x: (cx - side / 2) * unit, y: top * unit, size: side * unit }, size);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < core.length; i++) {
    const [a, b] = [core[i] === 1, ideal[i] >= 0.5];
    if (a && b) inter++;
    if (a || b) union++;
  }
  return inter / union;
}

/** Where the fit's confidence factor crosses one half, and how steeply (a logistic). */
export const FIT_RULE = { centre: 0.68, width: 0.02 };

/** The detector's confidence factor for a fit: 0.99 at 0.77, 0.5 at 0.68, under 0.2 below 0.65. */
export function fitFactor(fit: number, r = FIT_RULE): number {
  return 1 / (1 + Math.exp(-(fit - r.centre) / r.width));
}
