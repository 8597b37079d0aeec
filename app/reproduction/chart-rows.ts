import type { TIntervalItem } from '../_components/charts/interval-chart';
import type { TLeaderboardRow } from '@/lib/leaderboard/types';
import type { TReproduction } from '@/lib/reproduction/types';

/** The variants with a GenEval score, for the interval chart. */
export function genevalItems(r: TReproduction): TIntervalItem[] {
  return r.variants.flatMap((v) =>
    v.geneval ? [{ id: v.variantId, label: v.name, fullLabel: `${v.name}: ${v.role}`, value: v.geneval.score, low: v.geneval.ci?.[0] ?? null, high: v.geneval.ci?.[1] ?? null, n: v.geneval.images, demo: v.geneval.fixture }] : [],
  );
}

/** The variants as the leaderboard's charts take them (memory and GenEval only: the Pareto chart needs nothing else). */
export function chartRows(r: TReproduction): TLeaderboardRow[] {
  const modelName = r.model?.name ?? '';
  return r.variants.map((v) => ({
    variantId: v.variantId,
    modelId: r.model?.id ?? '',
    modelName,
    variantName: v.name,
    parent: v.parentId ? { variantId: v.parentId, name: r.variants.find((p) => p.variantId === v.parentId)?.name ?? '' } : null,
    recipe: v.role,
    params: v.params,
    weightBytes: v.weightBytes,
    diskBytes: 0,
    latency: null,
    geneval: v.geneval
      ? { value: v.geneval.score, ciLow: v.geneval.ci?.[0] ?? null, ciHigh: v.geneval.ci?.[1] ?? null, tasks: Object.fromEntries(v.geneval.tasks.map((t) => [t.tag, t.score])), images: v.geneval.images, fixture: v.geneval.fixture, version: v.geneval.version, runId: v.runId ?? '' }
      : null,
    hps: null,
    human: null,
    degradation: null,
    demo: v.geneval?.fixture ?? false,
  }));
}
