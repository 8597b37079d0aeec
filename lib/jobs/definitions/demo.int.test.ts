import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../db';
import { TextToImagePipeline } from '../../inference/pipeline';
import { FIXTURE_MODEL_NAME, SHAPES_MODEL_NAME, seedBuiltInModels, seedDemo } from '../../models/seed';
import { getModelView, listModelViews } from '../../models/service';
import { getStudy } from '../../studies/service';
import { createTestDatabase, testProviders, type TTestDatabase } from '../../testing/databases';
import { waitFor } from '../../testing/wait';
import { testWorker } from '../../testing/worker';
import { cancelJob, enqueueJob, getJobView, listJobViews } from '../service';
import { compressJob, sensitivityJob } from './compress';
import { DEMO_JOB, DEMO_PRIORITY, demoPipeline, demoStatus, type TDemoOptions } from './demo';
import { generateJob } from './generate';
import { scoreJob } from './score';

/** The whole chain on the shipped shapes model, sized down so it takes seconds. */
const TINY: Partial<TDemoOptions> = { prompts: 6, imagesPerPrompt: 1, steps: 2, calibrationSamples: 2, latencySteps: 0, pruneBlocks: 2 };
const ADMIN = { id: 'test-admin', role: 'admin' as const };

/** Runs a worker with the demo's job types until `done` says so. */
async function runWorkerUntil(done: () => Promise<boolean>, concurrency = 1): Promise<void> {
  const w = testWorker([demoPipeline, compressJob, sensitivityJob, generateJob, scoreJob], { concurrency });
  void w.start();
  try {
    await waitFor(done, { timeoutMs: 150_000, intervalMs: 200, what: 'the demo to finish' });
  } finally {
    await w.stop();
  }
}

async function counts() {
  const prisma = await db();
  const [variants, runs, images, scores, studies, jobs] = await Promise.all([
    prisma.modelVariant.count(),
    prisma.generationRun.count(),
    prisma.generatedImage.count(),
    prisma.scoreResult.count(),
    prisma.study.count(),
    prisma.job.count({ where: { type: { not: DEMO_JOB } } }),
  ]);
  return { variants, runs, images, scores, studies, jobs };
}

// SQLite only: the demo is what npm start builds on its embedded default, and the queue, studies and
// generation it drives are tested on both databases in their own files; this chain is the suite's slowest test.
describe.each(testProviders().filter((p) => p === 'sqlite'))('the demo npm start builds, on %s', (provider) => {
  let database: TTestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
  });
  afterAll(async () => {
    await TextToImagePipeline.releaseAll();
    await database?.drop();
  });

  // the whole chain runs through the queue: a budget for a loaded 2-core machine, not a speed check
  it('compresses the shapes model six ways, generates, scores and opens a demo study, with no votes', async () => {
    expect(await seedDemo(TINY)).toBe('no-model');
    expect(await seedBuiltInModels()).toEqual([SHAPES_MODEL_NAME, FIXTURE_MODEL_NAME]);
    expect(await seedBuiltInModels()).toEqual([]);
    // the fixture's component sensitivity is for its model page, not the demo: keep the test short
    for (const j of await listJobViews({ type: 'sensitivity' })) await cancelJob(j.id, ADMIN);
    expect(await seedDemo(TINY)).toBe('queued');
    expect(await seedDemo(TINY)).toBe('exists');
    expect(await demoStatus()).toMatchObject({ state: 'preparing' });

    // two slots, so rounds also meet children still running and wait for them
    await runWorkerUntil(async () => (await demoStatus()).state !== 'preparing', 2);
    const status = await demoStatus();
    expect(status, JSON.stringify(status)).toMatchObject({ state: 'ready' });
    if (status.state !== 'ready') return;

    const model = (await getModelView((await listModelViews()).find((m) => m.name === SHAPES_MODEL_NAME)!.id))!;
    const byName = Object.fromEntries(model.variants.map((v) => [v.name, v]));
    expect(Object.keys(byName).sort()).toEqual(['early-2', 'hp', 'hp-recon', 'hp-recon-int4', 'int4', 'late-2', 'original']);
    const report = (name: string) => byName[name].report as { removed: { block: number }[]; reconstruction: unknown; int4: unknown };
    const removed = (name: string) => report(name).removed.map((r) => r.block).sort((a, b) => a - b);
    expect(removed('late-2')).toEqual([4, 5]);
    expect(removed('early-2')).toEqual([0, 1]);
    // HierarchicalPrune cuts as many blocks, never the protected first two
    expect(removed('hp')).toHaveLength(2);
    expect(Math.min(...removed('hp'))).toBeGreaterThanOrEqual(2);
    for (const v of ['hp-recon', 'hp-recon-int4']) expect(removed(v)).toEqual(removed('hp'));
    expect(report('hp').reconstruction).toBeNull();
    expect(report('hp-recon').reconstruction).toMatchObject({ spans: expect.any(Array) });
    expect(report('hp-recon-int4').int4).not.toBeNull();
    expect(removed('int4')).toEqual([]);
    expect(report('int4').int4).not.toBeNull();
    for (const v of Object.keys(byName)) if (v !== 'original') expect(byName[v].parentId).toBe(byName.original.id);

    const prisma = await db();
    const runs = await prisma.generationRun.findMany({ include: { images: true, scores: true } });
    expect(runs).toHaveLength(7);
    for (const run of runs) {
      expect(run).toMatchObject({ promptSet: 'shapes', steps: 2, imagesPerPrompt: 1 });
      expect(run.images).toHaveLength(6);
      expect(run.scores.map((s) => s.scorer).sort()).toEqual(['geneval', 'hps']);
      // GenEval here is the shapes world's own detector, exact for its images; HPS is the fixture scorer
      expect(run.scores.find((s) => s.scorer === 'geneval')).toMatchObject({ fixture: false, version: expect.stringContaining('shapes-moments') });
      expect(run.scores.find((s) => s.scorer === 'hps')!.fixture).toBe(true);
    }
    // the same seed everywhere, so every variant's images pair up with the original's
    expect(new Set(runs.map((r) => r.images.map((i) => i.seed).join(','))).size).toBe(1);

    const study = (await getStudy(status.study.id, null))!;
    expect(study).toMatchObject({ demo: true, status: 'open', accepting: true, items: 6, slug: status.study.slug });
    expect(study.design.criteria).toEqual([{ key: 'overall', question: 'Which image matches its prompt better?' }]);
    expect(study.arms.map((a) => a.variantName).sort()).toEqual(['early-2', 'hp-recon-int4', 'late-2', 'original']);
    expect(status.study.participantPath).toBe(`/s/${study.slug}`);
    expect(await prisma.studyVote.count()).toBe(0);
  }, 240_000);

  it('makes nothing twice: a restart queues nothing, and running the pipeline again finds everything done', async () => {
    const before = await counts();
    expect(await seedDemo(TINY)).toBe('exists');
    const { job } = await enqueueJob(DEMO_JOB, { ...TINY, round: 100 }, { priority: DEMO_PRIORITY.round });
    await runWorkerUntil(async () => (await getJobView(job.id)).status !== 'queued' && (await getJobView(job.id)).status !== 'running');
    const again = await getJobView(job.id);
    expect(again.status, again.error ?? '').toBe('succeeded');
    expect(again.result).toMatchObject({ ready: true, queued: [], study: { slug: ((await demoStatus()) as { study: { slug: string } }).study.slug } });
    expect(await counts()).toEqual(before);
  }, 240_000);
});
