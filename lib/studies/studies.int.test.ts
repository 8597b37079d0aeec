import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureBundle } from '../fixtures/bundle';
import { startRun } from '../generation/service';
import { TextToImagePipeline } from '../inference/pipeline';
import { generateJob } from '../jobs/definitions/generate';
import { registerModel } from '../models/service';
import { createTestDatabase, testProviders, type TTestDatabase } from '../testing/databases';
import { testWorker, waitForJob } from '../testing/worker';
import { answerTrial, sessionState, startSession, trialImage, type TSessionState, type TTrialView } from './participation';
import { exportText, studyDashboard } from './results';
import { closeStudy, createStudy, openStudy, updateStudy } from './service';

const PROMPTS = 'a red circle\na blue square\na green triangle\na yellow circle';

async function makeRun(name: string, seed: number, dataDir: string, prompts = PROMPTS) {
  const m = await registerModel({ dir: writeFixtureBundle(path.join(dataDir, 'incoming', name), { blocks: 2, seed }).dir, name });
  const { runId, job } = await startRun(m.id, { variantId: m.variants[0].id, promptSet: 'custom', customPrompts: prompts, imagesPerPrompt: 1, steps: 2, guidance: 2, seed: 7 }, null);
  const w = testWorker([generateJob]);
  void w.start();
  expect((await waitForJob(job.id)).status).toBe('succeeded');
  await w.stop();
  return { modelId: m.id, modelName: m.name, variantId: m.variants[0].id, variantName: m.variants[0].name, runId };
}

const key = () => `k-${Math.random().toString(36).slice(2)}`;

/** The side a careful participant picks: as an instructed check says, else not the blank picture of a gold pair. */
async function carefulChoice(slug: string, t: TTrialView, question: string): Promise<'left' | 'right'> {
  if (/LEFT/.test(question)) return 'left';
  if (/RIGHT/.test(question)) return 'right';
  const flat = async (url: string) => (await sharp(await trialImage(slug, url.split('/').pop()!)).stats()).channels.every((c) => c.stdev === 0);
  return (await flat(t.images.left)) ? 'right' : 'left';
}

/** Answers every remaining trial; instructed checks as told unless `failCheck`. */
async function finish(slug: string, token: string, opts: { failCheck?: boolean } = {}): Promise<TSessionState> {
  let state = await sessionState(slug, token);
  while (state.trial) {
    const t: TTrialView = state.trial;
    const told = /LEFT/.test(t.questions[0].text) ? 'left' : /RIGHT/.test(t.questions[0].text) ? 'right' : null;
    const choice = told && opts.failCheck ? (told === 'left' ? 'right' : 'left') : await carefulChoice(slug, t, t.questions[0].text);
    state = (await answerTrial(slug, token, t.token, { idempotencyKey: key(), answers: t.questions.map((q) => ({ key: q.key, choice, responseMs: 1200 })) })).state;
  }
  return state;
}

