import crypto from 'node:crypto';
import type { TSessionUser } from '../auth/session';
import { AppError } from '../errors';
import { LOCKED_WHEN_OPEN, ZStudyDesign, type TCriterion, type TExclusion, type TStudyDesign, type TStudyDesignInput } from './design';
import * as repo from './repository';

export type TStudyStatus = 'draft' | 'open' | 'closed';

export type TStudyView = {
  id: string;
  slug: string;
  title: string;
  description: string | null;
  status: TStudyStatus;
  demo: boolean;
  design: TStudyDesign;
  arms: { id: string; variantId: string; variantName: string; modelId: string; modelName: string; runId: string }[];
  items: number;
  /** Distinct comparisons (prompt x pair of variants) available. */
  comparisons: number;
  createdBy: string | null;
  createdAt: string;
  openedAt: string | null;
  closedAt: string | null;
  /** Whether participants can take it now (open and within its dates). */
  accepting: boolean;
};

/** Random, URL-safe, says nothing about the study. */
export const randomToken = (bytes = 16) => crypto.randomBytes(bytes).toString('base64url');

type TStudyRow = NonNullable<Awaited<ReturnType<typeof repo.findStudy>>>;

function designOf(s: Omit<TStudyRow, 'arms' | 'createdBy'> & { arms: { variantId: string; runId: string }[] }): TStudyDesign {
  return {
    title: s.title,
    description: s.description,
    arms: s.arms.map((a) => ({ variantId: a.variantId, runId: a.runId })),
    criteria: JSON.parse(s.criteria) as TCriterion[],
    allowTie: s.allowTie,
    trialsPerParticipant: s.trialsPerParticipant,
    instructedChecks: s.instructedChecks,
    goldChecks: s.goldChecks,
    consentText: s.consentText,
    instructionsText: s.instructionsText,
    quota: s.quota,
    opensAt: s.opensAt,
    closesAt: s.closesAt,
    policy: s.policy as TStudyDesign['policy'],
    minResponseMs: s.minResponseMs,
    exclusion: JSON.parse(s.exclusion) as TExclusion,
    prolificCode: s.prolificCode,
  };
}

export function isAccepting(s: { status: string; opensAt: Date | null; closesAt: Date | null }, now = new Date()): boolean {
  return s.status === 'open' && (!s.opensAt || s.opensAt <= now) && (!s.closesAt || now < s.closesAt);
}

const pairsOf = (arms: number) => (arms * (arms - 1)) / 2;

function armViews(arms: { id: string; variantId: string; runId: string; variant: { name: string; model: { id: string; name: string } } }[]): TStudyView['arms'] {
  return arms.map((a) => ({ id: a.id, variantId: a.variantId, variantName: a.variant.name, modelId: a.variant.model.id, modelName: a.variant.model.name, runId: a.runId }));
}

async function toView(s: TStudyRow): Promise<TStudyView> {
  const items = await repo.countItems(s.id);
  return {
    id: s.id,
    slug: s.slug,
    title: s.title,
    description: s.description,
    status: s.status as TStudyStatus,
    demo: s.demo,
    design: designOf(s),
    arms: armViews(s.arms),
    items,
    comparisons: items * pairsOf(s.arms.length),
    createdBy: s.createdBy?.email ?? null,
    createdAt: s.createdAt.toISOString(),
    openedAt: s.openedAt?.toISOString() ?? null,
    closedAt: s.closedAt?.toISOString() ?? null,
    accepting: isAccepting(s),
  };
}

function parseDesign(input: unknown): TStudyDesign {
  const parsed = ZStudyDesign.safeParse(input);
  if (!parsed.success) throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.') || 'study'}: ${i.message}`).join('; '));
  return parsed.data;
}

/**
 * Pairs the arms' runs by prompt and seed: an item is a (prompt, seed) for which every arm has an
 * image, so both sides of a comparison answer the same prompt from the same initial noise.
 */
