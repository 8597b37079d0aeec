import { create } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType, type GraphProto, type NodeProto, NodeProtoSchema, type TensorProto } from 'onnx-buf';
import { attribute } from '../onnx/builder';
import { DataType } from '../onnx/dtypes';
import { elementCount, floatTensor, floatToHalf, rawTensor, tensorDims, tensorToFloat32 } from '../onnx/tensor';

/** Graph plumbing for the INT4 rewrite: who reads what, attributes, new names and nodes. */

export const MS_DOMAIN = 'com.microsoft';

export const isDefaultDomain = (n: NodeProto) => n.domain === '' || n.domain === 'ai.onnx';

function attrOf(node: NodeProto, name: string) {
  return node.attribute.find((a) => a.name === name);
}

export function attrInt(node: NodeProto, name: string, def: number): number {
  const a = attrOf(node, name);
  return a ? Number(a.i) : def;
}

export function attrFloat(node: NodeProto, name: string, def: number): number {
  const a = attrOf(node, name);
  if (!a) return def;
  return a.type === AttributeProto_AttributeType.INT ? Number(a.i) : a.f;
}

/** Names read inside a node's subgraphs (If/Loop bodies), outer-scope references included. */
export function subgraphReads(node: NodeProto, into: Set<string>): void {
  const walk = (g: GraphProto) => {
    for (const n of g.node) {
      for (const i of n.input) if (i) into.add(i);
      subgraphReads(n, into);
    }
    for (const o of g.output) into.add(o.name);
  };
  for (const a of node.attribute) for (const g of [a.g, ...a.graphs]) if (g) walk(g);
}

export type TUse = { node: NodeProto; index: number };

/** Every reader of every name in the main graph, and the first node whose subgraph reads it. */
export function graphReaders(graph: GraphProto): { uses: Map<string, TUse[]>; nested: Map<string, NodeProto> } {
  const uses = new Map<string, TUse[]>();
  const nested = new Map<string, NodeProto>();
  for (const node of graph.node) {
    node.input.forEach((name, index) => {
      if (!name) return;
      if (!uses.has(name)) uses.set(name, []);
      uses.get(name)!.push({ node, index });
    });
    const inner = new Set<string>();
    subgraphReads(node, inner);
    for (const name of inner) if (!nested.has(name)) nested.set(name, node);
  }
  return { uses, nested };
}

/** The rank of a value when the graph declares its shape, else null. */
export function knownRank(graph: GraphProto, name: string): number | null {
  const v = [...graph.input, ...graph.valueInfo, ...graph.output].find((x) => x.name === name);
  const t = v?.type?.value;
  if (!t || t.case !== 'tensorType' || !t.value.shape) return null;
  return t.value.shape.dim.length;
}

/** Hands out names not yet used, suffixing `_1`, `_2`... when needed. */
export class NameAllocator {
  private readonly taken: Set<string>;
  constructor(names: Iterable<string>) {
    this.taken = new Set(names);
  }
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}

/** A float32 or float16 tensor from float values. */
export function floatLikeTensor(name: string, dims: number[], dataType: number, values: Float32Array): TensorProto {
  if (dataType === DataType.FLOAT16) return rawTensor(name, dims, DataType.FLOAT16, new Uint8Array(Uint16Array.from(values, floatToHalf).buffer));
  return floatTensor(name, dims, values);
}

export function matMulNBitsNode(a: { name: string; inputs: string[]; output: string; K: number; N: number; blockSize: number }): NodeProto {
  // optional inputs are left out at the end and written as '' in between
  let end = a.inputs.length;
  while (end > 0 && a.inputs[end - 1] === '') end--;
  return create(NodeProtoSchema, {
    name: a.name,
    opType: 'MatMulNBits',
    domain: MS_DOMAIN,
    input: a.inputs.slice(0, end),
    output: [a.output],
    attribute: [attribute('K', a.K), attribute('N', a.N), attribute('bits', 4), attribute('block_size', a.blockSize)],
  });
}

export type TGemmBias = {
  /** MatMulNBits' bias input. */
  bias?: string;
  /** Nodes that add C after the MatMulNBits output `from`, writing `to`. */
  add?: (from: string, to: string) => NodeProto[];
  tensors: TensorProto[];
  /** C's initializer when this rewrite replaced it by a scaled copy. */
  dropped?: string;
};

/**
 * Gemm's `beta * C`: a constant C of N values becomes MatMulNBits' bias input; any other C (a
 * matrix, a scalar, a computed tensor or an initializer the caller may override) is added by an
 * Add node after it, scaled first when beta != 1.
 */
export function gemmBias(node: NodeProto, N: number, dataType: number, constants: Map<string, TensorProto>, names: NameAllocator, nodeNames: NameAllocator): TGemmBias {
  const cName = node.input[2];
  if (!cName) return { tensors: [] };
  const beta = attrFloat(node, 'beta', 1);
  const c = constants.get(cName);
  const op = (opType: string, inputs: string[], output: string) =>
    create(NodeProtoSchema, { name: nodeNames.fresh(`${node.name}/${opType}`), opType, domain: '', input: inputs, output: [output] });
  const addAfter = (addend: string) => (from: string, to: string) => [op('Add', [from, addend], to)];
  if (c) {
    const cDims = tensorDims(c);
    const vector = elementCount(cDims) === N && (cDims.length === 1 || (cDims.length === 2 && cDims[0] === 1));
    if (vector && cDims.length === 1 && beta === 1) return { bias: cName, tensors: [] };
    if (!vector && beta === 1) return { add: addAfter(cName), tensors: [] };
    const values = tensorToFloat32(c).map((v) => v * beta);
    const scaled = floatLikeTensor(names.fresh(`${cName}_${vector ? 'bias' : 'scaled'}`), vector ? [N] : cDims, dataType, values);
    return vector ? { bias: scaled.name, tensors: [scaled], dropped: cName } : { add: addAfter(scaled.name), tensors: [scaled], dropped: cName };
  }
  if (beta === 1) return { add: addAfter(cName), tensors: [] };
  const betaT = floatLikeTensor(names.fresh(`${node.name}_beta`), [], dataType, Float32Array.of(beta));
  return {
    add: (from, to) => {
      const scaled = names.fresh(`${cName}_scaled`);
      return [op('Mul', [cName, betaT.name], scaled), op('Add', [from, scaled], to)];
    },
    tensors: [betaT],
  };
}
