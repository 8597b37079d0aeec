import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactStore } from '../artifacts/store';
import { writeFixtureBundle } from '../fixtures/bundle';
import * as runsRepo from '../generation/repository';
import { SHAPES_MODEL_NAME } from '../models/seed';
import { addCompressedVariant, listModelViews, registerModel } from '../models/service';
import { GENEVAL_TASKS } from '../scoring/geneval-protocol';
import { SHAPES_DETECTOR } from '../shapes/detector';
import { saveScore } from '../scores/service';
import { createTestDatabase, testProviders, type TTestDatabase } from '../testing/databases';
import { buildReproduction } from './service';

// two prompts per GenEval task; prompt i of a variant is judged correct on `correct(i)` of its 2 images
const PROMPTS = GENEVAL_TASKS.flatMap((tag, t) => [0, 1].map((k) => ({ id: String(2 * t + k).padStart(5, '0'), prompt: `${tag} prompt ${k}`, tag })));

function report(correct: (i: number) => number) {
  const prompts = PROMPTS.map((p, index) => ({ index, folder: p.id, tag: p.tag, prompt: p.prompt, images: 2, correct: correct(index), score: correct(index) / 2 }));
  const tasks = GENEVAL_TASKS.map((tag) => {
    const ps = prompts.filter((p) => p.tag === tag);
    return { tag, score: ps.reduce((s, p) => s + p.correct, 0) / 4, ci: null, correctImages: 0, images: 4, prompts: 2 };
  });
  return { overall: { score: tasks.reduce((s, t) => s + t.score, 0) / tasks.length, ci: null }, tasks, prompts };
}