async function pairRuns(arms: { variantId: string; runId: string }[]) {
  const found = new Set((await repo.variantsExist(arms.map((a) => a.variantId))).map((v) => v.id));
  const perArm: Map<string, { imageId: string; webpSha256: string }>[] = [];
  const prompts = new Map<string, { prompt: string; seed: number }>();
  for (const [i, arm] of arms.entries()) {
    if (!found.has(arm.variantId)) throw new AppError('BAD_REQUEST', `arms.${i}: no model variant ${arm.variantId}`);
    const run = await repo.runImages(arm.runId);
    if (!run || run.variantId !== arm.variantId) throw new AppError('BAD_REQUEST', `arms.${i}: generation run ${arm.runId} does not belong to that variant`);
    if (!run.images.length) throw new AppError('BAD_REQUEST', `arms.${i}: generation run ${arm.runId} has no images yet; wait for its job to finish`);
    const runPrompts = JSON.parse(run.prompts) as { prompt: string }[];
    const byKey = new Map<string, { imageId: string; webpSha256: string }>();
    for (const img of run.images) {
      const prompt = runPrompts[img.promptIndex]?.prompt;
      if (prompt === undefined) continue;
      const key = `${prompt}\u0000${img.seed}`;
      if (!byKey.has(key)) byKey.set(key, { imageId: img.id, webpSha256: img.webpSha256 });
      if (i === 0) prompts.set(key, { prompt, seed: img.seed });
    }
    perArm.push(byKey);
  }
  const items = [...prompts.entries()]
    .filter(([key]) => perArm.every((m) => m.has(key)))
    .map(([key, p]) => ({ prompt: p.prompt, seed: p.seed, images: JSON.stringify(Object.fromEntries(perArm.map((m, i) => [String(i), m.get(key)]))) }));
  if (!items.length) throw new AppError('BAD_REQUEST', 'The chosen runs share no prompt and seed: generate the same prompt set with the same seed for every variant.');
  return items;
}

function fieldsOf(d: TStudyDesign): Record<string, unknown> {
  return {
    title: d.title,
    description: d.description,
    criteria: JSON.stringify(d.criteria),
    allowTie: d.allowTie,
    trialsPerParticipant: d.trialsPerParticipant,
    instructedChecks: d.instructedChecks,
    goldChecks: d.goldChecks,
    consentText: d.consentText,
    instructionsText: d.instructionsText,
    quota: d.quota,
    opensAt: d.opensAt,
    closesAt: d.closesAt,
    policy: d.policy,
    minResponseMs: d.minResponseMs,
    exclusion: JSON.stringify(d.exclusion),
    prolificCode: d.prolificCode,
  };
}

export async function createStudy(input: TStudyDesignInput, user: TSessionUser | null, opts: { demo?: boolean } = {}): Promise<TStudyView> {
  const design = parseDesign(input);
  const items = await pairRuns(design.arms);
  const study = await repo.insertStudy({ slug: randomToken(9), fields: fieldsOf(design), arms: design.arms, items, createdById: user?.id ?? null, demo: opts.demo });
  return (await getStudy(study.id, null))!;
}

/** The study if this user may manage it (its creator or an admin); null user: no check (CLI, seed). */
async function ownStudy(id: string, user: TSessionUser | null): Promise<TStudyRow> {
  const s = await repo.findStudy(id);
  if (!s) throw new AppError('NOT_FOUND', 'No such study.');
  if (user && user.role !== 'admin' && s.createdById !== user.id) throw new AppError('FORBIDDEN', 'Only the researcher who created this study (or an admin) can manage it.');
  return s;
}

export async function getStudy(id: string, user: TSessionUser | null): Promise<TStudyView | null> {
  const s = await repo.findStudy(id);
  if (!s) return null;
  if (user && user.role !== 'admin' && s.createdById !== user.id) throw new AppError('FORBIDDEN', 'Only the researcher who created this study (or an admin) can see it.');
  return toView(s);
}

