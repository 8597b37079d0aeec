import { z } from 'zod';
import { AppError } from '../errors';

/**
 * Pairwise votes and their aggregation into counts. Every estimator in lib/stats works on
 * counts, so a million votes cost one pass here and nothing after.
 *
 * Position is not modelled: "A beats B with A shown left" and "A beats B with A shown right"
 * land in the same cell. A tie is "tie" (both good) or "bothbad"; both are ties to every
 * estimator here (as in Chatbot Arena) and are counted apart only for reporting.
 */
export const OUTCOMES = ['a', 'b', 'tie', 'bothbad'] as const;
export type TOutcome = (typeof OUTCOMES)[number];

export const ZVoteSchema = z.object({
  variantA: z.string().min(1),
  variantB: z.string().min(1),
  winner: z.enum(OUTCOMES),
  rater: z.string().min(1).optional(),
  criterion: z.string().min(1).optional(),
  /** how many identical votes this row stands for (a grouped query's count); default 1 */
  count: z.number().int().positive().optional(),
});
export type TVote = z.infer<typeof ZVoteSchema>;

/**
 * Counts per unordered pair of models. Pair p compares models[pairI[p]] and models[pairJ[p]]
 * (pairI < pairJ; models sorted by name); winsI counts wins of pairI, ties counts "tie" and
 * "bothbad" together, bothBad the second alone.
 */
export type TVoteCounts = {
  models: string[];
  pairI: Int32Array;
  pairJ: Int32Array;
  winsI: Float64Array;
  winsJ: Float64Array;
  ties: Float64Array;
  bothBad: Float64Array;
  total: number;
  /**
   * Per rater, which cells their votes fall in, for the rater-clustered bootstrap: rater r's
   * cells are cell[start[r] .. start[r+1]) with count[...]; cell = 3·pair + (0 winsI, 1 winsJ,
   * 2 tie). Null when any vote has no rater.
   */
  raters: { ids: string[]; start: Int32Array; cell: Int32Array; count: Float64Array } | null;
};

/** The part of the counts a fit or a graph check reads (the bootstrap rewrites the three count arrays in place). */
export type TPairCounts = Pick<TVoteCounts, 'pairI' | 'pairJ' | 'winsI' | 'winsJ' | 'ties'> & { k: number };

export function pairCounts(c: TVoteCounts): TPairCounts {
  return { k: c.models.length, pairI: c.pairI, pairJ: c.pairJ, winsI: c.winsI, winsJ: c.winsJ, ties: c.ties };
}

type TPairAcc = { i: number; j: number; winsI: number; winsJ: number; ties: number; bothBad: number };

/**
 * Aggregates vote rows into counts. `criterion` keeps only the votes of that criterion (the
 * leaderboard ranks one criterion at a time); rows without a criterion are kept only when no
 * criterion is asked for.
 */
export function aggregateVotes(votes: Iterable<TVote>, opts: { criterion?: string } = {}): TVoteCounts {
  const names = new Set<string>();
  const kept: TVote[] = [];
  for (const v of votes) {
    if (opts.criterion !== undefined && v.criterion !== opts.criterion) continue;
    if (v.variantA === v.variantB) throw new AppError('BAD_REQUEST', `a vote compares ${JSON.stringify(v.variantA)} with itself`);
    names.add(v.variantA);
    names.add(v.variantB);
    kept.push(v);
  }
  const models = [...names].sort();
  const index = new Map(models.map((m, i) => [m, i]));
  const n = kept.length;
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const outcome = new Uint8Array(n);
  const weight = new Float64Array(n);
  const raterIds = new Map<string, number>();
  const rater = new Int32Array(n);
  let allRated = true;
  for (let r = 0; r < n; r++) {
    const v = kept[r];
    a[r] = index.get(v.variantA)!;
    b[r] = index.get(v.variantB)!;
    outcome[r] = OUTCOME_CODE[v.winner];
    weight[r] = v.count ?? 1;
    if (v.rater === undefined) allRated = false;
    else {
      let id = raterIds.get(v.rater);
      if (id === undefined) raterIds.set(v.rater, (id = raterIds.size));
      rater[r] = id;
    }
  }
  return countIndexedVotes(models, a, b, outcome, { weight, rater: allRated && n > 0 ? { ids: [...raterIds.keys()], of: rater } : undefined });
}

