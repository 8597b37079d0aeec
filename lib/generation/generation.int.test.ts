import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactStore } from '../artifacts/store';
import { db } from '../db';
import { writeFixtureBundle } from '../fixtures/bundle';
import { TextToImagePipeline } from '../inference/pipeline';
import { generateJob } from '../jobs/definitions/generate';
import { enqueueJob } from '../jobs/service';
import { registerModel } from '../models/service';
import { createTestDatabase, testProviders, type TTestDatabase } from '../testing/databases';
import { testWorker, waitForJob } from '../testing/worker';
import { getRunView, startRun } from './service';

async function drain(jobId: string) {
  const w = testWorker([generateJob]);
  void w.start();
  const done = await waitForJob(jobId);
  await w.stop();
  return done;
}

describe.each(testProviders())('generation runs on %s', (provider) => {
  let database: TTestDatabase;
  let modelId: string;
  let variantId: string;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
    const m = await registerModel({ dir: writeFixtureBundle(path.join(database.dataDir, 'incoming', 'm'), { blocks: 2, seed: 5 }).dir, name: 'gen-fixture' });
    modelId = m.id;
    variantId = m.variants[0].id;
  });
  afterAll(async () => {
    await TextToImagePipeline.releaseAll();
    await database?.drop();
  });

  it('fills a run through the generate job: images stored with provenance, and a restart regenerates only what is missing, identically', async () => {
    const { runId, job } = await startRun(modelId, { variantId, promptSet: 'custom', customPrompts: 'a red circle\na blue square', imagesPerPrompt: 2, steps: 2, guidance: 2 }, null);
    expect((await drain(job.id)).status).toBe('succeeded');
    const run = (await getRunView(runId))!;
    expect(run.images.map((i) => `${i.promptIndex}/${i.sample}/${i.seed}`)).toEqual(['0/0/0', '0/1/1', '1/0/0', '1/1/1']);
    const prisma = await db();
    const rows = await prisma.generatedImage.findMany({ where: { runId }, orderBy: [{ promptIndex: 'asc' }, { sample: 'asc' }] });
    for (const r of rows) expect(await artifactStore().stat(r.pngSha256)).not.toBeNull();
    expect(JSON.parse(rows[0].provenance)).toMatchObject({ variant: 'original', prompt: 'a red circle', seed: 0, steps: 2, guidance: 2, provider: 'cpu' });
    expect((run.summary as { latency: { perImageMedianMs: number } }).latency.perImageMedianMs).toBeGreaterThan(0);

    // lose one image, run the job again: only that one is made, and it is the same image
    await prisma.generatedImage.delete({ where: { id: rows[3].id } });
    const again = await enqueueJob('generate', { runId });
    const done = await drain(again.job.id);
    expect(done.result).toMatchObject({ generatedThisAttempt: 1 });
    const restored = await prisma.generatedImage.findUnique({ where: { runId_promptIndex_sample: { runId, promptIndex: 1, sample: 1 } } });
    expect(restored?.pngSha256).toBe(rows[3].pngSha256);
  });

  it('refuses runs that cannot work', async () => {
    await expect(startRun(modelId, { variantId, promptSet: 'custom', customPrompts: '  \n ' }, null)).rejects.toThrow(/at least one prompt/);
    await expect(startRun('another-model', { variantId }, null)).rejects.toThrow(/does not belong/);
  });
});

describe.each(testProviders())('scoring runs on %s', (provider) => {
  let database: TTestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
  });
  afterAll(async () => {
    await TextToImagePipeline.releaseAll();
    await database?.drop();
  });

  it('scores a GenEval run with GenEval and HPS through the score job, and the model sees its latest scores', async () => {
    const { scoreJob } = await import('../jobs/definitions/score');
    const { latestScoresByVariant, startScoring } = await import('../scores/service');
    const m = await registerModel({ dir: writeFixtureBundle(path.join(database.dataDir, 'incoming', 'm'), { blocks: 2, seed: 6 }).dir, name: 'scored' });
    const { runId, job } = await startRun(m.id, { variantId: m.variants[0].id, promptSet: 'geneval', limit: 3, imagesPerPrompt: 2, steps: 2 }, null);
    const w = testWorker([generateJob, scoreJob]);
    void w.start();
    const finished = (id: string) => waitForJob(id);
    expect((await finished(job.id)).status).toBe('succeeded');
    const g = await startScoring(runId, 'geneval', null);
    const h = await startScoring(runId, 'hps', null);
    const [gd, hd] = [await finished(g.id), await finished(h.id)];
    await w.stop();
    expect(gd.status, gd.error ?? '').toBe('succeeded');
    expect(hd.status, hd.error ?? '').toBe('succeeded');
    const latest = (await latestScoresByVariant(m.id))[m.variants[0].id];
    expect(latest.geneval).toMatchObject({ scorer: 'geneval', fixture: true, images: 6 });
    expect(latest.geneval.score).toBeGreaterThanOrEqual(0);
    expect(latest.hps).toMatchObject({ scorer: 'hps', version: 'fixture', fixture: true });
    expect(latest.hps.ciLow).toBeLessThanOrEqual(latest.hps.score);
    await expect(startScoring('nope', 'hps', null)).rejects.toThrow(/No such generation run/);
  });
});
