import type { GraphProto, ModelProto } from 'onnx-buf';
import { elementCount } from '../onnx/tensor';

/**
 * Finds the repeated transformer blocks of an exported denoiser and their sub-components, and
 * how many parameters each holds. First by name scopes (torch.onnx names nodes
 * `/transformer_blocks.3/attn/to_q/MatMul` and weights `transformer_blocks.3.attn.to_q.weight`;
 * FLUX adds `single_transformer_blocks.N`), then, for graphs whose names carry no scopes, by
 * structure: the longest run of identical weight layers that repeats.
 */
export type TComponent = { name: string; params: number; weights: string[]; nodes: string[] };
export type TBlock = { stack: string; index: number; params: number; nodes: string[]; components: TComponent[] };
export type TStack = { name: string; blocks: TBlock[] };
export type TDiscovery = {
  method: 'scopes' | 'structure';
  stacks: TStack[];
  totalParams: number;
  /** Parameters outside every block (embeddings, conditioning, output layers). */
  otherParams: number;
};

/** Stack names of diffusers' transformers, in forward order (FLUX runs the double-stream blocks first). */
export const KNOWN_STACKS = ['transformer_blocks', 'single_transformer_blocks', 'joint_blocks', 'blocks', 'layers'] as const;

const SCOPE = new RegExp(`(?:^|[/.])(${KNOWN_STACKS.join('|')})\\.(\\d+)(?:[/.]([^/.]+(?:\\.\\d+)?))?`);

type TScope = { stack: string; index: number; component: string | null };

export function parseScope(name: string): TScope | null {
  const m = SCOPE.exec(name);
  if (!m) return null;
  let component: string | null = m[3] ?? null;
  // a node directly in the block (`/transformer_blocks.0/Add_1`) is the block's own glue
  if (component && /^[A-Z]/.test(component)) component = null;
  if (component && /^(weight|bias)$/.test(component)) component = null;
  return { stack: m[1], index: Number(m[2]), component };
}

function weightParams(graph: GraphProto): Map<string, number> {
  return new Map(graph.initializer.map((t) => [t.name, elementCount(t.dims)]));
}

/** Parameters that count as weights: float initializers (shapes and indices are not parameters). */
function isWeight(graph: GraphProto, name: string, params: Map<string, number>): boolean {
  const t = graph.initializer.find((i) => i.name === name);
  return !!t && (params.get(name) ?? 0) > 0 && t.dataType !== 7;
}

/** Initializers that are weights: not int64 shapes/indices, not the exporter's small constants. */
function weightNamesOf(graph: GraphProto): Set<string> {
  return new Set(graph.initializer.filter((t) => t.dataType !== 7 && !t.name.startsWith('onnx::Const')).map((t) => t.name));
}

/** The model's parameter count, as discovery and the planner count it. */
export function countWeightParams(graph: GraphProto): number {
  const params = weightParams(graph);
  return [...weightNamesOf(graph)].reduce((s, n) => s + (params.get(n) ?? 0), 0);
}

export function discoverBlocks(model: ModelProto): TDiscovery {
  const graph = model.graph!;
  const params = weightParams(graph);
  const weightNames = weightNamesOf(graph);
  const totalParams = countWeightParams(graph);
  const byScope = discoverByScopes(graph, params, weightNames);
  if (byScope.length > 0) {
    const inBlocks = byScope.reduce((s, st) => s + st.blocks.reduce((a, b) => a + b.params, 0), 0);
    return { method: 'scopes', stacks: byScope, totalParams, otherParams: totalParams - inBlocks };
  }
  const structural = discoverByStructure(graph, params, weightNames);
  const inBlocks = structural.reduce((s, st) => s + st.blocks.reduce((a, b) => a + b.params, 0), 0);
  return { method: 'structure', stacks: structural, totalParams, otherParams: totalParams - inBlocks };
}

