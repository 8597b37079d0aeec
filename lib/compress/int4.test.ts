import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toBinary } from '@bufbuild/protobuf';
import { type ModelProto, ModelProtoSchema, type NodeProto } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { writeFixtureBundle } from '../fixtures/bundle';
import { Rng } from '../fixtures/random';
import { DataType, GraphBuilder } from '../onnx/builder';
import { readModel, writeModel } from '../onnx/io';
import { floatToHalf, halfToFloat, rawTensor, tensorToFloat32 } from '../onnx/tensor';
import { dequantizeInt4Reference, quantizeInt4, type TPackedInt4 } from './int4';
import { quantizeInt4Blockwise } from './int4-pack';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-int4-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type TFeeds = Record<string, ort.Tensor>;

async function run(model: ModelProto | string, feeds: TFeeds): Promise<Record<string, ort.Tensor>> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, { intraOpNumThreads: 1 }) : await ort.InferenceSession.create(toBinary(ModelProtoSchema, model), { intraOpNumThreads: 1 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const floats = (t: ort.Tensor) => (t.type === 'float16' ? Float32Array.from(t.data as Uint16Array, halfToFloat) : (t.data as Float32Array));

/** max |a - b| / max |b|: the error relative to the output's scale. */
function relMaxError(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let ref = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    ref = Math.max(ref, Math.abs(b[i]));
  }
  return err / ref;
}

/** sqrt(sum (a - b)^2 / sum b^2). */
function relRms(a: Float32Array, b: Float32Array): number {
  let e = 0;
  let r = 0;
  for (let i = 0; i < b.length; i++) {
    e += (a[i] - b[i]) ** 2;
    r += b[i] ** 2;
  }
  return Math.sqrt(e / r);
}

/** The MatMul's output (GraphBuilder names outputs after their node, "/proj"). */
const OUT = '/proj_output_0';

/** y = x W for x [2, 3, K]: the activations have a batch axis, as in a transformer. */
function matmulModel(K: number, N: number, w: Float32Array, dtype: number = DataType.FLOAT): ModelProto {
  const g = new GraphBuilder('linear');
  const x = g.input('x', dtype, [2, 3, K]);
  g.weight('weight', [K, N], w);
  const y = g.op1('MatMul', [x, 'weight'], {}, { name: 'proj' });
  g.output(y, dtype, [2, 3, N]);
  const model = g.model();
  if (dtype === DataType.FLOAT16) {
    model.graph!.initializer[0] = rawTensor('weight', [K, N], DataType.FLOAT16, new Uint8Array(Uint16Array.from(w, floatToHalf).buffer));
  }
  return model;
}

const nbitsNodes = (m: ModelProto) => m.graph!.node.filter((n) => n.opType === 'MatMulNBits');

/** The packed data a MatMulNBits node reads, as the reference dequantiser takes it. */
function packedOf(m: ModelProto, node: NodeProto): TPackedInt4 {
  const init = new Map(m.graph!.initializer.map((t) => [t.name, t]));
  const attr = (name: string) => Number(node.attribute.find((a) => a.name === name)!.i);
  const scales = init.get(node.input[2])!;
  return {
    K: attr('K'),
    N: attr('N'),
    blockSize: attr('block_size'),
    B: init.get(node.input[1])!.rawData,
    scales: tensorToFloat32(scales),
    scaleType: scales.dataType === DataType.FLOAT16 ? 'float16' : 'float32',
    zeroPoints: node.input[3] ? init.get(node.input[3])!.rawData : null,
  };
}

describe('INT4 packing (MatMulNBits layout)', () => {
  it('packs two codes a byte, low nibble first; symmetric blocks map their extreme to code 0 with zero point 8', () => {
    const w = new Float32Array(32);
    w.set([-1, 0.5, 1, 0.3]);
    const q = quantizeInt4Blockwise({ data: w, K: 32, N: 1, strideK: 1, strideN: 1 }, { blockSize: 32, symmetric: true });
    // scale = (signed extreme) / -8 = 0.125; code = round(v / scale) + 8, clamped to 0..15
    expect([...q.scales]).toEqual([0.125]);
    expect(q.zeroPoints).toBeNull();
    expect(q.B.length).toBe(16);
    expect(q.B[0]).toBe(0 | (12 << 4)); // -1 → 0, 0.5 → 12
    expect(q.B[1]).toBe(15 | (10 << 4)); // 1 → 16, clipped to 15; 0.3 → 2.4 → 10
    expect(q.B[2]).toBe(0x88); // zeros → 8
    const back = dequantizeInt4Reference(q);
    expect([...back.slice(0, 4)]).toEqual([-1, 0.5, 0.875, 0.25]);
    expect(q.maxAbsError).toBeCloseTo(0.125, 6);
  });

  it('pads the last block with the zero point and packs zero points per row', () => {
    const K = 40; // two blocks of 32, the second holds 8 values and 24 of padding
    const N = 2;
    const rng = new Rng(3);
    const w = rng.normals(K * N, 1);
    const q = quantizeInt4Blockwise({ data: w, K, N, strideK: N, strideN: 1 }, { blockSize: 32, symmetric: false });
    expect(q.B.length).toBe(N * 2 * 16);
    expect(q.scales.length).toBe(N * 2);
    expect(q.zeroPoints!.length).toBe(N * 1); // [N, ceil(2 / 2)]
    for (let n = 0; n < N; n++) {
      const zpSecond = q.zeroPoints![n] >> 4;
      const secondBlock = q.B.subarray((n * 2 + 1) * 16, (n * 2 + 2) * 16);
      // bytes 4..15 hold elements 8..31 of the second block: all padding
      for (let i = 4; i < 16; i++) expect(secondBlock[i]).toBe(zpSecond | (zpSecond << 4));
    }
    const back = dequantizeInt4Reference(q);
    expect(back.length).toBe(K * N);
    let max = 0;
    for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(back[i] - w[i]));
    expect(max).toBeCloseTo(q.maxAbsError, 6);
  });

  it('keeps the error within one quantisation step', () => {
    const rng = new Rng(5);
    const K = 256;
    const N = 16;
    const w = rng.normals(K * N, 0.05);
    let absMax = 0;
    for (const v of w) absMax = Math.max(absMax, Math.abs(v));
    const sym = quantizeInt4Blockwise({ data: w, K, N, strideK: N, strideN: 1 }, { blockSize: 32, symmetric: true });
    expect(sym.maxAbsError).toBeLessThanOrEqual((absMax / 8) * (1 + 1e-6));
    const asym = quantizeInt4Blockwise({ data: w, K, N, strideK: N, strideN: 1 }, { blockSize: 32, symmetric: false });
    expect(asym.maxAbsError).toBeLessThanOrEqual(((2 * absMax) / 15) * (1 + 1e-6));
    // Gaussian weights, 4 bits: a relative RMS error around 8%
    for (const q of [sym, asym]) {
      expect(q.relRmsError).toBeGreaterThan(0.03);
      expect(q.relRmsError).toBeLessThan(0.12);
    }
  });
});

