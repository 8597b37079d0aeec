import type { TRunChoice, TVariantChoice } from '@/lib/studies/choices';
import { DEFAULT_CONSENT, DEFAULT_INSTRUCTIONS, type TCriterion, type TExclusion } from '@/lib/studies/design';

/**
 * The study form's state and its translation to and from the API's design: numbers are kept as
 * typed (strings), shares as percentages, dates as datetime-local values in the browser's zone.
 */

/** A study's design as the form starts from it (dates as ISO strings). */
export type TStudyFormInitial = {
  title: string;
  description: string | null;
  arms: { variantId: string; runId: string }[];
  criteria: TCriterion[];
  allowTie: boolean;
  trialsPerParticipant: number;
  instructedChecks: number;
  goldChecks: number;
  consentText: string;
  instructionsText: string;
  quota: number | null;
  opensAt: string | null;
  closesAt: string | null;
  policy: 'balanced' | 'adaptive';
  minResponseMs: number;
  exclusion: TExclusion;
  prolificCode: string | null;
};

export type TArm = { variantId: string; runId: string };

export type TState = {
  title: string;
  description: string;
  arms: TArm[];
  criteria: TCriterion[];
  allowTie: boolean;
  trials: string;
  instructed: string;
  gold: string;
  consentText: string;
  instructionsText: string;
  quota: string;
  opensAt: string;
  closesAt: string;
  policy: 'balanced' | 'adaptive';
  minResponseMs: string;
  failedOn: boolean;
  failedChecks: string;
  fastOn: boolean;
  fastPct: string;
  sameOn: boolean;
  samePct: string;
  prolificCode: string;
};

export const OVERALL: TCriterion = { key: 'overall', question: 'Which image looks better?' };
export const ALIGNMENT: TCriterion = { key: 'alignment', question: 'Which image matches the text better?' };
const DEFAULT_EXCLUSION: TExclusion = { failedChecks: 2, fastShare: 0.5, sameSideShare: 0.95 };

const toPct = (share: number) => String(Math.round(share * 1000) / 10);

/** An ISO instant as the value of a datetime-local input, in the browser's time zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function stateOf(initial: TStudyFormInitial | null, arms: TArm[], withDates: boolean): TState {
  const ex = initial?.exclusion ?? DEFAULT_EXCLUSION;
  return {
    title: initial?.title ?? '',
    description: initial?.description ?? '',
    arms: initial?.arms ?? arms,
    criteria: initial?.criteria ?? [OVERALL],
    allowTie: initial?.allowTie ?? false,
    trials: String(initial?.trialsPerParticipant ?? 20),
    instructed: String(initial?.instructedChecks ?? 1),
    gold: String(initial?.goldChecks ?? 1),
    consentText: initial?.consentText ?? DEFAULT_CONSENT,
    instructionsText: initial?.instructionsText ?? DEFAULT_INSTRUCTIONS,
    quota: initial?.quota === null || initial?.quota === undefined ? '' : String(initial.quota),
    // datetime-local values depend on the browser's time zone: filled in after mounting
    opensAt: withDates ? toLocalInput(initial?.opensAt ?? null) : '',
    closesAt: withDates ? toLocalInput(initial?.closesAt ?? null) : '',
    policy: initial?.policy ?? 'balanced',
    minResponseMs: String(initial?.minResponseMs ?? 500),
    failedOn: ex.failedChecks !== null,
    failedChecks: String(ex.failedChecks ?? DEFAULT_EXCLUSION.failedChecks),
    fastOn: ex.fastShare !== null,
    fastPct: toPct(ex.fastShare ?? DEFAULT_EXCLUSION.fastShare!),
    sameOn: ex.sameSideShare !== null,
    samePct: toPct(ex.sameSideShare ?? DEFAULT_EXCLUSION.sameSideShare!),
    prolificCode: initial?.prolificCode ?? '',
  };
}

/** The request body: what POST /api/studies and PATCH /api/studies/[id] validate. */
export function bodyOf(s: TState): Record<string, unknown> {
  const localToIso = (v: string) => (v ? new Date(v).toISOString() : null);
  return {
    title: s.title.trim(),
    description: s.description.trim() ? s.description : null,
    arms: s.arms,
    criteria: s.criteria.map((c) => ({ key: c.key.trim(), question: c.question.trim() })),
    allowTie: s.allowTie,
    trialsPerParticipant: Number(s.trials),
    instructedChecks: Number(s.instructed),
    goldChecks: Number(s.gold),
    consentText: s.consentText,
    instructionsText: s.instructionsText,
    quota: s.quota.trim() ? Number(s.quota) : null,
    opensAt: localToIso(s.opensAt),
    closesAt: localToIso(s.closesAt),
    policy: s.policy,
    minResponseMs: Number(s.minResponseMs),
    exclusion: {
      failedChecks: s.failedOn ? Number(s.failedChecks) : null,
      fastShare: s.fastOn ? Number(s.fastPct) / 100 : null,
      sameSideShare: s.sameOn ? Number(s.samePct) / 100 : null,
    },
    prolificCode: s.prolificCode.trim() || null,
  };
}

export const usable = (v: TVariantChoice) => v.runs.filter((r) => r.images > 0);
export const sameBasis = (a: TRunChoice | undefined, b: TRunChoice | undefined) => !!a && !!b && a.promptSet === b.promptSet && a.seed === b.seed;

/** The run to suggest for a variant: one on the first arm's prompt set and seed, else the newest with images. */
export function suggestRun(v: TVariantChoice | undefined, reference: TRunChoice | undefined): string {
  if (!v) return '';
  const withImages = usable(v);
  return (withImages.find((r) => sameBasis(r, reference)) ?? withImages[0] ?? v.runs[0])?.id ?? '';
}

/** Two variants that can be compared right away, if there are any. */
export function suggestArms(variants: TVariantChoice[]): TArm[] {
  const ready = variants.filter((v) => usable(v).length > 0);
  const first = ready[0];
  if (!first) return [{ variantId: '', runId: '' }, { variantId: '', runId: '' }];
  const ref = usable(first)[0];
  const second = ready.find((v) => v.id !== first.id && usable(v).some((r) => sameBasis(r, ref))) ?? ready.find((v) => v.id !== first.id && v.modelId === first.modelId) ?? ready.find((v) => v.id !== first.id);
  return [
    { variantId: first.id, runId: ref.id },
    second ? { variantId: second.id, runId: suggestRun(second, ref) } : { variantId: '', runId: '' },
  ];
}

export const runLabel = (r: TRunChoice) =>
  `${r.promptSet}, seed ${r.seed}: ${r.images} of ${r.prompts * r.imagesPerPrompt} images · ${r.createdAt.slice(0, 16).replace('T', ' ')} UTC${r.images === 0 ? ' (no images yet)' : ''}`;
