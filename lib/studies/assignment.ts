/**
 * Which comparisons a participant sees, planned when their session starts (so a reload or a
 * later visit resumes the same list, and the next pair can always be preloaded).
 *
 * Balanced (the default): model pairs first, then prompts, least covered first across everyone
 * who started before, so pairs and prompts fill evenly; a participant never sees the same
 * comparison (prompt x pair of variants) twice and, among equally covered prompts, gets one they
 * have not seen yet (evenness across participants comes first).
 * Adaptive: the pair whose preference is least certain so far (widest Wilson 95% interval of the
 * share of votes for one side, ties as half) comes first; prompts are then chosen as in balanced.
 * Attention checks are spread evenly through the session, never first. Sides are random per
 * trial.
 */
import { wilson } from '../stats/degradation';
import { Z95 } from '../stats/normal';

export type TPolicy = 'balanced' | 'adaptive';

export type TPlanInput = {
  arms: string[];
  items: string[];
  comparisons: number;
  instructed: number;
  gold: number;
  policy: TPolicy;
  /** Trials already planned, per comparison key (comboKey). */
  coverage: ReadonlyMap<string, number>;
  /** Votes so far per arm pair (pairKey), for the adaptive policy. */
  pairVotes?: ReadonlyMap<string, { a: number; b: number; ties: number }>;
  /** Uniform in [0, 1). */
  random: () => number;
};

export type TPlannedTrial =
  | { kind: 'comparison'; itemId: string; leftArm: string; rightArm: string }
  | { kind: 'instructed'; itemId: string; leftArm: string; rightArm: string; expected: 'left' | 'right' }
  | { kind: 'gold'; itemId: string; arm: string; realSide: 'left' | 'right' };

/** Arm pairs are unordered: the key puts the smaller id first. */
export const pairKey = (x: string, y: string) => (x < y ? `${x}|${y}` : `${y}|${x}`);
export const comboKey = (itemId: string, x: string, y: string) => `${itemId}|${pairKey(x, y)}`;

/** Width of the Wilson 95% interval of a share (1 with no data). */
export function wilsonWidth(successes: number, n: number): number {
  if (n <= 0) return 1;
  const [low, high] = wilson(successes, n, Z95);
  return high - low;
}

export function planSession(input: TPlanInput): TPlannedTrial[] {
  const { arms, items, random } = input;
  if (arms.length < 2 || items.length === 0) return [];
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const side = (): 'left' | 'right' => (random() < 0.5 ? 'left' : 'right');

  const pairs: [string, string][] = [];
  for (let i = 0; i < arms.length; i++) for (let j = i + 1; j < arms.length; j++) pairs.push([arms[i], arms[j]]);
  const coverage = new Map(input.coverage);
  const pairCoverage = new Map<string, number>();
  for (const [x, y] of pairs) {
    let n = 0;
    for (const item of items) n += coverage.get(comboKey(item, x, y)) ?? 0;
    pairCoverage.set(pairKey(x, y), n);
  }
  const planned = new Map<string, number>();
  const seenItem = new Map<string, number>();
  const used = new Set<string>();
  const tiebreak = new Map(pairs.map(([x, y]) => [pairKey(x, y), random()]));

  const priority = (x: string, y: string): number[] => {
    const key = pairKey(x, y);
    const mine = planned.get(key) ?? 0;
    const cov = (pairCoverage.get(key) ?? 0) + mine;
    if (input.policy === 'adaptive') {
      const v = input.pairVotes?.get(key) ?? { a: 0, b: 0, ties: 0 };
      // each planned trial counts as a vote to come, so one uncertain pair does not take the whole session
      const n = v.a + v.b + v.ties + mine;
      return [-wilsonWidth(v.a + v.ties / 2 + mine / 2, n), cov, tiebreak.get(key)!];
    }
    return [cov, tiebreak.get(key)!];
  };
  const less = (p: number[], q: number[]) => {
    for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return p[i] < q[i];
    return false;
  };

  const comparisons: TPlannedTrial[] = [];
  let open = pairs.slice();
  while (comparisons.length < input.comparisons && open.length) {
    let best = open[0];
    for (const p of open) if (less(priority(p[0], p[1]), priority(best[0], best[1]))) best = p;
    const [x, y] = best;
    const candidates = items.filter((it) => !used.has(comboKey(it, x, y)));
    if (!candidates.length) {
      open = open.filter((p) => p !== best);
      continue;
    }
    let item = candidates[0];
    let itemRank = [Infinity, Infinity, Infinity];
    for (const it of candidates) {
      const rank = [coverage.get(comboKey(it, x, y)) ?? 0, seenItem.get(it) ?? 0, random()];
      if (less(rank, itemRank)) [item, itemRank] = [it, rank];
    }
    used.add(comboKey(item, x, y));
    seenItem.set(item, (seenItem.get(item) ?? 0) + 1);
    coverage.set(comboKey(item, x, y), (coverage.get(comboKey(item, x, y)) ?? 0) + 1);
    planned.set(pairKey(x, y), (planned.get(pairKey(x, y)) ?? 0) + 1);
    const flip = random() < 0.5;
    comparisons.push({ kind: 'comparison', itemId: item, leftArm: flip ? y : x, rightArm: flip ? x : y });
  }

  const checks: TPlannedTrial[] = [];
  for (let k = 0; k < input.instructed; k++) {
    const [x, y] = pick(pairs);
    const flip = random() < 0.5;
    checks.push({ kind: 'instructed', itemId: pick(items), leftArm: flip ? y : x, rightArm: flip ? x : y, expected: side() });
  }
  for (let k = 0; k < input.gold; k++) checks.push({ kind: 'gold', itemId: pick(items), arm: pick(arms), realSide: side() });
  for (let i = checks.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [checks[i], checks[j]] = [checks[j], checks[i]];
  }

  // checks at evenly spaced positions of the whole session, never the first trial
  const total = comparisons.length + checks.length;
  const at = new Set(checks.map((_, k) => Math.max(1, Math.floor(((k + 1) * total) / (checks.length + 1)))));
  const out: TPlannedTrial[] = [];
  let c = 0;
  let q = 0;
  for (let pos = 0; pos < total; pos++) {
    if ((at.has(pos) && q < checks.length) || c >= comparisons.length) out.push(checks[q++]);
    else out.push(comparisons[c++]);
  }
  return out;
}