describe('quantizeInt4 in onnxruntime', () => {
  const configs = [32, 64, 128].flatMap((blockSize) => [true, false].flatMap((symmetric) => [256, 200].map((K) => ({ blockSize: blockSize as 32 | 64 | 128, symmetric, K }))));

  it.each(configs)('INT4 matches a dequantised reference closely (block $blockSize, symmetric $symmetric, K $K)', async ({ blockSize, symmetric, K }) => {
    const N = 24;
    const rng = new Rng(K + blockSize + (symmetric ? 1 : 0));
    const w = rng.normals(K * N, 1 / Math.sqrt(K));
    const model = matmulModel(K, N, w);
    const { model: q, report } = quantizeInt4(model, { blockSize, symmetric, minElements: 0 });

    const [node] = nbitsNodes(q);
    expect(node).toMatchObject({ name: '/proj', domain: 'com.microsoft', output: [OUT] });
    expect(q.graph!.node.some((n) => n.opType === 'MatMul')).toBe(false);
    expect(q.graph!.initializer.some((t) => t.name === 'weight')).toBe(false);
    expect(q.opsetImport.some((o) => o.domain === 'com.microsoft' && o.version === 1n)).toBe(true);
    const nb = Math.ceil(K / blockSize);
    const init = new Map(q.graph!.initializer.map((t) => [t.name, t]));
    expect(init.get(node.input[1])!.dims).toEqual([BigInt(N), BigInt(nb), BigInt(blockSize / 2)]);
    expect(init.get(node.input[2])!.dims).toEqual([BigInt(N), BigInt(nb)]);
    if (symmetric) expect(node.input.length).toBe(3);
    else expect(init.get(node.input[3])!.dims).toEqual([BigInt(N), BigInt(Math.ceil(nb / 2))]);

    const packed = packedOf(q, node);
    const feeds = { x: new ort.Tensor('float32', rng.normals(6 * K, 1), [2, 3, K]) };
    const got = floats((await run(q, feeds))[OUT]);
    const ref = floats((await run(matmulModel(K, N, dequantizeInt4Reference(packed)), feeds))[OUT]);
    const original = floats((await run(model, feeds))[OUT]);
    expect(relMaxError(got, ref)).toBeLessThan(1e-4);

    // Against the float model: the output error is of the order of the weight error (~8%).
    const layer = report.layers[0];
    expect(layer.relRmsError).toBeGreaterThan(0.03);
    expect(layer.relRmsError).toBeLessThan(0.12);
    const outErr = relRms(got, original);
    expect(outErr).toBeGreaterThan(layer.relRmsError! / 3);
    expect(outErr).toBeLessThan(layer.relRmsError! * 2);
  });

  it('would notice a wrong layout: high nibble first does not match onnxruntime', async () => {
    const K = 64;
    const N = 8;
    const rng = new Rng(11);
    const model = matmulModel(K, N, rng.normals(K * N, 0.2));
    const { model: q } = quantizeInt4(model, { blockSize: 32, symmetric: true, minElements: 0 });
    const packed = packedOf(q, nbitsNodes(q)[0]);
    const swapped = { ...packed, B: packed.B.map((b) => ((b & 0xf) << 4) | (b >> 4)) };
    const feeds = { x: new ort.Tensor('float32', rng.normals(6 * K, 1), [2, 3, K]) };
    const got = floats((await run(q, feeds))[OUT]);
    const wrong = floats((await run(matmulModel(K, N, dequantizeInt4Reference(swapped)), feeds))[OUT]);
    expect(relMaxError(got, wrong)).toBeGreaterThan(0.05);
  });

  it('uses a smaller block when K is below the block size, and still matches onnxruntime', async () => {
    const K = 48;
    const N = 16;
    const rng = new Rng(12);
    const model = matmulModel(K, N, rng.normals(K * N, 0.2));
    const { model: q, report } = quantizeInt4(model, { blockSize: 128, symmetric: false, minElements: 0 });
    expect(report.layers[0].blockSize).toBe(64); // one block per column either way, less padding
    const [node] = nbitsNodes(q);
    const packed = packedOf(q, node);
    expect(packed.blockSize).toBe(64);
    expect(packed.B.length).toBe(N * 32);
    const feeds = { x: new ort.Tensor('float32', rng.normals(6 * K, 1), [2, 3, K]) };
    const got = floats((await run(q, feeds))[OUT]);
    const ref = floats((await run(matmulModel(K, N, dequantizeInt4Reference(packed)), feeds))[OUT]);
    expect(relMaxError(got, ref)).toBeLessThan(1e-4);
  });

  it('rewrites Gemm (transB=1, alpha, beta) with its bias folded into MatMulNBits', async () => {
    const M = 5;
    const K = 96;
    const N = 48;
    const rng = new Rng(21);
    const b = rng.normals(N * K, 0.1); // [N, K]: transB=1, as torch exports nn.Linear
    const c = rng.normals(N, 0.5);
    const gemm = (weight: Float32Array, alpha: number) => {
      const g = new GraphBuilder('gemm');
      const x = g.input('x', DataType.FLOAT, [M, K]);
      g.weight('fc.weight', [N, K], weight);
      g.weight('fc.bias', [N], c);
      const y = g.op1('Gemm', [x, 'fc.weight', 'fc.bias'], { transB: 1, alpha, beta: 1.5 }, { name: 'fc' });
      g.output(y, DataType.FLOAT, [M, N]);
      return g.model();
    };
    const model = gemm(b, 0.5);
    const { model: q, report } = quantizeInt4(model, { blockSize: 32, symmetric: false, minElements: 0 });
    expect(q.graph!.node.map((n) => n.opType)).toEqual(['MatMulNBits']);
    const [node] = nbitsNodes(q);
    expect(node.input).toHaveLength(6); // A, B, scales, zero_points, (no g_idx), bias
    expect(node.input[4]).toBe('');
    expect(q.graph!.initializer.map((t) => t.name).sort()).toEqual(['fc.bias_bias', 'fc.weight_Q4', 'fc.weight_scales', 'fc.weight_zero_points']);
    expect(report.layers[0]).toMatchObject({ op: 'Gemm', K, N, skipped: null });

    // The packed weight is alpha * B^T; the reference is a float Gemm of it with the same bias.
    const deq = dequantizeInt4Reference(packedOf(q, node)); // [K, N]
    const deqT = new Float32Array(N * K);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) deqT[n * K + k] = deq[k * N + n];
    const feeds = { x: new ort.Tensor('float32', rng.normals(M * K, 1), [M, K]) };
    const got = floats((await run(q, feeds))['/fc_output_0']);
    // alpha 0.5 on twice the weight: the builder writes a whole-number alpha as an INT attribute
    const ref = floats((await run(gemm(deqT.map((v) => v * 2), 0.5), feeds))['/fc_output_0']);
    const original = floats((await run(model, feeds))['/fc_output_0']);
    expect(relMaxError(got, ref)).toBeLessThan(1e-4);
    expect(relRms(got, original)).toBeLessThan(0.1);
  });

  it('rewrites Gemm (transB=0) with a matrix C as MatMulNBits + Add', async () => {
    const M = 4;
    const K = 64;
    const N = 32;
    const rng = new Rng(22);
    const g = new GraphBuilder('gemm');
    const x = g.input('x', DataType.FLOAT, [M, K]);
    g.weight('w', [K, N], rng.normals(K * N, 0.1));
    g.weight('c', [M, N], rng.normals(M * N, 1));
    const y = g.op1('Gemm', [x, 'w', 'c'], { beta: 0.5 }, { name: 'fc' });
    g.output(y, DataType.FLOAT, [M, N]);
    const model = g.model();
    const { model: q } = quantizeInt4(model, { blockSize: 64, symmetric: true, minElements: 0 });
    expect(q.graph!.node.map((n) => `${n.domain}:${n.opType}`)).toEqual(['com.microsoft:MatMulNBits', ':Add']);
    expect(q.graph!.initializer.some((t) => t.name === 'c')).toBe(false); // replaced by 0.5 * c
    const feeds = { x: new ort.Tensor('float32', rng.normals(M * K, 1), [M, K]) };
    const got = floats((await run(q, feeds))['/fc_output_0']);
    const original = floats((await run(model, feeds))['/fc_output_0']);
    expect(relRms(got, original)).toBeLessThan(0.1);
  });

  it('quantises float16 weights with float16 scales', async () => {
    const K = 96;
    const N = 40;
    const rng = new Rng(31);
    const w = rng.normals(K * N, 0.1);
    const model = matmulModel(K, N, w, DataType.FLOAT16);
    const { model: q, report } = quantizeInt4(model, { blockSize: 32, symmetric: true, minElements: 0 });
    const [node] = nbitsNodes(q);
    const packed = packedOf(q, node);
    expect(packed.scaleType).toBe('float16');
    expect(report.totals.bitsPerWeight).toBe(4 + 16 / 32); // K = 3 blocks of 32: no padding
    const feeds = { x: new ort.Tensor('float16', Uint16Array.from(rng.normals(6 * K, 1), floatToHalf), [2, 3, K]) };
    const got = floats((await run(q, feeds))[OUT]);
    const ref = floats((await run(matmulModel(K, N, dequantizeInt4Reference(packed), DataType.FLOAT16), feeds))[OUT]);
    // both sides compute in float16 (different accumulation orders)
    expect(relMaxError(got, ref)).toBeLessThan(5e-3);
  });

  it('quantises a shared weight once, and keeps a weight other operators read in float', async () => {
    const K = 64;
    const N = 64;
    const rng = new Rng(41);
    const g = new GraphBuilder('shared');
    const x = g.input('x', DataType.FLOAT, [3, K]);
    g.weight('shared.weight', [K, N], rng.normals(K * N, 0.1));
    g.weight('mixed.weight', [K, N], rng.normals(K * N, 0.1));
    const a = g.op1('MatMul', [x, 'shared.weight'], {}, { name: 'a' });
    const b = g.op1('MatMul', [a, 'shared.weight'], {}, { name: 'b' });
    const c = g.op1('MatMul', [b, 'mixed.weight'], {}, { name: 'c' });
    const y = g.op1('Add', [c, g.op1('ReduceSum', [g.op1('Abs', ['mixed.weight'])], { keepdims: 0 })], {}, { name: 'out' });
    g.output(y, DataType.FLOAT, [3, N]);
    const model = g.model();
    const { model: q, report } = quantizeInt4(model, { blockSize: 32, symmetric: true, minElements: 0 });
    expect(report.layers.map((l) => [l.weight, l.nodes, l.skipped])).toEqual([
      ['shared.weight', ['/a', '/b'], null],
      ['mixed.weight', ['/c'], 'Abs node "/Abs" also reads it (input 0), so it must stay in float'],
    ]);
    const nodes = nbitsNodes(q);
    expect(nodes.map((n) => n.name)).toEqual(['/a', '/b']);
    expect(nodes[0].input.slice(1)).toEqual(nodes[1].input.slice(1));
    expect(q.graph!.initializer.map((t) => t.name).sort()).toEqual(['mixed.weight', 'shared.weight_Q4', 'shared.weight_scales']);
    expect(report.totals).toMatchObject({ layers: 2, quantized: 1, skipped: 1, parameters: K * N });
    const feeds = { x: new ort.Tensor('float32', rng.normals(3 * K, 1), [3, K]) };
    const got = floats((await run(q, feeds))['/out_output_0']);
    const original = floats((await run(model, feeds))['/out_output_0']);
    expect(relRms(got, original)).toBeLessThan(0.15);
  });

  it('leaves the input model untouched and rejects invalid options', () => {
    const model = matmulModel(64, 64, new Rng(1).normals(64 * 64, 0.1));
    const bytes = toBinary(ModelProtoSchema, model);
    quantizeInt4(model, { blockSize: 32, symmetric: true, minElements: 0 });
    expect(Buffer.from(toBinary(ModelProtoSchema, model)).equals(Buffer.from(bytes))).toBe(true);
    expect(() => quantizeInt4(model, { blockSize: 48 as 32, symmetric: true })).toThrow(AppError);
    expect(() => quantizeInt4(model, { blockSize: 32, symmetric: true, minElements: -1 })).toThrow(/minElements/);
  });
});

