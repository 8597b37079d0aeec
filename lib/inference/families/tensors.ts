import { PipelineError } from '../pipeline-error';
import type { TArray } from './parts';

/** Concatenation and padding of C-order float arrays, for joining text-encoder outputs. */

/** Joins arrays along `axis` (negative counts from the end); every other axis must agree. */
export function concatAxis(arrays: TArray[], axis: number): TArray {
  if (arrays.length === 0) throw new PipelineError('nothing to concatenate');
  const rank = arrays[0].dims.length;
  const ax = axis < 0 ? rank + axis : axis;
  for (const a of arrays) {
    if (a.dims.length !== rank || a.dims.some((d, i) => i !== ax && d !== arrays[0].dims[i])) {
      throw new PipelineError(`cannot join [${arrays.map((x) => x.dims.join(', ')).join('] and [')}] along axis ${ax}`);
    }
  }
  const outer = arrays[0].dims.slice(0, ax).reduce((p, d) => p * d, 1);
  const inner = arrays[0].dims.slice(ax + 1).reduce((p, d) => p * d, 1);
  const total = arrays.reduce((s, a) => s + a.dims[ax], 0);
  const data = new Float32Array(outer * total * inner);
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const a of arrays) {
      const chunk = a.dims[ax] * inner;
      data.set(a.data.subarray(o * chunk, (o + 1) * chunk), offset);
      offset += chunk;
    }
  }
  const dims = [...arrays[0].dims];
  dims[ax] = total;
  return { data, dims };
}

/** Zero-pads the last axis to `width` (torch.nn.functional.pad(x, (0, width - w))). */
export function padLastAxis(a: TArray, width: number): TArray {
  const w = a.dims[a.dims.length - 1];
  if (width < w) throw new PipelineError(`cannot pad a last axis of ${w} down to ${width}`);
  if (width === w) return a;
  const rows = a.data.length / w;
  const data = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) data.set(a.data.subarray(r * w, (r + 1) * w), r * width);
  return { data, dims: [...a.dims.slice(0, -1), width] };
}

export function zeros(dims: number[]): TArray {
  return { data: new Float32Array(dims.reduce((p, d) => p * d, 1)), dims };
}
