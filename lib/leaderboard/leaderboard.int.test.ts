import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureBundle } from '../fixtures/bundle';
import { startRun } from '../generation/service';
import { TextToImagePipeline } from '../inference/pipeline';
import { generateJob } from '../jobs/definitions/generate';
import { addCompressedVariant, registerModel } from '../models/service';
import { saveScore } from '../scores/service';
import { answerTrial, hashToken, sessionState, startSession } from '../studies/participation';
import * as studyRepo from '../studies/repository';
import { createStudy, openStudy } from '../studies/service';
import { createTestDatabase, testProviders, type TTestDatabase } from '../testing/databases';
import { testWorker, waitForJob } from '../testing/worker';
import { buildLeaderboard, currentLeaderboard } from './service';
import { CSV_COLUMNS, diffLeaderboards, getSnapshot, leaderboardCsv, publishSnapshot } from './snapshots';

const PROMPTS = 'a red circle\na blue square\na green triangle\na yellow circle';

async function run(modelId: string, variantId: string) {
  const { runId, job } = await startRun(modelId, { variantId, promptSet: 'custom', customPrompts: PROMPTS, imagesPerPrompt: 1, steps: 2, guidance: 2, seed: 3 }, null);
  const w = testWorker([generateJob]);
  void w.start();
  expect((await waitForJob(job.id)).status).toBe('succeeded');
  await w.stop();
  return runId;
}

/** One participant who prefers the parent's image with probability `p` (decided per trial from the server's record of sides). */
async function participant(slug: string, parentVariant: string, armVariant: Map<string, string>, prefersParent: boolean[]) {
  const { token } = await startSession(slug, { consent: true });
  const p = (await studyRepo.findParticipantByToken(hashToken(token)))!;
  const trials = await studyRepo.participantTrials(p.id);
  let state = await sessionState(slug, token);
  for (let i = 0; state.trial; i++) {
    const t = trials.find((x) => x.token === state.trial!.token)!;
    const parentLeft = armVariant.get(t.leftArmId!) === parentVariant;
    const choice = prefersParent[i % prefersParent.length] === parentLeft ? 'left' : 'right';
    state = (await answerTrial(slug, token, t.token, { idempotencyKey: `k${i}-${token}`, answers: [{ key: 'overall', choice, responseMs: 1500 }] })).state;
  }
}

