import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { runTraining } from './run';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-train-run-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('a training run folder', () => {
  it('trains, checkpoints, draws a sample grid, refuses to overwrite, and resumes', async () => {
    const out = path.join(tmp, 'run');
    const config = { seed: 1, batch: 2, blocks: 1, hidden: 16, heads: 2 };
    const progress: number[] = [];
    const first = await runTraining({ out, steps: 2, resume: false, config, checkpointEvery: 1, sampleEvery: 2, onStep: (p) => progress.push(p.step) });
    expect(progress).toEqual([1, 2]);
    expect(first.step).toBe(2);
    expect(first.samples).toHaveLength(1);
    const meta = await sharp(first.samples[0]).metadata();
    expect([meta.width, meta.height]).toEqual([4 * 64 + 5 * 2, 2 * 64 + 3 * 2]);
    expect(fs.existsSync(path.join(out, 'model', 'transformer', 'model.onnx'))).toBe(true);

    await expect(runTraining({ out, steps: 3, resume: false, config, checkpointEvery: 1, sampleEvery: 100 })).rejects.toThrow(/already holds a training run/);

    await expect(runTraining({ out: path.join(tmp, 'no-such-run'), steps: 3, resume: true, config: {}, checkpointEvery: 1, sampleEvery: 100 })).rejects.toThrow(/holds no training checkpoint to resume/);

    const resumed = await runTraining({ out, steps: 3, resume: true, config: {}, checkpointEvery: 1, sampleEvery: 100 });
    expect(resumed.startedAt).toBe(2);
    expect(resumed.step).toBe(3);
    const state = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint', 'state.json'), 'utf8'));
    expect(state.step).toBe(3);
    expect(state.config).toMatchObject(config);

    // a new run warm-started from this one's folder; a folder that is no run is refused before anything is written
    const warm = await runTraining({ out: path.join(tmp, 'warm'), steps: 1, resume: false, initFrom: out, config, checkpointEvery: 1, sampleEvery: 100 });
    expect(warm.step).toBe(1);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'warm', 'checkpoint', 'state.json'), 'utf8')).config.initFrom).toEqual({ checkpoint: path.join(out, 'checkpoint'), step: 3 });
    await expect(runTraining({ out: path.join(tmp, 'warm-2'), steps: 1, resume: false, initFrom: path.join(tmp, 'no-such-run'), config, checkpointEvery: 1, sampleEvery: 100 })).rejects.toThrow(/neither a training run nor a checkpoint/);
    expect(fs.existsSync(path.join(tmp, 'warm-2'))).toBe(false);
  });
});