describe.each(testProviders())('studies on %s', (provider) => {
  let database: TTestDatabase;
  let a: Awaited<ReturnType<typeof makeRun>>;
  let b: Awaited<ReturnType<typeof makeRun>>;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
    a = await makeRun('study-original', 1, database.dataDir);
    b = await makeRun('study-pruned', 2, database.dataDir);
  }, 120_000);
  afterAll(async () => {
    await TextToImagePipeline.releaseAll();
    await database?.drop();
  });

  const design = () => ({
    title: 'Original vs pruned',
    arms: [
      { variantId: a.variantId, runId: a.runId },
      { variantId: b.variantId, runId: b.runId },
    ],
    criteria: [
      { key: 'alignment', question: 'Which image matches the text better?' },
      { key: 'overall', question: 'Which image looks better?' },
    ],
    trialsPerParticipant: 4,
    instructedChecks: 1,
    goldChecks: 1,
    prolificCode: 'C0DE42',
  });

  it('pairs runs by prompt and seed, refuses runs that share none, and checks the design before opening', async () => {
    const s = await createStudy(design(), null);
    expect(s).toMatchObject({ status: 'draft', items: 4, comparisons: 4 });
    const other = await makeRun('study-other-prompts', 3, database.dataDir, 'a purple dog');
    await expect(createStudy({ ...design(), arms: [design().arms[0], { variantId: other.variantId, runId: other.runId }] }, null)).rejects.toThrow(/share no prompt and seed/);
    await expect(createStudy({ ...design(), arms: [design().arms[0]] }, null)).rejects.toThrow(/at least two variants/);
    await expect(createStudy({ ...design(), arms: [{ variantId: a.variantId, runId: b.runId }, design().arms[1]] }, null)).rejects.toThrow(/does not belong to that variant/);
    await updateStudy(s.id, { trialsPerParticipant: 9 }, null);
    await expect(openStudy(s.id, null)).rejects.toThrow(/only 4/);
  });

  it('runs a participant from consent to the completion code, blind, once per trial', async () => {
    const s = await createStudy(design(), null);
    await expect(startSession(s.slug, { consent: true })).rejects.toThrow(/not valid/);
    await openStudy(s.id, null);
    await expect(updateStudy(s.id, { criteria: [{ key: 'overall', question: 'Which is nicer?' }] }, null)).rejects.toThrow(/criteria can no longer change/);
    await updateStudy(s.id, { quota: 50 }, null);

    const { token } = await startSession(s.slug, { consent: true, prolific: { pid: 'PID123', studyId: 'S1', sessionId: 'X1' } });
    let state = await sessionState(s.slug, token);
    expect(state.progress).toEqual({ answered: 0, total: 6 });
    expect(state.trial && state.next).toBeTruthy();

    // nothing a participant receives names a model, variant, run, image or file
    const secrets = [a, b].flatMap((x) => [x.modelId, x.modelName, x.variantId, x.variantName, x.runId]);
    const seen: string[] = [];
    while (state.trial) {
      seen.push(JSON.stringify(state));
      const t = state.trial;
      expect(t.images.left).toMatch(new RegExp(`^/api/s/${s.slug}/img/[A-Za-z0-9_-]{22}$`));
      const bytes = await trialImage(s.slug, t.images.left.split('/').pop()!);
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('webp');
      expect(meta.exif ?? meta.xmp ?? meta.icc ?? meta.iptc).toBeUndefined();
      const answers = await Promise.all(t.questions.map(async (q) => ({ key: q.key, choice: await carefulChoice(s.slug, t, q.text), responseMs: 900 })));
      const first = await answerTrial(s.slug, token, t.token, { idempotencyKey: 'same-key', answers });
      expect(first.duplicate).toBe(false);
      // a double submit, and a back-button resubmit with another answer: the stored answer comes back
      const again = await answerTrial(s.slug, token, t.token, { idempotencyKey: 'same-key', answers });
      const flipped = await answerTrial(s.slug, token, t.token, { idempotencyKey: 'other', answers: answers.map((x) => ({ ...x, choice: x.choice === 'left' ? 'right' : 'left' })) });
      expect(again.duplicate && flipped.duplicate).toBe(true);
      expect(flipped.answers).toEqual(answers.map(({ key, choice }) => ({ key, choice })));
      state = first.state;
    }
    for (const text of seen) for (const secret of secrets) expect(text).not.toContain(secret);
    expect(state.status).toBe('completed');
    expect(state.completion).toEqual({ code: 'C0DE42', redirectUrl: 'https://app.prolific.com/submissions/complete?cc=C0DE42' });

    // the same Prolific participant coming back in another browser resumes the finished session
    const back = await startSession(s.slug, { consent: true, prolific: { pid: 'PID123' } });
    expect(back.resumed).toBe(true);
    expect((await sessionState(s.slug, back.token)).completion?.code).toBe('C0DE42');

    const dash = await studyDashboard(s.id, null);
    expect(dash.participants).toMatchObject({ started: 1, completed: 1, flagged: 0, excluded: 0 });
    // 4 comparisons x 2 criteria count; checks do not
    expect(dash.votes).toBe(8);
    expect(dash.pairs.reduce((n, p) => n + p.votes, 0)).toBe(8);
    let csv = '';
    for await (const chunk of exportText(s.id, 'csv', null)) csv += chunk;
    const lines = csv.trim().split('\n');
    // one row per answer: 4 comparisons x 2 questions + 2 checks
    expect(lines).toHaveLength(1 + 10);
    expect(lines[0]).toBe('vote_id,participant,participant_status,excluded,flags,trial,trial_kind,prompt,seed,criterion,left_variant,right_variant,answer,winner,expected,response_ms,answered_at');
    expect(csv).not.toContain('PID123');
    let jsonl = '';
    for await (const chunk of exportText(s.id, 'jsonl', null)) jsonl += chunk;
    expect(jsonl.trim().split('\n').map((l) => JSON.parse(l).vote_id)).toEqual(lines.slice(1).map((l) => l.split(',')[0]));
  });

  it("refuses another session's trial, answers out of order, wrong questions, and votes once the study is closed", async () => {
    const s = await createStudy({ ...design(), prolificCode: null }, null);
    await openStudy(s.id, null);
    const one = await startSession(s.slug, { consent: true });
    const two = await startSession(s.slug, { consent: true });
    const t1 = (await sessionState(s.slug, one.token)).trial!;
    const t2next = (await sessionState(s.slug, two.token)).next!;
    const ans = (t: TTrialView) => ({ idempotencyKey: key(), answers: t.questions.map((q) => ({ key: q.key, choice: 'left' as const, responseMs: 1000 })) });
    await expect(answerTrial(s.slug, two.token, t1.token, ans(t1))).rejects.toThrow(/another participant session/);
    await expect(answerTrial(s.slug, two.token, t2next.token, ans(t2next))).rejects.toThrow(/in order/);
    await expect(answerTrial(s.slug, one.token, t1.token, { idempotencyKey: key(), answers: [{ key: 'nope', choice: 'left', responseMs: 5 }] })).rejects.toThrow(/each question/);
    await expect(answerTrial(s.slug, 'not-a-token', t1.token, ans(t1))).rejects.toThrow(/not valid/);
    await closeStudy(s.id, null);
    await expect(answerTrial(s.slug, one.token, t1.token, ans(t1))).rejects.toThrow(/closed/);
    await expect(startSession(s.slug, { consent: true })).rejects.toThrow(/closed/);
    expect((await studyDashboard(s.id, null)).votes).toBe(0);
  });

  it('flags a failed attention check, and excludes by the study rules', async () => {
    const s = await createStudy({ ...design(), instructedChecks: 2, goldChecks: 0, exclusion: { failedChecks: 2, fastShare: null, sameSideShare: null } }, null);
    await openStudy(s.id, null);
    const careless = await startSession(s.slug, { consent: true });
    expect((await finish(s.slug, careless.token, { failCheck: true })).status).toBe('completed');
    const careful = await startSession(s.slug, { consent: true });
    await finish(s.slug, careful.token);
    const dash = await studyDashboard(s.id, null);
    expect(dash.participants).toMatchObject({ started: 2, completed: 2, flagged: 1, excluded: 1 });
    const flagged = dash.people.find((p) => p.excluded)!;
    expect(flagged.flags).toEqual(['failed 2 of 2 attention checks']);
    // only the careful participant's 4 comparisons x 2 criteria count
    expect(dash.votes).toBe(8);
  });

  it('balances comparisons over participants', async () => {
    const s = await createStudy({ ...design(), trialsPerParticipant: 2, instructedChecks: 0, goldChecks: 0 }, null);
    await openStudy(s.id, null);
    const prompts: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { token } = await startSession(s.slug, { consent: true });
      let st = await sessionState(s.slug, token);
      while (st.trial) {
        prompts.push(st.trial.prompt);
        st = (await answerTrial(s.slug, token, st.trial.token, { idempotencyKey: key(), answers: st.trial.questions.map((q) => ({ key: q.key, choice: 'right', responseMs: 800 })) })).state;
      }
    }
    // 4 comparisons available, 2 participants x 2: every prompt exactly once
    expect(prompts.sort()).toEqual(PROMPTS.split('\n').sort());
  });
});
