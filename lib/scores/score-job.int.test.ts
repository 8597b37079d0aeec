import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../db';
import { resetEnvForTests } from '../env';
import { writeFixtureBundle } from '../fixtures/bundle';
import { startRun } from '../generation/service';
import { TextToImagePipeline } from '../inference/pipeline';
import { generateJob } from '../jobs/definitions/generate';
import { scoreJob } from '../jobs/definitions/score';
import { registerModel } from '../models/service';
import { writeColourClipFixture } from '../scoring/colour-clip-fixture';
import { createTestDatabase, testProviders, type TTestDatabase } from '../testing/databases';
import { testWorker, waitForJob } from '../testing/worker';
import { startScoring } from './service';

async function drain(jobId: string) {
  const w = testWorker([generateJob, scoreJob]);
  void w.start();
  const done = await waitForJob(jobId);
  await w.stop();
  return done;
}

const setClipDir = (dir: string | undefined) => {
  if (dir === undefined) delete process.env.GENEVAL_CLIP_DIR;
  else process.env.GENEVAL_CLIP_DIR = dir;
  resetEnvForTests();
};

describe.each(testProviders())('GenEval score jobs on %s', (provider) => {
  let database: TTestDatabase;
  let runId: string;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
    const m = await registerModel({ dir: writeFixtureBundle(path.join(database.dataDir, 'incoming', 'm'), { blocks: 2, seed: 7 }).dir, name: 'colour-scored' });
    const started = await startRun(m.id, { variantId: m.variants[0].id, promptSet: 'geneval', limit: 2, imagesPerPrompt: 1, steps: 2 }, null);
    runId = started.runId;
    expect((await drain(started.job.id)).status).toBe('succeeded');
  });
  afterEach(() => setClipDir(undefined));
  afterAll(async () => {
    await TextToImagePipeline.releaseAll();
    await database?.drop();
  });

  it('judge colours with the CLIP folder in GENEVAL_CLIP_DIR, and store which classifier ran', async () => {
    setClipDir(writeColourClipFixture(path.join(database.dataDir, 'colour-clip')).dir);
    const job = await startScoring(runId, 'geneval', null);
    const done = await drain(job.id);
    expect(done.status, done.error ?? '').toBe('succeeded');
    const prisma = await db();
    const row = await prisma.scoreResult.findUniqueOrThrow({ where: { jobId: job.id } });
    expect(row.version).toBe('1.0.0+clip:prunearena/colour-clip-fixture');
    expect(row.fixture).toBe(true);
    expect(JSON.parse(row.report).colourClassifier).toMatchObject({ id: 'clip:prunearena/colour-clip-fixture', kind: 'clip' });
  });

  it('fail for good, naming the variable, when GENEVAL_CLIP_DIR is not a CLIP folder', async () => {
    setClipDir(path.join(database.dataDir, 'no-such-clip'));
    const job = await startScoring(runId, 'geneval', null);
    const done = await drain(job.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/GENEVAL_CLIP_DIR: .*no-such-clip: no such scorer folder/);
    expect(done.attempts).toBe(1);
  });
});
