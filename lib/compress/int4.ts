import { create } from '@bufbuild/protobuf';
import { type GraphProto, type ModelProto, type NodeProto, OperatorSetIdProtoSchema, type TensorProto } from 'onnx-buf';
import { z } from 'zod';
import { AppError } from '../errors';
import { DataType, dtypeName } from '../onnx/dtypes';
import { allTensors } from '../onnx/io';
import { elementCount, rawTensor, tensorByteLength, tensorDims, tensorToFloat32 } from '../onnx/tensor';
import {
  attrFloat,
  attrInt,
  floatLikeTensor,
  gemmBias,
  graphReaders,
  isDefaultDomain,
  knownRank,
  MS_DOMAIN,
  matMulNBitsNode,
  NameAllocator,
  subgraphReads,
  type TUse,
} from './int4-graph';
import { quantizeInt4Blockwise, type TPackedInt4, theoreticalBitsPerWeight } from './int4-pack';

export { dequantizeInt4Reference, quantizeInt4Blockwise, theoreticalBitsPerWeight, type TPackedInt4 } from './int4-pack';

/**
 * Weight-only INT4 quantisation to onnxruntime's com.microsoft.MatMulNBits (bits = 4): every
 * MatMul whose second input is a 2-D float initializer, and every Gemm with a constant B, becomes
 * one MatMulNBits node that keeps the original node's name and output. The packing and the
 * quantisation mapping are described in int4-pack.ts.
 *
 * Scales have the activations' type (the operator requires it), so a float32 model stores float32
 * scales: 4 + 32 / blockSize bits per weight (5 at block 32, 4.5 at 64, 4.25 at 128), plus
 * 4 / blockSize for asymmetric zero points. The 4.5 bits of METHOD.md's floor (block 32 with
 * float16 scales) needs a float16 model; with a float32 model, block 64 costs the same 4.5 bits.
 *
 * Not rewritten: nodes inside subgraphs (If/Loop bodies), weights held by Constant nodes, bfloat16
 * weights. A weight that anything else also reads (another operator, a subgraph, a graph output),
 * or that is also a graph input, stays in float for every node, with the reason in the report:
 * keeping a float copy beside a packed one would make the file larger, not smaller.
 */

export const ZInt4OptionsSchema = z.object({
  blockSize: z.union([z.literal(32), z.literal(64), z.literal(128)]),
  symmetric: z.boolean(),
  /**
   * Weights to keep in float: a string names a weight or node exactly, or a module prefix of the
   * weight ("transformer_blocks.0.attn" keeps every weight under it); a RegExp is tested against
   * the weight name and the names of the nodes that use it.
   */
  skip: z.array(z.union([z.string().min(1), z.instanceof(RegExp)])).default([]),
  /**
   * Weights with fewer elements stay in float. The default, 4096 (a 64 x 64 layer), leaves tiny
   * projections alone: they save next to nothing and are often the sensitive input or output
   * heads. Every linear layer of SD3.5 or FLUX is far above it.
   */
  minElements: z.number().int().min(0).default(4096),
});
export type TInt4Options = z.input<typeof ZInt4OptionsSchema>;

export type TInt4Layer = {
  /** The MatMul/Gemm nodes that read this weight (more than one when it is shared). */
  nodes: string[];
  op: 'MatMul' | 'Gemm';
  weight: string;
  dtype: string;
  /** Input and output features; null when the weight is not 2-D. */
  K: number | null;
  N: number | null;
  /**
   * The block size used: the requested one, or for K below it the smallest power of two (at least
   * 16) that covers K: one scale per column either way, with less padding. Null when skipped.
   */
  blockSize: number | null;
  /** The weight's bytes in float. */
  bytesBefore: number;
  /** Packed weight + scales + zero points; equal to bytesBefore when skipped. */
  bytesAfter: number;
  /** Of the dequantised weight against the original (alpha * B for a Gemm); null when skipped. */
  maxAbsError: number | null;
  relRmsError: number | null;
  /** Why the weight stays in float, or null when it was quantised. */
  skipped: string | null;
};

