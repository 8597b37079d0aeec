import { z } from 'zod';

/**
 * What a researcher decides about a study, validated at the API boundary. Once a study is open,
 * the fields in LOCKED_WHEN_OPEN can no longer change: its votes already depend on them.
 */
export const ZCriterion = z.object({
  key: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, 'a criterion key is lower-case letters, digits and _, starting with a letter'),
  question: z.string().trim().min(3, 'write the question the participant answers').max(200),
});
export type TCriterion = z.infer<typeof ZCriterion>;

export const ZExclusion = z.object({
  /** Exclude a participant who failed at least this many attention checks (null: never). */
  failedChecks: z.number().int().min(1).max(100).nullable().default(2),
  /** Exclude when at least this share of answers came faster than minResponseMs. */
  fastShare: z.number().min(0.05).max(1).nullable().default(0.5),
  /** Exclude when at least this share of comparison answers picked the same side (10 answers or more). */
  sameSideShare: z.number().min(0.5).max(1).nullable().default(0.95),
});
export type TExclusion = z.infer<typeof ZExclusion>;

const date = z
  .union([z.string(), z.date()])
  .transform((v, ctx) => {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'not a date (use ISO 8601, e.g. 2026-12-01T09:00:00Z)' });
      return z.NEVER;
    }
    return d;
  })
  .nullable();

export const DEFAULT_CONSENT =
  'You will compare pairs of pictures made by computer programs and say which you prefer. It takes a few minutes. ' +
  'We record your answers and how long each took, and nothing that identifies you beyond the id of the platform that sent you. ' +
  'You can stop at any time by closing this page.';
export const DEFAULT_INSTRUCTIONS =
  'Each screen shows a short description and two pictures. Read the question and pick the picture that answers it better. ' +
  'Use the buttons, or the keys ← (left) and → (right). There are no right or wrong answers, except for a few screens that tell you exactly what to pick.';

export const ZStudyDesign = z
  .object({
    title: z.string().trim().min(3).max(120),
    description: z.string().max(5000).nullable().default(null),
    /** The variants compared, each with the generation run its images come from. */
    arms: z
      .array(z.object({ variantId: z.string().min(1), runId: z.string().min(1) }))
      .min(2, 'pick at least two variants to compare')
      .max(12, 'at most 12 variants per study'),
    criteria: z
      .array(ZCriterion)
      .min(1, 'ask at least one question')
      .max(4, 'at most 4 questions per trial')
      .default([{ key: 'overall', question: 'Which image looks better?' }]),
    allowTie: z.boolean().default(false),
    trialsPerParticipant: z.number().int().min(1).max(500).default(20),
    instructedChecks: z.number().int().min(0).max(20).default(1),
    goldChecks: z.number().int().min(0).max(20).default(1),
    consentText: z.string().trim().min(10).max(20_000).default(DEFAULT_CONSENT),
    instructionsText: z.string().trim().min(10).max(20_000).default(DEFAULT_INSTRUCTIONS),
    quota: z.number().int().min(1).max(1_000_000).nullable().default(null),
    opensAt: date.default(null),
    closesAt: date.default(null),
    policy: z.enum(['balanced', 'adaptive']).default('balanced'),
    minResponseMs: z.number().int().min(0).max(60_000).default(500),
    exclusion: ZExclusion.default({ failedChecks: 2, fastShare: 0.5, sameSideShare: 0.95 }),
    prolificCode: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{4,40}$/, 'a Prolific completion code is 4 to 40 letters, digits, - or _')
      .nullable()
      .default(null),
  })
  .superRefine((d, ctx) => {
    const keys = d.criteria.map((c) => c.key);
    if (new Set(keys).size !== keys.length) ctx.addIssue({ code: 'custom', path: ['criteria'], message: 'criterion keys must differ' });
    if (keys.includes('check')) ctx.addIssue({ code: 'custom', path: ['criteria'], message: '"check" is reserved for attention checks' });
    const variants = d.arms.map((a) => a.variantId);
    if (new Set(variants).size !== variants.length) ctx.addIssue({ code: 'custom', path: ['arms'], message: 'each variant may appear once' });
    if (d.opensAt && d.closesAt && d.closesAt <= d.opensAt) ctx.addIssue({ code: 'custom', path: ['closesAt'], message: 'the study must close after it opens' });
  });
export type TStudyDesignInput = z.input<typeof ZStudyDesign>;
export type TStudyDesign = z.output<typeof ZStudyDesign>;

/** Changing these would make existing votes mean something else. */
export const LOCKED_WHEN_OPEN = ['arms', 'criteria', 'allowTie', 'trialsPerParticipant', 'instructedChecks', 'goldChecks', 'minResponseMs', 'consentText'] as const;
