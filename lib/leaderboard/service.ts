import { aggregateVotes, type TVote } from '../stats/counts';
import { degradation } from '../stats/degradation';
import { rankModels } from '../stats/rank-models';
import { winRateMatrix } from '../stats/win-rate';
import { FIXTURE_MODEL_NAME } from '../models/seed';
import * as repo from './repository';
import type { TLeaderboardData, TLeaderboardRow } from './types';

/** Bootstrap rounds for the human ratings' intervals (rater-clustered: votes of one person move together). */
export const LEADERBOARD_BOOTSTRAP = 500;

type TCompressRecipe = { budget?: number; removeBlocks?: string; protectFirst?: number; reconstruct?: boolean; int4?: { blockSize: number } };

/** A recipe in a few words: "HierarchicalPrune to 80%, first 4 protected, reconstructed, INT4/64". */
export function describeRecipe(json: string | null): string | null {
  if (!json) return null;
  let r: TCompressRecipe;
  try {
    r = JSON.parse(json) as TCompressRecipe;
  } catch {
    return null;
  }
  const parts: string[] = [];
  if (r.budget !== undefined) parts.push(`HierarchicalPrune to ${Math.round(r.budget * 100)}% of parameters`);
  if (r.removeBlocks) parts.push(`blocks ${r.removeBlocks} removed`);
  if (r.protectFirst) parts.push(`first ${r.protectFirst} blocks protected`);
  if (r.reconstruct) parts.push('reconstructed');
  if (r.int4) parts.push(`INT4/${r.int4.blockSize}`);
  return parts.join(', ') || 'copy';
}

