import { describe, expect, it } from 'vitest';
import { Rng } from '../fixtures/random';
import { comboKey, pairKey, planSession, wilsonWidth, type TPlannedTrial } from './assignment';

const arms = ['a1', 'a2', 'a3'];
const items = Array.from({ length: 10 }, (_, i) => `i${i}`);

function simulate(participants: number, opts: { comparisons: number; instructed?: number; gold?: number; seed?: number }) {
  const rng = new Rng(opts.seed ?? 1);
  const coverage = new Map<string, number>();
  const plans: TPlannedTrial[][] = [];
  for (let p = 0; p < participants; p++) {
    const plan = planSession({ arms, items, comparisons: opts.comparisons, instructed: opts.instructed ?? 0, gold: opts.gold ?? 0, policy: 'balanced', coverage, random: () => rng.next() });
    for (const t of plan) if (t.kind === 'comparison') coverage.set(comboKey(t.itemId, t.leftArm, t.rightArm), (coverage.get(comboKey(t.itemId, t.leftArm, t.rightArm)) ?? 0) + 1);
    plans.push(plan);
  }
  return { plans, coverage };
}

describe('balanced assignment', () => {
  it('never shows a participant the same comparison twice, and plans exactly the trials asked for', () => {
    const { plans } = simulate(20, { comparisons: 12, instructed: 1, gold: 1 });
    for (const plan of plans) {
      expect(plan).toHaveLength(14);
      const comps = plan.filter((t) => t.kind === 'comparison') as Extract<TPlannedTrial, { kind: 'comparison' }>[];
      expect(new Set(comps.map((t) => comboKey(t.itemId, t.leftArm, t.rightArm))).size).toBe(comps.length);
      for (const t of comps) expect(t.leftArm).not.toBe(t.rightArm);
    }
  });

  it('covers pairs of variants and prompts evenly across participants (least covered first)', () => {
    // 30 comparisons possible (10 prompts x 3 pairs); 9 participants x 10 = 90: each exactly 3 times
    const { coverage } = simulate(9, { comparisons: 10 });
    const counts = items.flatMap((it) => [['a1', 'a2'], ['a1', 'a3'], ['a2', 'a3']].map(([x, y]) => coverage.get(comboKey(it, x, y)) ?? 0));
    expect(Math.min(...counts)).toBe(3);
    expect(Math.max(...counts)).toBe(3);
  });

  it('balances within a participant: each pair of variants equally often, a prompt at most twice', () => {
    const { plans } = simulate(5, { comparisons: 9 });
    for (const plan of plans) {
      const perPair = new Map<string, number>();
      const perItem = new Map<string, number>();
      for (const t of plan) {
        if (t.kind !== 'comparison') continue;
        perPair.set(pairKey(t.leftArm, t.rightArm), (perPair.get(pairKey(t.leftArm, t.rightArm)) ?? 0) + 1);
        perItem.set(t.itemId, (perItem.get(t.itemId) ?? 0) + 1);
      }
      expect([...perPair.values()]).toEqual([3, 3, 3]);
      expect(Math.max(...perItem.values())).toBeLessThanOrEqual(2);
    }
  });

  it('randomises sides: about half of the first-named arms are on the left', () => {
    const { plans } = simulate(40, { comparisons: 10 });
    const comps = plans.flat().filter((t) => t.kind === 'comparison') as Extract<TPlannedTrial, { kind: 'comparison' }>[];
    const left = comps.filter((t) => t.leftArm < t.rightArm).length / comps.length;
    expect(left).toBeGreaterThan(0.4);
    expect(left).toBeLessThan(0.6);
  });

  it('spreads attention checks through the session, never first', () => {
    const { plans } = simulate(10, { comparisons: 12, instructed: 2, gold: 1 });
    for (const plan of plans) {
      const at = plan.map((t, i) => (t.kind === 'comparison' ? -1 : i)).filter((i) => i >= 0);
      expect(at).toHaveLength(3);
      expect(at[0]).toBeGreaterThan(0);
      // evenly spaced over 15 trials: gaps of 3 to 5
      const gaps = at.slice(1).map((v, i) => v - at[i]);
      for (const g of gaps) expect(g).toBeGreaterThanOrEqual(3);
      expect(plan.filter((t) => t.kind === 'instructed')).toHaveLength(2);
      expect(plan.filter((t) => t.kind === 'gold')).toHaveLength(1);
    }
  });

  it('plans fewer comparisons when there are not enough distinct ones', () => {
    const plan = planSession({ arms: ['x', 'y'], items: ['i0', 'i1'], comparisons: 5, instructed: 1, gold: 0, policy: 'balanced', coverage: new Map(), random: Math.random });
    expect(plan.filter((t) => t.kind === 'comparison')).toHaveLength(2);
    expect(plan).toHaveLength(3);
  });
});

describe('adaptive assignment', () => {
  it('favours the pair whose preference is least certain', () => {
    const rng = new Rng(3);
    // a1 vs a2: 50 votes, 25-25 (uncertain); a1 vs a3 and a2 vs a3: 50 votes, 48-2 (settled)
    const [k12, k13, k23] = [pairKey('a1', 'a2'), pairKey('a1', 'a3'), pairKey('a2', 'a3')];
    const pairVotes = new Map([
      [k12, { a: 25, b: 25, ties: 0 }],
      [k13, { a: 48, b: 2, ties: 0 }],
      [k23, { a: 48, b: 2, ties: 0 }],
    ]);
    const plan = planSession({ arms, items, comparisons: 9, instructed: 0, gold: 0, policy: 'adaptive', coverage: new Map(), pairVotes, random: () => rng.next() });
    const n12 = plan.filter((t) => t.kind === 'comparison' && pairKey(t.leftArm, t.rightArm) === k12).length;
    expect(n12).toBeGreaterThanOrEqual(6);
    expect(n12).toBeLessThan(9 + 1);
  });

  it('Wilson width shrinks with more votes and is widest at one half', () => {
    expect(wilsonWidth(0, 0)).toBe(1);
    expect(wilsonWidth(50, 100)).toBeGreaterThan(wilsonWidth(90, 100));
    expect(wilsonWidth(50, 100)).toBeGreaterThan(wilsonWidth(500, 1000));
    // the textbook value: 50/100 → interval 0.404 to 0.596
    expect(wilsonWidth(50, 100)).toBeCloseTo(0.1920, 3);
  });
});
