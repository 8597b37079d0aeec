import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { planPruning, positionWeight, type TPlanOptions } from './plan';
import { SD35_LARGE_TRANSFORMER_PARAMS } from './sd35-params';
import { readPaperAblation, type TSensitivity, type TSensitivityEntry } from './sensitivity';

const PAPER_FILE = path.resolve(import.meta.dirname, '../../data/hierarchicalprune/sd35-large-turbo-hpsv2-component-ablation.json');

/** A 10-block model, 10 parameters a block, 20 outside the blocks: 120 in all. */
function blocks(deltas: number[], extra: Partial<TSensitivity> = {}): TSensitivity {
  return {
    version: 1,
    model: 'test/tiny',
    source: 'hand-made',
    level: 'block',
    metric: 'HPS',
    higherIsBetter: true,
    baseline: 30,
    blockCount: deltas.length,
    entries: deltas.map((d, block) => ({ stack: 'transformer_blocks', block, component: null, value: 30 - d, delta: d, params: 10 })),
    ...extra,
  };
}
const opts = (o: Partial<TPlanOptions> = {}): TPlanOptions => ({ budget: 0.75, level: 'block', totalParams: 120, ...o });
const removedBlocks = (deltas: number[], o: Partial<TPlanOptions> = {}) => planPruning(blocks(deltas), opts(o)).removed.map((r) => r.block);

