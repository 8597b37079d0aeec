import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Rng } from '../fixtures/random';
import { GRAD_PREFIX, gradientModel, LOSS_OUTPUT, TARGET_INPUT, tensorShapes } from './autodiff';
import { DataType, GraphBuilder } from './builder';

type TCase = {
  /** Inputs (name → dims) the graph declares; fed random values. */
  inputs: Record<string, number[]>;
  /** Builds the graph from the input names; returns its output. Weights made with g.weight are what gets differentiated. */
  build: (g: GraphBuilder, x: Record<string, string>) => string;
};

const rng = new Rng(7);
const randomTensor = (dims: number[]) => new ort.Tensor('float32', rng.normals(dims.reduce((a, b) => a * b, 1), 1), dims);

/**
 * Builds the gradient model of a case and checks every weight's gradient against central finite
 * differences of the loss the same model computes, at a spread of coordinates.
 */
async function checkGradients(c: TCase) {
  const g = new GraphBuilder('case');
  const x = Object.fromEntries(Object.entries(c.inputs).map(([name, dims]) => [name, g.input(name, DataType.FLOAT, dims)]));
  const out = c.build(g, x);
  g.output(out, DataType.FLOAT, null);
  const forward = g.model();
  const params = forward.graph!.initializer.filter((t) => !t.name.startsWith('onnx::')).map((t) => t.name);
  const feeds: Record<string, ort.Tensor> = Object.fromEntries(Object.entries(c.inputs).map(([name, dims]) => [name, randomTensor(dims)]));
  const shapes = await tensorShapes(forward, feeds);
  const model = gradientModel(forward, { params, output: out, shapes });
  const session = await ort.InferenceSession.create(toBinary(ModelProtoSchema, model), { intraOpNumThreads: 1 });
  const weights = Object.fromEntries(params.map((p) => [p, randomTensor(shapes.get(p)!)]));
  const target = randomTensor(shapes.get(out)!);
  const run = async () => session.run({ ...feeds, ...weights, [TARGET_INPUT]: target });
  const base = await run();
  let checked = 0;
  for (const p of params) {
    const grad = base[GRAD_PREFIX + p].data as Float32Array;
    const values = weights[p].data as Float32Array;
    expect(grad.length).toBe(values.length);
    const rms = Math.sqrt(grad.reduce((s, v) => s + v * v, 0) / grad.length);
    const coords = [...new Set([0, values.length - 1, Math.floor(values.length / 2), Math.floor(values.length / 3), Math.floor((2 * values.length) / 3)])];
    for (const i of coords) {
      const keep = values[i];
      const eps = 1e-2;
      values[i] = keep + eps;
      const up = ((await run())[LOSS_OUTPUT].data as Float32Array)[0];
      values[i] = keep - eps;
      const down = ((await run())[LOSS_OUTPUT].data as Float32Array)[0];
      values[i] = keep;
      const numeric = (up - down) / (2 * eps);
      expect(Math.abs(numeric - grad[i]), `${p}[${i}]: analytic ${grad[i]}, numeric ${numeric}`).toBeLessThan(2e-2 * (Math.abs(grad[i]) + rms) + 1e-5);
      checked++;
    }
  }
  await session.release();
  expect(checked).toBeGreaterThan(0);
}

const w = (g: GraphBuilder, name: string, dims: number[]) => g.weight(name, dims, rng.normals(dims.reduce((a, b) => a * b, 1), 0.5));

