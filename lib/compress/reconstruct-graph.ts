import { create, toBinary } from '@bufbuild/protobuf';
import { type GraphProto, type ModelProto, ModelProtoSchema, type NodeProto, NodeProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { AppError } from '../errors';
import { DataType, valueInfoProto } from '../onnx/builder';
import { floatTensor } from '../onnx/tensor';
import type { TCalibrationSet } from './calibration';
import type { TStack } from './discovery';
import { residualPairs } from './surgery';

/** Graph plumbing for reconstruction: which tensor is which stream, reading activations, folding a map in. */

export type TStreamName = 'image' | 'context';
export type TStreamPair = { stream: TStreamName; input: string; output: string };

/** Output names are unique in a graph, so they identify a node across copies of it. */
export const nodeKey = (n: NodeProto) => n.output.join('\u0000');

/** The latent the denoiser takes (diffusers names it hidden_states); else its first input. */
function latentInput(graph: GraphProto): string | null {
  const inits = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !inits.has(i.name)).map((i) => i.name);
  return inputs.find((n) => n === 'hidden_states') ?? inputs[0] ?? null;
}

function dependsOn(graph: GraphProto, tensor: string, input: string): boolean {
  const prod = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) prod.set(o, n);
  const seen = new Set<string>();
  const stack = [tensor];
  while (stack.length) {
    const t = stack.pop()!;
    if (t === input) return true;
    if (seen.has(t)) continue;
    seen.add(t);
    const n = prod.get(t);
    if (n) stack.push(...n.input.filter(Boolean));
  }
  return false;
}

/**
 * The residual streams of every block of a stack, labelled. Each block's (output, input) pairs
 * come from surgery's boundary logic; a stream keeps its label from block to block (the output
 * of one block is the input of the next). Where a stream enters the stack, the one computed from
 * the latent is the image stream and the other the context stream; a block with one stream
 * (the context-pre-only last block, a single-stream block) carries the image stream.
 */
export function stackStreams(graph: GraphProto, stack: TStack): Map<number, TStreamPair[]> {
  const labels = new Map<string, TStreamName>();
  const latent = latentInput(graph);
  const out = new Map<number, TStreamPair[]>();
  for (const block of stack.blocks) {
    const label = `${stack.name}.${block.index}`;
    const pairs = residualPairs(graph, new Set(block.nodes), label);
    if (pairs.length === 0 || pairs.length > 2) {
      throw new AppError('UNPROCESSABLE', `cannot reconstruct around ${label}: it hands on ${pairs.length} tensors, and reconstruction knows blocks with one or two residual streams`);
    }
    const named: TStreamPair[] = [];
    for (const p of pairs) {
      let stream = labels.get(p.input);
      if (!stream && pairs.length === 1) stream = 'image';
      if (!stream) {
        const fromLatent = pairs.map((q) => latent !== null && dependsOn(graph, q.input, latent));
        const mine = fromLatent[pairs.indexOf(p)];
        if (fromLatent[0] === fromLatent[1]) {
          throw new AppError('UNPROCESSABLE', `cannot tell the image and context streams of ${label} apart: ${fromLatent[0] ? 'both' : 'neither'} of its inputs come from the latent`);
        }
        stream = mine ? 'image' : 'context';
      }
      named.push({ stream, ...p });
    }
    if (named.length === 2 && named[0].stream === named[1].stream) throw new AppError('UNPROCESSABLE', `${label}: both of its outputs continue the ${named[0].stream} stream`);
    for (const p of named) labels.set(p.output, p.stream);
    out.set(block.index, named);
  }
  return out;
}

export type TActivations = { data: Float32Array[]; dims: number[] };
export type TRun = { pred: Float32Array[]; tensors: Map<string, TActivations> };

/**
 * Runs the model on every calibration input and returns its prediction (the first graph output)
 * and the named intermediate tensors, read by declaring them as extra graph outputs for the run.
 * The model itself is left as it was.
 */
export async function runWithOutputs(model: ModelProto, calibration: TCalibrationSet, names: string[], threads = 1): Promise<TRun> {
  const graph = model.graph!;
  const predName = graph.output[0].name;
  const inputs = new Set(graph.input.map((i) => i.name));
  const declared = new Set(graph.output.map((o) => o.name));
  const extra = [...new Set(names)].filter((n) => !inputs.has(n) && !declared.has(n));
  const before = graph.output.length;
  graph.output.push(...extra.map((n) => valueInfoProto(n, DataType.FLOAT, null)));
  let bytes: Uint8Array;
  try {
    bytes = toBinary(ModelProtoSchema, model);
  } finally {
    graph.output.splice(before);
  }
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const tensors = new Map<string, TActivations>(names.map((n) => [n, { data: [], dims: [] }]));
  const pred: Float32Array[] = [];
  try {
    for (const feeds of calibration.feeds) {
      const result = await session.run(feeds);
      pred.push(result[predName].data as Float32Array);
      for (const n of new Set(names)) {
        const t = inputs.has(n) ? feeds[n] : result[n];
        if (t.type !== 'float32') throw new AppError('UNPROCESSABLE', `reconstruction needs float32 activations; ${n} is ${t.type}`);
        const entry = tensors.get(n)!;
        entry.data.push(t.data as Float32Array);
        entry.dims = [...t.dims];
      }
    }
  } finally {
    await session.release();
  }
  return { pred, tensors };
}

/**
 * Folds y = MatMul(x, W) + b into the graph for the given readers of x (by nodeKey): they read y
 * instead. The two nodes go right after x's producer, so the graph stays topologically sorted.
 * Node names avoid the `<stack>.<n>` scope pattern so that block discovery does not take them
 * for a block's nodes.
 */
export function insertAffine(
  graph: GraphProto,
  x: string,
  readers: Set<string>,
  map: { weight: Float32Array; bias: Float32Array; weightName: string; biasName: string; scope: string },
): number {
  const d = map.bias.length;
  graph.initializer.push(floatTensor(map.weightName, [d, d], map.weight), floatTensor(map.biasName, [d], map.bias));
  const mmName = `/reconstruct/${map.scope}/MatMul`;
  const addName = `/reconstruct/${map.scope}/Add`;
  const mmOut = `${mmName}_output_0`;
  const y = `${addName}_output_0`;
  const nodes = [
    create(NodeProtoSchema, { name: mmName, opType: 'MatMul', input: [x, map.weightName], output: [mmOut] }),
    create(NodeProtoSchema, { name: addName, opType: 'Add', input: [mmOut, map.biasName], output: [y] }),
  ];
  let redirected = 0;
  for (const n of graph.node) {
    if (!readers.has(nodeKey(n))) continue;
    n.input = n.input.map((i) => (i === x ? y : i));
    redirected++;
  }
  const at = graph.node.findIndex((n) => n.output.includes(x));
  graph.node.splice(at + 1, 0, ...nodes);
  return redirected;
}