export type TInt4Report = {
  format: { op: 'com.microsoft.MatMulNBits'; bits: 4; blockSize: number; symmetric: boolean };
  layers: TInt4Layer[];
  /** Counts over every MatMul/Gemm weight; parameters, bytes and bits over the quantised ones. */
  totals: {
    layers: number;
    quantized: number;
    skipped: number;
    parameters: number;
    floatBytesBefore: number;
    bytesAfter: number;
    /** bytesAfter / floatBytesBefore. */
    ratio: number;
    bitsPerWeight: number;
    /**
     * What the format costs when K fills whole blocks (and, for zero points, an even number of
     * them per column): 4 + scale bits / blockSize (+ 4 / blockSize asymmetric).
     */
    theoreticalBitsPerWeight: number;
  };
  /** Every tensor of the model (weights that stayed float, biases, constants included). */
  model: { bytesBefore: number; bytesAfter: number; ratio: number };
};

type TVariant = { transB: boolean; alpha: number };

function bad(message: string): never {
  throw new AppError('BAD_REQUEST', message);
}

function modelBytes(model: ModelProto): number {
  let s = 0;
  for (const t of allTensors(model)) s += tensorByteLength(t);
  return s;
}

/**
 * Quantises the model's linear weights to INT4 MatMulNBits. The input model is not modified; the
 * returned one shares every tensor it did not replace.
 */
