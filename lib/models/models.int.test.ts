import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureBundle } from '../fixtures/bundle';
import { compressJob, sensitivityJob } from '../jobs/definitions/compress';
import { createTestDatabase, testProviders, type TTestDatabase } from '../testing/databases';
import { testWorker, waitForJob } from '../testing/worker';
import { startCompression, startSensitivity } from './jobs';
import { compressBundle } from '../compress/pipeline';
import { acceptDistilledStudent, getModelView, registerModel } from './service';

const worker = () => testWorker([compressJob, sensitivityJob]);
const finished = (id: string) => waitForJob(id);

describe.each(testProviders())('models and the compress job on %s', (provider) => {
  let database: TTestDatabase;
  let fixture: string;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
    fixture = path.join(database.dataDir, 'incoming', 'fixture');
    writeFixtureBundle(fixture, { blocks: 4 });
  });
  afterAll(async () => database?.drop());

  it('registers a bundle with its structure, and refuses duplicates and broken bundles without a trace', async () => {
    const model = await registerModel({ dir: fixture, name: 'fixture-4', license: 'Apache-2.0' });
    const original = model.variants[0];
    expect(original).toMatchObject({ name: 'original', parentId: null });
    expect(original.structure?.stacks[0].blocks).toHaveLength(4);
    expect(fs.existsSync(path.join(database.dataDir, 'bundles', original.bundleHash, 'transformer', 'model.onnx'))).toBe(true);

    await expect(registerModel({ dir: fixture, name: 'again' })).rejects.toThrow(/identical bundle is already registered: model "fixture-4"/);
    await expect(registerModel({ dir: fixture, name: 'fixture-4' })).rejects.toThrow(/identical|exists already/);

    const broken = path.join(database.dataDir, 'incoming', 'broken');
    fs.cpSync(fixture, broken, { recursive: true });
    fs.truncateSync(path.join(broken, 'vae_decoder', 'model.onnx'), 100);
    fs.rmSync(path.join(broken, 'model_index.json'));
    const bundlesBefore = fs.readdirSync(path.join(database.dataDir, 'bundles')).length;
    await expect(registerModel({ dir: broken, name: 'broken' })).rejects.toThrow(/model_index.json is missing[\s\S]*vae_decoder\/model.onnx: not an ONNX model/);
    expect(fs.readdirSync(path.join(database.dataDir, 'bundles')).length).toBe(bundlesBefore);

    // a denoiser that does not take what the pipeline feeds it
    const wrongIo = path.join(database.dataDir, 'incoming', 'wrong-io');
    fs.cpSync(fixture, wrongIo, { recursive: true });
    fs.copyFileSync(path.join(fixture, 'vae_decoder', 'model.onnx'), path.join(wrongIo, 'transformer', 'model.onnx'));
    await expect(registerModel({ dir: wrongIo, name: 'wrong-io' })).rejects.toThrow(/transformer\/model.onnx has no input "hidden_states"/);
  });

  it('registers SD 1.5, FLUX and three-encoder SD3 bundles, with the structure of their denoiser', async () => {
    const stacks: Record<string, string[]> = {};
    for (const family of ['sd15', 'flux', 'sd3-3enc'] as const) {
      const dir = writeFixtureBundle(path.join(database.dataDir, 'incoming', family), { family, blocks: 2, hidden: 32, seed: 31 }).dir;
      const original = (await registerModel({ dir, name: `family-${family}` })).variants[0];
      expect(original.params, family).toBeGreaterThan(0);
      stacks[family] = original.structure!.stacks.map((st) => `${st.name} x${st.blocks.length}`);
    }
    // the UNet's structure is read from unet/model.onnx; FLUX has both block stacks
    expect(stacks.sd15.length).toBeGreaterThan(0);
    expect(stacks.flux).toEqual(['transformer_blocks x2', 'single_transformer_blocks x2']);
    expect(stacks['sd3-3enc']).toEqual(['transformer_blocks x2']);
  });

  it('runs a compress job end to end through a worker: a new variant linked to its parent, with recipe and report', async () => {
    const model = (await registerModel({ dir: writeFixtureBundle(path.join(database.dataDir, 'incoming', 'seed7'), { blocks: 4, seed: 7 }).dir, name: 'fixture-seed7' }));
    const original = model.variants[0];
    const job = await startCompression(model.id, { variantId: original.id, name: 'drop-2-int4', recipe: { removeBlocks: '2', protectFirst: 1, int4: { blockSize: 64 }, calibrationSamples: 2, latencySteps: 1 } }, null);
    const w = worker();
    void w.start();
    const done = await finished(job.id);
    await w.stop();
    expect(done.status, done.error ?? '').toBe('succeeded');

    const after = (await getModelView(model.id))!;
    const variant = after.variants.find((v) => v.name === 'drop-2-int4')!;
    expect(variant.parentId).toBe(original.id);
    expect(variant.recipe).toMatchObject({ removeBlocks: '2', int4: { blockSize: 64 } });
    expect((variant.report as { removed: { block: number }[] }).removed.map((r) => r.block)).toEqual([2]);
    expect(variant.params).toBeLessThan(original.params);
    expect(variant.weightBytes).toBeLessThan(original.weightBytes / 3);
    expect(fs.readdirSync(path.join(database.dataDir, 'tmp', 'jobs'))).toEqual([]);
  });

  it('measures sensitivity as a job and keeps it with the variant', async () => {
    const model = (await getModelView((await registerModel({ dir: writeFixtureBundle(path.join(database.dataDir, 'incoming', 's3'), { blocks: 3, seed: 3 }).dir, name: 'fixture-s3' })).id))!;
    const job = await startSensitivity(model.id, { variantId: model.variants[0].id, level: 'block' }, null);
    const w = worker();
    void w.start();
    const done = await finished(job.id);
    await w.stop();
    expect(done.status, done.error ?? '').toBe('succeeded');
    const s = (await getModelView(model.id))!.variants[0].sensitivities;
    expect(s).toHaveLength(1);
    expect((s[0].data as { entries: unknown[] }).entries).toHaveLength(3);
  });

  it('accepts a distilled student that fits its plan as a variant, and refuses one that does not', async () => {
    const model = await registerModel({ dir: writeFixtureBundle(path.join(database.dataDir, 'incoming', 'teacher'), { blocks: 4, seed: 21 }).dir, name: 'teacher' });
    const teacherDir = path.join(database.dataDir, 'incoming', 'teacher');
    const out = path.join(database.dataDir, 'incoming', 'student');
    await compressBundle(teacherDir, out, { budget: 0.7, protectFirst: 1, calibrationSamples: 2, latencySteps: 0 });
    const plan = JSON.parse(fs.readFileSync(path.join(out, 'distillation-plan.json'), 'utf8'));
    const v = await acceptDistilledStudent({ parentId: model.variants[0].id, studentFile: path.join(out, 'transformer', 'model.onnx'), plan, name: 'distilled' });
    expect(v.parentId).toBe(model.variants[0].id);
    expect(JSON.parse(v.recipe!).distilled).toBe(true);
    await expect(
      acceptDistilledStudent({ parentId: model.variants[0].id, studentFile: path.join(teacherDir, 'transformer', 'model.onnx'), plan, name: 'not-distilled' }),
    ).rejects.toThrow(/does not fit the plan/);
  });

  it('refuses to compress a variant of another model, or with nothing to do', async () => {
    const [a] = (await Promise.all([getModelView((await registerModel({ dir: writeFixtureBundle(path.join(database.dataDir, 'incoming', 'a'), { blocks: 2, seed: 11 }).dir, name: 'a' })).id)]))!;
    await expect(startCompression('not-the-model', { variantId: a!.variants[0].id, name: 'x', recipe: { removeBlocks: '1' } }, null)).rejects.toThrow(/does not belong/);
    await expect(startCompression(a!.id, { variantId: a!.variants[0].id, name: 'x', recipe: {} }, null)).rejects.toThrow(/budget, blocks to remove, or INT4/);
  });
});
