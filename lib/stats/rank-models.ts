import { AppError } from '../errors';
import { bootstrapFits, type TCluster } from './bootstrap';
import { fitBradleyTerry, type TTies } from './bradley-terry';
import { modelTotals, pairCounts, restrictCounts, type TVoteCounts } from './counts';
import { connectedComponents, mleExists, strongComponents } from './graph';
import { quantileSorted } from './quantile';

/**
 * The leaderboard: Bradley-Terry ratings on the Arena scale, bootstrap CIs and ranks from CI
 * overlap, with the comparison graph's diagnostics.
 *
 * Scale: rating = 400/ln 10 · θ + offset (θ in logit units), so 400 points are 10:1 odds. The
 * offset (default 1000) is the mean rating of the ranked models; with an anchor, the anchor model
 * gets its given rating in the point estimate and in every bootstrap round (its CI is a point).
 *
 * Behaviour on awkward graphs, chosen so that nothing infinite or silently arbitrary comes out:
 * - Disconnected: ratings of different components share no scale, so only one component is
 *   ranked (the anchor's, else the one with the most votes); the others' models are listed with
 *   rating, CI and rank null, and `diagnostics.components` names every component.
 * - No finite MLE inside the ranked component (a model undefeated or winless, or a group that
 *   never lost to the rest): with prior "auto" the fit adds AUTO_PRIOR virtual games per model
 *   against a fixed reference model (θ = 0, near the mean), half won and half lost. The ratings
 *   stay finite, the affected models are flagged `undefeated` / `winless`, `diagnostics.groups`
 *   orders the groups, and a warning says the gap between groups is set by the prior, not the
 *   data. prior: 0 refuses (AppError UNPROCESSABLE). Bootstrap rounds whose resample has no MLE
 *   are fitted with the same prior and counted in `bootstrap.regularizedRounds` (with a warning).
 * - Rank = 1 + the number of models whose CI lower bound is above this model's upper bound
 *   (Chatbot Arena): models whose CIs overlap share a rank. Without bootstrap, CI = the rating.
 */
export const ELO_PER_LOGIT = 400 / Math.LN10;
/** Virtual games per model that "auto" adds when the MLE does not exist. */
export const AUTO_PRIOR = 1;

export type TRankOptions = {
  /** bootstrap rounds; 0 (default) for ratings without CIs */
  bootstrap?: number;
  ties?: TTies;
  cluster?: TCluster;
  seed?: number;
  /** mean rating of the ranked models (default 1000); ignored with an anchor */
  offset?: number;
  anchor?: { model: string; rating: number };
  /** virtual games per model (see above); "auto" (default): 0 when the MLE exists, else AUTO_PRIOR */
  prior?: number | 'auto';
  /** CI level, default 0.95 */
  confidence?: number;
};

export type TModelRating = {
  model: string;
  /** null when the model is outside the ranked component */
  rating: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  rank: number | null;
  wins: number;
  losses: number;
  /** "tie" and "bothbad" together */
  ties: number;
  bothBad: number;
  votes: number;
  /** never lost (no loss, no tie) but won: its rating is held by the prior, not the data */
  undefeated: boolean;
  /** never won (no win, no tie) but lost */
  winless: boolean;
  /** index into diagnostics.components */
  component: number;
};

export type TLeaderboard = {
  /** ranked models by rank then rating, then the unranked ones by name */
  models: TModelRating[];
  ties: TTies;
  /** Davidson's ν (a tie's weight next to an even match's two wins), with its CI */
  tieParameter: { nu: number; ciLow: number | null; ciHigh: number | null } | null;
  scale: { eloPerLogit: number; offset: number | null; anchor: { model: string; rating: number } | null };
  bootstrap: { rounds: number; cluster: TCluster; seed: number; confidence: number; regularizedRounds: number } | null;
  votes: number;
  rankedVotes: number;
  diagnostics: {
    connected: boolean;
    components: string[][];
    rankedComponent: number | null;
    unranked: string[];
    mleExists: boolean;
    /** groups of models, best first, that the data cannot rate against each other (one group when the MLE exists) */
    groups: string[][];
    prior: number;
    warnings: string[];
  };
};