/** Builds the whole leaderboard from the database: every variant, its latest measurements, and the human ratings. */
export async function buildLeaderboard(opts: { bootstrap?: number; seed?: number } = {}): Promise<TLeaderboardData> {
  const bootstrap = opts.bootstrap ?? LEADERBOARD_BOOTSTRAP;
  const [variants, scores, runs, rawVotes, arms] = await Promise.all([repo.variantsWithModels(), repo.latestScores(), repo.runSummaries(), repo.countedVotes(), repo.armVariants()]);
  const names = new Map(variants.map((v) => [v.id, `${v.model.name} / ${v.name}`]));

  const latestScore = new Map<string, (typeof scores)[number]>();
  for (const s of scores) if (!latestScore.has(`${s.run.variantId}|${s.scorer}`)) latestScore.set(`${s.run.variantId}|${s.scorer}`, s);
  const latestRun = new Map<string, (typeof runs)[number]>();
  for (const r of runs) {
    const summary = JSON.parse(r.summary!) as { latency?: unknown };
    if (summary.latency && !latestRun.has(r.variantId)) latestRun.set(r.variantId, r);
  }

  // human votes: each study's first criterion (its headline question), ties as half a win
  const armVariant = new Map(arms.map((a) => [a.id, a.variantId]));
  const votes: TVote[] = [];
  const demoStudyVariants = new Set<string>();
  const perDay = new Map<string, number>();
  for (const v of rawVotes) {
    const first = (JSON.parse(v.study.criteria) as { key: string }[])[0]?.key;
    if (v.criterion !== first) continue;
    const left = v.trial.leftArmId ? armVariant.get(v.trial.leftArmId) : undefined;
    const right = v.trial.rightArmId ? armVariant.get(v.trial.rightArmId) : undefined;
    if (!left || !right || left === right) continue;
    votes.push({ variantA: left, variantB: right, winner: v.choice === 'left' ? 'a' : v.choice === 'right' ? 'b' : 'tie', rater: v.participantId });
    if (v.study.demo) for (const id of [left, right]) demoStudyVariants.add(id);
    const day = v.createdAt.toISOString().slice(0, 10);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  const counts = aggregateVotes(votes);
  const board = votes.length ? rankModels(counts, { bootstrap, cluster: 'rater', ties: 'half', seed: opts.seed ?? 0 }) : null;
  const ratingOf = new Map((board?.models ?? []).map((m) => [m.model, m]));
  const matrix = votes.length ? winRateMatrix(counts, { ties: 'half' }) : { models: [], winRate: [], votes: [] };

  const rows: TLeaderboardRow[] = variants.map((v) => {
    const g = latestScore.get(`${v.id}|geneval`);
    const h = latestScore.get(`${v.id}|hps`);
    const run = latestRun.get(v.id);
    const summary = run ? (JSON.parse(run.summary!) as { latency: { perImageMedianMs: number; perStepMedianMs: number }; provider: string; hardware?: string }) : null;
    const rating = ratingOf.get(v.id);
    const parent = v.parentId ? variants.find((p) => p.id === v.parentId) : undefined;
    const deg = parent ? degradation(votes, { variant: v.id, parent: parent.id, ties: 'half' })[0] : undefined;
    const tasks = g ? Object.fromEntries(((JSON.parse(g.report) as { tasks?: { tag: string; score: number }[] }).tasks ?? []).map((t) => [t.tag, t.score])) : {};
    return {
      variantId: v.id,
      modelId: v.model.id,
      modelName: v.model.name,
      variantName: v.name,
      parent: parent ? { variantId: parent.id, name: parent.name } : null,
      recipe: describeRecipe(v.recipe),
      params: Number(v.params),
      weightBytes: Number(v.weightBytes),
      diskBytes: Number(v.diskBytes),
      latency: summary && run ? { perImageMs: summary.latency.perImageMedianMs, perStepMs: summary.latency.perStepMedianMs, provider: summary.provider, hardware: summary.hardware ?? 'not recorded', runId: run.id } : null,
      geneval: g ? { value: g.score, ciLow: g.ciLow, ciHigh: g.ciHigh, tasks, images: g.run._count.images, fixture: g.fixture, version: g.version, runId: g.runId } : null,
      hps: h ? { value: h.score, ciLow: h.ciLow, ciHigh: h.ciHigh, images: h.run._count.images, fixture: h.fixture, version: h.version, runId: h.runId } : null,
      human:
        rating && rating.rating !== null
          ? { value: rating.rating, ciLow: rating.ciLow, ciHigh: rating.ciHigh, rank: rating.rank, votes: rating.votes, wins: rating.wins, losses: rating.losses, ties: rating.ties }
          : null,
      degradation: deg && deg.share !== null ? { value: deg.share, ciLow: deg.ciLow, ciHigh: deg.ciHigh, votes: deg.votes } : null,
      demo: v.model.name === FIXTURE_MODEL_NAME || !!g?.fixture || !!h?.fixture || demoStudyVariants.has(v.id),
    };
  });

  let total = 0;
  const votesOverTime = [...perDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([date, n]) => ({ date, votes: (total += n) }));
  return {
    generatedAt: new Date().toISOString(),
    rows,
    human: {
      method: `Bradley-Terry on the first question of every study (ties count half), comparison trials only, previews and excluded participants left out; 95% intervals from ${bootstrap} bootstrap rounds that resample participants.`,
      votes: votes.length,
      bootstrap,
      warnings: board?.diagnostics.warnings ?? [],
      winRates: { variants: matrix.models, names: matrix.models.map((id) => names.get(id) ?? id), winRate: matrix.winRate, votes: matrix.votes },
      votesOverTime,
    },
  };
}

let cached: { key: string; data: Promise<TLeaderboardData> } | null = null;

/**
 * The leaderboard for pages and the public API: built again only when a variant, run, score,
 * vote or exclusion has changed since the last build (the bootstrap over many raters takes
 * seconds, and every page view would otherwise pay it).
 */
export async function currentLeaderboard(): Promise<TLeaderboardData> {
  const key = await repo.fingerprint();
  if (cached?.key !== key) {
    const entry = { key, data: buildLeaderboard() };
    cached = entry;
    entry.data.catch(() => {
      if (cached === entry) cached = null;
    });
  }
  return cached.data;
}
