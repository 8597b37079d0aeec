import type { TBox, TRgbImage } from '../scoring/types';
import { GAP, GRID, SHAPE_COLOURS, SHAPE_PALETTE, type TShapeColour } from './world';

/**
 * Colour segmentation of a shapes-world image into blobs, one per object.
 *
 * Every pixel is read as a blend of the background and one palette colour: for colour c,
 * α = (p - bg)·(c - bg) / |c - bg|² (clamped to [0, 1]) and the residual |p - bg - α (c - bg)|.
 * The pixel's colour is the one with the smallest residual, so an anti-aliased or blurred rim
 * (red blended with grey) keeps its object's colour instead of passing for brown or pink.
 * Pixels at least half their colour (α ≥ 0.5) are the cores; cores of one colour that touch
 * (4-neighbours) form a blob. Fragments (smaller than minArea, or much smaller than a touching
 * blob of another colour: a smeared edge of the wrong hue) join their largest neighbour; what
 * is still too small is dropped. Each blob then takes, as soft weights, the α of its colour in
 * the pixels around its core, so a blurred object keeps all of its mass for the shape moments.
 */

export type TBlob = {
  colour: TShapeColour;
  /** Pixel indices (row-major) of the core: the object's mask. */
  core: number[];
  /** [x1, y1, x2, y2] in pixel edges: the core and the pixels joined to it at α ≥ boxAlpha. */
  box: TBox;
  /** Soft support: pixel indices with their weight (α of the blob's colour), core included. */
  support: { index: number; weight: number }[];
};

export type TSegmentOptions = {
  /** α at and above which a pixel is part of an object's core (default 0.5). */
  coreAlpha?: number;
  /** α at and above which a pixel joined to the core counts for the box (default 0.3). */
  boxAlpha?: number;
  /** Smallest blob kept, as a share of the image's pixels (default 1/100; never under 3 pixels). */
  minAreaShare?: number;
  /** A blob touching a larger one of another colour joins it below this share of its area (default 0.2). */
  fragmentShare?: number;
};

const PALETTE = SHAPE_COLOURS.map((c) => SHAPE_PALETTE[c]);

/** The background: per channel, the median of the image's border pixels. */
export function estimateBackground(img: TRgbImage): [number, number, number] {
  const { width: W, height: H, rgb } = img;
  const border: number[] = [];
  for (let x = 0; x < W; x++) border.push(x, (H - 1) * W + x);
  for (let y = 1; y < H - 1; y++) border.push(y * W, y * W + W - 1);
  const median = (c: number) => {
    const v = border.map((i) => rgb[i * 3 + c]).sort((a, b) => a - b);
    return v[v.length >> 1];
  };
  return [median(0), median(1), median(2)];
}

/** α of palette colour k in pixel i, given the background. */
function alphaOf(rgb: Uint8Array, i: number, bg: readonly number[], k: number): number {
  const c = PALETTE[k];
  let dot = 0;
  let norm = 0;
  for (let ch = 0; ch < 3; ch++) {
    const d = c[ch] - bg[ch];
    dot += (rgb[i * 3 + ch] - bg[ch]) * d;
    norm += d * d;
  }
  return norm > 0 ? Math.min(1, Math.max(0, dot / norm)) : 0;
}

/** Connected pixels (4-neighbours) with the same label among those where `on` holds. */
function components(W: number, H: number, on: Uint8Array, label: Int8Array): Int32Array {
  const comp = new Int32Array(W * H).fill(-1);
  let next = 0;
  const stack: number[] = [];
  for (let s = 0; s < W * H; s++) {
    if (!on[s] || comp[s] >= 0) continue;
    comp[s] = next;
    stack.push(s);
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % W;
      const y = (i - x) / W;
      for (const [nx, ny] of [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]]) {
        if (nx < 0 || ny < 0 || nx >= W || ny >= H) continue;
        const j = ny * W + nx;
        if (on[j] && comp[j] < 0 && label[j] === label[i]) {
          comp[j] = next;
          stack.push(j);
        }
      }
    }
    next++;
  }
  return comp;
}

/** Each pixel's nearest palette colour (smallest residual) and whether it is core (α ≥ coreAlpha). */
function labelPixels(img: TRgbImage, bg: readonly number[], coreAlpha: number): { label: Int8Array; on: Uint8Array } {
  const { rgb } = img;
  const n = img.width * img.height;
  const label = new Int8Array(n);
  const on = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestResidual = Infinity;
    let bestAlpha = 0;
    for (let k = 0; k < PALETTE.length; k++) {
      const a = alphaOf(rgb, i, bg, k);
      let r = 0;
      for (let ch = 0; ch < 3; ch++) r += (rgb[i * 3 + ch] - bg[ch] - a * (PALETTE[k][ch] - bg[ch])) ** 2;
      if (r < bestResidual) [best, bestResidual, bestAlpha] = [k, r, a];
    }
    label[i] = best;
    on[i] = bestAlpha >= coreAlpha ? 1 : 0;
  }
  return { label, on };
}