describe('quantizeInt4 on the fixture denoiser', () => {
  let original: string;
  let feeds: TFeeds;
  let reference: Float32Array;

  beforeAll(async () => {
    writeFixtureBundle(path.join(dir, 'bundle'), { blocks: 2, hidden: 64 });
    original = path.join(dir, 'bundle', 'transformer', 'model.onnx');
    const rng = new Rng(7);
    feeds = {
      hidden_states: new ort.Tensor('float32', rng.normals(2 * 4 * 8 * 8, 1), [2, 4, 8, 8]),
      encoder_hidden_states: new ort.Tensor('float32', rng.normals(2 * 16 * 32, 1), [2, 16, 32]),
      pooled_projections: new ort.Tensor('float32', rng.normals(2 * 32, 1), [2, 32]),
      timestep: new ort.Tensor('float32', Float32Array.from([250, 750]), [2]),
    };
    reference = floats((await run(original, feeds)).out_sample);
  });

  it('keeps the output close and shrinks the weights to 5 bits each (block 32, float32 scales)', async () => {
    const { model: q, report } = quantizeInt4(readModel(original).proto, { blockSize: 32, symmetric: true });
    const file = path.join(dir, 'q32.onnx');
    writeModel(q, file);
    const got = floats((await run(file, feeds)).out_sample);
    const outErr = relRms(got, reference);
    // the weights are ~8% off each (relative RMS); residual streams dilute that to ~2% at the output
    expect(outErr).toBeGreaterThan(0.005);
    expect(outErr).toBeLessThan(0.05);

    // hidden 64: every quantised K (64, 256) is a multiple of 32, so the ratio is exactly
    // (4 bits + 32-bit scale / 32) / 32 bits = 5 / 32
    expect(report.totals.ratio).toBe(5 / 32);
    expect(report.totals.bitsPerWeight).toBe(5);
    expect(report.totals.theoreticalBitsPerWeight).toBe(5);
    // block 0: norm1, norm1_context, 8 attention projections, ff and ff_context (2 each) = 14;
    // block 1 (context pre-only): no to_add_out, no ff_context = 11; timestep and text embedders
    // (3 of 4: text linear_1 is 32 x 64) and norm_out = 4
    expect(report.totals.quantized).toBe(14 + 11 + 4);
    const skipped = report.layers.filter((l) => l.skipped).map((l) => l.weight);
    expect(skipped.sort()).toEqual(['context_embedder.weight', 'proj_out.weight', 'time_text_embed.text_embedder.linear_1.weight']);
    for (const l of report.layers.filter((x) => !x.skipped)) expect(l.relRmsError).toBeLessThan(0.12);

    // the file shrinks by what the report says the weights lost (protobuf framing aside)
    const saved = report.totals.floatBytesBefore - report.totals.bytesAfter;
    const shrink = fs.statSync(original).size - fs.statSync(file).size;
    expect(Math.abs(shrink - saved)).toBeLessThan(0.01 * saved);
    expect(report.model.bytesBefore - report.model.bytesAfter).toBe(saved);
  });

  it('keeps weights in the skip list in float', async () => {
    const skip = ['transformer_blocks.0.attn.to_q.weight', /ff_context/, 'transformer_blocks.1.norm1'];
    const { model: q, report } = quantizeInt4(readModel(original).proto, { blockSize: 64, symmetric: false, skip });
    const inSkip = report.layers.filter((l) => l.skipped === 'in the skip list').map((l) => l.weight);
    expect(inSkip.sort()).toEqual([
      'transformer_blocks.0.attn.to_q.weight',
      'transformer_blocks.0.ff_context.net.0.proj.weight',
      'transformer_blocks.0.ff_context.net.2.weight',
      'transformer_blocks.1.norm1.linear.weight',
    ]);
    const init = new Map(q.graph!.initializer.map((t) => [t.name, t]));
    for (const w of inSkip) expect(init.get(w)?.dataType).toBe(DataType.FLOAT);
    expect(q.graph!.node.find((n) => n.name === '/transformer_blocks.0/attn/to_q/MatMul')?.opType).toBe('MatMul');
    expect(init.has('transformer_blocks.0.attn.to_k.weight')).toBe(false);
    const got = floats((await run(q, feeds)).out_sample);
    expect(relRms(got, reference)).toBeLessThan(0.05);
  });
});
