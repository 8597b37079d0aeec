import type { TExclusion } from './design';

/**
 * Quality flags of one participant, from their answered trials. Flags are always computed and
 * shown; exclusion follows the study's own rules, and is never an automatic rejection on
 * Prolific (its policy: rejection only after at least two failed instructed-response checks, and
 * never for a comprehension check; that decision stays with the researcher).
 */
export type TAnsweredTrial = {
  kind: 'comparison' | 'gold' | 'instructed';
  expected: 'left' | 'right' | null;
  /** The first answer of the trial (the first criterion, or the check). */
  choice: 'left' | 'right' | 'tie';
  responseMs: number;
};

export type TQuality = {
  answered: number;
  checks: number;
  failedChecks: number;
  fastShare: number;
  sameSideShare: number;
  flags: string[];
  excluded: boolean;
  reasons: string[];
};

/** Same-side answering is only judged over this many comparisons or more. */
export const SAME_SIDE_MIN_ANSWERS = 10;

export function assessParticipant(trials: TAnsweredTrial[], rules: { minResponseMs: number; exclusion: TExclusion }): TQuality {
  const checks = trials.filter((t) => t.kind !== 'comparison');
  const failedChecks = checks.filter((t) => t.choice !== t.expected).length;
  const fast = trials.filter((t) => t.responseMs < rules.minResponseMs).length;
  const fastShare = trials.length ? fast / trials.length : 0;
  const comps = trials.filter((t) => t.kind === 'comparison' && t.choice !== 'tie');
  const left = comps.filter((t) => t.choice === 'left').length;
  const sameSideShare = comps.length ? Math.max(left, comps.length - left) / comps.length : 0;

  const flags: string[] = [];
  if (failedChecks > 0) flags.push(`failed ${failedChecks} of ${checks.length} attention checks`);
  if (fast > 0) flags.push(`${fast} of ${trials.length} answers faster than ${rules.minResponseMs} ms`);
  if (comps.length >= SAME_SIDE_MIN_ANSWERS && sameSideShare >= 0.9) flags.push(`${Math.round(sameSideShare * 100)}% of answers on the same side`);

  const r = rules.exclusion;
  const reasons: string[] = [];
  if (r.failedChecks !== null && failedChecks >= r.failedChecks) reasons.push(`failed ${failedChecks} attention checks (rule: ${r.failedChecks} or more)`);
  if (r.fastShare !== null && trials.length > 0 && fastShare >= r.fastShare) reasons.push(`${Math.round(fastShare * 100)}% of answers too fast (rule: ${Math.round(r.fastShare * 100)}% or more)`);
  if (r.sameSideShare !== null && comps.length >= SAME_SIDE_MIN_ANSWERS && sameSideShare >= r.sameSideShare) {
    reasons.push(`${Math.round(sameSideShare * 100)}% of answers on one side (rule: ${Math.round(r.sameSideShare * 100)}% or more)`);
  }
  return { answered: trials.length, checks: checks.length, failedChecks, fastShare, sameSideShare, flags, excluded: reasons.length > 0, reasons };
}
