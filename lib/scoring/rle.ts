import type { TMask } from './types';

/**
 * COCO run-length encoded masks, as pycocotools writes them: `size` is [height, width], pixels are
 * visited column by column (Fortran order), runs alternate starting with a run of zeros, and
 * `counts` is either the plain list of run lengths or COCO's compact string (each run as 5-bit
 * groups offset by 48, a 0x20 continuation bit and a 0x10 sign bit, runs after the second stored
 * as differences from the run two before).
 */
export type TCocoRle = { size: [number, number]; counts: number[] | string };

/** Run lengths of an RLE; throws a plain Error whose message says what is wrong. */
export function rleRuns(rle: TCocoRle): number[] {
  const [h, w] = rle.size;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) throw new Error(`size must be [height, width] in whole pixels (got ${JSON.stringify(rle.size)})`);
  let runs: number[];
  if (typeof rle.counts === 'string') {
    runs = [];
    const s = rle.counts;
    let p = 0;
    while (p < s.length) {
      let x = 0;
      let k = 0;
      let more = true;
      while (more) {
        if (p >= s.length) throw new Error('counts string ends in the middle of a run');
        const c = s.charCodeAt(p) - 48;
        if (c < 0 || c > 63) throw new Error(`counts string has a character outside COCO's alphabet at ${p}`);
        if (k > 5) throw new Error('counts string has a run too long for any image');
        x |= (c & 0x1f) << (5 * k);
        more = (c & 0x20) !== 0;
        p++;
        k++;
        if (!more && c & 0x10) x |= -1 << (5 * k);
      }
      if (runs.length > 2) x += runs[runs.length - 2];
      runs.push(x);
    }
  } else {
    runs = rle.counts;
  }
  let total = 0;
  for (const r of runs) {
    if (!Number.isInteger(r) || r < 0) throw new Error(`run lengths must be whole numbers >= 0 (got ${r})`);
    total += r;
  }
  if (total !== h * w) throw new Error(`runs cover ${total} pixels, but size ${h}x${w} has ${h * w}`);
  return runs;
}

/** Decodes to a row-major mask (1 = object). */
export function decodeRle(rle: TCocoRle): TMask {
  const runs = rleRuns(rle);
  const [height, width] = rle.size;
  const data = new Uint8Array(width * height);
  let pos = 0;
  for (let i = 0; i < runs.length; i++) {
    if (i % 2 === 1) {
      for (let p = pos; p < pos + runs[i]; p++) data[(p % height) * width + Math.floor(p / height)] = 1;
    }
    pos += runs[i];
  }
  return { width, height, data };
}

/** Encodes a row-major mask as COCO RLE, compact string form by default. */
export function encodeRle(mask: TMask, compact = true): TCocoRle {
  const { width, height, data } = mask;
  const runs: number[] = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = data[y * width + x] ? 1 : 0;
      if (v !== value) {
        runs.push(run);
        run = 0;
        value = v;
      }
      run++;
    }
  }
  runs.push(run);
  if (!compact) return { size: [height, width], counts: runs };
  let s = '';
  for (let i = 0; i < runs.length; i++) {
    let x = i > 2 ? runs[i] - runs[i - 2] : runs[i];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return { size: [height, width], counts: s };
}
