import crypto from 'node:crypto';
import sharp from 'sharp';
import { z } from 'zod';
import { artifactStore } from '../artifacts/store';
import { AppError } from '../errors';
import { planSession, comboKey, pairKey } from './assignment';
import type { TCriterion, TExclusion } from './design';
import { assessParticipant, type TAnsweredTrial } from './quality';
import * as repo from './repository';
import { isAccepting, randomToken } from './service';

/**
 * The participant side of a study, behind the participant JSON API (docs/API.md). Everything a
 * participant receives is blind: trials and images are named by random tokens, the study by its
 * random slug; which variant drew which image, and on which side it is, stays on the server.
 */

export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export type TPublicStudy = {
  slug: string;
  consentText: string;
  instructionsText: string;
  questions: { key: string; text: string }[];
  allowTie: boolean;
  trials: number;
  accepting: boolean;
  prolific: boolean;
};

export type TTrialView = {
  token: string;
  position: number;
  prompt: string;
  questions: { key: string; text: string }[];
  choices: ('left' | 'right' | 'tie')[];
  images: { left: string; right: string };
};

export type TCompletion = { code: string | null; redirectUrl: string | null };

export type TSessionState = {
  status: 'active' | 'completed';
  progress: { answered: number; total: number };
  trial: TTrialView | null;
  /** The trial after this one, for preloading its images. */
  next: TTrialView | null;
  completion: TCompletion | null;
};

export const CHECK_KEY = 'check';

type TStudy = NonNullable<Awaited<ReturnType<typeof repo.findStudyBySlug>>>;

async function studyBySlug(slug: string, opts: { preview?: boolean } = {}): Promise<TStudy> {
  const s = await repo.findStudyBySlug(slug);
  // a draft is visible to its researchers' previews only; to everyone else it does not exist
  if (!s || (s.status === 'draft' && !opts.preview)) throw new AppError('NOT_FOUND', 'This study link is not valid. Check the link you were given.');
  return s;
}

const criteriaOf = (s: TStudy) => JSON.parse(s.criteria) as TCriterion[];

export async function publicStudy(slug: string, opts: { preview?: boolean } = {}): Promise<TPublicStudy> {
  const s = await studyBySlug(slug, opts);
  return {
    slug: s.slug,
    consentText: s.consentText,
    instructionsText: s.instructionsText,
    questions: criteriaOf(s).map((c) => ({ key: c.key, text: c.question })),
    allowTie: s.allowTie,
    trials: s.trialsPerParticipant + s.instructedChecks + s.goldChecks,
    accepting: isAccepting(s) || !!opts.preview,
    prolific: !!s.prolificCode,
  };
}

export const ZStart = z.object({
  consent: z.literal(true, { error: 'the participant must agree to take part' }),
  prolific: z
    .object({
      pid: z.string().trim().regex(/^[A-Za-z0-9]{1,64}$/, 'PROLIFIC_PID must be letters and digits'),
      studyId: z.string().trim().max(64).optional(),
      sessionId: z.string().trim().max(64).optional(),
    })
    .optional(),
});
export type TStart = z.infer<typeof ZStart>;

let blankBytes: Promise<Buffer> | null = null;
/** The obviously worse side of a gold pair: a plain light-grey picture, stored like any image. */
async function blankImage(): Promise<string> {
  blankBytes ??= sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 200, g: 200, b: 200 } } })
    .webp({ lossless: true })
    .toBuffer();
  return (await artifactStore().put(await blankBytes)).sha256;
}

const secureRandom = () => crypto.randomBytes(6).readUIntBE(0, 6) / 2 ** 48;

/**
 * Starts (or resumes) a participant's session: returns the secret session token the participant
 * keeps (cookie or bearer). A Prolific participant who comes back from another browser resumes
 * the same session; a token this study issued resumes too.
 */
