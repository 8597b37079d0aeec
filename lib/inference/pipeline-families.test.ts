import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TFixtureOptions, writeFixtureBundle } from '../fixtures/bundle';
import { PipelineError, TextToImagePipeline } from './pipeline';

let dir: string;
const bundles: Record<string, string> = {};
const small = { blocks: 2, hidden: 32, latentSize: 8 } as const;

function fixture(name: string, o: TFixtureOptions) {
  bundles[name] = path.join(dir, name);
  writeFixtureBundle(bundles[name], { ...small, ...o });
  return bundles[name];
}

/** A copy of a bundle with one JSON file edited. */
function variant(from: string, name: string, file: string, edit: (json: Record<string, unknown>) => void) {
  const to = path.join(dir, name);
  fs.cpSync(bundles[from], to, { recursive: true });
  const json = JSON.parse(fs.readFileSync(path.join(to, file), 'utf8'));
  edit(json);
  fs.writeFileSync(path.join(to, file), JSON.stringify(json));
  return to;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-families-'));
  fixture('sd3-3enc', { family: 'sd3-3enc' });
  fixture('sd15', { family: 'sd15' });
  fixture('flux', { family: 'flux' });
  fixture('flux-schnell', { family: 'flux', guidanceEmbeds: false });
});
afterAll(async () => {
  await TextToImagePipeline.releaseAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

const options = { prompt: 'a photo of a red circle', seed: 3, steps: 3, guidance: 4 };
const load = (bundle: string) => TextToImagePipeline.load(bundle, { providers: ['cpu'], threads: 1 });
const same = (a: { rgb: Uint8Array }, b: { rgb: Uint8Array }) => Buffer.from(a.rgb).equals(Buffer.from(b.rgb));

describe.each(['sd3-3enc', 'sd15', 'flux'])('the %s fixture', (name) => {
  it('draws an image, the same for the same seed and another for another seed', async () => {
    const p = await load(bundles[name]);
    const a = await p.generate(options);
    expect(a).toMatchObject({ width: 32, height: 32, provider: 'cpu' });
    expect(a.stepMs).toHaveLength(3);
    expect(same(await p.generate(options), a)).toBe(true);
    expect(same(await p.generate({ ...options, seed: 4 }), a)).toBe(false);
    // not a flat image: the denoiser and the VAE did something
    expect(new Set(a.rgb).size).toBeGreaterThan(10);
  });

  it('guidance changes the image (classifier-free guidance, or the distilled guidance input for FLUX)', async () => {
    const p = await load(bundles[name]);
    expect(same(await p.generate({ ...options, guidance: 1 }), await p.generate(options))).toBe(false);
    expect(same(await p.generate({ ...options, prompt: 'two blue squares' }), await p.generate(options))).toBe(false);
  });
});

describe('stochastic flow-match sampling', () => {
  it('follows the scheduler config: other images than Euler, the same for the same seed, and a clear error for a malformed flag', async () => {
    const euler = await (await load(bundles['sd3-3enc'])).generate(options);
    const p = await load(variant('sd3-3enc', 'sd3-stochastic', 'scheduler/scheduler_config.json', (j) => (j.stochastic_sampling = true)));
    const a = await p.generate(options);
    expect(a.sampler).toMatch(/, stochastic$/);
    expect(same(a, euler)).toBe(false);
    expect(same(await p.generate(options), a)).toBe(true);
    expect(same(await p.generate({ ...options, seed: 4 }), a)).toBe(false);
    const flux = await load(variant('flux', 'flux-stochastic', 'scheduler/scheduler_config.json', (j) => (j.stochastic_sampling = true)));
    expect((await flux.generate(options)).sampler).toMatch(/dynamic\), stochastic$/);
    await expect(load(variant('sd3-3enc', 'sd3-stochastic-bad', 'scheduler/scheduler_config.json', (j) => (j.stochastic_sampling = 'yes')))).rejects.toThrow(/stochastic_sampling must be true or false/);
  });
});

describe('SD3 with three text encoders', () => {
  it('feeds the penultimate CLIP hidden states and T5, and runs with zeros in T5 place when text_encoder_3 is left out', async () => {
    const p = await load(bundles['sd3-3enc']);
    expect(p.family).toBe('sd3');
    expect(p.conditioning).toEqual(['text_encoder: hidden_states.1 (penultimate hidden state) + text_embeds', 'text_encoder_2: hidden_states.1 (penultimate hidden state) + text_embeds', 'text_encoder_3: last_hidden_state (24 tokens)']);
    const noT5 = path.join(dir, 'sd3-no-t5');
    fs.cpSync(bundles['sd3-3enc'], noT5, { recursive: true });
    fs.rmSync(path.join(noT5, 'text_encoder_3'), { recursive: true });
    fs.rmSync(path.join(noT5, 'tokenizer_3'), { recursive: true });
    const q = await load(noT5);
    expect(q.conditioning[2]).toBe('text_encoder_3: absent, zeros [16 x 80] as diffusers uses');
    const withT5 = await p.generate(options);
    const zeros = await q.generate(options);
    expect(same(zeros, withT5)).toBe(false);
    expect(same(await q.generate(options), zeros)).toBe(true);
  });
});

describe('SD 1.5/2.1 UNet', () => {
  it('reads ε or v prediction from the scheduler config, and runs DDIM or Euler', async () => {
    const eps = await (await load(bundles.sd15)).generate(options);
    expect(eps.sampler).toMatch(/DDIM/);
    const vBundle = variant('sd15', 'sd15-v', 'scheduler/scheduler_config.json', (j) => (j.prediction_type = 'v_prediction'));
    const v = await load(vBundle);
    expect(v.conditioning[0]).toMatch(/v-prediction/);
    expect(same(await v.generate(options), eps)).toBe(false);
    const euler = await (await load(variant('sd15', 'sd15-euler', 'scheduler/scheduler_config.json', (j) => (j._class_name = 'EulerDiscreteScheduler')))).generate(options);
    expect(euler.sampler).toMatch(/Euler/);
    expect(same(euler, eps)).toBe(false);
  });

  it('refuses a prediction type it cannot step', async () => {
    const bad = variant('sd15', 'sd15-sample', 'scheduler/scheduler_config.json', (j) => (j.prediction_type = 'sample'));
    await expect(load(bad)).rejects.toThrow(/prediction_type sample is not supported/);
  });
});

describe('FLUX', () => {
  it('without a guidance input (schnell) the guidance scale changes nothing, and the sampler shifts as the config says', async () => {
    const schnell = await load(bundles['flux-schnell']);
    const a = await schnell.generate(options);
    expect(same(await schnell.generate({ ...options, guidance: 1 }), a)).toBe(true);
    expect(a.sampler).toBe('flow-match Euler (FLUX sigmas, shift 1)');
    // dev: the shift comes from the image's 16 patches
    expect((await (await load(bundles.flux)).generate(options)).sampler).toMatch(/dynamic/);
  });
});

describe('bundles the pipeline cannot run', () => {
  it('says what is missing or unsupported', async () => {
    const noUnet = path.join(dir, 'no-unet');
    fs.cpSync(bundles.sd15, noUnet, { recursive: true });
    fs.rmSync(path.join(noUnet, 'unet'), { recursive: true });
    await expect(load(noUnet)).rejects.toThrow(PipelineError);
    await expect(load(noUnet)).rejects.toThrow(/StableDiffusionPipeline bundle needs unet\/model.onnx \(the UNet, the denoiser\)/);

    const noT5 = path.join(dir, 'flux-no-t5');
    fs.cpSync(bundles.flux, noT5, { recursive: true });
    fs.rmSync(path.join(noT5, 'text_encoder_2'), { recursive: true });
    await expect(load(noT5)).rejects.toThrow(/FluxPipeline bundle needs text_encoder_2\/model.onnx \(the T5 text encoder\)/);

    const sdxl = variant('sd15', 'sdxl', 'model_index.json', (j) => (j._class_name = 'StableDiffusionXLPipeline'));
    await expect(load(sdxl)).rejects.toThrow(/pipeline StableDiffusionXLPipeline, which is not supported/);

    // a FLUX index over an SD3 transformer: the inputs do not fit
    const mixed = path.join(dir, 'mixed');
    fs.cpSync(bundles.flux, mixed, { recursive: true });
    fs.cpSync(path.join(bundles['sd3-3enc'], 'transformer'), path.join(mixed, 'transformer'), { recursive: true });
    await expect(load(mixed)).rejects.toThrow(/does not fit FluxPipeline: [\s\S]*transformer\/model.onnx has no input "img_ids"/);
  });
});
