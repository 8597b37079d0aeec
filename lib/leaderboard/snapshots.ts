import { z } from 'zod';
import { AppError } from '../errors';
import * as repo from './repository';
import { currentLeaderboard } from './service';
import type { TLeaderboardData, TLeaderboardRow } from './types';

/**
 * Published leaderboards. A snapshot stores the table exactly as it was shown, so its URL keeps
 * showing the same numbers whatever happens later; there is no way to change one.
 */
export const ZPublish = z.object({
  title: z.string().trim().min(3, 'give the snapshot a title').max(200),
  note: z.string().trim().max(5000).nullable().default(null),
});

export type TSnapshot = { id: string; title: string; note: string | null; createdAt: string; createdBy: string | null; data: TLeaderboardData };

export async function publishSnapshot(input: z.input<typeof ZPublish>, userId: string | null): Promise<TSnapshot> {
  const o = ZPublish.parse(input);
  const data = await currentLeaderboard();
  const row = await repo.insertSnapshot({ title: o.title, note: o.note, data: JSON.stringify(data), createdById: userId });
  return (await getSnapshot(row.id))!;
}

export async function getSnapshot(id: string): Promise<TSnapshot | null> {
  const s = await repo.findSnapshot(id);
  if (!s) return null;
  let data: TLeaderboardData;
  try {
    data = JSON.parse(s.data) as TLeaderboardData;
  } catch {
    throw new AppError('INTERNAL', `snapshot ${id} is not readable JSON`);
  }
  return { id: s.id, title: s.title, note: s.note, createdAt: s.createdAt.toISOString(), createdBy: s.createdBy?.email ?? null, data };
}

export async function listSnapshots() {
  return (await repo.listSnapshots()).map((s) => ({ id: s.id, title: s.title, note: s.note, createdAt: s.createdAt.toISOString() }));
}

export type TRowChange = { variantId: string; name: string; changes: string[] };
export type TDiff = { added: string[]; removed: string[]; changed: TRowChange[] };

const fmt = (v: number | null | undefined, digits: number) => (v === null || v === undefined ? 'none' : v.toFixed(digits));

/** How the live table differs from a snapshot: variants added or removed, and numbers that moved. */
export function diffLeaderboards(before: TLeaderboardData, now: TLeaderboardData): TDiff {
  const name = (r: TLeaderboardRow) => `${r.modelName} / ${r.variantName}`;
  const old = new Map(before.rows.map((r) => [r.variantId, r]));
  const cur = new Map(now.rows.map((r) => [r.variantId, r]));
  const changed: TRowChange[] = [];
  for (const r of now.rows) {
    const o = old.get(r.variantId);
    if (!o) continue;
    const changes: string[] = [];
    const cmp = (label: string, a: number | null | undefined, b: number | null | undefined, digits: number) => {
      if (fmt(a, digits) !== fmt(b, digits)) changes.push(`${label} ${fmt(a, digits)} → ${fmt(b, digits)}`);
    };
    cmp('GenEval', o.geneval?.value, r.geneval?.value, 3);
    cmp('HPS', o.hps?.value, r.hps?.value, 2);
    cmp('rating', o.human?.value, r.human?.value, 0);
    cmp('votes', o.human?.votes, r.human?.votes, 0);
    cmp('degradation', o.degradation?.value, r.degradation?.value, 3);
    cmp('latency ms', o.latency?.perImageMs, r.latency?.perImageMs, 0);
    if (changes.length) changed.push({ variantId: r.variantId, name: name(r), changes });
  }
  return {
    added: now.rows.filter((r) => !old.has(r.variantId)).map(name),
    removed: before.rows.filter((r) => !cur.has(r.variantId)).map(name),
    changed,
  };
}

export const CSV_COLUMNS = [
  'model',
  'variant',
  'variant_id',
  'parent',
  'recipe',
  'params',
  'weight_bytes',
  'latency_ms_per_image',
  'latency_ms_per_step',
  'provider',
  'hardware',
  'geneval',
  'geneval_ci_low',
  'geneval_ci_high',
  'geneval_single_object',
  'geneval_two_object',
  'geneval_counting',
  'geneval_colors',
  'geneval_position',
  'geneval_color_attr',
  'geneval_images',
  'hps',
  'hps_ci_low',
  'hps_ci_high',
  'hps_version',
  'human_rating',
  'human_ci_low',
  'human_ci_high',
  'human_rank',
  'human_votes',
  'degradation',
  'degradation_ci_low',
  'degradation_ci_high',
  'degradation_votes',
  'demo',
] as const;

const cell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function leaderboardCsv(data: TLeaderboardData): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of data.rows) {
    const t = r.geneval?.tasks ?? {};
    const values = [
      r.modelName,
      r.variantName,
      r.variantId,
      r.parent?.name,
      r.recipe,
      r.params,
      r.weightBytes,
      r.latency?.perImageMs,
      r.latency?.perStepMs,
      r.latency?.provider,
      r.latency?.hardware,
      r.geneval?.value,
      r.geneval?.ciLow,
      r.geneval?.ciHigh,
      t.single_object,
      t.two_object,
      t.counting,
      t.colors,
      t.position,
      t.color_attr,
      r.geneval?.images,
      r.hps?.value,
      r.hps?.ciLow,
      r.hps?.ciHigh,
      r.hps?.version,
      r.human?.value,
      r.human?.ciLow,
      r.human?.ciHigh,
      r.human?.rank,
      r.human?.votes,
      r.degradation?.value,
      r.degradation?.ciLow,
      r.degradation?.ciHigh,
      r.degradation?.votes,
      r.demo,
    ];
    lines.push(values.map(cell).join(','));
  }
  return lines.join('\n') + '\n';
}
