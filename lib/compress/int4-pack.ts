import { floatToHalf, halfToFloat } from '../onnx/tensor';

/**
 * Block-wise 4-bit weight packing in the layout of onnxruntime's com.microsoft.MatMulNBits
 * (bits = 4), and its exact inverse.
 *
 * Layout, for a weight W of K inputs and N outputs (y = x W, W[k][n]):
 * - the K axis of each output column n is cut into nb = ceil(K / blockSize) blocks; the last one
 *   is padded to blockSize with codes equal to its zero point, so padding dequantises to 0;
 * - B: uint8 [N, nb, blockSize / 2]; element k of block b of column n is at byte
 *   (n * nb + b) * blockSize / 2 + floor(j / 2) with j = k - b * blockSize, in the LOW nibble
 *   when j is even and the HIGH nibble when j is odd;
 * - scales: [N, nb] (one per block, column-major over blocks), float32 or float16 like the
 *   activations;
 * - zero points (asymmetric only): uint8 [N, ceil(nb / 2)], each row packed on its own, block b
 *   in byte floor(b / 2), low nibble first; a missing zero_points input means 8 for every block.
 * Dequantisation (what onnxruntime computes): w = (code - zeroPoint) * scale, in float32.
 *
 * Quantisation (our choice, the same conventions as onnxruntime's own block quantiser in MLAS):
 * - symmetric: m = the block's value of largest magnitude, WITH its sign; scale = m / -8;
 *   code = clamp(round(v / scale) + 8, 0, 15). The extreme value lands exactly on code 0
 *   ((0 - 8) * m / -8 = m), so the whole signed range [-8, 7] is used and the step is |m| / 8,
 *   finer than the |m| / 7 of a range symmetric around 0. Scales may be negative; that is fine.
 * - asymmetric: lo = min(0, min v), hi = max(0, max v) (0 stays exactly representable);
 *   scale = (hi - lo) / 15; zeroPoint = clamp(round(-lo / scale), 0, 15);
 *   code = clamp(round(v / scale) + zeroPoint, 0, 15).
 * Codes are always computed with the scale as stored (after rounding to float16 when the scales
 * are float16), so the dequantised weight is the closest the stored format allows.
 * A block of zeros gets scale 0 (every code dequantises to 0).
 */

export type TInt4Layout = {
  K: number;
  N: number;
  blockSize: number;
};

export type TPackedInt4 = TInt4Layout & {
  /** uint8 [N, nb, blockSize / 2]. */
  B: Uint8Array;
  /** [N, nb] scale values as stored (float16 values already rounded when scaleType is float16). */
  scales: Float32Array;
  scaleType: 'float32' | 'float16';
  /** uint8 [N, ceil(nb / 2)], or null for symmetric quantisation (zero point 8). */
  zeroPoints: Uint8Array | null;
};

export type TQuantizeInput = {
  /** The weight's values; element (k, n) is at data[k * strideK + n * strideN]. */
  data: Float32Array;
  K: number;
  N: number;
  strideK: number;
  strideN: number;
  /** Multiplies every value first (Gemm's alpha); default 1. */
  multiplier?: number;
};

export type TQuantizeOptions = {
  blockSize: number;
  symmetric: boolean;
  scaleType?: 'float32' | 'float16';
};

export type TQuantizeResult = TPackedInt4 & {
  /** Largest |w - dequantised w|, over the real (not padded) elements. */
  maxAbsError: number;
  /** sqrt(sum (w - dequantised w)^2 / sum w^2); 0 for an all-zero weight. */
  relRmsError: number;
};

export const DEFAULT_ZERO_POINT = 8;

export function blocksPerColumn(K: number, blockSize: number): number {
  return Math.ceil(K / blockSize);
}

/** Bytes of the packed weight, its scales and (asymmetric) zero points. */
export function packedByteLength(K: number, N: number, blockSize: number, symmetric: boolean, scaleBytes: number): number {
  const nb = blocksPerColumn(K, blockSize);
  return N * nb * (blockSize / 2) + N * nb * scaleBytes + (symmetric ? 0 : N * Math.ceil(nb / 2));
}

/** Storage bits per weight of this format when K is a multiple of the block size. */
export function theoreticalBitsPerWeight(blockSize: number, symmetric: boolean, scaleBits: number): number {
  return 4 + scaleBits / blockSize + (symmetric ? 0 : 4 / blockSize);
}

const clampCode = (q: number) => (q < 0 ? 0 : q > 15 ? 15 : q);

