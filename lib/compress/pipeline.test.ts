import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureBundle } from '../fixtures/bundle';
import { denoiserFeeds } from '../inference/denoiser-probe';
import { readModel } from '../onnx/io';
import { discoverBlocks } from './discovery';
import { compressBundle } from './pipeline';

let dir: string;
let src: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-pipeline-'));
  src = path.join(dir, 'original');
  writeFixtureBundle(src, { blocks: 6 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('compress pipeline', () => {
  it('prunes listed blocks and quantises to INT4: a loadable bundle and a report of what it cost and saved', async () => {
    const out = path.join(dir, 'pruned-int4');
    const steps: string[] = [];
    const report = await compressBundle(src, out, { removeBlocks: '3-4', protectFirst: 2, int4: { blockSize: 32 }, calibrationSamples: 2, latencySteps: 2 }, { onProgress: (_f, m) => void steps.push(m) });

    expect(report.removed.map((r) => r.block)).toEqual([3, 4]);
    const d = discoverBlocks(readModel(path.join(out, 'transformer', 'model.onnx')).proto);
    expect(d.stacks[0].blocks.map((b) => b.index)).toEqual([0, 1, 2, 5]);
    // every other component is copied unchanged
    for (const c of ['text_encoder', 'vae_decoder']) expect(report.components[c].after).toEqual(report.components[c].before);
    const t = report.components.transformer;
    expect(t.after.params).toBeLessThan(t.before.params);
    expect(report.footprintReduction.denoiser).toBeGreaterThan(0.775);
    expect(report.int4?.quantized).toBeGreaterThan(0);
    expect(report.error.relative).toBeGreaterThan(0);
    expect(report.latency?.after.provider).toBe('cpu');
    expect(report.latency?.before.stepsMs).toHaveLength(2);
    expect(fs.existsSync(path.join(out, 'compress-report.json'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'model_index.json'), 'utf8')).prunearena.removed).toHaveLength(2);
    expect(steps.at(-1)).toBe('done');

    const session = await ort.InferenceSession.create(path.join(out, 'transformer', 'model.onnx'));
    const result = await session.run(denoiserFeeds(out));
    expect([...(result.out_sample.data as Float32Array)].every(Number.isFinite)).toBe(true);
    await session.release();
  });

  it('plans from a budget with protected early blocks', async () => {
    const report = await compressBundle(src, path.join(dir, 'planned'), { budget: 0.8, protectFirst: 3, calibrationSamples: 2, latencySteps: 0 });
    expect(report.plan?.feasible).toBe(true);
    expect(report.removed.length).toBeGreaterThan(0);
    expect(report.removed.every((r) => r.block >= 3)).toBe(true);
    expect(report.total.after.params / report.total.before.params).toBeLessThan(1);
    expect(report.latency).toBeNull();
  });

  it('reconstruction lowers the error of the same pruning on held-out inputs', async () => {
    const plain = await compressBundle(src, path.join(dir, 'plain'), { removeBlocks: '3-4', calibrationSamples: 8, latencySteps: 0 });
    const rec = await compressBundle(src, path.join(dir, 'rec'), { removeBlocks: '3-4', reconstruct: true, calibrationSamples: 8, latencySteps: 0 });
    expect(rec.error.relative).toBeLessThan(plain.error.relative);
    expect((rec.reconstruction as { errorAfter: number; errorBefore: number }).errorAfter).toBeLessThan((rec.reconstruction as { errorBefore: number }).errorBefore);
    // INT4 keeps the reconstruction maps in float (block-wise INT4 would wreck a near-identity map)
    const both = await compressBundle(src, path.join(dir, 'rec-int4'), { removeBlocks: '3-4', reconstruct: true, int4: { blockSize: 64 }, calibrationSamples: 8, latencySteps: 0 });
    expect(both.error.relative).toBeLessThan(plain.error.relative * 1.5);
    // the maps do not show up as a block of their own
    expect(discoverBlocks(readModel(path.join(dir, 'rec', 'transformer', 'model.onnx')).proto).stacks[0].blocks.map((b) => b.index)).toEqual([0, 1, 2, 5]);
  });

  it('writes a distillation plan beside a planned model', async () => {
    const out = path.join(dir, 'planned-distill');
    const report = await compressBundle(src, out, { budget: 0.6, protectFirst: 2, calibrationSamples: 2, latencySteps: 0 });
    expect(report.distillation?.file).toBe('distillation-plan.json');
    const plan = JSON.parse(fs.readFileSync(path.join(out, 'distillation-plan.json'), 'utf8'));
    expect(plan.frozen.blocks).toEqual([...Array(plan.firstPrunedBlock).keys()]);
    expect(plan.enabled).toBe(plan.compressionRatio > 0.25);
  });

  it('rejects recipes that cannot work, with the reason', async () => {
    const out = path.join(dir, 'bad');
    await expect(compressBundle(src, out, { removeBlocks: '1', protectFirst: 2 })).rejects.toThrow(/blocks 1 are protected/);
    await expect(compressBundle(src, out, { removeBlocks: '9' })).rejects.toThrow(/has no block 9/);
    await expect(compressBundle(src, out, { removeBlocks: 'late ones' })).rejects.toThrow(/is not a block or range/);
    await expect(compressBundle(src, out, {})).rejects.toThrow(/nothing to do/);
    await expect(compressBundle(src, src, { removeBlocks: '3' })).rejects.toThrow(/must differ/);
    await expect(compressBundle(dir, out, { removeBlocks: '3' })).rejects.toThrow(/no transformer\/model.onnx/);
    await expect(compressBundle(src, out, { budget: 0.01, protectFirst: 5, calibrationSamples: 1, latencySteps: 0 })).rejects.toThrow(/budget|cannot|reach/i);
    expect(fs.existsSync(out)).toBe(false);
  });
});
