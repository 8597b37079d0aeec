import { AppError } from '../errors';
import type { TVote } from './counts';

/**
 * Agreement between raters who judged the same items (an item: one comparison shown to several
 * people, e.g. the same prompt and the same two images).
 *
 * - pairwiseAgreement: the share of pairs of ratings of the same item that agree.
 * - fleissKappa: agreement beyond chance for a constant number of ratings per item (Fleiss 1971).
 * - krippendorffAlpha: the same idea for any number of ratings per item (missing data allowed)
 *   and a nominal, ordinal or interval metric (Krippendorff 2011).
 * Items rated once carry no information about agreement and are left out of all three.
 */
export type TRating = { item: string; rater: string; label: string | number };

/**
 * Ratings from votes: the label is oriented so that the same judgement reads the same whichever
 * side each rater saw a model on ("first" = the model first by name won, "second", "tie"; "both
 * bad" counts as a tie unless `bothBadApart`). `itemOf` names the item a vote judged.
 */
export function ratingsFromVotes(votes: Iterable<TVote>, itemOf: (v: TVote) => string, opts: { bothBadApart?: boolean } = {}): TRating[] {
  const out: TRating[] = [];
  for (const v of votes) {
    if (v.rater === undefined) throw new AppError('BAD_REQUEST', 'agreement needs a rater on every vote');
    const aFirst = v.variantA < v.variantB;
    const label = v.winner === 'tie' || (v.winner === 'bothbad' && !opts.bothBadApart) ? 'tie' : v.winner === 'bothbad' ? 'bothbad' : (v.winner === 'a') === aFirst ? 'first' : 'second';
    out.push({ item: itemOf(v), rater: v.rater, label });
  }
  return out;
}

function byItem(ratings: Iterable<TRating>): Map<string, (string | number)[]> {
  const items = new Map<string, (string | number)[]>();
  for (const r of ratings) {
    if (!items.has(r.item)) items.set(r.item, []);
    items.get(r.item)!.push(r.label);
  }
  return items;
}

function tally(labels: (string | number)[]): Map<string | number, number> {
  const m = new Map<string | number, number>();
  for (const l of labels) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

/** Share of agreeing pairs among all pairs of ratings of the same item, pooled over items. */
export function pairwiseAgreement(ratings: Iterable<TRating>): { rate: number | null; pairs: number; items: number } {
  let agree = 0;
  let pairs = 0;
  let items = 0;
  for (const labels of byItem(ratings).values()) {
    const m = labels.length;
    if (m < 2) continue;
    items++;
    pairs += (m * (m - 1)) / 2;
    for (const c of tally(labels).values()) agree += (c * (c - 1)) / 2;
  }
  return { rate: pairs ? agree / pairs : null, pairs, items };
}

/**
 * Fleiss' kappa from an items x categories table of counts (each row: how many raters chose each
 * category for that item; every row must sum to the same number of raters, at least 2).
 */
export function fleissKappa(table: number[][]): { kappa: number; observed: number; expected: number; items: number; raters: number } {
  if (!table.length) throw new AppError('BAD_REQUEST', 'Fleiss kappa needs at least one item');
  const n = table[0].reduce((s, v) => s + v, 0);
  const k = table[0].length;
  if (n < 2) throw new AppError('BAD_REQUEST', 'Fleiss kappa needs at least 2 ratings per item');
  const totals = new Array<number>(k).fill(0);
  let observed = 0;
  table.forEach((row, i) => {
    if (row.length !== k || row.reduce((s, v) => s + v, 0) !== n) {
      throw new AppError('BAD_REQUEST', `Fleiss kappa needs the same number of ratings on every item: item ${i} has ${row.reduce((s, v) => s + v, 0)}, item 0 has ${n} (Krippendorff's alpha allows different numbers)`);
    }
    observed += (row.reduce((s, v) => s + v * v, 0) - n) / (n * (n - 1));
    row.forEach((v, j) => (totals[j] += v));
  });
  observed /= table.length;
  const expected = totals.reduce((s, t) => s + (t / (table.length * n)) ** 2, 0);
  return { kappa: (observed - expected) / (1 - expected), observed, expected, items: table.length, raters: n };
}

/** The items x categories table of ratings, for fleissKappa (categories in first-seen order). */
export function categoryTable(ratings: Iterable<TRating>): { categories: (string | number)[]; table: number[][] } {
  const items = [...byItem(ratings).values()].filter((l) => l.length >= 2);
  const categories = [...new Set(items.flat())];
  return { categories, table: items.map((labels) => categories.map((c) => labels.filter((l) => l === c).length)) };
}

export type TAlphaLevel = 'nominal' | 'ordinal' | 'interval';

/**
 * Krippendorff's alpha = 1 - D_o / D_e from the coincidence matrix of pairable values (items with
 * at least 2 ratings). Ordinal and interval need numeric labels.
 */
export function krippendorffAlpha(ratings: Iterable<TRating>, opts: { level?: TAlphaLevel } = {}): { alpha: number | null; observed: number; expected: number; pairable: number } {
  const level = opts.level ?? 'nominal';
  const items = [...byItem(ratings).values()].filter((l) => l.length >= 2);
  const values = [...new Set(items.flat())];
  if (level !== 'nominal' && values.some((v) => typeof v !== 'number')) throw new AppError('BAD_REQUEST', `${level} alpha needs numeric labels`);
  if (level !== 'nominal') values.sort((a, b) => (a as number) - (b as number));
  const index = new Map(values.map((v, x) => [v, x]));
  const V = values.length;
  const o = Array.from({ length: V }, () => new Float64Array(V));
  for (const labels of items) {
    const m = labels.length;
    const counts = [...tally(labels)].map(([v, c]) => [index.get(v)!, c] as const);
    for (const [c, nc] of counts) for (const [k, nk] of counts) o[c][k] += (c === k ? nc * (nc - 1) : nc * nk) / (m - 1);
  }
  const nc = o.map((row) => row.reduce((s, v) => s + v, 0));
  const n = nc.reduce((s, v) => s + v, 0);
  const delta = (c: number, k: number): number => {
    if (c === k) return 0;
    if (level === 'nominal') return 1;
    if (level === 'interval') return ((values[c] as number) - (values[k] as number)) ** 2;
    const [lo, hi] = c < k ? [c, k] : [k, c];
    let s = 0;
    for (let g = lo; g <= hi; g++) s += nc[g];
    return (s - (nc[lo] + nc[hi]) / 2) ** 2;
  };
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < V; c++) {
    for (let k = 0; k < V; k++) {
      const d = delta(c, k);
      observed += o[c][k] * d;
      expected += nc[c] * nc[k] * d;
    }
  }
  observed /= n;
  expected /= n * (n - 1);
  return { alpha: expected > 0 ? 1 - observed / expected : null, observed, expected, pairable: n };
}