export function quantizeInt4Blockwise(input: TQuantizeInput, opts: TQuantizeOptions): TQuantizeResult {
  const { data, K, N, strideK, strideN } = input;
  const { blockSize: bs, symmetric } = opts;
  if (!(bs >= 16 && (bs & (bs - 1)) === 0)) throw new Error(`block size must be a power of two of at least 16 (got ${bs})`);
  if (!(K > 0 && N > 0)) throw new Error(`cannot quantise an empty weight [${K}, ${N}]`);
  const scaleType = opts.scaleType ?? 'float32';
  const storeScale = scaleType === 'float16' ? (s: number) => halfToFloat(floatToHalf(s)) : Math.fround;
  const mult = input.multiplier ?? 1;
  const nb = blocksPerColumn(K, bs);
  const half = bs / 2;
  const zpRow = Math.ceil(nb / 2);
  const B = new Uint8Array(N * nb * half);
  const scales = new Float32Array(N * nb);
  const zeroPoints = symmetric ? null : new Uint8Array(N * zpRow);
  const block = new Float32Array(bs);
  let maxAbsError = 0;
  let errSq = 0;
  let refSq = 0;

  // block rows outermost: a MatMul weight is [K, N] row-major, so this reads bs rows at a time
  // instead of walking each column down the whole matrix (a third faster on large weights)
  for (let b = 0; b < nb; b++) {
    for (let n = 0; n < N; n++) {
      const k0 = b * bs;
      const len = Math.min(bs, K - k0);
      for (let j = 0; j < len; j++) {
        const v = data[(k0 + j) * strideK + n * strideN];
        block[j] = mult === 1 ? v : Math.fround(v * mult);
      }
      let scale: number;
      let zp: number;
      if (symmetric) {
        let m = 0;
        for (let j = 0; j < len; j++) if (Math.abs(block[j]) > Math.abs(m)) m = block[j];
        scale = storeScale(m / -8);
        zp = DEFAULT_ZERO_POINT;
      } else {
        let lo = 0;
        let hi = 0;
        for (let j = 0; j < len; j++) {
          if (block[j] < lo) lo = block[j];
          if (block[j] > hi) hi = block[j];
        }
        const raw = Math.fround((hi - lo) / 15);
        scale = storeScale(raw);
        zp = raw === 0 ? 0 : clampCode(Math.round(-lo / raw));
        zeroPoints![n * zpRow + (b >> 1)] |= zp << ((b & 1) * 4);
      }
      scales[n * nb + b] = scale;
      const base = (n * nb + b) * half;
      for (let j = 0; j < bs; j++) {
        let code = zp;
        if (j < len && scale !== 0 && Number.isFinite(scale)) code = clampCode(Math.round(block[j] / scale) + zp);
        B[base + (j >> 1)] |= code << ((j & 1) * 4);
        if (j < len) {
          const d = block[j] - Math.fround((code - zp) * scale);
          const ad = Math.abs(d);
          if (ad > maxAbsError) maxAbsError = ad;
          errSq += d * d;
          refSq += block[j] * block[j];
        }
      }
    }
  }
  const relRmsError = refSq > 0 ? Math.sqrt(errSq / refSq) : errSq > 0 ? Number.POSITIVE_INFINITY : 0;
  return { K, N, blockSize: bs, B, scales, scaleType, zeroPoints, maxAbsError, relRmsError };
}

/**
 * The float weight onnxruntime reconstructs from packed data, as [K, N] row-major (the layout of
 * a MatMul's second input): w[k][n] = float32((code - zeroPoint) * scale).
 */
export function dequantizeInt4Reference(p: TPackedInt4): Float32Array {
  const { K, N, blockSize: bs, B, scales, zeroPoints } = p;
  const nb = blocksPerColumn(K, bs);
  const half = bs / 2;
  const zpRow = Math.ceil(nb / 2);
  if (B.length !== N * nb * half) throw new Error(`packed weight has ${B.length} bytes; [${N}, ${nb}, ${half}] needs ${N * nb * half}`);
  if (scales.length !== N * nb) throw new Error(`${scales.length} scales for ${N * nb} blocks`);
  if (zeroPoints && zeroPoints.length !== N * zpRow) throw new Error(`${zeroPoints.length} zero-point bytes; [${N}, ${zpRow}] needed`);
  const out = new Float32Array(K * N);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < nb; b++) {
      const scale = scales[n * nb + b];
      const zp = zeroPoints ? (zeroPoints[n * zpRow + (b >> 1)] >> ((b & 1) * 4)) & 0xf : DEFAULT_ZERO_POINT;
      const base = (n * nb + b) * half;
      const len = Math.min(bs, K - b * bs);
      for (let j = 0; j < len; j++) {
        const code = (B[base + (j >> 1)] >> ((j & 1) * 4)) & 0xf;
        out[(b * bs + j) * N + n] = Math.fround((code - zp) * scale);
      }
    }
  }
  return out;
}