export async function startSession(slug: string, input: TStart, opts: { existingToken?: string | null; preview?: boolean } = {}): Promise<{ token: string; resumed: boolean }> {
  const s = await studyBySlug(slug, opts);
  if (opts.existingToken) {
    const p = await repo.findParticipantByToken(hashToken(opts.existingToken));
    if (p && p.studyId === s.id) return { token: opts.existingToken, resumed: true };
  }
  if (input.prolific) {
    const p = await repo.findParticipantByProlific(s.id, input.prolific.pid);
    if (p) {
      const token = randomToken();
      await repo.rotateParticipantToken(p.id, hashToken(token));
      return { token, resumed: true };
    }
  }
  if (!opts.preview) {
    if (!isAccepting(s)) throw new AppError('CONFLICT', s.status === 'closed' ? 'This study has closed. Thank you for your interest.' : 'This study is not open at the moment.');
    if (s.quota !== null && (await repo.countCompleted(s.id)) >= s.quota) throw new AppError('CONFLICT', 'This study already has all the participants it needs. Thank you for your interest.');
  }

  const items = await repo.studyItems(s.id);
  const arms = s.arms.map((a) => a.id);
  const coverage = new Map<string, number>();
  for (const t of await repo.comparisonCoverage(s.id)) {
    if (!t.itemId || !t.leftArmId || !t.rightArmId) continue;
    const k = comboKey(t.itemId, t.leftArmId, t.rightArmId);
    coverage.set(k, (coverage.get(k) ?? 0) + 1);
  }
  let pairVotes: Map<string, { a: number; b: number; ties: number }> | undefined;
  if (s.policy === 'adaptive') {
    pairVotes = new Map();
    for (const v of await repo.comparisonAnswers(s.id, criteriaOf(s)[0].key)) {
      const { leftArmId: l, rightArmId: r } = v.trial;
      if (!l || !r) continue;
      const key = pairKey(l, r);
      const cur = pairVotes.get(key) ?? { a: 0, b: 0, ties: 0 };
      // "a" is the arm whose id sorts first in the key
      if (v.choice === 'tie') cur.ties++;
      else if ((v.choice === 'left' ? l : r) === key.split('|')[0]) cur.a++;
      else cur.b++;
      pairVotes.set(key, cur);
    }
  }
  const plan = planSession({
    arms,
    items: items.map((i) => i.id),
    comparisons: s.trialsPerParticipant,
    instructed: s.instructedChecks,
    gold: s.goldChecks,
    policy: s.policy as 'balanced' | 'adaptive',
    coverage,
    pairVotes,
    random: secureRandom,
  });
  const itemImages = new Map(items.map((i) => [i.id, JSON.parse(i.images) as Record<string, { webpSha256: string }>]));
  const blank = plan.some((t) => t.kind === 'gold') ? await blankImage() : '';
  const trials: repo.TNewTrial[] = plan.map((t, position) => {
    const imgs = itemImages.get(t.itemId)!;
    const base = { position, token: randomToken(), itemId: t.itemId, leftImageToken: randomToken(), rightImageToken: randomToken() };
    if (t.kind === 'gold') {
      const real = imgs[t.arm].webpSha256;
      const left = t.realSide === 'left';
      return { ...base, kind: 'gold', leftArmId: left ? t.arm : null, rightArmId: left ? null : t.arm, leftSha256: left ? real : blank, rightSha256: left ? blank : real, expected: t.realSide };
    }
    return {
      ...base,
      kind: t.kind,
      leftArmId: t.leftArm,
      rightArmId: t.rightArm,
      leftSha256: imgs[t.leftArm].webpSha256,
      rightSha256: imgs[t.rightArm].webpSha256,
      expected: t.kind === 'instructed' ? t.expected : null,
    };
  });
  const token = randomToken();
  try {
    await repo.insertParticipant({
      studyId: s.id,
      tokenHash: hashToken(token),
      pseudonym: `P-${randomToken(6)}`,
      preview: !!opts.preview,
      prolificPid: input.prolific?.pid ?? null,
      prolificStudyId: input.prolific?.studyId ?? null,
      prolificSessionId: input.prolific?.sessionId ?? null,
      trials,
    });
  } catch (err) {
    // two tabs of the same Prolific participant starting at once: the second resumes the first
    if (input.prolific && (err as { code?: string }).code === 'P2002') return startSession(slug, input, { ...opts, existingToken: null });
    throw err;
  }
  return { token, resumed: false };
}

