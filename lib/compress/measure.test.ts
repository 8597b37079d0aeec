import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureBundle } from '../fixtures/bundle';
import { calibrationPrompts } from './calibration';
import { measureSensitivity } from './measure';
import { planPruning } from './plan';
import { ZSensitivitySchema } from './sensitivity';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-measure-'));
  writeFixtureBundle(dir, { blocks: 4 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sensitivity by identity replacement', () => {
  it('draws calibration prompts from every GenEval task', () => {
    const prompts = calibrationPrompts(6);
    expect(new Set(prompts).size).toBe(6);
    expect(prompts[0]).toMatch(/^a photo of/);
  });

  it('measures every block, in the planner\'s format, and the planner accepts it', async () => {
    const progress: string[] = [];
    const s = await measureSensitivity(dir, { level: 'block', count: 3, onProgress: (_d, _t, label) => progress.push(label) });
    expect(ZSensitivitySchema.parse(s)).toBeTruthy();
    expect(s.entries.map((e) => e.block)).toEqual([0, 1, 2, 3]);
    expect(progress).toHaveLength(4);
    for (const e of s.entries) expect(e.value).toBeGreaterThan(0);
    const total = s.entries.reduce((a, e) => a + e.params, 0) * 1.2;
    const plan = planPruning(s, { budget: 0.8, protectFirst: 1, level: 'block', totalParams: Math.round(total) });
    expect(plan.removed.length).toBeGreaterThan(0);
    expect(plan.removed.every((r) => r.block >= 1)).toBe(true);
  });

  it('measures components', async () => {
    const s = await measureSensitivity(dir, { level: 'component', count: 2 });
    expect(s.level).toBe('component');
    // 5 components in blocks 0-2, 4 in the context-pre-only last block
    expect(s.entries).toHaveLength(3 * 5 + 4);
    expect(new Set(s.entries.map((e) => e.component))).toEqual(new Set(['norm1', 'norm1_context', 'attn', 'ff', 'ff_context']));
  });
});

describe('sensitivity by score drop (the paper\'s way)', () => {
  it('scores generated images with each block removed and reports the drop from the unpruned score', async () => {
    const { writeClipFixture } = await import('../fixtures/clip');
    const { measureScoreSensitivity } = await import('./measure');
    const small = path.join(dir, 'small');
    writeFixtureBundle(small, { blocks: 2, seed: 4 });
    const scorer = path.join(dir, 'scorer');
    writeClipFixture(scorer, { seed: 1 });
    const s = await measureScoreSensitivity(small, { scorerDir: scorer, prompts: 2, steps: 2 });
    expect(ZSensitivitySchema.parse(s)).toBeTruthy();
    expect(s).toMatchObject({ higherIsBetter: true, metric: 'HPS fixture', level: 'block' });
    expect(s.entries).toHaveLength(2);
    for (const e of s.entries) expect(e.delta).toBeCloseTo(Math.abs(s.baseline! - e.value), 9);
    // removing a block changes the images, so the score moves
    expect(s.entries.some((e) => e.delta > 0)).toBe(true);
  });
});
