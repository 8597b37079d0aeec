import type { ModelProto } from 'onnx-buf';
import { AppError } from '../errors';
import { elementCount } from '../onnx/tensor';
import { parseScope, type TDiscovery } from './discovery';
import { type TDistillationBlock, type TDistillationLoss, type TDistillationPlan, ZDistillationPlanSchema } from './distill-schema';
import type { TPruningPlan } from './plan';
import { KNOWN_TRANSFORMER_PARAMS } from './sd35-params';
import { knownTotalParams, type TSensitivity, toBlockLevel } from './sensitivity';

export { acceptStudent, type TStudentCheck } from './distill-accept';
export { type TDistillationBlock, type TDistillationLoss, type TDistillationPlan, ZDistillationPlanSchema } from './distill-schema';

/**
 * The distillation plan of HierarchicalPrune (METHOD.md §2-3), as data external training code
 * can follow:
 * - PWP: every block before the first pruned block is frozen, and so are the parameters outside
 *   the blocks that run before them (patch, timestep, text embedders). The official code freezes
 *   the transformer, then switches training on from the first pruned block onward in module
 *   order, so the output head (norm_out, proj_out), which runs after the blocks, trains.
 * - SGDistill: knowledge-transfer intensity per kept block ∝ 1/sensitivity (the paper), given
 *   normalised to mean 1 over the trainable blocks, so it sums to what the official code's binary
 *   form (1 trainable, 0 frozen) sums to and either can be used as per-block feature-loss weights.
 * - Losses: output MSE between the student's and the teacher's flow-matching predictions (1.0),
 *   feature MSE on the kept blocks' outputs (1e-4), no ground-truth loss.
 * - Enabled only when the compression ratio (fraction of parameters removed) exceeds 0.25.
 */
export type TRemovalItem = { stack: string; block: number; component?: string | null };
export type TDistillSource = TPruningPlan | TRemovalItem[];

export type TDistillOptions = {
  /** The stack a removal list prunes, when the list does not say (it does per item). */
  stack?: string;
  /** Model name for the plan (default: the sensitivity data's). */
  model?: string;
  /** The whole denoiser's parameters, for a removal list's compression ratio (default: from discovery or a known model). */
  totalParams?: number;
  /** The teacher's graph: lets the plan name the non-block modules that are frozen and trained. */
  teacher?: ModelProto;
  /** Default 0.25 (METHOD.md). */
  threshold?: number;
};

export const DISTILL_THRESHOLD = 0.25;
export const OUTPUT_LOSS_WEIGHT = 1.0;
export const FEATURE_LOSS_WEIGHT = 1e-4;

function bad(message: string): never {
  throw new AppError('BAD_REQUEST', message);
}

const isPlan = (s: TDistillSource): s is TPruningPlan => !Array.isArray(s);

