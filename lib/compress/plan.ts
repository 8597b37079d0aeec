import { z } from 'zod';
import { AppError } from '../errors';
import { describeEntry, effectOf, type TSensitivity, type TSensitivityEntry, toBlockLevel } from './sensitivity';

/**
 * Hierarchical Position Pruning (HPP): which blocks or sub-components to remove so that the model
 * keeps at most `budget` of its parameters, never touching the first `protectFirst` blocks
 * (Positional Weight Preservation freezes what comes before the first pruned block).
 *
 * Ranking. The paper scores a candidate at block position i by
 *     score(i) = -|ΔP(i)| * W_pos(i),   W_pos(i) = exp((i - |B|) / |B|)
 * i.e. minus its position-weighted harm. The score is never positive; a score near 0 means
 * "removing this barely matters", so candidates are removed from the HIGHEST score down. Removing
 * from the lowest end would take out the most damaging parts first, the opposite of pruning.
 * The official code agrees on the direction (it sorts the score AFTER removal in descending order
 * and removes from the top) but differs in two ways, so it is the 'code' option here:
 * - it ranks by the signed change: a removal that RAISED HPSv2 comes first, while the paper's
 *   |ΔP| counts a rise of 0.5 as the same harm as a fall of 0.5;
 * - it has no position weight; position enters only through the user's block range.
 * Note what W_pos does: it grows with depth (0.37 at block 0, 0.97 at the last block), so at equal
 * |ΔP| the paper's score removes the EARLIER block first. "Prune late, protect early" comes from
 * the range and protectFirst, not from the weight; we implement the formula as published.
 * Ties are broken towards later blocks, then larger parameter counts, so plans are deterministic.
 */

export const ZPlanOptionsSchema = z.object({
  /** Fraction of the WHOLE model's parameters to keep at most, in (0, 1]. */
  budget: z.number(),
  /** K: blocks 0..K-1 are never removed (PWP). */
  protectFirst: z.number().int().min(0).default(0),
  /** Inclusive block range [A, B] of candidates; default: every block from K on. */
  range: z.tuple([z.number().int(), z.number().int()]).optional(),
  level: z.enum(['block', 'component']),
  ranking: z.enum(['paper', 'code']).default('paper'),
  /** The whole model's parameters, blocks and everything else (embedders, output head). */
  totalParams: z.number().int().positive(),
  /** Which stack to plan when the data covers several (FLUX has two). */
  stack: z.string().min(1).optional(),
});
export type TPlanOptions = z.input<typeof ZPlanOptionsSchema>;

export type TRemoval = {
  stack: string;
  block: number;
  component: string | null;
  params: number;
  /** |ΔP| from the sensitivity data. */
  delta: number;
  /** W_pos(i) under the paper's ranking; 1 under the code's, which has no position weight. */
  positionWeight: number;
  /** Higher is removed first: -|ΔP| * W_pos (paper) or the signed change in the metric (code). */
  score: number;
  /** 1 = removed first. */
  rank: number;
  reason: string;
};

export type TPruningPlan = {
  model: string;
  metric: string;
  level: 'block' | 'component';
  ranking: 'paper' | 'code';
  stack: string;
  /** What `score` means, in a sentence, for whoever reads the plan later. */
  scoreMeaning: string;
  /** In removal order. */
  removed: TRemoval[];
  /** Blocks that go entirely: every block of a block-level plan; at component level, blocks whose every component (with parameters) is removed. */
  removedBlocks: number[];
  /** The lowest removed block: PWP freezes everything before it during distillation (null if nothing is removed). */
  firstPrunedBlock: number | null;
  keptParams: number;
  originalParams: number;
  /** keptParams / originalParams. */
  ratio: number;
  budget: number;
  feasible: boolean;
  message: string;
  /** Blocks 0..K-1. */
  protected: number[];
  /** The inclusive block range candidates were drawn from. */
  range: [number, number];
  /** How many blocks/components were eligible. */
  candidates: number;
};

function bad(message: string): never {
  throw new AppError('BAD_REQUEST', message);
}

export function positionWeight(block: number, blockCount: number): number {
  return Math.exp((block - blockCount) / blockCount);
}

const fmtParams = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : n >= 1e5 ? `${(n / 1e6).toFixed(1)}M` : String(n));
const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

