import { describe, expect, it } from 'vitest';
import { categoryTable, fleissKappa, krippendorffAlpha, pairwiseAgreement, ratingsFromVotes, type TRating } from './agreement';
import type { TOutcome, TVote } from './counts';
import { kendallTauB, spearman } from './rank-correlation';
import { Random } from './random';
import { splitHalfReliability } from './split-half';

/** Krippendorff's alpha from an observers x units matrix (null = missing), as his worked examples print it. */
function fromMatrix(rows: (number | null)[][]): TRating[] {
  return rows.flatMap((row, o) => row.flatMap((v, u) => (v === null ? [] : [{ item: `u${u}`, rater: `o${o}`, label: v }])));
}

describe('agreement', () => {
  it("gives Fleiss' kappa of the textbook example (Fleiss 1971 layout: 10 items, 14 raters, 5 categories): 0.210", () => {
    const table = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    const k = fleissKappa(table);
    expect(k.observed).toBeCloseTo(0.378, 3);
    expect(k.expected).toBeCloseTo(0.213, 3);
    expect(k.kappa).toBeCloseTo(0.21, 3);
    expect(() => fleissKappa([[1, 1], [2, 1]])).toThrow(/same number of ratings on every item/);
  });

  it("gives Krippendorff's alpha of his worked example (4 observers, 12 units, missing values)", () => {
    const data = fromMatrix([
      [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
      [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
      [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
      [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
    ]);
    expect(krippendorffAlpha(data).alpha).toBeCloseTo(0.743, 3);
    expect(krippendorffAlpha(data, { level: 'ordinal' }).alpha).toBeCloseTo(0.815, 3);
    expect(krippendorffAlpha(data, { level: 'interval' }).alpha).toBeCloseTo(0.849, 3);
    // unit 12 has one value: not pairable
    expect(krippendorffAlpha(data).pairable).toBe(40);
  });

  it("gives Krippendorff's alpha of the two-observer binary example: 0.095", () => {
    const data = fromMatrix([
      [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
      [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
    ]);
    expect(krippendorffAlpha(data).alpha).toBeCloseTo(0.095, 3);
  });

  it('counts agreeing pairs of ratings per item and builds the Fleiss table from votes', () => {
    const v = (item: string, rater: string, a: string, b: string, winner: TOutcome): TVote & { item: string } => ({ item, rater, variantA: a, variantB: b, winner });
    // Item 1: three raters, two of them saw the sides swapped but all preferred X. Item 2: X, Y, tie.
    const votes = [v('1', 'r1', 'X', 'Y', 'a'), v('1', 'r2', 'Y', 'X', 'b'), v('1', 'r3', 'X', 'Y', 'a'), v('2', 'r1', 'X', 'Y', 'a'), v('2', 'r2', 'X', 'Y', 'b'), v('2', 'r3', 'Y', 'X', 'bothbad'), v('3', 'r1', 'X', 'Y', 'a')];
    const ratings = ratingsFromVotes(votes, (x) => (x as TVote & { item: string }).item);
    expect(pairwiseAgreement(ratings)).toEqual({ rate: 3 / 6, pairs: 6, items: 2 });
    const { categories, table } = categoryTable(ratings);
    expect(categories).toEqual(['first', 'second', 'tie']);
    expect(table).toEqual([[3, 0, 0], [1, 1, 1]]);
    expect(fleissKappa(table).kappa).toBeCloseTo((0.5 - (4 / 6) ** 2 - 2 * (1 / 6) ** 2) / (1 - (4 / 6) ** 2 - 2 * (1 / 6) ** 2), 12);
  });
});

describe('rank correlation and split-half reliability', () => {
  it('computes Spearman with average ranks and Kendall tau-b', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // ranks x = 1,2,3,4,5; y = 2,1,4,3,5 -> 1 - 6·4 / (5·24) = 0.8
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
    // 10 pairs, 2 discordant -> (8 - 2) / 10
    expect(kendallTauB([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.6, 12);
    expect(kendallTauB([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / Math.sqrt(2 * 3), 12);
  });

  it('finds a reliable leaderboard reliable and a random one not', () => {
    const rng = new Random(3);
    const make = (truth: number[]) => {
      const votes: TVote[] = [];
      for (let r = 0; r < 40; r++) {
        for (let v = 0; v < 60; v++) {
          const i = rng.int(truth.length);
          let j = rng.int(truth.length - 1);
          if (j >= i) j++;
          votes.push({ variantA: `m${i}`, variantB: `m${j}`, winner: rng.uniform() < 1 / (1 + Math.exp(truth[j] - truth[i])) ? 'a' : 'b', rater: `r${r}` });
        }
      }
      return votes;
    };
    const strong = splitHalfReliability(make([0.6, 0.4, 0.2, 0, -0.2, -0.4, -0.6]), { splits: 10, seed: 1 });
    expect(strong.spearman!).toBeGreaterThan(0.7);
    expect(strong.spearmanBrown!).toBeGreaterThan(strong.spearman!);
    expect(strong.splits).toHaveLength(10);
    expect(strong.raters).toBe(40);
    const none = splitHalfReliability(make([0, 0, 0, 0, 0, 0, 0]), { splits: 10, seed: 1 });
    // No true differences: the halves do not agree (one data set can even lean negative, so only an upper bound)
    expect(none.spearman!).toBeLessThan(0.3);
  });
});
