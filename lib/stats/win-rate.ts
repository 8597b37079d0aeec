import type { TVoteCounts } from './counts';
import type { TLeaderboard } from './rank-models';

/**
 * Observed win rates: winRate[i][j] is the share of the votes between models i and j that i won,
 * a tie counting half ("half", default, the leaderboard's convention) or left out ("exclude",
 * decisive votes only). null where the two never met (or met only in ties with "exclude").
 */
export function winRateMatrix(counts: TVoteCounts, opts: { ties?: 'half' | 'exclude' } = {}): { models: string[]; winRate: (number | null)[][]; votes: number[][] } {
  const k = counts.models.length;
  const winRate: (number | null)[][] = Array.from({ length: k }, () => new Array<number | null>(k).fill(null));
  const votes: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const half = (opts.ties ?? 'half') === 'half';
  for (let p = 0; p < counts.pairI.length; p++) {
    const i = counts.pairI[p];
    const j = counts.pairJ[p];
    const t = counts.ties[p];
    const n = counts.winsI[p] + counts.winsJ[p] + (half ? t : 0);
    votes[i][j] = votes[j][i] = counts.winsI[p] + counts.winsJ[p] + t;
    if (n === 0) continue;
    winRate[i][j] = (counts.winsI[p] + (half ? t / 2 : 0)) / n;
    winRate[j][i] = (counts.winsJ[p] + (half ? t / 2 : 0)) / n;
  }
  return { models: counts.models, winRate, votes };
}

/**
 * The win rates the leaderboard's ratings predict, P(i beats j) = 1 / (1 + 10^((Rj - Ri) / 400)),
 * for the ranked models (null for unranked ones), next to winRateMatrix to show the fit.
 */
export function predictedWinRates(board: TLeaderboard): { models: string[]; winRate: (number | null)[][] } {
  const models = board.models.map((m) => m.model);
  const winRate = board.models.map((a) =>
    board.models.map((b) => (a === b || a.rating === null || b.rating === null ? null : 1 / (1 + 10 ** ((b.rating - a.rating) / 400)))),
  );
  return { models, winRate };
}