export function planPruning(sensitivity: TSensitivity, options: TPlanOptions): TPruningPlan {
  const parsed = ZPlanOptionsSchema.safeParse(options);
  if (!parsed.success) bad(`invalid plan options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const opts = parsed.data;
  const s = sensitivity;
  const n = s.blockCount;

  if (!Number.isFinite(opts.budget) || opts.budget <= 0 || opts.budget > 1) {
    bad(`budget must be a fraction of parameters to keep, in (0, 1] (got ${opts.budget})`);
  }
  const k = opts.protectFirst;
  if (k > n - 1) bad(`protect-first ${k} leaves nothing to prune: the model has ${n} blocks (0-${n - 1})`);
  const range: [number, number] = opts.range ?? [k, n - 1];
  const [a, b] = range;
  if (a > b) bad(`range ${a}-${b} is empty: its start must not exceed its end`);
  if (a < 0 || b > n - 1) bad(`range ${a}-${b} lies outside the model's blocks 0-${n - 1}`);
  if (b < k) bad(`range ${a}-${b} lies entirely in the protected blocks 0-${k - 1} (protect-first ${k}): nothing could be removed`);

  const stacks = [...new Set(s.entries.map((e) => e.stack))];
  const stack = opts.stack ?? (stacks.length === 1 ? stacks[0] : bad(`the data covers several stacks (${stacks.join(', ')}): say which to plan`));
  if (!stacks.includes(stack)) bad(`no stack ${JSON.stringify(stack)} in the data (it has ${stacks.join(', ')})`);

  if (opts.level === 'component' && s.level === 'block') bad('a component-level plan needs component-level sensitivity data (this data is per block)');
  const data = opts.level === 'block' ? toBlockLevel(s) : s;
  // The blocks cannot outweigh the model they belong to: a smaller total is a unit or model mix-up.
  const inBlocks = data.entries.reduce((sum, e) => sum + e.params, 0);
  if (opts.totalParams < inBlocks) {
    bad(`totalParams ${opts.totalParams} is smaller than the ${inBlocks} parameters in the planned blocks: give the whole model's count`);
  }

  const ranked = data.entries
    .filter((e) => e.stack === stack && e.block >= Math.max(a, k) && e.block <= b && e.params > 0)
    .map((e) => score(e, data, opts.ranking))
    .sort((x, y) => y.score - x.score || y.entry.block - x.entry.block || y.entry.params - x.entry.params || String(x.entry.component).localeCompare(String(y.entry.component)));

  const total = opts.totalParams;
  let kept = total;
  const removed: TRemoval[] = [];
  for (const [i, c] of ranked.entries()) {
    if (kept / total <= opts.budget) break;
    kept -= c.entry.params;
    removed.push({
      stack: c.entry.stack,
      block: c.entry.block,
      component: c.entry.component,
      params: c.entry.params,
      delta: c.entry.delta,
      positionWeight: c.weight,
      score: c.score,
      rank: i + 1,
      reason: reasonFor(c, data, opts.ranking),
    });
  }
  const ratio = kept / total;
  const feasible = ratio <= opts.budget;

  const removedBlocks = wholeBlocksRemoved(data.entries.filter((e) => e.stack === stack), removed);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const what = opts.level === 'block' ? 'blocks' : 'components';
  const message = feasible
    ? removed.length === 0
      ? `The model already fits the budget ${pct(opts.budget)}: nothing to remove.`
      : `Removes ${removed.length} ${what} (${fmtParams(total - kept)} parameters${opts.level === 'component' ? `, ${removedBlocks.length} whole block${removedBlocks.length === 1 ? '' : 's'}` : ''}), keeping ${pct(ratio)} of ${fmtParams(total)} (budget ${pct(opts.budget)}).`
    : `Infeasible: even removing all ${ranked.length} allowed ${what} in blocks ${Math.max(a, k)}-${b} keeps ${pct(ratio)} of the parameters, above the budget ${pct(opts.budget)}. Widen the range, protect fewer blocks or raise the budget.`;

  return {
    model: s.model,
    metric: s.metric,
    level: opts.level,
    ranking: opts.ranking,
    stack,
    scoreMeaning:
      opts.ranking === 'paper'
        ? `score = -|Δ${s.metric}| x W_pos, W_pos = exp((block - ${n}) / ${n}): minus the position-weighted harm of removing it; the highest score (closest to 0) is removed first.`
        : `score = the signed change in ${s.metric} when it is removed (positive: the model scored better without it); the highest is removed first, with no position weight, as in the official code.`,
    removed,
    removedBlocks,
    firstPrunedBlock: removed.length ? Math.min(...removed.map((r) => r.block)) : null,
    keptParams: kept,
    originalParams: total,
    ratio,
    budget: opts.budget,
    feasible,
    message,
    protected: Array.from({ length: k }, (_, i) => i),
    range,
    candidates: ranked.length,
  };
}

type TScored = { entry: TSensitivityEntry; weight: number; score: number };

function score(entry: TSensitivityEntry, s: TSensitivity, ranking: 'paper' | 'code'): TScored {
  if (ranking === 'code') return { entry, weight: 1, score: effectOf(s, entry.value) };
  const weight = positionWeight(entry.block, s.blockCount);
  // `|| 0` turns -0 (a zero delta) into 0, so it prints and compares as plain 0.
  return { entry, weight, score: -entry.delta * weight || 0 };
}

function reasonFor(c: TScored, s: TSensitivity, ranking: 'paper' | 'code'): string {
  const e = c.entry;
  const name = `block ${e.block}${e.component ? ` ${e.component}` : ''}`;
  if (ranking === 'paper') {
    return `${name}: Δ${s.metric} ${e.delta.toFixed(3)}, position weight ${c.weight.toFixed(3)}, score ${c.score.toFixed(3)}, ${fmtParams(e.params)} parameters`;
  }
  const after = s.baseline === null ? `${s.metric} ${e.value.toFixed(3)}` : `${s.metric} ${e.value.toFixed(3)} after removal vs ${s.baseline}`;
  return `${name}: ${after}, score ${signed(c.score, 3)}, ${fmtParams(e.params)} parameters`;
}

/** At component level a block whose every component (that has parameters) is removed counts as removed whole. */
function wholeBlocksRemoved(entries: TSensitivityEntry[], removed: TRemoval[]): number[] {
  const gone = new Set(removed.map((r) => describeEntry(r)));
  const blocks = [...new Set(entries.map((e) => e.block))];
  return blocks
    .filter((blk) => {
      const parts = entries.filter((e) => e.block === blk && e.params > 0);
      return parts.length > 0 && parts.every((p) => gone.has(describeEntry(p)));
    })
    .sort((x, y) => x - y);
}
