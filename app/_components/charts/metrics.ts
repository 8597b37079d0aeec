import type { TLeaderboardRow } from '@/lib/leaderboard/types';

/** The quality measures a chart can put on its y axis, and how each reads. */
export const QUALITY_METRICS = ['human', 'geneval', 'hps'] as const;
export type TQualityMetric = (typeof QUALITY_METRICS)[number];

export const METRIC_INFO: Record<TQualityMetric, { label: string; axis: string; digits: number; noun: 'votes' | 'images'; plain: string }> = {
  human: {
    label: 'Human rating',
    axis: '↑ Human rating',
    digits: 0,
    noun: 'votes',
    plain: 'Bradley-Terry rating from people’s side-by-side choices, on the Arena scale (higher is preferred)',
  },
  geneval: {
    label: 'GenEval',
    axis: '↑ GenEval overall',
    digits: 3,
    noun: 'images',
    plain: 'share of GenEval prompts whose image passes the object, count, colour and position checks',
  },
  hps: {
    label: 'HPS',
    axis: '↑ HPS',
    digits: 3,
    noun: 'images',
    plain: 'human preference score: a model trained on people’s choices rates each image',
  },
};

export function isQualityMetric(v: unknown): v is TQualityMetric {
  return typeof v === 'string' && (QUALITY_METRICS as readonly string[]).includes(v);
}

/** The metric of a `?metric=` query value, or null for a missing or unknown one. */
export function parseMetric(v: string | string[] | undefined): TQualityMetric | null {
  const s = Array.isArray(v) ? v[0] : v;
  return isQualityMetric(s) ? s : null;
}

/** A row's value of a metric with its interval and count, or null when it has none yet. */
export function metricOf(row: TLeaderboardRow, metric: TQualityMetric): { value: number; low: number | null; high: number | null; n: number } | null {
  if (metric === 'human') return row.human ? { value: row.human.value, low: row.human.ciLow, high: row.human.ciHigh, n: row.human.votes } : null;
  const s = row[metric];
  return s ? { value: s.value, low: s.ciLow, high: s.ciHigh, n: s.images } : null;
}

/** The metric to show first: human ratings when there are any, else the first automatic score present. */
export function defaultMetric(rows: readonly TLeaderboardRow[]): TQualityMetric {
  return QUALITY_METRICS.find((m) => rows.some((r) => metricOf(r, m))) ?? 'human';
}
