import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toBinary } from '@bufbuild/protobuf';
import { type ModelProto, ModelProtoSchema } from 'onnx-buf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureBundle } from '../fixtures/bundle';
import { Rng } from '../fixtures/random';
import { parseModel, readModel } from '../onnx/io';
import { tensorToFloat32 } from '../onnx/tensor';
import { calibrationSet, type TCalibrationSet } from './calibration';
import { predictAll, relativeError } from './measure';
import { fitStream, reconstructSpans } from './reconstruct';
import { AffineRidge, applyAffine, RidgeError } from './ridge';
import { RidgeKernels } from './ridge-ort';
import { removeParts } from './surgery';

describe('ridge regression toward the identity', () => {
  it('solves a one-dimensional case by hand', () => {
    // y = 2x + 1 at x = 0, 1, 2. Normal equations [Σx² + λ, Σx; Σx, n] [w; b] = [Σxy + λ; Σy]
    const ridge = new AffineRidge(1);
    ridge.add([0, 1, 2], [1, 3, 5], 3);
    const exact = ridge.solve(0);
    expect(exact.weight[0]).toBeCloseTo(2, 12);
    expect(exact.bias[0]).toBeCloseTo(1, 12);
    // λ = 1: [6, 3; 3, 3] [w; b] = [14; 9] → w = 5/3, b = 4/3
    const ridged = ridge.solve(1);
    expect(ridged.weight[0]).toBeCloseTo(5 / 3, 12);
    expect(ridged.bias[0]).toBeCloseTo(4 / 3, 12);
  });

  it('recovers a known affine map exactly as λ → 0, and gives the identity plus the mean shift as λ → ∞', () => {
    const d = 6;
    const rows = 40;
    const rng = new Rng(7);
    const x = rng.normals(rows * d, 1);
    const w = rng.normals(d * d, 0.5);
    const b = rng.normals(d, 1);
    const y = applyAffine(x, rows, { weight: Float64Array.from(w), bias: Float64Array.from(b) });
    const ridge = new AffineRidge(d);
    // two halves with different row weights: an exact fit does not depend on them
    ridge.add(x.subarray(0, 20 * d), y.subarray(0, 20 * d), 20, 0.5);
    ridge.add(x.subarray(20 * d), y.subarray(20 * d), 20, 1.5);
    const fit = ridge.solve(1e-10);
    for (let i = 0; i < d * d; i++) expect(fit.weight[i]).toBeCloseTo(w[i], 6);
    for (let i = 0; i < d; i++) expect(fit.bias[i]).toBeCloseTo(b[i], 6);

    const stiff = ridge.solve(1e12);
    // b → the weighted mean of y − x
    const shift = new Float64Array(d);
    for (let r = 0; r < rows; r++) for (let k = 0; k < d; k++) shift[k] += (r < 20 ? 0.5 : 1.5) * (y[r * d + k] - x[r * d + k]);
    for (let k = 0; k < d; k++) shift[k] /= 20 * 0.5 + 20 * 1.5;
    for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) expect(stiff.weight[i * d + k]).toBeCloseTo(i === k ? 1 : 0, 6);
    for (let k = 0; k < d; k++) expect(stiff.bias[k]).toBeCloseTo(shift[k], 6);
  });

  it('a row weight counts like repeating the row', () => {
    const weighted = new AffineRidge(2);
    weighted.add([1, 2, 3, 5], [2, 1, 4, 4], 2, 1);
    weighted.add([0, 1], [1, 1], 1, 3);
    const repeated = new AffineRidge(2);
    repeated.add([1, 2, 3, 5, 0, 1, 0, 1, 0, 1], [2, 1, 4, 4, 1, 1, 1, 1, 1, 1], 5);
    const a = weighted.solve(0.1);
    const r = repeated.solve(0.1);
    a.weight.forEach((v, i) => expect(v).toBeCloseTo(r.weight[i], 12));
    a.bias.forEach((v, i) => expect(v).toBeCloseTo(r.bias[i], 12));
  });

  it('sums in onnxruntime (as reconstruction does) exactly as in plain JavaScript', async () => {
    const d = 5;
    const rows = 30;
    const rng = new Rng(3);
    const x = rng.normals(rows * d, 1);
    const y = rng.normals(rows * d, 2);
    const kernels = await RidgeKernels.create();
    try {
      const viaOrt = new AffineRidge(d);
      viaOrt.addMoments(await kernels.momentsOf(x, y, rows, d), 0.7);
      const viaJs = new AffineRidge(d);
      viaJs.add(x, y, rows, 0.7);
      expect(viaOrt.traceXX()).toBeCloseTo(viaJs.traceXX(), 10);
      const a = viaOrt.solve(0.01);
      const b = viaJs.solve(0.01);
      a.weight.forEach((v, i) => expect(v).toBeCloseTo(b.weight[i], 10));
      a.bias.forEach((v, i) => expect(v).toBeCloseTo(b.bias[i], 10));
      const fitted = applyAffine(x, rows, a);
      const r = await kernels.residualOf(x, y, rows, a);
      expect(r.after).toBeCloseTo(y.reduce((s, v, i) => s + (v - fitted[i]) ** 2, 0), 8);
      expect(r.before).toBeCloseTo(y.reduce((s, v, i) => s + (v - x[i]) ** 2, 0), 8);
      expect(r.energy).toBeCloseTo(y.reduce((s, v) => s + v * v, 0), 8);
    } finally {
      await kernels.release();
    }
  });

  it('refuses rank-deficient data without regularisation', () => {
    const ridge = new AffineRidge(2);
    ridge.add([1, 1, 2, 2, 3, 3], [1, 0, 2, 0, 3, 0], 3); // the two inputs are always equal
    expect(() => ridge.solve(0)).toThrow(RidgeError);
    expect(() => ridge.solve(1e-3)).not.toThrow();
  });
});

