import { create, toBinary } from '@bufbuild/protobuf';
import { type ModelProto, ModelProtoSchema, type NodeProto, NodeProtoSchema, type TensorProto } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { attribute, type TAttr, valueInfoProto } from './builder';
import { DataType } from './dtypes';
import { floatTensor, int64Tensor, tensorDims, tensorToBigInt64 } from './tensor';

/**
 * Reverse-mode differentiation of ONNX graphs, so a model can be trained by onnxruntime (whose
 * CPU kernels are threaded and far faster here than tfjs's WebAssembly backend) with exactly the
 * graph that inference runs.
 *
 * `gradientModel` takes a forward graph with static shapes for one batch size (`tensorShapes`
 * measures them by running it once), appends a mean-squared-error loss against a new `target`
 * input and the backward pass, and turns the chosen weights from initializers into inputs, so
 * each step feeds the current weights and reads back `loss` and one `grad:<weight>` per weight.
 *
 * The rules cover the operators our graphs use (lib/fixtures): elementwise arithmetic with
 * broadcasting, MatMul (linear layers and attention's batched products), LayerNormalization,
 * Softmax, Sigmoid, Tanh, Conv (2-D, one group, no dilation), and the shape operators. A node off the path from the weights
 * to the output (the timestep's sines, the x-prediction clamp) needs none; one on it without a
 * rule is refused by name.
 */

export type TShapes = Map<string, number[]>;

/** The prefix of the gradient outputs: `grad:<weight name>`. */
export const GRAD_PREFIX = 'grad:';
export const LOSS_OUTPUT = 'loss';
export const TARGET_INPUT = 'target';

/**
 * The dims of every value of `model` (inputs, initializers, node outputs) for these inputs: the
 * model is run once with each node output exposed. Node outputs must be float tensors.
 */
export async function tensorShapes(model: ModelProto, feeds: Record<string, ort.Tensor>): Promise<TShapes> {
  const graph = model.graph!;
  const probe = create(ModelProtoSchema, { ...model, graph: { ...graph, output: [] } });
  const names = graph.node.flatMap((n) => n.output).filter((o) => o !== '');
  probe.graph!.output = names.map((n) => valueInfoProto(n, DataType.FLOAT, null));
  const session = await ort.InferenceSession.create(toBinary(ModelProtoSchema, probe), { intraOpNumThreads: 1, graphOptimizationLevel: 'disabled' });
  try {
    const out = await session.run(feeds);
    const shapes: TShapes = new Map();
    for (const t of graph.initializer) shapes.set(t.name, tensorDims(t));
    for (const [name, t] of Object.entries(feeds)) shapes.set(name, [...t.dims]);
    for (const name of names) shapes.set(name, [...out[name].dims]);
    return shapes;
  } finally {
    await session.release();
  }
}