describe('ONNX autodiff: gradients against finite differences', () => {
  it('elementwise arithmetic with broadcasting (bias, scalar, leading dims) and a weight used twice', async () => {
    await checkGradients({
      inputs: { x: [2, 3, 4] },
      build: (g, { x }) => {
        const bias = w(g, 'bias', [4]);
        const scale = w(g, 'scale', [3, 1]);
        const s = w(g, 's', []);
        const d = w(g, 'd', [1, 4]);
        const y = g.op1('Mul', [g.op1('Add', [x, bias]), scale]);
        const z = g.op1('Sub', [y, g.op1('Mul', [bias, s])]);
        // the divisor kept away from zero: 2 + d²
        const denom = g.op1('Add', [g.op1('Mul', [d, d]), g.constFloat([2], [])]);
        return g.op1('Neg', [g.op1('Div', [z, denom])]);
      },
    });
  });

  it('a linear layer over a 3-D input and a batched product of two live operands (attention scores)', async () => {
    await checkGradients({
      inputs: { x: [2, 5, 4] },
      build: (g, { x }) => {
        const q = g.op1('MatMul', [x, w(g, 'wq', [4, 6])]);
        const k = g.op1('MatMul', [x, w(g, 'wk', [4, 6])]);
        const kT = g.op1('Transpose', [k], { perm: [0, 2, 1] });
        return g.op1('MatMul', [q, kT]);
      },
    });
  });

  it('softmax, sigmoid, tanh and a learned layer norm', async () => {
    await checkGradients({
      inputs: { x: [3, 5] },
      build: (g, { x }) => {
        const h = g.op1('MatMul', [x, w(g, 'w', [5, 6])]);
        const n = g.op1('LayerNormalization', [h, w(g, 'ln_scale', [6]), w(g, 'ln_bias', [6])], { axis: -1, epsilon: 1e-5 });
        const a = g.op1('Softmax', [g.op1('Mul', [n, g.constFloat([2], [])])], { axis: -1 });
        const b = g.op1('Sigmoid', [n]);
        return g.op1('Add', [g.op1('Tanh', [g.op1('Mul', [a, w(g, 'v', [6])])]), b]);
      },
    });
  });

  it('reshape, transpose, unsqueeze, concat, split and slice (an end past the edge)', async () => {
    await checkGradients({
      inputs: { x: [2, 6] },
      build: (g, { x }) => {
        const h = g.op1('MatMul', [x, w(g, 'w', [6, 8])]);
        const [a, b] = g.op('Split', [h], { axis: 1 }, { outputs: 2 });
        const joined = g.op1('Concat', [b, a, g.op1('Mul', [a, b])], { axis: 1 });
        const r = g.op1('Transpose', [g.op1('Reshape', [joined, g.constInt64([2, 3, 4])])], { perm: [2, 0, 1] });
        const cut = g.op1('Slice', [r, g.constInt64([1]), g.constInt64([2 ** 62]), g.constInt64([2])]);
        return g.op1('Unsqueeze', [cut, g.constInt64([0])]);
      },
    });
  });

  it('a split output nobody reads gets a zero gradient', async () => {
    await checkGradients({
      inputs: { x: [2, 6] },
      build: (g, { x }) => {
        const h = g.op1('MatMul', [x, w(g, 'w', [6, 6])]);
        return g.op('Split', [h], { axis: 1 }, { outputs: 3 })[1];
      },
    });
  });

  it.each([
    ['a patch embedding (kernel 2, stride 2)', { kernel: 2, stride: 2, pad: 0, size: 8 }],
    ['a 3x3 convolution with padding 1', { kernel: 3, stride: 1, pad: 1, size: 6 }],
    ['a strided 3x3 convolution that leaves an edge row unread', { kernel: 3, stride: 2, pad: 1, size: 8 }],
  ])('convolution: %s, weights, bias and input', async (_, c) => {
    await checkGradients({
      inputs: { x: [2, 3, c.size, c.size] },
      build: (g, { x }) => {
        // the input passes a live op first so its gradient (the transposed convolution) is checked too
        const live = g.op1('Mul', [x, w(g, 'gain', [1, 3, 1, 1])]);
        return g.op1('Conv', [live, w(g, 'kernel', [4, 3, c.kernel, c.kernel]), w(g, 'bias', [4])], { kernel_shape: [c.kernel, c.kernel], strides: [c.stride, c.stride], pads: [c.pad, c.pad, c.pad, c.pad] });
      },
    });
  });
});

describe('ONNX autodiff: what it refuses', () => {
  const graph = (useCos: boolean) => {
    const g = new GraphBuilder('refuse');
    const x = g.input('x', DataType.FLOAT, [2, 3]);
    const h = g.op1('Mul', [x, g.weight('w', [3], Float32Array.of(1, 2, 3))]);
    const out = useCos ? g.op1('Cos', [h]) : g.op1('Cos', [x]);
    g.output(out, DataType.FLOAT, null);
    return { model: g.model(), out };
  };
  const feeds = { x: new ort.Tensor('float32', new Float32Array(6), [2, 3]) };

  it('an operator without a rule on the path from a weight, by node', async () => {
    const { model, out } = graph(true);
    const shapes = await tensorShapes(model, feeds);
    expect(() => gradientModel(model, { params: ['w'], output: out, shapes })).toThrow(/no gradient for Cos node \/Cos/);
  });

  it('an output that does not depend on the weights, and a weight that is not an initializer', async () => {
    const { model, out } = graph(false);
    const shapes = await tensorShapes(model, feeds);
    expect(() => gradientModel(model, { params: ['w'], output: out, shapes })).toThrow(/does not depend on any of the weights/);
    expect(() => gradientModel(model, { params: ['nope'], output: out, shapes })).toThrow(/nope is not an initializer/);
  });
});