/** The studies this user manages: their own, or every study for an admin (null: every study). */
export async function listStudies(user: TSessionUser | null): Promise<(Omit<TStudyView, 'design' | 'items' | 'comparisons'> & { participants: number; votes: number })[]> {
  const all = await repo.listStudies();
  return all.filter((s) => !user || user.role === 'admin' || s.createdById === user.id).map((s) => ({
    id: s.id,
    slug: s.slug,
    title: s.title,
    description: s.description,
    status: s.status as TStudyStatus,
    demo: s.demo,
    arms: armViews(s.arms),
    createdBy: null,
    createdAt: s.createdAt.toISOString(),
    openedAt: s.openedAt?.toISOString() ?? null,
    closedAt: s.closedAt?.toISOString() ?? null,
    accepting: isAccepting(s),
    participants: s._count.participants,
    votes: s._count.votes,
  }));
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Changes a study's design. A draft can change anything; an open study only what its votes do
 * not depend on (texts shown after consent, dates, quota, exclusion rules, Prolific code, policy);
 * a closed study nothing.
 */
export async function updateStudy(id: string, patch: Record<string, unknown>, user: TSessionUser | null): Promise<TStudyView> {
  const s = await ownStudy(id, user);
  if (s.status === 'closed') throw new AppError('CONFLICT', 'This study is closed; its design can no longer change.');
  const current = designOf(s);
  const next = parseDesign({ ...current, ...patch });
  if (s.status === 'open') {
    const changed = LOCKED_WHEN_OPEN.filter((k) => !same(current[k], next[k]));
    if (changed.length) throw new AppError('CONFLICT', `This study is open: ${changed.join(', ')} can no longer change (its votes depend on them). Close it and create a new study instead.`);
  }
  const rebuild = same(current.arms, next.arms) ? undefined : { arms: next.arms, items: await pairRuns(next.arms) };
  await repo.updateStudy(id, fieldsOf(next), rebuild);
  return (await getStudy(id, null))!;
}

export async function openStudy(id: string, user: TSessionUser | null): Promise<TStudyView> {
  const s = await ownStudy(id, user);
  const view = await toView(s);
  if (view.comparisons < s.trialsPerParticipant) {
    throw new AppError('BAD_REQUEST', `Each participant would need ${s.trialsPerParticipant} different comparisons, but these runs give only ${view.comparisons} (${view.items} prompts x ${pairsOf(s.arms.length)} pairs of variants). Ask for fewer trials or add prompts.`);
  }
  if (s.status === 'open') return view;
  if (!(await repo.setStatus(id, ['draft', 'closed'], 'open', { openedAt: new Date() }))) throw new AppError('CONFLICT', 'The study changed meanwhile; reload and try again.');
  return (await getStudy(id, null))!;
}

export async function closeStudy(id: string, user: TSessionUser | null): Promise<TStudyView> {
  const s = await ownStudy(id, user);
  if (s.status === 'draft') throw new AppError('CONFLICT', 'A draft has nothing to close; open it first or delete it.');
  if (s.status === 'open') await repo.setStatus(id, ['open'], 'closed', { closedAt: new Date() });
  return (await getStudy(id, null))!;
}

export { ownStudy };

/** A researcher overrides the exclusion rules for one participant. */
export async function setParticipantExcluded(studyId: string, participantId: string, excluded: boolean, user: TSessionUser | null) {
  await ownStudy(studyId, user);
  const people = await repo.studyParticipants(studyId);
  if (!people.some((p) => p.id === participantId)) throw new AppError('NOT_FOUND', 'No such participant in this study.');
  const p = await repo.setExcluded(participantId, excluded);
  return { id: p.id, pseudonym: p.pseudonym, excluded: p.excluded };
}

/**
 * Open studies anyone may join from the home page: accepting answers and not recruited through
 * Prolific (those come with their own links). Named neutrally: a title may name the models.
 */
export async function openVolunteerStudies(): Promise<{ slug: string; label: string; demo: boolean }[]> {
  return (await repo.listStudies())
    .filter((s) => isAccepting(s) && !s.prolificCode)
    .map((s, i) => ({ slug: s.slug, label: `Picture comparison ${i + 1}`, demo: s.demo }));
}