export function distillationPlan(source: TDistillSource, sensitivity: TSensitivity, discovery: TDiscovery | null = null, opts: TDistillOptions = {}): TDistillationPlan {
  const threshold = opts.threshold ?? DISTILL_THRESHOLD;
  const removals: { block: number; component: string | null }[] = isPlan(source)
    ? source.removed.map((r) => ({ block: r.block, component: r.component }))
    : source.map((r) => ({ block: r.block, component: r.component ?? null }));
  const listStacks = isPlan(source) ? [source.stack] : [...new Set(source.map((r) => r.stack))];
  if (listStacks.length > 1) bad(`a distillation plan covers one pruned stack; the removals span ${listStacks.join(', ')}`);
  const stack = listStacks[0] ?? opts.stack ?? discovery?.stacks[0]?.name ?? sensitivity.entries[0].stack;

  const discovered = discovery?.stacks.find((s) => s.name === stack);
  if (discovery && !discovered) bad(`the model has no block stack "${stack}" (it has ${discovery.stacks.map((s) => s.name).join(', ') || 'none'})`);
  const teacherIndices = discovered ? discovered.blocks.map((b) => b.index) : Array.from({ length: sensitivity.blockCount }, (_, i) => i);
  for (const r of removals) if (!teacherIndices.includes(r.block)) bad(`block ${r.block} is not a block of ${stack} (blocks ${teacherIndices[0]}-${teacherIndices.at(-1)})`);

  const removedBlocks = isPlan(source) ? [...source.removedBlocks].sort((a, b) => a - b) : [...new Set(removals.filter((r) => !r.component).map((r) => r.block))].sort((a, b) => a - b);
  const whole = new Set(removedBlocks);
  const removedComponents = removals.filter((r) => r.component && !whole.has(r.block)).map((r) => ({ block: r.block, component: r.component! }));
  const firstPrunedBlock = removals.length ? Math.min(...removals.map((r) => r.block)) : null;
  const compressionRatio = isPlan(source) ? 1 - source.ratio : listCompression(removals, stack, sensitivity, discovery, opts);
  const enabled = compressionRatio > threshold;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const reason = enabled
    ? `${pct(compressionRatio)} of the parameters are removed, above the ${pct(threshold)} at which HierarchicalPrune distils`
    : `${pct(compressionRatio)} of the parameters are removed, not above ${pct(threshold)}: HierarchicalPrune uses the pruned model without distillation`;

  // per kept block: PWP freezing and the SGDistill weights
  const blockLevel = toBlockLevel(sensitivity).entries.filter((e) => e.stack === stack);
  const sens = new Map(blockLevel.map((e) => [e.block, e.delta]));
  const kept = teacherIndices.filter((i) => !whole.has(i));
  const isFrozen = (i: number) => firstPrunedBlock !== null && i < firstPrunedBlock;
  const trainable = kept.filter((i) => !isFrozen(i));
  const known = trainable.map((i) => sens.get(i)).filter((v): v is number => v !== undefined);
  const positive = known.filter((v) => v > 0).sort((a, b) => a - b);
  const median = positive.length ? positive[Math.floor(positive.length / 2)] : 1;
  const floor = 0.01 * median;
  const notes: string[] = [];
  const missing = trainable.filter((i) => !sens.has(i));
  if (missing.length) notes.push(`no sensitivity for blocks ${missing.join(', ')}: they are weighted as if at the median sensitivity`);
  const inverse = new Map(trainable.map((i) => [i, 1 / Math.max(sens.get(i) ?? median, floor)]));
  const meanInverse = trainable.length ? [...inverse.values()].reduce((a, v) => a + v, 0) / trainable.length : 1;
  const blocks: TDistillationBlock[] = kept.map((teacher, student) => {
    const frozen = isFrozen(teacher);
    return {
      teacher,
      student,
      teacherModule: `${stack}.${teacher}`,
      studentModule: `${stack}.${student}`,
      frozen,
      sensitivity: sens.get(teacher) ?? null,
      weight: frozen ? 0 : inverse.get(teacher)! / meanInverse,
      binaryWeight: frozen ? 0 : 1,
      removedComponents: removedComponents.filter((c) => c.block === teacher).map((c) => c.component),
    };
  });

  const losses: TDistillationLoss[] = [
    {
      name: 'output',
      kind: 'mse',
      weight: OUTPUT_LOSS_WEIGHT,
      description: "MSE between the student's and the teacher's flow-matching predictions (the denoiser output) on the same noisy latent, timestep and text embeddings",
    },
    {
      name: 'feature',
      kind: 'mse',
      weight: FEATURE_LOSS_WEIGHT,
      description: "MSE between the student's and the teacher's outputs of every kept block (image and context streams), matched by blocks[].teacher, each block's term scaled by its weight (or binaryWeight); frozen blocks before the first pruned one reproduce the teacher exactly and contribute nothing",
    },
    { name: 'ground-truth', kind: 'mse', weight: 0, description: 'no loss against the ground-truth flow-matching target: the student learns from the teacher only' },
  ];

  const others = (discovery?.stacks ?? []).filter((s) => s.name !== stack);
  const order = discovery?.stacks.map((s) => s.name) ?? [stack];
  const otherStacks = others.map((s) => ({ name: s.name, blocks: s.blocks.length, frozen: firstPrunedBlock !== null && order.indexOf(s.name) < order.indexOf(stack) }));
  if (discovered && sensitivity.blockCount !== teacherIndices.length) {
    notes.push(`the sensitivity data describes ${sensitivity.blockCount} blocks but the model has ${teacherIndices.length}: the weights may come from another model`);
  }
  if (!discovered) notes.push(`no model was given: the teacher's blocks are taken as ${stack}.0-${sensitivity.blockCount - 1} from the sensitivity data`);
  if (blocks.some((b) => b.teacher !== b.student)) {
    notes.push('blocks[].student is the position among the kept blocks (a student built with fewer layers); ONNX students written by removeParts keep the teacher numbering (blocks[].teacher)');
  }

  const plan: TDistillationPlan = {
    version: 1,
    method: 'hierarchicalprune-sgdistill',
    model: opts.model ?? sensitivity.model,
    stack,
    metric: sensitivity.metric,
    teacherBlocks: teacherIndices.length,
    studentBlocks: kept.length,
    removedBlocks,
    removedComponents,
    firstPrunedBlock,
    compressionRatio,
    threshold,
    enabled,
    reason,
    frozen: {
      rule:
        firstPrunedBlock === null
          ? 'nothing is pruned, so nothing is frozen or distilled'
          : `PWP: every parameter that runs before ${stack}.${firstPrunedBlock}, the first pruned block, is frozen; the kept blocks after it and the output head train`,
      blocks: kept.filter(isFrozen),
      nonBlock: nonBlockModules(opts.teacher, stack, firstPrunedBlock, discovery, stack === 'transformer_blocks' && sensitivity.model in KNOWN_TRANSFORMER_PARAMS),
      otherStacks,
    },
    weighting: {
      rule: 'weight = (1 / max(sensitivity, floor)) / mean over the trainable kept blocks; frozen blocks 0. floor = 1% of the median positive sensitivity of the trainable blocks, so a block measured at 0 cannot take all the weight',
      floor,
    },
    blocks,
    losses,
    notes,
  };
  return ZDistillationPlanSchema.parse(plan);
}