describe('fitStream', () => {
  it('leaves a map out, and says so, when it cannot lower the span-output error', async () => {
    const rng = new Rng(1);
    const x = { data: [rng.normals(4 * 3, 1), rng.normals(4 * 3, 1)], dims: [1, 4, 3] };
    // the span changed nothing: the identity is already exact
    const { report, fit } = await fitStream('image', x, x, {});
    expect(fit).toBeNull();
    expect(report).toMatchObject({ applied: false, errorBefore: 0, errorAfter: 0, samples: 8, inputs: 2, weights: [1, 1] });
    expect(report.note).toMatch(/does not lower the span-output error/);
  });

  it('reports, rather than throws, a fit the data cannot determine', async () => {
    // 2 tokens of 3 dimensions cannot determine a 3 x 3 map and a bias without regularisation
    const x = { data: [Float32Array.from([1, 2, 3, 4, 5, 6])], dims: [1, 2, 3] };
    const y = { data: [Float32Array.from([2, 2, 3, 4, 5, 7])], dims: [1, 2, 3] };
    const { report, fit } = await fitStream('context', x, y, { lambda: 0 });
    expect(fit).toBeNull();
    expect(report.applied).toBe(false);
    expect(report.errorAfter).toBe(report.errorBefore);
    expect(report.note).toMatch(/^no map: the normal equations are not positive definite/);
    // the default λ rule regularises, so the same data gives a map
    expect((await fitStream('context', x, y, {})).fit).not.toBeNull();
  });
});