/** The forward graph plus an MSE loss on `output` and the gradient of that loss for every one of `params`. */
export function gradientModel(model: ModelProto, o: { params: string[]; output: string; shapes: TShapes }): ModelProto {
  const graph = model.graph!;
  const params = new Set(o.params);
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  for (const p of params) if (!inits.has(p)) throw new Error(`autodiff: ${p} is not an initializer of the graph`);
  const e = new Emitter(o.shapes, inits);

  // which values depend on a weight: only those need gradients
  const live = new Set<string>(params);
  for (const n of graph.node) if (n.input.some((i) => live.has(i))) for (const out of n.output) live.add(out);
  if (!live.has(o.output)) throw new Error(`autodiff: ${o.output} does not depend on any of the weights`);

  // loss = mean((output − target)²); its gradient with respect to the output is 2·(output − target)/N
  const outShape = e.shape(o.output);
  const diff = e.op('Sub', [o.output, TARGET_INPUT]);
  e.op('ReduceMean', [e.op('Mul', [diff, diff])], { keepdims: 0 }, LOSS_OUTPUT);
  const count = outShape.reduce((a, b) => a * b, 1);
  const grads = new Map<string, string[]>([[o.output, [e.op('Mul', [diff, e.constFloat(2 / count)])]]]);
  const add = (name: string, g: string) => {
    if (!live.has(name)) return;
    grads.set(name, [...(grads.get(name) ?? []), g]);
  };
  const total = (name: string): string | null => {
    const parts = grads.get(name);
    if (!parts?.length) return null;
    return parts.length === 1 ? parts[0] : e.op('Sum', parts);
  };

  for (let i = graph.node.length - 1; i >= 0; i--) {
    const node = graph.node[i];
    if (!node.input.some((x) => live.has(x))) continue;
    const gys = node.output.map(total);
    if (gys.every((g) => g === null)) continue;
    backward(e, node, gys, live, add);
  }

  const gradOutputs = o.params.map((p) => {
    const g = total(p) ?? e.zeros(e.shape(p));
    return e.op('Identity', [g], {}, GRAD_PREFIX + p);
  });

  const kept = graph.initializer.filter((t) => !params.has(t.name));
  const paramInputs = o.params.map((p) => valueInfoProto(p, DataType.FLOAT, e.shape(p)));
  return create(ModelProtoSchema, {
    ...model,
    graph: {
      ...graph,
      node: [...graph.node, ...e.nodes],
      initializer: [...kept, ...e.inits],
      input: [...graph.input, valueInfoProto(TARGET_INPUT, DataType.FLOAT, outShape), ...paramInputs],
      output: [valueInfoProto(LOSS_OUTPUT, DataType.FLOAT, []), ...gradOutputs.map((g, k) => valueInfoProto(g, DataType.FLOAT, e.shape(o.params[k])))],
    },
  });
}

