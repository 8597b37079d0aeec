import { clone, create } from '@bufbuild/protobuf';
import { type GraphProto, type ModelProto, ModelProtoSchema, type NodeProto, NodeProtoSchema } from 'onnx-buf';
import { floatTensor } from '../onnx/tensor';
import { countWeightParams, discoverBlocks, type TDiscovery } from './discovery';

/**
 * Graph surgery: remove whole blocks or sub-components by turning them into identities, then drop
 * whatever no longer reaches an output. A block's outputs are rewired to the inputs they are a
 * residual update of; a residual sub-component (attention, MLP) has the residual Add it feeds
 * bypassed; an AdaLN modulation is replaced by the constant that makes it neutral (shift 0,
 * scale 0, gate 1), which leaves the plain LayerNorm. Removing nothing changes nothing.
 */
export type TRemoval = { stack: string; block: number; component?: string | null };

export type TSurgeryResult = { model: ModelProto; removedNodes: number; removedParams: number; rewired: string[] };

export class SurgeryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SurgeryError';
  }
}

export function removeParts(model: ModelProto, removals: TRemoval[], discovery: TDiscovery = discoverBlocks(model)): TSurgeryResult {
  const out = clone(ModelProtoSchema, model);
  if (removals.length === 0) return { model: out, removedNodes: 0, removedParams: 0, rewired: [] };
  const graph = out.graph!;
  const paramsBefore = countWeightParams(graph);
  const nodesBefore = graph.node.length;
  const rewired: string[] = [];
  // Components first (their rewiring stays valid when the whole block goes too), in graph order.
  const sorted = [...removals].sort((a, b) => Number(!a.component) - Number(!b.component));
  for (const r of sorted) {
    const stack = discovery.stacks.find((s) => s.name === r.stack);
    const block = stack?.blocks.find((b) => b.index === r.block);
    if (!block) throw new SurgeryError(`there is no block ${r.stack}.${r.block} in this model`);
    if (!r.component) {
      rewired.push(...bypassBlock(graph, new Set(block.nodes), `${r.stack}.${r.block}`));
      continue;
    }
    const component = block.components.find((c) => c.name === r.component);
    if (!component) {
      throw new SurgeryError(`block ${r.stack}.${r.block} has no component "${r.component}" (it has ${block.components.map((c) => c.name).join(', ')})`);
    }
    const nodes = new Set(component.nodes);
    if (/^norm1(_context)?$|^norm$/.test(component.name)) rewired.push(...neutraliseModulation(graph, nodes, `${r.stack}.${r.block}.${r.component}`));
    else rewired.push(...bypassResidualBranch(graph, nodes, `${r.stack}.${r.block}.${r.component}`));
  }
  pruneUnreachable(graph);
  return { model: out, removedNodes: nodesBefore - graph.node.length, removedParams: paramsBefore - countWeightParams(graph), rewired };
}

function producers(graph: GraphProto): Map<string, NodeProto> {
  const map = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) map.set(o, n);
  return map;
}

function replaceUses(graph: GraphProto, from: string, to: string, except?: Set<string>) {
  for (const n of graph.node) {
    if (except?.has(n.name)) continue;
    n.input = n.input.map((x) => (x === from ? to : x));
  }
  for (const o of graph.output) {
    if (o.name === from) {
      // a graph output keeps its name: feed it through an Identity
      graph.node.push(identityNode(to, from));
    }
  }
}

function identityNode(input: string, output: string): NodeProto {
  return create(NodeProtoSchema, { name: `/surgery/Identity_${output}`, opType: 'Identity', input: [input], output: [output] });
}

/** Tensors that enter a node set from outside (not weights or constants) and tensors that leave it. */
function boundary(graph: GraphProto, nodes: Set<string>) {
  const inits = new Set(graph.initializer.map((t) => t.name));
  const inside = graph.node.filter((n) => nodes.has(n.name));
  const produced = new Set(inside.flatMap((n) => n.output));
  const inputs = new Set<string>();
  for (const n of inside) for (const x of n.input) if (x && !produced.has(x) && !inits.has(x)) inputs.add(x);
  const outputs = new Set<string>();
  for (const n of graph.node) if (!nodes.has(n.name)) for (const x of n.input) if (produced.has(x)) outputs.add(x);
  for (const o of graph.output) if (produced.has(o.name)) outputs.add(o.name);
  return { inputs, outputs };
}

/** Which block input does this output update? Follow Add nodes back to an input of the block. */
function residualSource(prod: Map<string, NodeProto>, output: string, inputs: Set<string>): string | null {
  const seen = new Set<string>();
  const stack = [output];
  const found = new Set<string>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (inputs.has(t)) {
      found.add(t);
      continue;
    }
    const n = prod.get(t);
    if (n?.opType === 'Add') stack.push(...n.input);
  }
  return found.size === 1 ? [...found][0] : null;
}

/**
 * What a block hands on and where it came from: each tensor produced inside the node set and
 * used outside it (or a graph output), paired with the block input it is a residual update of.
 * Removing the block rewires each `output` to its `input`; reconstruction maps one onto the other.
 */
export function residualPairs(graph: GraphProto, nodes: Set<string>, label: string): { output: string; input: string }[] {
  const { inputs, outputs } = boundary(graph, nodes);
  const prod = producers(graph);
  return [...outputs].map((output) => {
    const input = residualSource(prod, output, inputs);
    if (!input) throw new SurgeryError(`cannot remove ${label}: its output ${output} is not a residual update of one of its inputs`);
    return { output, input };
  });
}