function discoverByScopes(graph: GraphProto, params: Map<string, number>, weightNames: Set<string>): TStack[] {
  const blocks = new Map<string, TBlock>();
  const blockOf = (scope: TScope) => {
    const key = `${scope.stack}.${scope.index}`;
    let b = blocks.get(key);
    if (!b) {
      b = { stack: scope.stack, index: scope.index, params: 0, nodes: [], components: [] };
      blocks.set(key, b);
    }
    return b;
  };
  const componentOf = (b: TBlock, name: string) => {
    let c = b.components.find((x) => x.name === name);
    if (!c) {
      c = { name, params: 0, weights: [], nodes: [] };
      b.components.push(c);
    }
    return c;
  };
  // Where each weight is used, for weights whose own name has no scope (onnx::MatMul_123).
  const consumers = new Map<string, TScope[]>();
  for (const node of graph.node) {
    const scope = parseScope(node.name);
    if (!scope) continue;
    const b = blockOf(scope);
    b.nodes.push(node.name);
    if (scope.component) componentOf(b, scope.component).nodes.push(node.name);
    for (const input of node.input) {
      if (!weightNames.has(input)) continue;
      const list = consumers.get(input) ?? [];
      list.push(scope);
      consumers.set(input, list);
    }
  }
  for (const name of weightNames) {
    // maps folded in by reconstruction sit between blocks, not in one
    if (name.includes('.reconstruct.')) continue;
    let scope = parseScope(name);
    if (!scope) {
      const uses = consumers.get(name) ?? [];
      const same = uses.length > 0 && uses.every((u) => u.stack === uses[0].stack && u.index === uses[0].index && u.component === uses[0].component);
      scope = same ? uses[0] : null;
    }
    if (!scope || !isWeight(graph, name, params)) continue;
    const b = blockOf(scope);
    const n = params.get(name) ?? 0;
    b.params += n;
    if (scope.component) {
      const c = componentOf(b, scope.component);
      c.params += n;
      c.weights.push(name);
    }
  }
  const stacks = new Map<string, TBlock[]>();
  for (const b of blocks.values()) stacks.set(b.stack, [...(stacks.get(b.stack) ?? []), b]);
  const ordered = [...stacks.entries()]
    .filter(([, bs]) => bs.length >= 2 || bs.some((b) => b.params > 0))
    .sort((a, b) => order(a[0]) - order(b[0]));
  return ordered.map(([name, bs]) => ({
    name,
    // parameter-free scopes (norm2: a plain LayerNorm) are not components that can be removed
    blocks: bs.sort((a, b) => a.index - b.index).map((b) => ({ ...b, components: b.components.filter((c) => c.params > 0) })),
  }));
}

const order = (stack: string) => {
  const i = (KNOWN_STACKS as readonly string[]).indexOf(stack);
  return i < 0 ? KNOWN_STACKS.length : i;
};

/**
 * For graphs without scope names: label each weight layer by its operator and weight shape, and
 * find the period that repeats most often back to back; each repetition is a block. Components
 * cannot be told apart this way, so blocks have none.
 */
function discoverByStructure(graph: GraphProto, params: Map<string, number>, weightNames: Set<string>): TStack[] {
  const dims = new Map(graph.initializer.map((t) => [t.name, t.dims.map(Number).join('x')]));
  const layers: { node: number; label: string; weights: string[] }[] = [];
  graph.node.forEach((node, i) => {
    const ws = node.input.filter((x) => weightNames.has(x) && isWeight(graph, x, params));
    if (ws.length) layers.push({ node: i, label: `${node.opType}:${ws.map((w) => dims.get(w)).join(',')}`, weights: ws });
  });
  const labels = layers.map((l) => l.label);
  const n = labels.length;
  let best = { period: 0, start: 0, repeats: 0 };
  for (let period = 2; period <= n / 2; period++) {
    for (let start = 0; start + 2 * period <= n; start++) {
      let repeats = 1;
      while (start + (repeats + 1) * period <= n && sameRun(labels, start, start + repeats * period, period)) repeats++;
      if (repeats >= 2 && repeats * period > best.repeats * best.period) best = { period, start, repeats };
    }
  }
  if (best.repeats < 2) return [];
  const blocks: TBlock[] = [];
  for (let r = 0; r < best.repeats; r++) {
    const first = layers[best.start + r * best.period];
    const nextFirst = layers[best.start + (r + 1) * best.period];
    const from = r === 0 ? first.node : first.node;
    const to = nextFirst ? nextFirst.node : layers[best.start + (r + 1) * best.period - 1].node + 1;
    const ws = layers.slice(best.start + r * best.period, best.start + (r + 1) * best.period).flatMap((l) => l.weights);
    blocks.push({
      stack: 'blocks',
      index: r,
      params: ws.reduce((s, w) => s + (params.get(w) ?? 0), 0),
      nodes: graph.node.slice(from, to).map((x, k) => x.name || `#${from + k}`),
      components: [],
    });
  }
  return [{ name: 'blocks', blocks }];
}

function sameRun(labels: string[], a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (labels[a + i] !== labels[b + i]) return false;
  return true;
}