const STACK = 'transformer_blocks';
let dir: string;
let original: ModelProto;
let fitSet: TCalibrationSet;
let heldOut: TCalibrationSet;
let reference: Float32Array[];
let heldReference: Float32Array[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-reconstruct-'));
  writeFixtureBundle(dir, { blocks: 6 });
  original = readModel(path.join(dir, 'transformer', 'model.onnx')).proto;
  fitSet = await calibrationSet(dir, { count: 12, seed: 0 });
  heldOut = await calibrationSet(dir, { count: 12, seed: 1 });
  reference = await predictAll(original, fitSet);
  heldReference = await predictAll(original, heldOut);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const removal = (...blocks: number[]) => blocks.map((block) => ({ stack: STACK, block }));

/** A valid model that runs; its error against the original on the given inputs. */
async function errorOf(model: ModelProto, calibration: TCalibrationSet, ref: Float32Array[]): Promise<number> {
  parseModel(toBinary(ModelProtoSchema, model), 'reconstructed.onnx');
  const pred = await predictAll(model, calibration);
  expect(pred.every((p) => p.every(Number.isFinite))).toBe(true);
  return relativeError(pred, ref);
}

describe('reconstructSpans on the fixture', () => {
  it('one span (blocks 3-4): maps both streams and lowers the error, on the fit set and held out', async () => {
    const removed = removal(3, 4);
    const pruned = removeParts(original, removed).model;
    const prunedBytes = Buffer.from(toBinary(ModelProtoSchema, pruned));
    const r = await reconstructSpans(original, pruned, removed, fitSet);

    expect(r.spans).toHaveLength(1);
    const [span] = r.spans;
    expect(span).toMatchObject({ stack: STACK, blocks: [3, 4] });
    expect(span.streams.map((s) => s.name)).toEqual(['image', 'context']);
    for (const s of span.streams) {
      expect(s.applied).toBe(true);
      expect(s.errorAfter).toBeLessThan(s.errorBefore!);
      expect(s.samples).toBe(12 * 16); // 12 inputs x 16 tokens
      expect(s.lambda).toBeGreaterThan(0);
      expect(s.alpha).toBe(1e-3);
      expect(s.weights.reduce((a, w) => a + w, 0) / s.weights.length).toBeCloseTo(1, 12);
    }
    const names = r.model.graph!.initializer.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining([`${STACK}.3-4.reconstruct.image.weight`, `${STACK}.3-4.reconstruct.image.bias`, `${STACK}.3-4.reconstruct.context.weight`]));
    const w = r.model.graph!.initializer.find((t) => t.name === `${STACK}.3-4.reconstruct.image.weight`)!;
    expect(w.dims.map(Number)).toEqual([64, 64]);
    expect(tensorToFloat32(w).every(Number.isFinite)).toBe(true);

    // the reported errors are the model's errors, and the inputs were not touched
    const prunedError = await errorOf(pruned, fitSet, reference);
    expect(r.errorBefore).toBeCloseTo(prunedError, 6);
    expect(await errorOf(r.model, fitSet, reference)).toBeCloseTo(r.errorAfter, 5);
    expect(r.errorAfter).toBeLessThan(r.errorBefore);
    expect(Buffer.from(toBinary(ModelProtoSchema, pruned)).equals(prunedBytes)).toBe(true);

    // held out (another latent seed; same prompts and timesteps): lower too on this fixture
    const heldBefore = await errorOf(pruned, heldOut, heldReference);
    const heldAfter = await errorOf(r.model, heldOut, heldReference);
    console.info(`blocks 3-4: fit ${r.errorBefore.toFixed(4)} → ${r.errorAfter.toFixed(4)}, held out ${heldBefore.toFixed(4)} → ${heldAfter.toFixed(4)}`);
    expect(heldAfter).toBeLessThan(heldBefore);
  });

  it('two spans (blocks 1 and 4): each gets its maps, fitted in forward order', async () => {
    const removed = removal(4, 1); // any order
    const pruned = removeParts(original, removed).model;
    const r = await reconstructSpans(original, pruned, removed, fitSet);
    expect(r.spans.map((s) => s.blocks)).toEqual([[1], [4]]);
    expect(r.spans[0].modelErrorBefore).toBeCloseTo(r.errorBefore, 12);
    expect(r.spans[1].modelErrorBefore).toBeCloseTo(r.spans[0].modelErrorAfter, 12);
    for (const s of r.spans) expect(s.modelErrorAfter).toBeLessThan(s.modelErrorBefore);
    expect(r.errorAfter).toBeLessThan(r.errorBefore);
    expect(await errorOf(r.model, fitSet, reference)).toBeCloseTo(r.errorAfter, 5);
    const held = [await errorOf(pruned, heldOut, heldReference), await errorOf(r.model, heldOut, heldReference)];
    console.info(`blocks 1, 4: fit ${r.errorBefore.toFixed(4)} → ${r.errorAfter.toFixed(4)}, held out ${held[0].toFixed(4)} → ${held[1].toFixed(4)}`);
    expect(r.model.graph!.initializer.some((t) => t.name === `${STACK}.1-1.reconstruct.context.bias`)).toBe(true);
  });

  it('the last (context pre-only) block: only the image stream; the first block: both', async () => {
    const last = await reconstructSpans(original, removeParts(original, removal(5)).model, removal(5), fitSet);
    expect(last.spans[0].streams.map((s) => s.name)).toEqual(['image']);
    expect(last.errorAfter).toBeLessThan(last.errorBefore);
    expect(await errorOf(last.model, fitSet, reference)).toBeCloseTo(last.errorAfter, 5);

    const first = await reconstructSpans(original, removeParts(original, removal(0)).model, removal(0), fitSet);
    expect(first.spans[0].streams.map((s) => s.name)).toEqual(['image', 'context']);
    expect(first.errorAfter).toBeLessThan(first.errorBefore);
    expect(await errorOf(first.model, fitSet, reference)).toBeCloseTo(first.errorAfter, 5);
  });

  it('finds the span input surgery left when the block before lost a component too', async () => {
    // without block 2's MLP, its output is its post-attention residual, under another name
    const pruned = removeParts(original, [...removal(3), { stack: STACK, block: 2, component: 'ff' }]).model;
    const r = await reconstructSpans(original, pruned, removal(3), fitSet);
    expect(r.spans[0].streams.map((s) => [s.name, s.applied])).toEqual([
      ['image', true],
      ['context', true],
    ]);
    expect(r.errorAfter).toBeLessThan(r.errorBefore);
    expect(await errorOf(r.model, fitSet, reference)).toBeCloseTo(r.errorAfter, 5);
  });

  it('returns the pruned model unchanged when nothing was removed', async () => {
    const r = await reconstructSpans(original, original, [], fitSet);
    expect(r.model).toBe(original);
    expect(r.spans).toEqual([]);
    expect(r.errorBefore).toBe(0);
    expect(r.errorAfter).toBe(0);
  });

  it('says clearly when the pruned model does not match the removed blocks', async () => {
    const pruned = removeParts(original, removal(3)).model;
    await expect(reconstructSpans(original, pruned, removal(2, 3), fitSet)).rejects.toThrow(/transformer_blocks\.2-3 is still in the pruned model/);
    await expect(reconstructSpans(original, pruned, removal(9), fitSet)).rejects.toThrow(/no block transformer_blocks\.9/);
  });
});