async function participantFor(s: TStudy, token: string | null | undefined) {
  if (!token) throw new AppError('UNAUTHORIZED', 'No study session: start the study from its link.');
  const p = await repo.findParticipantByToken(hashToken(token));
  if (!p || p.studyId !== s.id) throw new AppError('UNAUTHORIZED', 'This study session is not valid any more: open the study link again to resume.');
  return p;
}

const CHECK_QUESTION = { left: 'Attention check: please choose the image on the LEFT.', right: 'Attention check: please choose the image on the RIGHT.' };

type TTrialRow = Awaited<ReturnType<typeof repo.participantTrials>>[number];

function trialView(s: TStudy, t: TTrialRow, prompt: string): TTrialView {
  const choices: TTrialView['choices'] = s.allowTie && t.kind !== 'instructed' ? ['left', 'right', 'tie'] : ['left', 'right'];
  const questions =
    t.kind === 'instructed'
      ? [{ key: CHECK_KEY, text: CHECK_QUESTION[t.expected as 'left' | 'right'] }]
      : t.kind === 'gold'
        ? [{ key: CHECK_KEY, text: criteriaOf(s)[0].question }]
        : criteriaOf(s).map((c) => ({ key: c.key, text: c.question }));
  return {
    token: t.token,
    position: t.position,
    prompt,
    questions,
    choices,
    images: { left: `/api/s/${s.slug}/img/${t.leftImageToken}`, right: `/api/s/${s.slug}/img/${t.rightImageToken}` },
  };
}

function completionOf(s: TStudy): TCompletion {
  return s.prolificCode ? { code: s.prolificCode, redirectUrl: `https://app.prolific.com/submissions/complete?cc=${encodeURIComponent(s.prolificCode)}` } : { code: null, redirectUrl: null };
}

export async function sessionState(slug: string, token: string | null | undefined, opts: { preview?: boolean } = {}): Promise<TSessionState> {
  const s = await studyBySlug(slug, opts);
  return stateOf(s, await participantFor(s, token));
}

/** The state of a participant already found (an answer's reply needs no second lookup of the study and session). */
async function stateOf(s: TStudy, p: { id: string; status: string }): Promise<TSessionState> {
  const trials = await repo.participantTrials(p.id);
  const answered = trials.filter((t) => t.answeredAt).length;
  const idx = trials.findIndex((t) => !t.answeredAt);
  // the last answer completes the session in the same transaction, so all answered means completed
  const completed = p.status === 'completed' || idx < 0;
  const view = async (t: TTrialRow | undefined) => (t ? trialView(s, t, (await repo.findItem(t.itemId!))?.prompt ?? '') : null);
  return {
    status: completed ? 'completed' : 'active',
    progress: { answered, total: trials.length },
    trial: idx < 0 ? null : await view(trials[idx]),
    next: idx < 0 ? null : await view(trials[idx + 1]),
    completion: completed ? completionOf(s) : null,
  };
}

export const ZAnswer = z.object({
  idempotencyKey: z.string().min(8).max(100),
  answers: z
    .array(
      z.object({
        key: z.string().min(1).max(40),
        choice: z.enum(['left', 'right', 'tie']),
        responseMs: z.number().int().min(0).max(3_600_000),
      }),
    )
    .min(1)
    .max(10),
});
export type TAnswer = z.infer<typeof ZAnswer>;

export type TAnswerResult = { duplicate: boolean; answers: { key: string; choice: string }[]; state: TSessionState };

