import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { artifactStore } from '../artifacts/store';
import { db } from '../db';
import { resetEnvForTests } from '../env';
import { writeFixtureBundle } from '../fixtures/bundle';
import { upsertImage } from '../generation/repository';
import { startRun } from '../generation/service';
import { TextToImagePipeline } from '../inference/pipeline';
import { generateJob } from '../jobs/definitions/generate';
import { scoreJob } from '../jobs/definitions/score';
import { cancelJob } from '../jobs/service';
import { registerModel } from '../models/service';
import { writeColourClipFixture } from '../scoring/colour-clip-fixture';
import { SHAPES_DETECTOR } from '../shapes/detector';
import { writeGroundTruthRun } from '../shapes/ground-truth-run';
import type { TShapesMetadata } from '../shapes/prompts';
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

/**
 * A run on the shapes prompts (one of each task) whose images are their prompts' rendered ground
 * truth, stored as a generate job would store them; the generate job itself is cancelled.
 */
async function shapesGroundTruthRun(modelId: string, variantId: string, dataDir: string): Promise<string> {
  const { runId, job } = await startRun(modelId, { variantId, promptSet: 'shapes', limit: 6, spread: true, imagesPerPrompt: 1 }, null);
  await cancelJob(job.id, { id: 'test', role: 'admin' });
  const prisma = await db();
  const prompts = JSON.parse((await prisma.generationRun.findUniqueOrThrow({ where: { id: runId } })).prompts) as { metadata: TShapesMetadata }[];
  const dir = path.join(dataDir, 'shapes-truth');
  await writeGroundTruthRun(dir, prompts.map((p) => p.metadata), { size: 32, imagesPerPrompt: 1 });
  const store = artifactStore();
  for (const i of prompts.keys()) {
    const png = await store.put(fs.readFileSync(path.join(dir, String(i).padStart(5, '0'), 'samples', '0000.png')));
    await upsertImage({ runId, promptIndex: i, sample: 0, seed: 0, pngSha256: png.sha256, webpSha256: png.sha256, width: 32, height: 32, provenance: '{}' });
  }
  return runId;
}

const setClipDir = (dir: string | undefined) => {
  if (dir === undefined) delete process.env.GENEVAL_CLIP_DIR;
  else process.env.GENEVAL_CLIP_DIR = dir;
  resetEnvForTests();
};

describe.each(testProviders())('GenEval score jobs on %s', (provider) => {
  let database: TTestDatabase;
  let runId: string;
  let shapesRunId: string;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
    const m = await registerModel({ dir: writeFixtureBundle(path.join(database.dataDir, 'incoming', 'm'), { blocks: 2, seed: 7 }).dir, name: 'colour-scored' });
    const started = await startRun(m.id, { variantId: m.variants[0].id, promptSet: 'geneval', limit: 2, imagesPerPrompt: 1, steps: 2 }, null);
    runId = started.runId;
    expect((await drain(started.job.id)).status).toBe('succeeded');
    shapesRunId = await shapesGroundTruthRun(m.id, m.variants[0].id, database.dataDir);
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

  it('score a run on the shapes prompts with the shapes detector by default: an exact score, not a fixture, its version naming the detector', async () => {
    const job = await startScoring(shapesRunId, 'geneval', null);
    const done = await drain(job.id);
    expect(done.status, done.error ?? '').toBe('succeeded');
    const prisma = await db();
    const row = await prisma.scoreResult.findUniqueOrThrow({ where: { jobId: job.id } });
    expect(row.version).toBe(`1.0.0+${SHAPES_DETECTOR.id}+pixel-lab`);
    expect(row.version).toContain('shapes-moments');
    expect(row.fixture).toBe(false);
    expect(row.score).toBe(1);
    expect(JSON.parse(row.report)).toMatchObject({ detections: { source: 'detector', id: SHAPES_DETECTOR.id }, complete: true });
  });

  it('honour an explicit detector: "configured" runs the COCO detector, which knows no circles, on a shapes run', async () => {
    const job = await startScoring(shapesRunId, 'geneval', null, { detector: 'configured' });
    expect(job.payload).toEqual({ runId: shapesRunId, scorer: 'geneval', detector: 'configured' });
    const done = await drain(job.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/unknown class "(circle|square|triangle)" \(not one of GenEval's 80 COCO names\)/);
    expect(done.attempts).toBe(1);
  });

  it('refuse a detector that cannot judge the run, or is no detector at all', async () => {
    await expect(startScoring(runId, 'geneval', null, { detector: 'shapes' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/shapes detector knows circles, squares and triangles only/) });
    await expect(startScoring(shapesRunId, 'geneval', null, { detector: 'yolo' as never })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/Unknown GenEval detector "yolo"/) });
    await expect(startScoring(shapesRunId, 'hps', null, { detector: 'shapes' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/Only GenEval takes a detector/) });
  });
});