/** Calls `visit` with the index of each in-image 8-neighbour of pixel i. */
function eachNeighbour(i: number, W: number, H: number, visit: (j: number) => void) {
  const x = i % W;
  const y = (i - x) / W;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const nx = x + dx;
      const ny = y + dy;
      if ((dx || dy) && nx >= 0 && ny >= 0 && nx < W && ny < H) visit(ny * W + nx);
    }
  }
}

/**
 * Fragments join their largest touching (8-neighbour) component, smallest fragments first; a
 * fragment is under minArea or under fragmentShare of that neighbour. Updates comp and members.
 */
function mergeFragments(W: number, H: number, comp: Int32Array, members: Map<number, number[]>, minArea: number, fragmentShare: number) {
  for (let changed = true; changed; ) {
    changed = false;
    const order = [...members].sort((a, b) => a[1].length - b[1].length || a[0] - b[0]);
    for (const [id, px] of order) {
      const touching = new Map<number, number>();
      for (const i of px) {
        eachNeighbour(i, W, H, (j) => {
          if (comp[j] >= 0 && comp[j] !== id) touching.set(comp[j], members.get(comp[j])!.length);
        });
      }
      const [target, area] = [...touching].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] ?? [-1, 0];
      if (target >= 0 && (px.length < minArea || px.length < fragmentShare * area)) {
        for (const i of px) comp[i] = target;
        members.get(target)!.push(...px);
        members.delete(id);
        changed = true;
        break;
      }
    }
  }
}

/** The owner of every pixel within `reach` of a core: the nearest core (breadth-first, 8-neighbours); -1 elsewhere. */
function nearestOwner(W: number, H: number, comp: Int32Array, reach: number): Int32Array {
  const owner = Int32Array.from(comp);
  const reached = Uint8Array.from(comp, (c) => (c >= 0 ? 1 : 0));
  let frontier = [...owner.keys()].filter((i) => owner[i] >= 0);
  for (let d = 1; d <= reach && frontier.length; d++) {
    const next: number[] = [];
    for (const i of frontier) {
      eachNeighbour(i, W, H, (j) => {
        if (reached[j]) return;
        reached[j] = 1;
        owner[j] = owner[i];
        next.push(j);
      });
    }
    frontier = next;
  }
  return owner;
}

/** The box of the core and the pixels of the same owner joined to it (8-neighbours) at weight ≥ boxAlpha. */
function extentBox(W: number, H: number, core: number[], id: number, owner: Int32Array, weight: Float32Array, boxAlpha: number): TBox {
  const seen = new Set(core);
  const stack = [...core];
  let [x1, y1, x2, y2] = [W, H, 0, 0];
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % W;
    const y = (i - x) / W;
    [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x + 1), Math.max(y2, y + 1)];
    eachNeighbour(i, W, H, (j) => {
      if (owner[j] === id && weight[j] >= boxAlpha && !seen.has(j)) {
        seen.add(j);
        stack.push(j);
      }
    });
  }
  return [x1, y1, x2, y2];
}

export function segment(img: TRgbImage, o: TSegmentOptions = {}): { background: [number, number, number]; blobs: TBlob[] } {
  const { width: W, height: H, rgb } = img;
  const n = W * H;
  const minArea = Math.max(3, Math.round((o.minAreaShare ?? 0.01) * n));
  const bg = estimateBackground(img);
  const { label, on } = labelPixels(img, bg, o.coreAlpha ?? 0.5);
  const comp = components(W, H, on, label);
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (comp[i] < 0) continue;
    const list = members.get(comp[i]);
    if (list) list.push(i);
    else members.set(comp[i], [i]);
  }
  const colourOf = new Map<number, number>([...members].map(([id, px]) => [id, label[px[0]]]));
  mergeFragments(W, H, comp, members, minArea, o.fragmentShare ?? 0.2);
  const kept = [...members].filter(([, px]) => px.length >= minArea).sort((a, b) => a[0] - b[0]);
  for (const px of members.values()) if (px.length < minArea) for (const i of px) comp[i] = -1;

  // soft support: pixels within GAP grid units of a core; further out is background or another object
  const owner = nearestOwner(W, H, comp, Math.max(2, Math.round((GAP * Math.max(W, H)) / GRID)));
  const weight = new Float32Array(n);
  const supports = new Map<number, TBlob['support']>(kept.map(([id]) => [id, []]));
  for (let i = 0; i < n; i++) {
    if (owner[i] < 0) continue;
    weight[i] = alphaOf(rgb, i, bg, colourOf.get(owner[i])!);
    if (weight[i] > 0) supports.get(owner[i])!.push({ index: i, weight: weight[i] });
  }
  // the box takes in faint pixels joined to the core, so a blurred triangle keeps its apex
  const boxAlpha = o.boxAlpha ?? 0.3;
  const blobs = kept.map(([id, px]) => ({
    colour: SHAPE_COLOURS[colourOf.get(id)!],
    core: px.sort((a, b) => a - b),
    box: extentBox(W, H, px, id, owner, weight, boxAlpha),
    support: supports.get(id)!,
  }));
  return { background: bg, blobs };
}
