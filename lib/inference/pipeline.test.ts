import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressBundle } from '../compress/pipeline';
import { writeFixtureBundle } from '../fixtures/bundle';
import { encodeDisplayWebp, encodePng } from './images';
import { TextToImagePipeline } from './pipeline';

let dir: string;
let src: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-pipeline-'));
  src = path.join(dir, 'original');
  writeFixtureBundle(src, { blocks: 4 });
});
afterAll(async () => {
  await TextToImagePipeline.releaseAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

const options = { prompt: 'a photo of a red circle', seed: 3, steps: 4, guidance: 3 };

describe('text-to-image pipeline on the fixture', () => {
  it('makes the same image for the same prompt and seed, another for another seed, and records the provider', async () => {
    const p = await TextToImagePipeline.load(src, { providers: ['cpu'], threads: 1 });
    const a = await p.generate(options);
    const b = await p.generate(options);
    const c = await p.generate({ ...options, seed: 4 });
    expect(a.width).toBe(32);
    expect(a.rgb).toHaveLength(32 * 32 * 3);
    expect(Buffer.from(b.rgb).equals(Buffer.from(a.rgb))).toBe(true);
    expect(Buffer.from(c.rgb).equals(Buffer.from(a.rgb))).toBe(false);
    expect(a.provider).toBe('cpu');
    expect(a.stepMs).toHaveLength(4);
    expect(a.sampler).toMatch(/flow-match Euler/);
    expect(await TextToImagePipeline.load(src, { providers: ['cpu'], threads: 1 })).toBe(p);
  });

  it('pairs a model with its compressed variant: same noise, so removing nothing gives the same image and pruning a different one', async () => {
    const pruned = path.join(dir, 'pruned');
    await compressBundle(src, pruned, { removeBlocks: '2', calibrationSamples: 1, latencySteps: 0 });
    const base = await (await TextToImagePipeline.load(src, { providers: ['cpu'], threads: 1 })).generate(options);
    const variant = await (await TextToImagePipeline.load(pruned, { providers: ['cpu'], threads: 1 })).generate(options);
    expect(Buffer.from(variant.rgb).equals(Buffer.from(base.rgb))).toBe(false);
    // a copy of the model (a variant with nothing removed) draws exactly the same image
    const copy = path.join(dir, 'copy');
    fs.cpSync(src, copy, { recursive: true });
    const again = await (await TextToImagePipeline.load(copy, { providers: ['cpu'], threads: 1 })).generate(options);
    expect(Buffer.from(again.rgb).equals(Buffer.from(base.rgb))).toBe(true);
  });

  it('falls back from CUDA to the CPU when the CUDA provider is not installed, and says which ran', async () => {
    const p = await TextToImagePipeline.load(src, { providers: ['cuda', 'cpu'], threads: 1 });
    expect(p.provider).toBe('cpu');
    expect((await p.generate({ ...options, steps: 1 })).provider).toBe('cpu');
  });

  it('guidance must be at least 1', async () => {
    const p = await TextToImagePipeline.load(src, { providers: ['cpu'], threads: 1 });
    await expect(p.generate({ ...options, guidance: 0.5 })).rejects.toThrow(/guidance must be at least 1/);
  });

  it('writes lossless PNG originals (pixels only) and crisp upscaled WebP for display', async () => {
    const p = await TextToImagePipeline.load(src, { providers: ['cpu'], threads: 1 });
    const img = await p.generate(options);
    const png = await encodePng(img.rgb, img.width, img.height);
    const back = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(back.info).toMatchObject({ width: 32, height: 32, channels: 3 });
    expect(Buffer.from(back.data).equals(Buffer.from(img.rgb))).toBe(true);
    expect(png.includes(Buffer.from('tEXt'))).toBe(false);
    const webp = await encodeDisplayWebp(img.rgb, img.width, img.height);
    expect((await sharp(webp).metadata()).width).toBe(256);
  });
});