export function quantizeInt4(model: ModelProto, options: TInt4Options): { model: ModelProto; report: TInt4Report } {
  const parsed = ZInt4OptionsSchema.safeParse(options);
  if (!parsed.success) bad(`invalid INT4 options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const opts = parsed.data;
  const graph = model.graph;
  if (!graph) bad('the model has no graph');

  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  const graphInputs = new Set(graph.input.map((v) => v.name));
  // initializers listed among the inputs can be overridden at run time: not constants
  const constants = new Map([...initializers].filter(([name]) => !graphInputs.has(name)));
  const readers = graphReaders(graph);
  const names = new NameAllocator([...initializers.keys(), ...graphInputs, ...graph.node.flatMap((n) => n.output)]);
  const nodeNames = new NameAllocator(graph.node.map((n) => n.name));

  // Weights in order of first use; each one is quantised once, whatever the number of its users.
  const weights: string[] = [];
  for (const node of graph.node) {
    const w = node.input[1];
    if (isLinear(node) && w && initializers.has(w) && !weights.includes(w)) weights.push(w);
  }

  const layers: TInt4Layer[] = [];
  const replaced = new Map<NodeProto, NodeProto[]>();
  const added: TensorProto[] = [];
  const maybeUnused = new Set<string>();

  for (const w of weights) {
    const t = initializers.get(w)!;
    const nodes = (readers.uses.get(w) ?? []).filter(isWeightUse).map((u) => u.node);
    const dims = tensorDims(t);
    const variant = variantOf(nodes[0]);
    const is2d = dims.length === 2;
    const K = is2d ? dims[variant.transB ? 1 : 0] : null;
    const N = is2d ? dims[variant.transB ? 0 : 1] : null;
    const layer: TInt4Layer = {
      nodes: nodes.map((n) => n.name),
      op: nodes[0].opType as 'MatMul' | 'Gemm',
      weight: w,
      dtype: dtypeName(t.dataType),
      K,
      N,
      blockSize: null,
      bytesBefore: tensorByteLength(t),
      bytesAfter: tensorByteLength(t),
      maxAbsError: null,
      relRmsError: null,
      skipped: null,
    };
    layers.push(layer);
    layer.skipped = skipReason({ graph, weight: t, nodes, readers, graphInputs, opts });
    if (layer.skipped) continue;

    // K below the block size: the smallest power-of-two block covering K (one block per column
    // either way, less padding)
    const blockSize = Math.min(opts.blockSize, Math.max(16, 2 ** Math.ceil(Math.log2(K!))));
    const q = quantizeInt4Blockwise(
      { data: tensorToFloat32(t), K: K!, N: N!, strideK: variant.transB ? 1 : N!, strideN: variant.transB ? K! : 1, multiplier: variant.alpha },
      { blockSize, symmetric: opts.symmetric, scaleType: t.dataType === DataType.FLOAT16 ? 'float16' : 'float32' },
    );
    const packed = packedTensors(q, w, t.dataType, names);
    added.push(...packed.tensors);
    Object.assign(layer, {
      blockSize,
      bytesAfter: packed.tensors.reduce((s, x) => s + x.rawData.length, 0),
      maxAbsError: q.maxAbsError,
      relRmsError: q.relRmsError,
    });
    maybeUnused.add(w);

    for (const node of nodes) {
      const nbits = (inputs: string[], output: string) => matMulNBitsNode({ name: node.name, inputs: [node.input[0], packed.B, packed.scales, packed.zeroPoints ?? '', ...inputs], output, K: K!, N: N!, blockSize });
      if (node.opType === 'MatMul') {
        replaced.set(node, [nbits([], node.output[0])]);
        continue;
      }
      const c = gemmBias(node, N!, t.dataType, constants, names, nodeNames);
      if (c.dropped) maybeUnused.add(c.dropped);
      added.push(...c.tensors);
      if (c.add) {
        const product = names.fresh(`${node.output[0]}_matmul`);
        replaced.set(node, [nbits([], product), ...c.add(product, node.output[0])]);
      } else {
        // bias is input 5, after the deprecated g_idx
        replaced.set(node, [nbits(c.bias ? ['', c.bias] : [], node.output[0])]);
      }
    }
  }

  const nodes = graph.node.flatMap((n) => replaced.get(n) ?? [n]);
  const stillRead = new Set<string>(graph.output.map((o) => o.name));
  for (const n of nodes) {
    for (const i of n.input) stillRead.add(i);
    subgraphReads(n, stillRead);
  }
  const removed = new Set([...maybeUnused].filter((name) => !stillRead.has(name)));
  const needsMs = replaced.size > 0 && !model.opsetImport.some((o) => o.domain === MS_DOMAIN);
  const out: ModelProto = {
    ...model,
    graph: {
      ...graph,
      node: nodes,
      initializer: [...graph.initializer.filter((t) => !removed.has(t.name)), ...added],
      valueInfo: graph.valueInfo.filter((v) => !removed.has(v.name)),
    },
    opsetImport: needsMs ? [...model.opsetImport, create(OperatorSetIdProtoSchema, { domain: MS_DOMAIN, version: 1n })] : model.opsetImport,
  };
  return { model: out, report: summarise(layers, opts, modelBytes(model), modelBytes(out)) };
}

const isLinear = (node: NodeProto) => isDefaultDomain(node) && (node.opType === 'MatMul' || node.opType === 'Gemm');
const isWeightUse = ({ node, index }: TUse) => index === 1 && isLinear(node);
const variantOf = (node: NodeProto): TVariant =>
  node.opType === 'Gemm' ? { transB: attrInt(node, 'transB', 0) !== 0, alpha: attrFloat(node, 'alpha', 1) } : { transB: false, alpha: 1 };

/** Why a weight must stay in float, or null when it can be quantised. */
function skipReason(a: {
  graph: GraphProto;
  weight: TensorProto;
  nodes: NodeProto[];
  readers: ReturnType<typeof graphReaders>;
  graphInputs: Set<string>;
  opts: z.output<typeof ZInt4OptionsSchema>;
}): string | null {
  const { weight: t, nodes, opts } = a;
  const w = t.name;
  const dims = tensorDims(t);
  const label = (n: NodeProto) => `${n.opType} node "${n.name}"`;
  const first = nodes[0];
  const variant = variantOf(first);
  const other = (a.readers.uses.get(w) ?? []).find((u) => !isWeightUse(u));
  const nested = a.readers.nested.get(w);
  const transA = nodes.find((n) => n.opType === 'Gemm' && attrInt(n, 'transA', 0) !== 0);
  const mixed = nodes.find((n) => variantOf(n).transB !== variant.transB || variantOf(n).alpha !== variant.alpha);
  const vectorA = nodes.find((n) => n.opType === 'MatMul' && knownRank(a.graph, n.input[0]) === 1);
  const listed = opts.skip.some((s) => [w, ...nodes.map((n) => n.name)].some((n) => (typeof s === 'string' ? n === s || n.startsWith(`${s}.`) : n.search(s) !== -1)));
  if (t.dataType !== DataType.FLOAT && t.dataType !== DataType.FLOAT16) return `the weight is ${dtypeName(t.dataType)}; only float32 and float16 weights are quantised`;
  if (dims.length !== 2) return `the weight is ${dims.length}-D [${dims.join(', ')}], not a 2-D matrix`;
  if (a.graphInputs.has(w)) return 'the initializer is also a graph input, so it can be replaced at run time';
  // keeping a float copy beside a packed one would make the model larger, not smaller
  if (other) return `${label(other.node)} also reads it (input ${other.index}), so it must stay in float`;
  if (nested) return `a subgraph of ${label(nested)} also reads it, so it must stay in float`;
  if (a.graph.output.some((o) => o.name === w)) return 'it is also a graph output, so it must stay in float';
  if (transA) return `${label(transA)} has transA=1`;
  if (mixed) return `${label(first)} and ${label(mixed)} use it with different transB or alpha`;
  if (vectorA) return `${label(vectorA)} multiplies a 1-D vector, which MatMulNBits does not take`;
  if (listed) return 'in the skip list';
  const count = elementCount(dims);
  if (count < opts.minElements) return `${dims.join(' x ')} = ${count} elements, under minElements ${opts.minElements}`;
  return null;
}

function summarise(layers: TInt4Layer[], opts: z.output<typeof ZInt4OptionsSchema>, before: number, after: number): TInt4Report {
  const done = layers.filter((l) => l.skipped === null);
  const parameters = done.reduce((s, l) => s + l.K! * l.N!, 0);
  const floatBytesBefore = done.reduce((s, l) => s + l.bytesBefore, 0);
  const bytesAfter = done.reduce((s, l) => s + l.bytesAfter, 0);
  const scaleBits = done.length && done.every((l) => l.dtype === 'float16') ? 16 : 32;
  return {
    format: { op: 'com.microsoft.MatMulNBits', bits: 4, blockSize: opts.blockSize, symmetric: opts.symmetric },
    layers,
    totals: {
      layers: layers.length,
      quantized: done.length,
      skipped: layers.length - done.length,
      parameters,
      floatBytesBefore,
      bytesAfter,
      ratio: floatBytesBefore ? bytesAfter / floatBytesBefore : 1,
      bitsPerWeight: parameters ? (bytesAfter * 8) / parameters : 0,
      theoreticalBitsPerWeight: theoreticalBitsPerWeight(opts.blockSize, opts.symmetric, scaleBits),
    },
    model: { bytesBefore: before, bytesAfter: after, ratio: before ? after / before : 1 },
  };
}

function packedTensors(q: TPackedInt4, weight: string, dataType: number, names: NameAllocator) {
  const nb = q.scales.length / q.N;
  const B = rawTensor(names.fresh(`${weight}_Q4`), [q.N, nb, q.blockSize / 2], DataType.UINT8, q.B);
  const scales = floatLikeTensor(names.fresh(`${weight}_scales`), [q.N, nb], dataType, q.scales);
  const zp = q.zeroPoints ? rawTensor(names.fresh(`${weight}_zero_points`), [q.N, q.zeroPoints.length / q.N], DataType.UINT8, q.zeroPoints) : null;
  return { B: B.name, scales: scales.name, zeroPoints: zp?.name ?? null, tensors: zp ? [B, scales, zp] : [B, scales] };
}