export function rankModels(counts: TVoteCounts, opts: TRankOptions = {}): TLeaderboard {
  const rounds = opts.bootstrap ?? 0;
  const ties = opts.ties ?? 'half';
  const cluster = opts.cluster ?? 'none';
  const seed = opts.seed ?? 0;
  const confidence = opts.confidence ?? 0.95;
  const offset = opts.offset ?? 1000;
  if (!(Number.isInteger(rounds) && rounds >= 0)) throw new AppError('BAD_REQUEST', `bootstrap must be a whole number of rounds >= 0 (got ${rounds})`);
  if (!(confidence > 0 && confidence < 1)) throw new AppError('BAD_REQUEST', `confidence must be in (0, 1) (got ${confidence})`);
  const anchorIndex = opts.anchor ? counts.models.indexOf(opts.anchor.model) : -1;
  if (opts.anchor && anchorIndex < 0) throw new AppError('BAD_REQUEST', `the anchor model ${JSON.stringify(opts.anchor.model)} has no votes`);
  if (cluster === 'rater' && rounds > 0 && !counts.raters) throw new AppError('BAD_REQUEST', 'the rater-clustered bootstrap needs a rater on every vote');

  const totals = modelTotals(counts);
  const { of, components } = connectedComponents(pairCounts(counts));
  const componentVotes = components.map((c) => c.reduce((s, m) => s + totals.wins[m] + totals.losses[m] + totals.ties[m], 0) / 2);
  let ranked: number | null = null;
  if (anchorIndex >= 0) ranked = of[anchorIndex];
  else if (counts.total > 0) {
    ranked = 0;
    for (let c = 1; c < components.length; c++) {
      if (componentVotes[c] > componentVotes[ranked] || (componentVotes[c] === componentVotes[ranked] && components[c].length > components[ranked].length)) ranked = c;
    }
  }
  const warnings: string[] = [];
  const names = (ms: number[]) => ms.map((m) => counts.models[m]);
  const rows: TModelRating[] = counts.models.map((model, m) => ({
    model,
    rating: null,
    ciLow: null,
    ciHigh: null,
    rank: null,
    wins: totals.wins[m],
    losses: totals.losses[m],
    ties: totals.ties[m],
    bothBad: totals.bothBad[m],
    votes: totals.wins[m] + totals.losses[m] + totals.ties[m],
    undefeated: totals.losses[m] === 0 && totals.ties[m] === 0 && totals.wins[m] > 0,
    winless: totals.wins[m] === 0 && totals.ties[m] === 0 && totals.losses[m] > 0,
    component: of[m],
  }));
  const result: TLeaderboard = {
    models: rows,
    ties,
    tieParameter: null,
    scale: { eloPerLogit: ELO_PER_LOGIT, offset: opts.anchor ? null : offset, anchor: opts.anchor ?? null },
    bootstrap: null,
    votes: counts.total,
    rankedVotes: 0,
    diagnostics: { connected: components.length <= 1, components: components.map(names), rankedComponent: ranked, unranked: [], mleExists: true, groups: [], prior: 0, warnings },
  };
  if (ranked === null) {
    warnings.push('There are no votes to rank.');
    return result;
  }

  const members = components[ranked];
  result.diagnostics.unranked = counts.models.filter((_, m) => of[m] !== ranked);
  if (components.length > 1) {
    warnings.push(
      `The comparison graph falls into ${components.length} groups of models that never met; ratings across them share no scale, so only ` +
        `${members.length === 1 ? counts.models[members[0]] : `the group of ${members.length} models`} is ranked. Unranked: ${result.diagnostics.unranked.join(', ')}.`,
    );
  }
  const sub = restrictCounts(counts, members);
  result.rankedVotes = sub.total;
  const sp = pairCounts(sub);
  const exists = mleExists(sp);
  const groups = exists ? [members] : strongComponents(sp).map((g) => g.map((x) => members[x]));
  result.diagnostics.mleExists = exists;
  result.diagnostics.groups = groups.map(names);
  const prior = opts.prior === undefined || opts.prior === 'auto' ? (exists ? 0 : AUTO_PRIOR) : opts.prior;
  if (!exists && prior === 0) {
    throw new AppError('UNPROCESSABLE', `no finite Bradley-Terry ratings exist: ${groups.map((g) => names(g).join(', ')).join(' > ')} (each group never lost to the next); use a prior > 0`);
  }
  result.diagnostics.prior = prior;
  if (!exists) {
    const flagged = rows.filter((r) => r.component === ranked && (r.undefeated || r.winless)).map((r) => `${r.model} ${r.undefeated ? 'never lost' : 'never won'}`);
    warnings.push(
      `No finite maximum-likelihood ratings exist: ${flagged.length ? flagged.join(', ') : 'a group of models never lost to the rest'} ` +
        `(groups, best first: ${result.diagnostics.groups.map((g) => g.join(', ')).join(' | ')}). A prior of ${prior} virtual game(s) per model, ` +
        'half won and half lost against a fixed reference model, keeps ratings finite; the gaps between these groups come from the prior, not the votes.',
    );
  }

  const point = fitBradleyTerry(sp, { ties, prior });
  const k = members.length;
  const anchorAt = anchorIndex >= 0 ? members.indexOf(anchorIndex) : -1;
  const toRatings = (theta: Float64Array, at: number, out: Float64Array) => {
    let base: number;
    if (anchorAt >= 0) base = theta[at + anchorAt] - opts.anchor!.rating / ELO_PER_LOGIT;
    else {
      base = 0;
      for (let x = 0; x < k; x++) base += theta[at + x];
      base = base / k - offset / ELO_PER_LOGIT;
    }
    for (let x = 0; x < k; x++) out[x] = ELO_PER_LOGIT * (theta[at + x] - base);
  };
  const rating = new Float64Array(k);
  toRatings(point.theta, 0, rating);
  const low = Float64Array.from(rating);
  const high = Float64Array.from(rating);
  if (ties === 'davidson') result.tieParameter = { nu: Math.exp(point.logNu!), ciLow: null, ciHigh: null };

  if (rounds > 0) {
    const boot = bootstrapFits(sub, point, { rounds, cluster, seed, ties, prior, fallbackPrior: AUTO_PRIOR });
    const per = Array.from({ length: k }, () => new Float64Array(rounds));
    const row = new Float64Array(k);
    for (let r = 0; r < rounds; r++) {
      toRatings(boot.theta, r * k, row);
      for (let x = 0; x < k; x++) per[x][r] = row[x];
    }
    const lo = (1 - confidence) / 2;
    for (let x = 0; x < k; x++) {
      per[x].sort();
      low[x] = quantileSorted(per[x], lo);
      high[x] = quantileSorted(per[x], 1 - lo);
    }
    if (boot.logNu && result.tieParameter) {
      // A round with no ties has ν = 0 (log -∞), one with only ties ν = ∞: interpolate on ν, not its log.
      const sorted = Float64Array.from(boot.logNu, Math.exp).sort();
      const q = (at: number) => {
        const i = (rounds - 1) * at;
        const [a, b] = [sorted[Math.floor(i)], sorted[Math.ceil(i)]];
        return Number.isFinite(a) && Number.isFinite(b) ? quantileSorted(sorted, at) : Number.isFinite(a) ? a : b;
      };
      result.tieParameter.ciLow = q(lo);
      result.tieParameter.ciHigh = q(1 - lo);
    }
    result.bootstrap = { rounds, cluster, seed, confidence, regularizedRounds: boot.regularizedRounds };
    if (boot.regularizedRounds > 0 && prior === 0) {
      warnings.push(
        `${boot.regularizedRounds} of ${rounds} bootstrap rounds drew a sample in which some model never lost (or never won) and were fitted with a prior of ` +
          `${AUTO_PRIOR} virtual game(s) per model; the CIs of lightly compared models lean on it.`,
      );
    }
  }

  members.forEach((m, x) => {
    let rank = 1;
    for (let y = 0; y < k; y++) if (low[y] > high[x]) rank++;
    Object.assign(rows[m], { rating: rating[x], ciLow: low[x], ciHigh: high[x], rank });
  });
  result.models = [...rows].sort((a, b) => {
    if (a.rank === null || b.rank === null) return a.rank === null && b.rank === null ? a.model.localeCompare(b.model) : a.rank === null ? 1 : -1;
    return a.rank - b.rank || b.rating! - a.rating! || a.model.localeCompare(b.model);
  });
  return result;
}