describe('planPruning on hand-made data', () => {
  const deltas = [0.1, 0.1, 3, 0.5, 2, 0.2, 4, 0.3, 1, 5];

  it('removes the least harmful blocks first until the whole model fits the budget', () => {
    const plan = planPruning(blocks(deltas), opts());
    // 30 of 120 must go: three blocks. Smallest weighted |ΔP| first: blocks 0, 1, 5.
    expect(plan.removed.map((r) => r.block)).toEqual([0, 1, 5]);
    expect(plan.removed.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(plan).toMatchObject({ keptParams: 90, originalParams: 120, ratio: 0.75, feasible: true, protected: [], range: [0, 9], candidates: 10 });
    for (const r of plan.removed) {
      expect(r.positionWeight).toBeCloseTo(Math.exp((r.block - 10) / 10), 12);
      expect(r.score).toBeCloseTo(-r.delta * r.positionWeight, 12);
      expect(r.reason).toMatch(new RegExp(`^block ${r.block}: ΔHPS ${r.delta.toFixed(3)}, position weight ${r.positionWeight.toFixed(3)}, score -`));
    }
  });

  it('measures the budget over the whole model, not just the blocks', () => {
    // With 200 parameters outside the blocks, 0.75 of 300 means removing 8 blocks, not 3.
    expect(removedBlocks(deltas, { totalParams: 300 })).toHaveLength(8);
  });

  it('never touches the first K blocks and stays inside the range', () => {
    const plan = planPruning(blocks(deltas), opts({ protectFirst: 3, range: [2, 8] }));
    expect(plan.protected).toEqual([0, 1, 2]);
    expect(plan.removed.map((r) => r.block)).toEqual([5, 7, 3]);
    expect(plan.removed.every((r) => r.block >= 3 && r.block <= 8)).toBe(true);
    expect(plan.firstPrunedBlock).toBe(3);
    expect(plan.candidates).toBe(6);
  });

  it('weights the same harm by position: the earlier block scores higher, as the formula says', () => {
    expect(positionWeight(0, 10)).toBeCloseTo(Math.exp(-1), 12);
    expect(positionWeight(9, 10)).toBeCloseTo(Math.exp(-0.1), 12);
    expect(removedBlocks([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], { budget: 0.9 })).toEqual([0, 1]);
    // Harmless blocks tie at 0; ties go to the later block (prune late).
    expect(removedBlocks([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], { budget: 0.9 })).toEqual([9, 8]);
  });

  it('offers the official code ranking: signed change, improvements first, no position weight', () => {
    // Block 4 IMPROVES the score by 2 when removed; the paper's |ΔP| counts that as harm 2.
    const s = blocks([1, 1, 1, 1, 0, 1, 1, 1, 1, 1]);
    s.entries[4] = { ...s.entries[4], value: 32, delta: 2 };
    s.entries[7] = { ...s.entries[7], value: 29.7, delta: 0.3 };
    const paper = planPruning(s, opts({ budget: 0.9 }));
    const code = planPruning(s, opts({ budget: 0.9, ranking: 'code' }));
    expect(paper.removed.map((r) => r.block)).toEqual([7, 0]);
    expect(code.removed.map((r) => r.block)).toEqual([4, 7]);
    expect(code.removed[0]).toMatchObject({ positionWeight: 1, score: 2 });
    expect(code.removed[0].reason).toBe('block 4: HPS 32.000 after removal vs 30, score +2.000, 10 parameters');
    expect(code.scoreMeaning).toMatch(/signed change/);
    expect(paper.scoreMeaning).toMatch(/-\|ΔHPS\| x W_pos/);
  });

  it('removes nothing when the model already fits', () => {
    const plan = planPruning(blocks(deltas), opts({ budget: 1 }));
    expect(plan).toMatchObject({ removed: [], keptParams: 120, ratio: 1, feasible: true, firstPrunedBlock: null });
  });

  it('says so when no plan can reach the budget, after removing every allowed candidate', () => {
    const plan = planPruning(blocks(deltas), opts({ budget: 0.5, range: [6, 9] }));
    expect(plan.feasible).toBe(false);
    expect(plan.removed.map((r) => r.block).sort()).toEqual([6, 7, 8, 9]);
    expect(plan.ratio).toBeCloseTo(80 / 120, 12);
    expect(plan.message).toMatch(/^Infeasible: even removing all 4 allowed blocks in blocks 6-9 keeps 66\.7%.*above the budget 50\.0%/);
  });

  it.each<[string, Partial<TPlanOptions>, RegExp]>([
    ['a zero budget', { budget: 0 }, /budget must be .* in \(0, 1\] \(got 0\)/],
    ['a budget above 1', { budget: 1.2 }, /\(got 1.2\)/],
    ['a NaN budget', { budget: Number.NaN }, /budget/],
    ['a range past the last block', { range: [5, 10] }, /range 5-10 lies outside the model's blocks 0-9/],
    ['a reversed range', { range: [6, 3] }, /range 6-3 is empty/],
    ['a negative range', { range: [-1, 3] }, /range -1-3 lies outside/],
    ['K at the block count', { protectFirst: 10 }, /protect-first 10 leaves nothing to prune: the model has 10 blocks/],
    ['a range inside the protected blocks', { protectFirst: 5, range: [1, 4] }, /range 1-4 lies entirely in the protected blocks 0-4/],
    ['a total smaller than the blocks', { totalParams: 50 }, /totalParams 50 is smaller than the 100 parameters in the planned blocks/],
    ['a fractional K', { protectFirst: 1.5 }, /protectFirst/],
  ])('rejects %s with a clear message', (_what, o, message) => {
    let err: unknown;
    try {
      planPruning(blocks(deltas), opts(o));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('BAD_REQUEST');
    expect((err as Error).message).toMatch(message);
  });

  it('asks which stack to plan when the data has several', () => {
    const s = blocks(deltas);
    s.entries.push({ stack: 'single_transformer_blocks', block: 0, component: null, value: 30, delta: 0, params: 10 });
    expect(() => planPruning(s, opts({ totalParams: 200 }))).toThrow(/several stacks \(transformer_blocks, single_transformer_blocks\)/);
    const plan = planPruning(s, opts({ totalParams: 200, stack: 'single_transformer_blocks', budget: 0.99 }));
    expect(plan.removed.map((r) => [r.stack, r.block])).toEqual([['single_transformer_blocks', 0]]);
    expect(() => planPruning(s, opts({ totalParams: 200, stack: 'nope' }))).toThrow(/no stack "nope"/);
  });
});

describe('block and component levels', () => {
  /** Two blocks of three components; block 1's ff_context does not exist (0 parameters). */
  const components = (): TSensitivity => {
    const e = (block: number, component: string, delta: number, params: number): TSensitivityEntry => ({ stack: 'transformer_blocks', block, component, value: 30 - delta, delta, params });
    return {
      ...blocks([0, 0]),
      level: 'component',
      entries: [e(0, 'attn', 0.5, 40), e(0, 'ff', 0.1, 40), e(0, 'ff_context', 0.2, 20), e(1, 'attn', 0.3, 40), e(1, 'ff', 0.05, 40), e(1, 'ff_context', 0, 0)],
    };
  };

  it('plans components and counts a block with every component gone as removed whole', () => {
    const plan = planPruning(components(), { budget: 0.45, level: 'component', totalParams: 200 });
    // Ranked: 1 ff, 0 ff, 0 ff_context, 1 attn, 0 attn; the no-op 1 ff_context is never a candidate.
    expect(plan.removed.map((r) => `${r.block} ${r.component}`)).toEqual(['1 ff', '0 ff', '0 ff_context', '1 attn']);
    expect(plan.removedBlocks).toEqual([1]);
    expect(plan.candidates).toBe(5);
    expect(plan.message).toMatch(/Removes 4 components .*1 whole block\)/);
  });

  it('plans whole blocks from component data, summing their deltas', () => {
    const plan = planPruning(components(), { budget: 0.7, level: 'block', totalParams: 200 });
    expect(plan.removed).toHaveLength(1);
    expect(plan.removed[0]).toMatchObject({ block: 1, component: null, params: 80 });
    expect(plan.removed[0].delta).toBeCloseTo(0.35, 12);
    expect(plan.removedBlocks).toEqual([1]);
  });

  it('cannot plan components from block-level data', () => {
    expect(() => planPruning(blocks([1, 2]), { budget: 0.5, level: 'component', totalParams: 40 })).toThrow(/component-level plan needs component-level sensitivity/);
  });
});

describe('planPruning on the paper SD3.5 Large Turbo ablation', () => {
  const s = readPaperAblation(PAPER_FILE);
  const base = { budget: 0.72, protectFirst: 20, range: [20, 37] as [number, number], totalParams: SD35_LARGE_TRANSFORMER_PARAMS };

  it('removes about 28% of the parameters in whole blocks, none before block 20', () => {
    const plan = planPruning(s, { ...base, level: 'block' });
    expect(plan.feasible).toBe(true);
    expect(plan.ratio).toBeLessThanOrEqual(0.72);
    expect(1 - plan.ratio).toBeGreaterThan(0.27);
    expect(1 - plan.ratio).toBeLessThan(0.3);
    expect(plan.protected).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(plan.removed.every((r) => r.block >= 20 && r.block <= 37 && r.component === null)).toBe(true);
    expect(plan.keptParams).toBe(SD35_LARGE_TRANSFORMER_PARAMS - plan.removed.reduce((sum, r) => sum + r.params, 0));
    // Scores fall along the removal order and every removal says why.
    plan.removed.forEach((r, i) => {
      if (i > 0) expect(r.score).toBeLessThanOrEqual(plan.removed[i - 1].score);
      expect(r.reason).toMatch(new RegExp(`^block ${r.block}: ΔHPSv2 \\d+\\.\\d{3}, position weight 0\\.\\d{3}, score -\\d+\\.\\d{3}, \\d+\\.\\dM parameters$`));
    });
    // The paper removed blocks 25-29 and 31-35; the plan is not forced to agree, but it must be
    // a set of late blocks of similar size.
    expect(plan.removed.length).toBeGreaterThanOrEqual(10);
    expect(plan.firstPrunedBlock).toBeGreaterThanOrEqual(20);
  });

  it('plans components inside the range and never the last block missing context MLP', () => {
    const plan = planPruning(s, { ...base, level: 'component' });
    expect(plan.feasible).toBe(true);
    expect(plan.ratio).toBeLessThanOrEqual(0.72);
    expect(plan.removed.every((r) => r.block >= 20 && r.component !== null)).toBe(true);
    expect(plan.removed.some((r) => r.block === 37 && r.component === 'ff_context')).toBe(false);
  });

  it("with ranking 'code' removes in the order of the official code: highest HPSv2 after removal first", () => {
    const plan = planPruning(s, { ...base, level: 'component', ranking: 'code' });
    const expected = s.entries
      .filter((e) => e.block >= 20 && e.params > 0)
      .sort((x, y) => y.value - x.value)
      .slice(0, plan.removed.length)
      .map((e) => `${e.block} ${e.component}`);
    expect(plan.removed.map((r) => `${r.block} ${r.component}`)).toEqual(expected);
    expect(plan.removed[0]).toMatchObject({ block: 31, component: 'ff' });
  });

  it('is infeasible when only a few blocks may go', () => {
    const plan = planPruning(s, { ...base, level: 'block', range: [35, 37] });
    expect(plan.feasible).toBe(false);
    expect(plan.removed).toHaveLength(3);
    expect(plan.message).toMatch(/Infeasible/);
  });
});