function bypassBlock(graph: GraphProto, nodes: Set<string>, label: string): string[] {
  // the pairs are found before any rewiring: a residual chain lies inside the block, which
  // replaceUses leaves alone, so later pairs do not depend on earlier rewiring
  const done: string[] = [];
  for (const { output, input } of residualPairs(graph, nodes, label)) {
    replaceUses(graph, output, input, nodes);
    done.push(`${label}: ${output} ← ${input}`);
  }
  return done;
}

/** attn, ff, ff_context: each output goes (through a gating Mul) into an Add with the residual stream; skip that Add. */
function bypassResidualBranch(graph: GraphProto, nodes: Set<string>, label: string): string[] {
  const { outputs } = boundary(graph, nodes);
  const done: string[] = [];
  for (const o of outputs) {
    let t = o;
    let add: NodeProto | undefined;
    for (let hop = 0; hop < 3 && !add; hop++) {
      const users = graph.node.filter((n) => !nodes.has(n.name) && n.input.includes(t));
      if (users.length !== 1) break;
      if (users[0].opType === 'Add') add = users[0];
      else if (users[0].opType === 'Mul') t = users[0].output[0];
      else break;
    }
    if (!add) throw new SurgeryError(`cannot remove ${label}: its output ${o} does not feed a residual Add`);
    const residual = add.input.find((x) => x !== t);
    if (!residual) throw new SurgeryError(`cannot remove ${label}: the residual Add after it has no other input`);
    replaceUses(graph, add.output[0], residual);
    done.push(`${label}: ${add.output[0]} ← ${residual}`);
  }
  return done;
}

/**
 * AdaLN modulation (norm1, norm1_context): its linear layer's output is split into chunks that
 * shift, scale and gate. Replace that output with constants: AdaLayerNormZero's six chunks
 * (shift, scale, gate for attention, then for the MLP) become 0, 0, 1, 0, 0, 1; the continuous
 * variant's two (scale, shift) become 0, 0. What is left is LayerNorm and ungated residuals.
 */
function neutraliseModulation(graph: GraphProto, nodes: Set<string>, label: string): string[] {
  const split = graph.node.find((n) => nodes.has(n.name) && n.opType === 'Split');
  if (!split) throw new SurgeryError(`cannot neutralise ${label}: no Split of its modulation found`);
  const chunks = split.output.length;
  const weight = graph.node
    .filter((n) => nodes.has(n.name) && n.opType === 'MatMul')
    .map((n) => graph.initializer.find((t) => t.name === n.input[1]))
    .find(Boolean);
  if (!weight || weight.dims.length !== 2) throw new SurgeryError(`cannot neutralise ${label}: no modulation weight found`);
  const width = Number(weight.dims[1]);
  const dim = width / chunks;
  const pattern = chunks === 6 ? [0, 0, 1, 0, 0, 1] : chunks === 2 ? [0, 0] : chunks === 3 ? [0, 0, 1] : null;
  if (!pattern || !Number.isInteger(dim)) throw new SurgeryError(`cannot neutralise ${label}: ${chunks} modulation chunks is not an AdaLN layout this tool knows`);
  const values = new Float32Array(width);
  pattern.forEach((v, i) => values.fill(v, i * dim, (i + 1) * dim));
  const name = `${label}.neutral_modulation`;
  graph.initializer.push(floatTensor(name, [1, width], values));
  split.input[0] = name;
  return [`${label}: modulation ← constant (${pattern.join(', ')})`];
}

/** Drops nodes that no graph output depends on, then initializers nothing reads. */
export function pruneUnreachable(graph: GraphProto): void {
  const prod = producers(graph);
  const needed = new Set<string>();
  const stack = graph.output.map((o) => o.name);
  const keep = new Set<NodeProto>();
  while (stack.length) {
    const t = stack.pop()!;
    if (needed.has(t)) continue;
    needed.add(t);
    const n = prod.get(t);
    if (n && !keep.has(n)) {
      keep.add(n);
      stack.push(...n.input.filter(Boolean));
      for (const a of n.attribute) for (const g of [a.g, ...a.graphs]) if (g) for (const sn of g.node) stack.push(...sn.input.filter(Boolean));
    }
  }
  graph.node = graph.node.filter((n) => keep.has(n));
  graph.initializer = graph.initializer.filter((t) => needed.has(t.name));
  // Identities added for graph outputs may sit after their inputs' consumers: keep topological order.
  graph.node = topoSort(graph);
}

/** Kahn's algorithm, keeping the original order among nodes that are ready together. */
function topoSort(graph: GraphProto): NodeProto[] {
  const available = new Set<string>([...graph.input.map((i) => i.name), ...graph.initializer.map((t) => t.name), '']);
  const waiting = new Map<NodeProto, number>();
  const consumers = new Map<string, NodeProto[]>();
  for (const n of graph.node) {
    const missing = new Set(n.input.filter((x) => !available.has(x)));
    waiting.set(n, missing.size);
    for (const x of missing) consumers.set(x, [...(consumers.get(x) ?? []), n]);
  }
  const ready = graph.node.filter((n) => waiting.get(n) === 0);
  const sorted: NodeProto[] = [];
  for (let i = 0; i < ready.length; i++) {
    const n = ready[i];
    sorted.push(n);
    for (const o of n.output) {
      for (const c of consumers.get(o) ?? []) {
        const left = waiting.get(c)! - 1;
        waiting.set(c, left);
        if (left === 0) ready.push(c);
      }
      consumers.delete(o);
    }
  }
  // anything left waits on a cycle or a missing tensor: keep it, and let validation name it
  return sorted.length === graph.node.length ? sorted : [...sorted, ...graph.node.filter((n) => !sorted.includes(n))];
}