const OUTCOME_CODE: Record<TOutcome, number> = { a: 0, b: 1, tie: 2, bothbad: 3 };

/**
 * The one-pass aggregation over votes given as model indices: a[r] vs b[r] with outcome[r]
 * (0 a wins, 1 b wins, 2 tie, 3 both bad). For callers that already hold indices (a database
 * query, the benchmark) and for aggregateVotes.
 */
export function countIndexedVotes(
  models: string[],
  a: Int32Array,
  b: Int32Array,
  outcome: Uint8Array,
  opts: { weight?: Float64Array; rater?: { ids: string[]; of: Int32Array } } = {},
): TVoteCounts {
  const k = models.length;
  // Pair ids are handed out in first-seen order (a dense K x K table up to 4096 models, a map
  // beyond), then renumbered in (i, j) order.
  const dense = k <= 4096 ? new Int32Array(k * k).fill(-1) : null;
  const sparse = dense ? null : new Map<number, number>();
  const acc: TPairAcc[] = [];
  const pairOfVote = new Int32Array(a.length);
  let total = 0;
  for (let r = 0; r < a.length; r++) {
    let i = a[r];
    let j = b[r];
    let o = outcome[r];
    if (!(i >= 0 && i < k && j >= 0 && j < k)) throw new AppError('BAD_REQUEST', `vote ${r} names a model index outside 0..${k - 1}`);
    if (i === j) throw new AppError('BAD_REQUEST', `vote ${r} compares ${JSON.stringify(models[i])} with itself`);
    if (i > j) {
      [i, j] = [j, i];
      if (o < 2) o ^= 1;
    }
    let s = dense ? dense[i * k + j] : (sparse!.get(i * k + j) ?? -1);
    if (s < 0) {
      s = acc.length;
      if (dense) dense[i * k + j] = s;
      else sparse!.set(i * k + j, s);
      acc.push({ i, j, winsI: 0, winsJ: 0, ties: 0, bothBad: 0 });
    }
    pairOfVote[r] = s;
    const w = opts.weight ? opts.weight[r] : 1;
    total += w;
    const p = acc[s];
    if (o === 0) p.winsI += w;
    else if (o === 1) p.winsJ += w;
    else {
      p.ties += w;
      if (o === 3) p.bothBad += w;
    }
  }
  const order = acc.map((_, s) => s).sort((x, y) => acc[x].i - acc[y].i || acc[x].j - acc[y].j);
  const renumber = new Int32Array(acc.length);
  order.forEach((s, p) => (renumber[s] = p));
  const P = acc.length;
  const counts: TVoteCounts = {
    models,
    pairI: new Int32Array(P),
    pairJ: new Int32Array(P),
    winsI: new Float64Array(P),
    winsJ: new Float64Array(P),
    ties: new Float64Array(P),
    bothBad: new Float64Array(P),
    total,
    raters: null,
  };
  order.forEach((s, p) => {
    const x = acc[s];
    counts.pairI[p] = x.i;
    counts.pairJ[p] = x.j;
    counts.winsI[p] = x.winsI;
    counts.winsJ[p] = x.winsJ;
    counts.ties[p] = x.ties;
    counts.bothBad[p] = x.bothBad;
  });
  if (opts.rater) counts.raters = raterCells(opts.rater, a, outcome, pairOfVote, renumber, counts, opts.weight);
  return counts;
}

