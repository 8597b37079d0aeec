import type { TOutcome, TVote } from './counts';

/**
 * Online Elo, for a live display only: it depends on the order of the votes and on K, it has no
 * CIs, and a late vote counts more than an early one. The leaderboard is rankModels (Bradley-
 * Terry); this is what a page can update vote by vote in between. Defaults as Chatbot Arena's
 * online Elo: K = 4, scale 400, base 10, start 1000. Ties and "both bad" score half.
 */
export type TEloOptions = { k?: number; scale?: number; base?: number; initial?: number };

/** The two ratings after one vote of a against b. */
export function eloUpdate(ratingA: number, ratingB: number, winner: TOutcome, opts: TEloOptions = {}): [number, number] {
  const { k = 4, scale = 400, base = 10 } = opts;
  const expectedA = 1 / (1 + base ** ((ratingB - ratingA) / scale));
  const scoreA = winner === 'a' ? 1 : winner === 'b' ? 0 : 0.5;
  const delta = k * (scoreA - expectedA);
  return [ratingA + delta, ratingB - delta];
}

/** Replays votes in the order given; models by rating, best first. */
export function onlineElo(votes: Iterable<Pick<TVote, 'variantA' | 'variantB' | 'winner'>>, opts: TEloOptions = {}): { model: string; rating: number; votes: number }[] {
  const initial = opts.initial ?? 1000;
  const ratings = new Map<string, { rating: number; votes: number }>();
  const get = (m: string) => {
    let r = ratings.get(m);
    if (!r) ratings.set(m, (r = { rating: initial, votes: 0 }));
    return r;
  };
  for (const v of votes) {
    const a = get(v.variantA);
    const b = get(v.variantB);
    [a.rating, b.rating] = eloUpdate(a.rating, b.rating, v.winner, opts);
    a.votes++;
    b.votes++;
  }
  return [...ratings].map(([model, r]) => ({ model, ...r })).sort((x, y) => y.rating - x.rating || x.model.localeCompare(y.model));
}
