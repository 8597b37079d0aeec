import type { TLeaderboardRow } from '@/lib/leaderboard/types';
import type { TIntervalItem } from './interval-chart';
import { metricOf, type TQualityMetric } from './metrics';

/** One variant as a chart draws it. */
export type TChartPoint = {
  id: string;
  /** short, for labels: the variant's name, with its model's when names repeat across models */
  label: string;
  /** model / variant, for hover titles and tables */
  fullLabel: string;
  parentId: string | null;
  x: number;
  y: number;
  low: number | null;
  high: number | null;
  /** images or votes behind y */
  n: number;
  demo: boolean;
  /** where a latency was measured ("H100, cuda"): latencies compare only on the same hardware */
  where?: string;
};

export type TCost = 'memory' | 'latency';

export function costOf(row: TLeaderboardRow, cost: TCost): number | null {
  if (cost === 'memory') return row.weightBytes > 0 ? row.weightBytes : null;
  return row.latency && row.latency.perImageMs > 0 ? row.latency.perImageMs : null;
}

/** Short labels: variant names alone when they are unique, "model / variant" otherwise. */
export function shortLabels(rows: readonly TLeaderboardRow[]): Map<string, string> {
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(r.variantName, (seen.get(r.variantName) ?? 0) + 1);
  return new Map(rows.map((r) => [r.variantId, seen.get(r.variantName)! > 1 ? `${r.modelName} / ${r.variantName}` : r.variantName]));
}

/** The variants that have both a cost and the metric, and how many rows lack one of them. */
export function paretoPoints(rows: readonly TLeaderboardRow[], cost: TCost, metric: TQualityMetric): { points: TChartPoint[]; missing: number } {
  const labels = shortLabels(rows);
  const points: TChartPoint[] = [];
  for (const r of rows) {
    const x = costOf(r, cost);
    const m = metricOf(r, metric);
    if (x === null || !m || !Number.isFinite(m.value)) continue;
    points.push({
      id: r.variantId,
      label: labels.get(r.variantId)!,
      fullLabel: `${r.modelName} / ${r.variantName}`,
      parentId: r.parent?.variantId ?? null,
      x,
      y: m.value,
      low: m.low,
      high: m.high,
      n: m.n,
      demo: r.demo,
      ...(cost === 'latency' && r.latency ? { where: `${r.latency.hardware}, ${r.latency.provider}` } : {}),
    });
  }
  return { points, missing: rows.length - points.length };
}

/** The variants that have the metric, best first, for an interval chart. */
export function intervalItems(rows: readonly TLeaderboardRow[], metric: TQualityMetric): TIntervalItem[] {
  const labels = shortLabels(rows);
  return rows
    .flatMap((r) => {
      const m = metricOf(r, metric);
      return m && Number.isFinite(m.value)
        ? [{ id: r.variantId, label: labels.get(r.variantId)!, fullLabel: `${r.modelName} / ${r.variantName}`, value: m.value, low: m.low, high: m.high, n: m.n, demo: r.demo }]
        : [];
    })
    .sort((a, b) => b.value - a.value || a.fullLabel.localeCompare(b.fullLabel));
}