describe.each(testProviders())('the leaderboard on %s', (provider) => {
  let database: TTestDatabase;
  let ids: { modelId: string; parent: string; child: string; parentRun: string; childRun: string };
  beforeAll(async () => {
    database = await createTestDatabase(provider);
    const m = await registerModel({ dir: writeFixtureBundle(path.join(database.dataDir, 'incoming', 'lb'), { blocks: 2, seed: 1 }).dir, name: 'lb-model' });
    const parent = m.variants[0].id;
    const child = await addCompressedVariant({ parentId: parent, name: 'hp-80-int4', dir: writeFixtureBundle(path.join(database.dataDir, 'incoming', 'lb-child'), { blocks: 1, seed: 2 }).dir, recipe: { budget: 0.8, protectFirst: 1, int4: { blockSize: 64 } }, report: {}, jobId: 'test-job-lb' });
    ids = { modelId: m.id, parent, child: child.id, parentRun: await run(m.id, parent), childRun: '' };
    ids.childRun = await run(m.id, child.id);
    const tasks = (score: number) => ['single_object', 'two_object', 'counting', 'colors', 'position', 'color_attr'].map((tag) => ({ tag, score }));
    await saveScore({ runId: ids.parentRun, scorer: 'geneval', version: '1.0.0+pixel-lab', fixture: false, score: 0.7, ciLow: 0.6, ciHigh: 0.8, report: { tasks: tasks(0.7) }, jobId: 'test-score-1' });
    await saveScore({ runId: ids.childRun, scorer: 'geneval', version: '1.0.0+pixel-lab', fixture: false, score: 0.6, ciLow: 0.5, ciHigh: 0.7, report: { tasks: tasks(0.6) }, jobId: 'test-score-2' });
    await saveScore({ runId: ids.childRun, scorer: 'hps', version: 'v2.1', fixture: false, score: 27.5, ciLow: 27, ciHigh: 28, report: {}, jobId: 'test-score-3' });
  }, 120_000);
  afterAll(async () => {
    await TextToImagePipeline.releaseAll();
    await database?.drop();
  });

  it('joins footprint, latency, scores, human ratings and degradation per variant, and snapshots it immutably', async () => {
    const empty = await buildLeaderboard({ bootstrap: 50 });
    expect(empty.rows).toHaveLength(2);
    expect(empty.human.votes).toBe(0);
    expect(empty.rows.every((r) => r.human === null && r.degradation === null)).toBe(true);

    const study = await createStudy(
      { title: 'lb study', arms: [{ variantId: ids.parent, runId: ids.parentRun }, { variantId: ids.child, runId: ids.childRun }], trialsPerParticipant: 4, instructedChecks: 0, goldChecks: 0 },
      null,
    );
    await openStudy(study.id, null);
    const armVariant = new Map(study.arms.map((a) => [a.id, a.variantId]));
    // 6 people, 4 votes each, who differ (4, 3 and 2 votes for the parent, twice): 18 of 24 prefer the parent
    const patterns = [[true, true, true, true], [true, true, false, true], [true, false, false, true]];
    for (let i = 0; i < 6; i++) await participant(study.slug, ids.parent, armVariant, patterns[i % 3]);

    const data = await buildLeaderboard({ bootstrap: 200, seed: 1 });
    const parent = data.rows.find((r) => r.variantId === ids.parent)!;
    const child = data.rows.find((r) => r.variantId === ids.child)!;
    expect(child.parent).toEqual({ variantId: ids.parent, name: 'original' });
    expect(child.recipe).toBe('HierarchicalPrune to 80% of parameters, first 1 blocks protected, INT4/64');
    expect(child.weightBytes).toBeLessThan(parent.weightBytes);
    expect(parent.latency?.perImageMs).toBeGreaterThan(0);
    expect(parent.latency?.hardware).toMatch(/\d+ x /);
    expect(parent.geneval).toMatchObject({ value: 0.7, ciLow: 0.6, ciHigh: 0.8, images: 4 });
    expect(parent.geneval?.tasks.counting).toBe(0.7);
    expect(child.hps).toMatchObject({ value: 27.5, version: 'v2.1' });
    expect(parent.hps).toBeNull();
    // 24 votes, 18 for the parent: BT difference = 400/ln10 x ln(18/6); mean 1000
    expect(data.human.votes).toBe(24);
    const diff = (400 / Math.LN10) * Math.log(3);
    expect(parent.human!.value).toBeCloseTo(1000 + diff / 2, 6);
    expect(child.human!.value).toBeCloseTo(1000 - diff / 2, 6);
    expect(parent.human!.ciLow!).toBeLessThan(parent.human!.value);
    expect(parent.human!.ciHigh!).toBeGreaterThan(parent.human!.value);
    expect(parent.human!.votes).toBe(24);
    expect(child.degradation).toMatchObject({ value: 0.75, votes: 24 });
    expect(child.degradation!.ciLow!).toBeLessThan(0.75);
    expect(parent.degradation).toBeNull();
    expect(data.human.winRates.winRate.flat().filter((x) => x !== null).sort()).toEqual([0.25, 0.75]);
    expect(data.human.votesOverTime.at(-1)?.votes).toBe(24);
    expect(parent.demo || child.demo).toBe(false);

    const snap = await publishSnapshot({ title: 'Table 2' }, null);
    expect((await getSnapshot(snap.id))!.data.rows.map((r) => r.human?.value)).toEqual(snap.data.rows.map((r) => r.human?.value));
    await participant(study.slug, ids.parent, armVariant, [false]);
    const later = await buildLeaderboard({ bootstrap: 50 });
    // the snapshot still shows what it showed; the live view says what moved
    expect((await getSnapshot(snap.id))!.data.human.votes).toBe(24);
    const d = diffLeaderboards(snap.data, later);
    expect(d.added).toEqual([]);
    expect(d.changed.find((c) => c.variantId === ids.parent)?.changes.join(' ')).toMatch(/votes 24 → 28/);

    // pages share one built table until something it depends on changes
    const shown = await currentLeaderboard();
    expect(await currentLeaderboard()).toBe(shown);
    await participant(study.slug, ids.parent, armVariant, [true]);
    const moved = await currentLeaderboard();
    expect(moved).not.toBe(shown);
    expect(moved.human.votes).toBe(shown.human.votes + 4);

    const csv = leaderboardCsv(later).trim().split('\n');
    expect(csv[0]).toBe(CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(3);
  });
});