/** Appends the backward nodes of one forward node: `gys[k]` is the gradient of its k-th output (null: none). */
function backward(e: Emitter, node: NodeProto, gys: (string | null)[], live: Set<string>, add: (name: string, g: string) => void) {
  const [a, b] = node.input;
  const y = node.output[0];
  const gy = gys[0];
  const needs = (x: string | undefined) => x !== undefined && x !== '' && live.has(x);
  const attr = (name: string) => node.attribute.find((t) => t.name === name);
  const ints = (name: string, fallback: number[]) => attr(name)?.ints.map(Number) ?? fallback;
  const refuse = (why: string): never => {
    throw new Error(`autodiff: no gradient for ${node.opType} node ${node.name} (${why})`);
  };
  const Y = () => e.shape(y);

  switch (node.opType) {
    case 'Identity':
      return add(a, gy!);
    case 'Add':
    case 'Sub':
      if (needs(a)) add(a, e.unbroadcast(gy!, Y(), e.shape(a)));
      if (needs(b)) add(b, e.unbroadcast(node.opType === 'Sub' ? e.op('Neg', [gy!]) : gy!, Y(), e.shape(b)));
      return;
    case 'Mul':
      if (needs(a)) add(a, e.unbroadcast(e.op('Mul', [gy!, b]), Y(), e.shape(a)));
      if (needs(b)) add(b, e.unbroadcast(e.op('Mul', [gy!, a]), Y(), e.shape(b)));
      return;
    case 'Div':
      // y = a / b: ∂y/∂a = 1/b, ∂y/∂b = −a/b² = −y/b
      if (needs(a)) add(a, e.unbroadcast(e.op('Div', [gy!, b]), Y(), e.shape(a)));
      if (needs(b)) add(b, e.unbroadcast(e.op('Neg', [e.op('Div', [e.op('Mul', [gy!, y]), b])]), Y(), e.shape(b)));
      return;
    case 'Neg':
      return add(a, e.op('Neg', [gy!]));
    case 'Sigmoid':
      return add(a, e.op('Mul', [gy!, e.op('Mul', [y, e.op('Sub', [e.constFloat(1), y])])]));
    case 'Tanh':
      return add(a, e.op('Mul', [gy!, e.op('Sub', [e.constFloat(1), e.op('Mul', [y, y])])]));
    case 'Softmax': {
      const axis = attr('axis') ? Number(attr('axis')!.i) : -1;
      const dot = e.op('ReduceSum', [e.op('Mul', [gy!, y]), e.constInt64([axis])], { keepdims: 1 });
      return add(a, e.op('Mul', [y, e.op('Sub', [gy!, dot])]));
    }
    case 'MatMul':
      return matMulBackward(e, a, b, gy!, Y(), needs(a), needs(b), add, refuse);
    case 'Reshape':
    case 'Unsqueeze':
    case 'Squeeze':
    case 'Flatten':
      return add(a, e.reshape(gy!, e.shape(a)));
    case 'Transpose': {
      const rank = e.shape(a).length;
      const perm = ints('perm', [...Array(rank).keys()].reverse());
      const inverse = new Array<number>(rank);
      perm.forEach((p, k) => (inverse[p] = k));
      return add(a, e.op('Transpose', [gy!], { perm: inverse }));
    }
    case 'Concat': {
      const rank = Y().length;
      const axis = (Number(attr('axis')!.i) + rank) % rank;
      const sizes = node.input.map((x) => e.shape(x)[axis]);
      const parts = e.opN('Split', [gy!, e.constInt64(sizes)], node.input.length, { axis });
      node.input.forEach((x, k) => needs(x) && add(x, parts[k]));
      return;
    }
    case 'Split': {
      const rank = e.shape(a).length;
      const axis = (Number(attr('axis')?.i ?? 0n) + rank) % rank;
      const pieces = node.output.map((out, k) => gys[k] ?? e.zeros(e.shape(out)));
      return add(a, e.op('Concat', pieces, { axis }));
    }
    case 'Slice': {
      const X = e.shape(a);
      const starts = e.int64Constant(node.input[1]);
      const ends = e.int64Constant(node.input[2]);
      const axes = node.input[3] ? e.int64Constant(node.input[3]) : starts.map((_, k) => k);
      const steps = node.input[4] ? e.int64Constant(node.input[4]) : starts.map(() => 1);
      if (steps.some((s) => s !== 1)) refuse('only steps of 1');
      const pads = new Array<number>(2 * X.length).fill(0);
      axes.forEach((ax0, k) => {
        const ax = (ax0 + X.length) % X.length;
        const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + X[ax] : v, 0), X[ax]);
        const s = clamp(starts[k]);
        const t = Math.max(s, clamp(ends[k]));
        pads[ax] = s;
        pads[X.length + ax] = X[ax] - t;
      });
      return add(a, e.op('Pad', [gy!, e.constInt64(pads)], { mode: 'constant' }));
    }
    case 'LayerNormalization':
      return layerNormBackward(e, node, gy!, needs, add, refuse);
    case 'Conv':
      return convBackward(e, node, gy!, needs, add, refuse);
    default:
      refuse('no rule for this operator');
  }
}

function matMulBackward(
  e: Emitter,
  a: string,
  b: string,
  gy: string,
  Y: number[],
  needA: boolean,
  needB: boolean,
  add: (name: string, g: string) => void,
  refuse: (why: string) => never,
) {
  const A = e.shape(a);
  const B = e.shape(b);
  if (A.length < 2 || B.length < 2) refuse('vector operands');
  const k = A[A.length - 1];
  const n = B[B.length - 1];
  if (B.length === 2) {
    // a linear layer: fold the leading dims of a into rows, so both products are plain 2-D GEMMs
    const rows = A.slice(0, -1).reduce((p, q) => p * q, 1);
    const a2 = e.reshape(a, [rows, k]);
    const g2 = e.reshape(gy, [rows, n]);
    if (needA) add(a, e.reshape(e.op('Gemm', [g2, b], { transB: 1 }), A));
    if (needB) add(b, e.op('Gemm', [a2, g2], { transA: 1 }));
    return;
  }
  const swap = (x: string, rank: number) => e.op('Transpose', [x], { perm: [...[...Array(rank - 2).keys()], rank - 1, rank - 2] });
  if (needA) add(a, e.unbroadcast(e.op('MatMul', [gy, swap(b, B.length)]), [...Y.slice(0, -1), k], A));
  if (needB) add(b, e.unbroadcast(e.op('MatMul', [swap(a, A.length), gy]), [...Y.slice(0, -2), k, n], B));
}