function verdictFor(s: TStudy, trials: TTrialRow[]) {
  const first = criteriaOf(s)[0].key;
  const answered: TAnsweredTrial[] = trials
    .filter((t) => t.votes.length)
    .map((t) => {
      const v = t.votes.find((x) => x.criterion === (t.kind === 'comparison' ? first : CHECK_KEY)) ?? t.votes[0];
      return { kind: t.kind as TAnsweredTrial['kind'], expected: (t.expected as 'left' | 'right' | null) ?? null, choice: v.choice as TAnsweredTrial['choice'], responseMs: v.responseMs };
    });
  return assessParticipant(answered, { minResponseMs: s.minResponseMs, exclusion: JSON.parse(s.exclusion) as TExclusion });
}

/**
 * Stores a trial's answers once. A repeat (double click, retry after a lost response, the back
 * button) gets the stored answer back and changes nothing. Only the session's own current trial
 * can be answered, only while the study accepts answers.
 */
export async function answerTrial(slug: string, token: string | null | undefined, trialToken: string, input: TAnswer, opts: { preview?: boolean } = {}): Promise<TAnswerResult> {
  const s = await studyBySlug(slug, opts);
  const p = await participantFor(s, token);
  const trial = await repo.findTrialByToken(trialToken);
  if (!trial || trial.studyId !== s.id) throw new AppError('NOT_FOUND', 'No such trial in this study.');
  if (trial.participantId !== p.id) throw new AppError('FORBIDDEN', 'This trial belongs to another participant session.');
  const stored = () => trial.votes.map((v) => ({ key: v.criterion, choice: v.choice }));
  if (trial.answeredAt) return { duplicate: true, answers: stored(), state: await stateOf(s, p) };
  if (!p.preview && !isAccepting(s)) throw new AppError('CONFLICT', 'This study is closed and accepts no more answers. Thank you for taking part.');

  const trials = await repo.participantTrials(p.id);
  const current = trials.find((t) => !t.answeredAt);
  if (current?.id !== trial.id) throw new AppError('CONFLICT', 'Answer the trials in order: this is not the current one. Reload the page to continue.');
  const view = trialView(s, trial as TTrialRow, '');
  const expectedKeys = view.questions.map((q) => q.key).sort();
  const givenKeys = input.answers.map((a) => a.key).sort();
  if (JSON.stringify(expectedKeys) !== JSON.stringify(givenKeys)) throw new AppError('BAD_REQUEST', `Answer each question of this trial once (${expectedKeys.join(', ')}).`);
  for (const a of input.answers) if (!view.choices.includes(a.choice)) throw new AppError('BAD_REQUEST', `"${a.choice}" is not an answer this trial offers (${view.choices.join(', ')}).`);

  const result = await repo.storeAnswers({
    trialId: trial.id,
    studyId: s.id,
    participantId: p.id,
    idempotencyKey: input.idempotencyKey,
    votes: input.answers.map((a) => ({ criterion: a.key, choice: a.choice, responseMs: a.responseMs })),
    complete: (all) => {
      const q = verdictFor(s, all as TTrialRow[]);
      return { flags: JSON.stringify({ ...q }), excluded: q.excluded };
    },
  });
  if (!result.stored) {
    // a concurrent submit of the same trial won: return what it stored
    const again = await repo.findTrialByToken(trialToken);
    return { duplicate: true, answers: (again?.votes ?? []).map((v) => ({ key: v.criterion, choice: v.choice })), state: await stateOf(s, p) };
  }
  return { duplicate: false, answers: input.answers.map((a) => ({ key: a.key, choice: a.choice })), state: await stateOf(s, p) };
}

/** The bytes of a trial image, by its token alone (a capability URL: nothing else names the image). */
export async function trialImage(slug: string, imageToken: string): Promise<Buffer> {
  const s = await repo.findStudyBySlug(slug);
  const t = await repo.findTrialByImageToken(imageToken);
  if (!s || !t || t.studyId !== s.id) throw new AppError('NOT_FOUND', 'No such image.');
  return artifactStore().read(t.leftImageToken === imageToken ? t.leftSha256 : t.rightSha256);
}
