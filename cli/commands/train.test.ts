import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../framework';
import { cliHarness } from '../testing';
import { train } from './train';

const { at, run: arenaTrain } = cliHarness(train, 'arena-train-', { quietStderr: true });

describe('arena train flags', () => {
  it('passes --sigma-sampling to a new run, whose checkpoint keeps it', async () => {
    const out = at('run');
    expect(await arenaTrain('--out', out, '--steps', '1', '--batch', '2', '--workers', '1', '--sigma-sampling', 'uniform', '--sample-every', '1000', '--json')).toBe(0);
    const state = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint', 'state.json'), 'utf8'));
    expect(state.config).toMatchObject({ sigmaSampling: 'uniform', batch: 2, steps: 1 });
  }, 120_000);

  it('passes --prediction and --head to a new run: a velocity model with the output conv, as the shipped model was made', async () => {
    const out = at('run');
    expect(await arenaTrain('--out', out, '--steps', '1', '--batch', '2', '--workers', '1', '--prediction', 'velocity', '--head', 'conv', '--sample-every', '1000', '--json')).toBe(0);
    const state = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint', 'state.json'), 'utf8'));
    expect(state.config).toMatchObject({ xPrediction: false, outputConv: true, pixelHead: 0 });
    expect(state.tensors.map((t: { name: string }) => t.name)).toContain('conv_out.weight');
  }, 120_000);

  it('trains with --engine tfjs as well, and resumes the run with the default engine', async () => {
    const out = at('run');
    expect(await arenaTrain('--out', out, '--steps', '1', '--batch', '2', '--workers', '1', '--engine', 'tfjs', '--sample-every', '1000', '--json')).toBe(0);
    expect(await arenaTrain('--out', out, '--resume', '--steps', '2', '--workers', '1', '--sample-every', '1000', '--json')).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'checkpoint', 'state.json'), 'utf8')).step).toBe(2);
  }, 120_000);

  it('sizes a new run with --hidden, --blocks and --heads; a warm start from it keeps them without the flags', async () => {
    const out = at('small');
    expect(await arenaTrain('--out', out, '--steps', '1', '--batch', '2', '--hidden', '32', '--blocks', '2', '--heads', '2', '--sample-every', '1000', '--json')).toBe(0);
    const state = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint', 'state.json'), 'utf8'));
    expect(state.config).toMatchObject({ hidden: 32, blocks: 2, heads: 2 });
    const warm = at('warm');
    expect(await arenaTrain('--out', warm, '--init-from', out, '--steps', '1', '--batch', '2', '--sample-every', '1000', '--json')).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(warm, 'checkpoint', 'state.json'), 'utf8')).config).toMatchObject({ hidden: 32, blocks: 2, heads: 2 });
    await expect(arenaTrain('--out', at('w2'), '--init-from', out, '--hidden', '64', '--steps', '1')).rejects.toThrow(/its hidden is 32, this run's 64/);
    expect(fs.existsSync(at('w2'))).toBe(false);
    await expect(arenaTrain('--out', at('b'), '--hidden', '30')).rejects.toThrow(/--hidden must be a multiple of 4 and of --heads \(got 30 with 4 heads\)/);
    await expect(arenaTrain('--out', at('b'), '--hidden', '36', '--heads', '8')).rejects.toThrow(/--hidden must be a multiple of 4 and of --heads/);
    await expect(arenaTrain('--out', out, '--resume', '--hidden', '64')).rejects.toThrow(/--hidden is part of a new run/);
    expect(fs.existsSync(at('b'))).toBe(false);
  }, 120_000);

  it('refuses unknown choices, and choices on a resumed run, before writing anything', async () => {
    await expect(arenaTrain('--out', at('a'), '--engine', 'torch')).rejects.toThrow(/--engine must be onnxruntime or tfjs \(got "torch"\)/);
    await expect(arenaTrain('--out', at('a'), '--prediction', 'noise')).rejects.toThrow(/--prediction must be clean or velocity \(got "noise"\)/);
    await expect(arenaTrain('--out', at('a'), '--head', 'unet')).rejects.toThrow(/--head must be pixel, conv, none \(got "unet"\)/);
    await expect(arenaTrain('--out', at('a'), '--head', 'toString')).rejects.toThrow(/--head must be/);
    await expect(arenaTrain('--out', at('a'), '--resume', '--head', 'pixel')).rejects.toThrow(/--head is part of a new run/);
    expect(fs.existsSync(at('a'))).toBe(false);
  });

  it('refuses an unknown noise-level scheme, and the flag on a resumed run, before writing anything', async () => {
    await expect(arenaTrain('--out', at('a'), '--sigma-sampling', 'cosine')).rejects.toThrow(UsageError);
    await expect(arenaTrain('--out', at('a'), '--sigma-sampling', 'cosine')).rejects.toThrow(/--sigma-sampling must be uniform or logit-normal \(got "cosine"\)/);
    await expect(arenaTrain('--out', at('a'), '--resume', '--sigma-sampling', 'uniform')).rejects.toThrow(/a resumed run keeps its own/);
    expect(fs.existsSync(at('a'))).toBe(false);
  });
});