function layerNormBackward(e: Emitter, node: NodeProto, gy: string, needs: (x: string | undefined) => boolean, add: (name: string, g: string) => void, refuse: (why: string) => never) {
  const [x, scale, bias] = node.input;
  const X = e.shape(x);
  const attr = (name: string) => node.attribute.find((t) => t.name === name);
  const axis0 = attr('axis') ? Number(attr('axis')!.i) : -1;
  const axis = (axis0 + X.length) % X.length;
  const epsilon = attr('epsilon')?.f ?? 1e-5;
  if (node.output.length > 1 && node.output.slice(1).some((o) => o !== '')) refuse('mean and inverse deviation outputs');
  const axes = [...Array(X.length - axis).keys()].map((k) => k + axis);
  const mean = (t: string) => e.op('ReduceMean', [t], { axes, keepdims: 1 });
  // recompute the normalised input: x̂ = (x − μ)·r, r = 1/√(var + ε)
  const centred = e.op('Sub', [x, mean(x)]);
  const r = e.op('Reciprocal', [e.op('Sqrt', [e.op('Add', [mean(e.op('Mul', [centred, centred])), e.constFloat(epsilon)])])]);
  const xhat = e.op('Mul', [centred, r]);
  if (needs(x)) {
    // ∂L/∂x = r·(g − mean(g) − x̂·mean(g·x̂)), g = ∂L/∂x̂ = gy·scale
    const g = e.op('Mul', [gy, scale]);
    add(x, e.op('Mul', [r, e.op('Sub', [e.op('Sub', [g, mean(g)]), e.op('Mul', [xhat, mean(e.op('Mul', [g, xhat]))])])]));
  }
  if (needs(scale)) add(scale, e.unbroadcast(e.op('Mul', [gy, xhat]), X, e.shape(scale)));
  if (bias && needs(bias)) add(bias, e.unbroadcast(gy, X, e.shape(bias)));
}

function convBackward(e: Emitter, node: NodeProto, gy: string, needs: (x: string | undefined) => boolean, add: (name: string, g: string) => void, refuse: (why: string) => never) {
  const [x, w, bias] = node.input;
  const X = e.shape(x);
  const W = e.shape(w);
  const Y = e.shape(node.output[0]);
  if (X.length !== 4) refuse('only 2-D convolutions');
  const attr = (name: string) => node.attribute.find((t) => t.name === name);
  const ints = (name: string, fallback: number[]) => (attr(name) ? attr(name)!.ints.map(Number) : fallback);
  if (Number(attr('group')?.i ?? 1n) !== 1) refuse('grouped convolution');
  if (ints('dilations', [1, 1]).some((d) => d !== 1)) refuse('dilated convolution');
  const autoPad = attr('auto_pad') ? new TextDecoder().decode(attr('auto_pad')!.s) : 'NOTSET';
  if (autoPad !== 'NOTSET') refuse(`auto_pad ${autoPad}`);
  const kernel = [W[2], W[3]];
  const strides = ints('strides', [1, 1]);
  const pads = ints('pads', [0, 0, 0, 0]);
  if (needs(x)) {
    // the transposed convolution maps the output grid back onto the input; rows the forward
    // stride skipped at the far edge get output_padding
    const back = [0, 1].map((d) => (Y[2 + d] - 1) * strides[d] - pads[d] - pads[2 + d] + kernel[d]);
    const outputPadding = [0, 1].map((d) => X[2 + d] - back[d]);
    add(x, e.op('ConvTranspose', [gy, w], { kernel_shape: kernel, strides, pads, output_padding: outputPadding }));
  }
  if (needs(w)) {
    // ∂L/∂W[o,i,u,v] = Σ_b,y,x gy[b,o,y,x]·x_padded[b,i,s·y+u,s·x+v]: a convolution of x (channels as
    // the batch) with gy (batch as the channels) as its kernel, dilated by the forward stride
    const xt = e.op('Transpose', [x], { perm: [1, 0, 2, 3] });
    const gt = e.op('Transpose', [gy], { perm: [1, 0, 2, 3] });
    let gw = e.op('Conv', [xt, gt], { kernel_shape: [Y[2], Y[3]], pads, dilations: strides });
    const size = [0, 1].map((d) => X[2 + d] + pads[d] + pads[2 + d] - (Y[2 + d] - 1) * strides[d]);
    if (size[0] !== kernel[0] || size[1] !== kernel[1]) gw = e.op('Slice', [gw, e.constInt64([0, 0]), e.constInt64(kernel), e.constInt64([2, 3])]);
    add(w, e.op('Transpose', [gw], { perm: [1, 0, 2, 3] }));
  }
  if (bias && needs(bias)) add(bias, e.op('ReduceSum', [gy, e.constInt64([0, 2, 3])], { keepdims: 0 }));
}

