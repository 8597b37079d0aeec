import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFixtureBundle } from '../fixtures/bundle';
import { randomMmditWeights } from '../fixtures/mmdit';
import { SHAPE_CLASSES } from '../shapes/world';
import { sceneLatent } from '../train/data';
import { shapesMmditConfig, writeShapesBundle } from '../train/shapes-model';
import { bundleWorld, calibrationPrompts, calibrationSet } from './calibration';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-calib-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('calibration inputs', () => {
  it('feeds a generic model GenEval prompts and pure noise', async () => {
    const dir = path.join(tmp, 'fixture');
    writeFixtureBundle(dir, { blocks: 2, hidden: 32, heads: 2 });
    expect(bundleWorld(dir)).toBeNull();
    const set = await calibrationSet(dir, { count: 4 });
    expect(set.prompts).toEqual(calibrationPrompts(4));
    expect(Array.from(set.feeds.map((f) => f.timestep.data[0] as number))).toEqual([125, 375, 625, 875]);
  });

  it('feeds a shapes-world model noised scenes of its own world, different for another seed', async () => {
    const sizes = { blocks: 2, hidden: 32, heads: 2, seed: 0 };
    const dir = path.join(tmp, 'shapes');
    writeShapesBundle(dir, sizes, randomMmditWeights(shapesMmditConfig(sizes), 0));
    expect(bundleWorld(dir)).toBe('shapes');
    const set = await calibrationSet(dir, { count: 4, seed: 0 });
    for (const p of set.prompts) expect(SHAPE_CLASSES.some((c) => p.includes(c))).toBe(true);
    // at σ = 0.125 the input is mostly the scene: it correlates with the clean latent of its prompt
    const x = set.feeds[0].hidden_states.data as Float32Array;
    const scene = Array.from({ length: 4 }, (_, i) => sceneLatent(2_000_000 + i)).find((s) => s.prompt === set.prompts[0])!;
    let dot = 0;
    let nx = 0;
    let ns = 0;
    for (let k = 0; k < x.length; k++) {
      dot += x[k] * scene.latent[k];
      nx += x[k] ** 2;
      ns += scene.latent[k] ** 2;
    }
    expect(dot / Math.sqrt(nx * ns)).toBeGreaterThan(0.9);
    const other = await calibrationSet(dir, { count: 4, seed: 1 });
    expect(other.prompts).not.toEqual(set.prompts);
  });
});