function raterCells(
  rater: { ids: string[]; of: Int32Array },
  a: Int32Array,
  outcome: Uint8Array,
  pairOfVote: Int32Array,
  renumber: Int32Array,
  counts: TVoteCounts,
  weight?: Float64Array,
): NonNullable<TVoteCounts['raters']> {
  const R = rater.ids.length;
  // Votes bucketed by rater (a counting sort), then each rater's cells summed in one dense
  // scratch row that only its touched cells are reset in: O(votes), no maps.
  const byRater = new Int32Array(R + 1);
  for (let r = 0; r < a.length; r++) byRater[rater.of[r] + 1]++;
  for (let x = 0; x < R; x++) byRater[x + 1] += byRater[x];
  const fill = byRater.slice(0, R);
  const order = new Int32Array(a.length);
  for (let r = 0; r < a.length; r++) order[fill[rater.of[r]]++] = r;
  const scratch = new Float64Array(3 * counts.pairI.length);
  const touched: number[] = [];
  const start = new Int32Array(R + 1);
  const cell: number[] = [];
  const count: number[] = [];
  for (let x = 0; x < R; x++) {
    for (let y = byRater[x]; y < byRater[x + 1]; y++) {
      const r = order[y];
      const p = renumber[pairOfVote[r]];
      const o = outcome[r];
      const c = 3 * p + (o >= 2 ? 2 : (o === 0) === (a[r] === counts.pairI[p]) ? 0 : 1);
      if (scratch[c] === 0) touched.push(c);
      scratch[c] += weight ? weight[r] : 1;
    }
    for (const c of touched) {
      cell.push(c);
      count.push(scratch[c]);
      scratch[c] = 0;
    }
    touched.length = 0;
    start[x + 1] = cell.length;
  }
  return { ids: rater.ids, start, cell: Int32Array.from(cell), count: Float64Array.from(count) };
}

/** Per-model totals (ties include "both bad"). */
export function modelTotals(counts: TVoteCounts): { wins: Float64Array; losses: Float64Array; ties: Float64Array; bothBad: Float64Array } {
  const k = counts.models.length;
  const t = { wins: new Float64Array(k), losses: new Float64Array(k), ties: new Float64Array(k), bothBad: new Float64Array(k) };
  for (let p = 0; p < counts.pairI.length; p++) {
    const i = counts.pairI[p];
    const j = counts.pairJ[p];
    t.wins[i] += counts.winsI[p];
    t.losses[i] += counts.winsJ[p];
    t.wins[j] += counts.winsJ[p];
    t.losses[j] += counts.winsI[p];
    t.ties[i] += counts.ties[p];
    t.ties[j] += counts.ties[p];
    t.bothBad[i] += counts.bothBad[p];
    t.bothBad[j] += counts.bothBad[p];
  }
  return t;
}

/**
 * The counts restricted to some models (renumbered in the given order, which must be sorted like
 * counts.models). Rater cells are kept for the pairs that survive.
 */
export function restrictCounts(counts: TVoteCounts, keep: number[]): TVoteCounts {
  const newIndex = new Int32Array(counts.models.length).fill(-1);
  keep.forEach((m, x) => (newIndex[m] = x));
  const pairs: number[] = [];
  for (let p = 0; p < counts.pairI.length; p++) if (newIndex[counts.pairI[p]] >= 0 && newIndex[counts.pairJ[p]] >= 0) pairs.push(p);
  const pick = <T extends Float64Array | Int32Array>(src: T, map?: (v: number) => number) => {
    const out = new (src.constructor as { new (n: number): T })(pairs.length);
    pairs.forEach((p, x) => (out[x] = map ? map(src[p]) : src[p]));
    return out;
  };
  const out: TVoteCounts = {
    models: keep.map((m) => counts.models[m]),
    pairI: pick(counts.pairI, (m) => newIndex[m]),
    pairJ: pick(counts.pairJ, (m) => newIndex[m]),
    winsI: pick(counts.winsI),
    winsJ: pick(counts.winsJ),
    ties: pick(counts.ties),
    bothBad: pick(counts.bothBad),
    total: 0,
    raters: null,
  };
  for (let p = 0; p < pairs.length; p++) out.total += out.winsI[p] + out.winsJ[p] + out.ties[p];
  if (counts.raters) {
    const newPair = new Int32Array(counts.pairI.length).fill(-1);
    pairs.forEach((p, x) => (newPair[p] = x));
    const { ids, start, cell, count } = counts.raters;
    const s = new Int32Array(ids.length + 1);
    const c: number[] = [];
    const n: number[] = [];
    for (let r = 0; r < ids.length; r++) {
      for (let x = start[r]; x < start[r + 1]; x++) {
        const np = newPair[Math.floor(cell[x] / 3)];
        if (np < 0) continue;
        c.push(3 * np + (cell[x] % 3));
        n.push(count[x]);
      }
      s[r + 1] = c.length;
    }
    out.raters = { ids, start: s, cell: Int32Array.from(c), count: Float64Array.from(n) };
  }
  return out;
}