describe.each(testProviders())('buildReproduction on %s', (provider) => {
  let database: TTestDatabase;
  let n = 0;

  /** A run of the shapes prompts with its first images, latency and scores (seed 0 unless told). */
  async function scoredRun(variantId: string, correct: (i: number) => number, seed = 0) {
    const run = await runsRepo.insertRun({ variantId, promptSet: 'shapes', prompts: JSON.stringify(PROMPTS), imagesPerPrompt: 2, steps: 4, guidance: 3, seed, createdById: null });
    for (let i = 0; i < PROMPTS.length; i++) {
      const png = await artifactStore().put(Buffer.from(`png ${variantId} ${i} ${seed}`));
      await runsRepo.upsertImage({ runId: run.id, promptIndex: i, sample: 0, seed, pngSha256: png.sha256, webpSha256: png.sha256, width: 64, height: 64, provenance: '{}' });
    }
    await runsRepo.setRunSummary(run.id, JSON.stringify({ latency: { perImageMedianMs: 40, perStepMedianMs: 5 }, provider: 'cpu', hardware: 'Test CPU' }));
    const r = report(correct);
    await saveScore({ runId: run.id, scorer: 'geneval', version: `1.0.0+${SHAPES_DETECTOR.id}+pixel-lab`, fixture: false, score: r.overall.score, ciLow: r.overall.score - 0.1, ciHigh: r.overall.score + 0.1, report: r, jobId: `g${n++}` });
    await saveScore({ runId: run.id, scorer: 'hps', version: 'fixture', fixture: true, score: 20, ciLow: 19, ciHigh: 21, report: {}, jobId: `h${n++}` });
    return run.id;
  }

  beforeAll(async () => {
    database = await createTestDatabase(provider);
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
  });

  it('says how to get it while the shapes model or its variants are missing', async () => {
    const none = await buildReproduction();
    expect(none).toMatchObject({ available: false, model: null, variants: [], demo: { state: 'none' } });
    expect(none.message).toMatch(/shapes-mmdit-6" is not registered.*npm start.*\/research\/jobs/);

    const bundle = (name: string, blocks: number, seed: number) => writeFixtureBundle(path.join(database.dataDir, 'incoming', name), { blocks, seed }).dir;
    const m = await registerModel({ dir: bundle('original', 6, 1), name: SHAPES_MODEL_NAME, description: 'shapes' });
    const only = await buildReproduction();
    expect(only.available).toBe(false);
    expect(only.model).toMatchObject({ id: m.id, name: SHAPES_MODEL_NAME, trainedSteps: null });
    expect(only.message).toMatch(/compressed variants .* do not exist yet/);
  });

  it('pairs the runs, compares the variants and reads the result', async () => {
    const model = (await listModelViews()).find((x) => x.name === SHAPES_MODEL_NAME)!;
    const original = model.variants[0].id;
    const add = async (name: string, seed: number, removed: number[], extra: Record<string, unknown> = {}) =>
      (await addCompressedVariant({ parentId: original, name, dir: writeFixtureBundle(path.join(database.dataDir, 'incoming', name), { blocks: 6 - removed.length, seed }).dir, recipe: {}, report: { removed: removed.map((block) => ({ stack: 'transformer_blocks', block, component: null, params: 1 })), error: { relative: 0.2 }, ...extra }, jobId: `job-${name}` })).id;
    const late = await add('late-2', 2, [4, 5]);
    const early = await add('early-2', 3, [0, 1]);
    const hp = await add('hp', 4, [3, 5]);
    const recon = await add('hp-recon', 5, [3, 5], { reconstruction: { spans: [], errorBefore: 0.5, errorAfter: 0.2 } });

    await scoredRun(original, () => 2);
    await scoredRun(late, (i) => (i % 2 ? 1 : 2));
    await scoredRun(early, () => 0);
    await scoredRun(hp, (i) => (i % 2 ? 1 : 2));
    await scoredRun(recon, () => 2);
    // a newer run of early-2 with another seed does not pair with the others: it is not used
    await scoredRun(early, () => 2, 1);

    const r = await buildReproduction({ images: true, rounds: 300 });
    expect(r.available).toBe(true);
    expect(r.pruneBlocks).toBe(2);
    expect(r.variants.map((v) => [v.key, v.name])).toEqual([
      ['original', 'original'],
      ['late', 'late-2'],
      ['early', 'early-2'],
      ['hp', 'hp'],
      ['hp-recon', 'hp-recon'],
    ]);
    const row = (name: string) => r.variants.find((v) => v.name === name)!;
    expect(row('late-2')).toMatchObject({ removedBlocks: [4, 5], denoiserError: 0.2, int4: false, latency: { perStepMs: 5, hardware: 'Test CPU' }, hps: { score: 20, fixture: true } });
    expect(row('hp-recon').reconstruction).toEqual({ errorBefore: 0.5, errorAfter: 0.2 });
    expect(row('early-2').geneval!.score).toBe(0);
    expect(row('late-2').vsOriginal!.overall.diff).toBeCloseTo(-0.25, 12);
    expect(r.runSettings).toEqual({ promptSet: 'shapes', prompts: 12, imagesPerPrompt: 2, steps: 4, guidance: 3, seed: 0 });

    const c = Object.fromEntries(r.comparisons.map((x) => [x.id, x]));
    expect(c['late-vs-early'].result!.overall.diff).toBeCloseTo(0.75, 12);
    expect(c['late-vs-early'].result!.overall.ci![0]).toBeGreaterThan(0);
    expect(c['recon-vs-hp'].result!.overall.diff).toBeCloseTo(0.25, 12);
    expect(c['int4-vs-original']).toMatchObject({ result: null, problem: 'int4 does not exist yet.' });
    expect(r.message).toMatch(/^Not measured yet: hp-recon-int4, int4 /);
    expect(r.reading.some((s) => s.startsWith('Pruning late cost less'))).toBe(true);
    expect(r.reading.some((s) => s.startsWith('Reconstruction helped'))).toBe(true);
    expect(r.reading.some((s) => s.includes('removed blocks 3 and 5 instead of the latest 2 (4 and 5)'))).toBe(true);

    expect(r.samples!.prompts.map((p) => [p.index, p.tag])).toEqual(GENEVAL_TASKS.map((t, i) => [2 * i, t]));
    expect(r.samples!.variants).toEqual(['original', 'late-2', 'early-2', 'hp', 'hp-recon']);
    expect(r.samples!.images![1][2]).toBe(`data:image/png;base64,${Buffer.from(`png ${early} 2 0`).toString('base64')}`);
    expect((await buildReproduction({ rounds: 0 })).samples!.images).toBeNull();
  });
});