/** Writes the backward nodes and their constants. */
class Emitter {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private count = 0;

  constructor(
    private readonly shapes: TShapes,
    private readonly initializers: Map<string, TensorProto>,
  ) {}

  shape(name: string): number[] {
    const s = this.shapes.get(name);
    if (!s) throw new Error(`autodiff: no shape known for ${name} (measure shapes with tensorShapes)`);
    return s;
  }

  /** The values of a constant int64 initializer (Slice bounds and the like). */
  int64Constant(name: string): number[] {
    const t = this.initializers.get(name);
    if (!t || t.dataType !== DataType.INT64) throw new Error(`autodiff: ${name} must be a constant int64 initializer`);
    return [...tensorToBigInt64(t)].map((v) => (v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v)));
  }

  opN(opType: string, inputs: string[], outputs: number, attrs: Record<string, TAttr> = {}, name?: string): string[] {
    const id = `/autodiff/${opType}_${this.count++}`;
    const outs = name ? [name] : Array.from({ length: outputs }, (_, k) => `${id}_output_${k}`);
    this.nodes.push(create(NodeProtoSchema, { name: id, opType, input: inputs, output: outs, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) }));
    return outs;
  }

  op(opType: string, inputs: string[], attrs: Record<string, TAttr> = {}, name?: string): string {
    return this.opN(opType, inputs, 1, attrs, name)[0];
  }

  constInt64(values: number[]): string {
    const name = `/autodiff/const_${this.count++}`;
    this.inits.push(int64Tensor(name, [values.length], values));
    return name;
  }

  constFloat(value: number): string {
    const name = `/autodiff/const_${this.count++}`;
    this.inits.push(floatTensor(name, [], Float32Array.of(value)));
    return name;
  }

  zeros(dims: number[]): string {
    const name = `/autodiff/zeros_${this.count++}`;
    this.inits.push(floatTensor(name, dims, new Float32Array(dims.reduce((a, b) => a * b, 1))));
    return name;
  }

  reshape(x: string, dims: number[]): string {
    return this.op('Reshape', [x, this.constInt64(dims)]);
  }

  /** Sums a gradient of broadcast shape `from` down to the operand's shape `to`. */
  unbroadcast(g: string, from: number[], to: number[]): string {
    if (from.length === to.length && from.every((d, k) => d === to[k])) return g;
    const lead = from.length - to.length;
    if (lead < 0) throw new Error(`autodiff: cannot reduce [${from}] to [${to}]`);
    const axes = [...Array(lead).keys()];
    to.forEach((d, k) => d === 1 && from[lead + k] !== 1 && axes.push(lead + k));
    const summed = axes.length ? this.op('ReduceSum', [g, this.constInt64(axes)], { keepdims: 1 }) : g;
    return this.reshape(summed, to);
  }
}
