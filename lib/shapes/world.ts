import type { Rng } from '../fixtures/random';
import type { TGenEvalColour } from '../scoring/geneval-protocol';

/**
 * The shapes world: flat shapes in GenEval's colours on a plain grey background. A scene is laid
 * out on a grid of GRID x GRID units and rendered at any resolution (render.ts); at 16, 32 or 64
 * pixels every unit is a whole number of pixels, so squares come out with crisp edges.
 */

export const SHAPE_CLASSES = ['circle', 'square', 'triangle'] as const;
export type TShapeClass = (typeof SHAPE_CLASSES)[number];

/**
 * The GenEval colours the world draws, with the sRGB value each is rendered in. Eight of GenEval's
 * ten: pink sits close to white and brown close to black and red on this background, and a small
 * model's blurry colours would make them a coin toss. Each value is named correctly by the pixel
 * colour judge (colour-pixel.ts) on its own and blended half-way with the background, so the
 * anti-aliased rim does not change an object's colour.
 */
export const SHAPE_PALETTE = {
  red: [230, 0, 20],
  orange: [255, 140, 0],
  yellow: [250, 225, 20],
  green: [0, 170, 60],
  blue: [20, 60, 230],
  purple: [140, 20, 190],
  black: [10, 10, 10],
  white: [250, 250, 250],
} as const satisfies Partial<Record<TGenEvalColour, readonly [number, number, number]>>;
export type TShapeColour = keyof typeof SHAPE_PALETTE;
export const SHAPE_COLOURS = Object.keys(SHAPE_PALETTE) as TShapeColour[];

/** Mid grey: far from black and from white, and from every colour above (CIELAB ΔE ≥ 45). */
export const BACKGROUND: readonly [number, number, number] = [128, 128, 128];

/** The grid a scene is laid out on: the image's side is GRID units. */
export const GRID = 16;

/**
 * Free units kept between the boxes of any two objects (along x or along y). A model trained on
 * touching objects learns a fused blob as "two X"; the detector also relies on the gap.
 */
export const GAP = 2;

/**
 * Object sizes in units (the side of its box), by how many objects share the scene. Objects may
 * touch the image's edge: at 16 units a margin would leave two objects side by side (as
 * "left of" needs) only one size and one place.
 */
export const SIZES: Record<1 | 2 | 3, readonly [min: number, max: number]> = {
  1: [7, 11],
  2: [6, 8],
  // three objects: two of them share a row or a column, and 2 x 7 + GAP = GRID leaves no room to move
  3: [6, 7],
};

/**
 * One object: its box is [x, y, x + size, y + size] in grid units. A circle fills the box's
 * inscribed circle; a triangle points up, its base the box's bottom edge and its apex the middle
 * of the top edge; a square is the box.
 */
export type TSceneObject = { shape: TShapeClass; colour: TShapeColour; x: number; y: number; size: number };
export type TScene = { objects: TSceneObject[] };

export const PLURALS: Record<TShapeClass, string> = { circle: 'circles', square: 'squares', triangle: 'triangles' };
export const NUMBER_WORDS: Record<number, string> = { 1: 'one', 2: 'two', 3: 'three' };

/** A uniform integer in [lo, hi]. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng.next() * (hi - lo + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)];
}

/** k distinct items in random order. */
export function pickDistinct<T>(rng: Rng, items: readonly T[], k: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  for (let i = 0; i < k; i++) out.push(pool.splice(Math.floor(rng.next() * pool.length), 1)[0]);
  return out;
}