function listCompression(removals: { block: number; component: string | null }[], stack: string, s: TSensitivity, discovery: TDiscovery | null, opts: TDistillOptions): number {
  const total = opts.totalParams ?? discovery?.totalParams ?? knownTotalParams(s) ?? bad('give totalParams (the whole denoiser\'s parameters) to compute the compression ratio of a removal list');
  const blocks = discovery?.stacks.find((st) => st.name === stack)?.blocks;
  const level = toBlockLevel(s).entries.filter((e) => e.stack === stack);
  const whole = new Set(removals.filter((r) => !r.component).map((r) => r.block));
  let removed = 0;
  for (const r of removals) {
    if (r.component && whole.has(r.block)) continue;
    const fromModel = blocks?.find((b) => b.index === r.block);
    const params = r.component
      ? (fromModel?.components.find((c) => c.name === r.component)?.params ?? s.entries.find((e) => e.stack === stack && e.block === r.block && e.component === r.component)?.params)
      : (fromModel?.params ?? level.find((e) => e.block === r.block)?.params);
    if (params === undefined) bad(`no parameter count for ${stack}.${r.block}${r.component ? ` ${r.component}` : ''}: give the model's discovery`);
    removed += params;
  }
  return Math.min(1, removed / total);
}

/** diffusers' SD3Transformer2DModel registers these before and after `transformer_blocks`. */
const SD3_NON_BLOCK = { frozen: ['pos_embed', 'time_text_embed', 'context_embedder'], trainable: ['norm_out', 'proj_out'] };

/**
 * The top-level modules outside the blocks, split by PWP: those whose weights are first used
 * before the first pruned block are frozen, the rest (the output head) train. Without the graph,
 * the module names of diffusers' SD3 transformer for the SD3.5 models we know, else null.
 */
function nonBlockModules(teacher: ModelProto | undefined, stack: string, first: number | null, discovery: TDiscovery | null, sd3: boolean): TDistillationPlan['frozen']['nonBlock'] {
  const rule = 'parameters outside the blocks are frozen when they run before the first pruned block (embedders, conditioning) and trained when they run after the blocks (output norm and projection), as in the official code';
  if (first === null) return { rule, frozen: null, trainable: null };
  if (!teacher) return sd3 ? { rule, ...SD3_NON_BLOCK } : { rule, frozen: null, trainable: null };
  const graph = teacher.graph!;
  const firstNodes = new Set(discovery?.stacks.find((s) => s.name === stack)?.blocks.find((b) => b.index === first)?.nodes ?? []);
  const boundary = graph.node.findIndex((n) => firstNodes.has(n.name));
  if (boundary < 0) return { rule, frozen: null, trainable: null };
  const firstUse = new Map<string, number>();
  const inBlock = new Set<string>();
  graph.node.forEach((n, i) => {
    const scoped = parseScope(n.name) !== null;
    for (const x of n.input) {
      if (!firstUse.has(x)) firstUse.set(x, i);
      if (scoped) inBlock.add(x);
    }
  });
  const modules = new Map<string, boolean>();
  for (const t of graph.initializer) {
    if (t.dataType === 7 || t.name.startsWith('onnx::Const') || elementCount(t.dims) === 0) continue;
    if (parseScope(t.name) || inBlock.has(t.name) || !firstUse.has(t.name)) continue;
    const module = t.name.includes('.') ? t.name.split('.')[0] : t.name;
    const before = firstUse.get(t.name)! < boundary;
    modules.set(module, (modules.get(module) ?? true) && before);
  }
  return {
    rule,
    frozen: [...modules].filter(([, f]) => f).map(([m]) => m),
    trainable: [...modules].filter(([, f]) => !f).map(([m]) => m),
  };
}
