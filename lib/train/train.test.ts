import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TextToImagePipeline } from '../inference/pipeline';
import { SPECIAL_TOKENS } from '../fixtures/tokenizer';
import { makeSampler } from '../inference/schedulers';
import { loadTokenizer } from '../inference/tokenizer';
import { sampleExample } from '../shapes/scene';
import { batchFor } from './data';
import { learningRate, OUTPUT_HEAD, savedConfig, Trainer, type TTrainConfig, ZTrainConfig } from './train';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-train-'));
const small = { seed: 3, batch: 4, blocks: 2, hidden: 32, heads: 2 };

afterAll(async () => {
  await TextToImagePipeline.releaseAll();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function flatWeights(t: Trainer): Promise<Float32Array> {
  const w = await t.weights();
  const parts = Object.keys(w)
    .sort()
    .map((k) => w[k].data);
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('arena train groundwork', () => {
  it('trains the velocity the flow-match Euler sampler integrates', () => {
    // x_σ = (1 − σ)·x0 + σ·noise, target v = noise − x0: the sampler, stepping σ down to 0 with the true v, lands on x0
    const x0 = Float32Array.from([0.5, -1, 0.25]);
    const noise = Float32Array.from([1.3, 0.2, -0.7]);
    const v = x0.map((x, i) => noise[i] - x);
    const sampler = makeSampler({ _class_name: 'FlowMatchEulerDiscreteScheduler', num_train_timesteps: 1000, shift: 3 }, 4);
    let x: Float32Array = noise;
    for (let i = 0; i < 4; i++) {
      const sigma = sampler.timesteps[i] / 1000;
      expect(Array.from(x)).toEqual(Array.from(x0).map((a, k) => expect.closeTo((1 - sigma) * a + sigma * noise[k], 6)));
      x = sampler.step(x, v, i);
    }
    Array.from(x).forEach((a, k) => expect(a).toBeCloseTo(x0[k], 6));
  });

  it.each(['onnxruntime', 'tfjs'] as const)('resumes from a checkpoint to the same state as an unbroken run (%s engine)', async (engine) => {
    const straight = await Trainer.create(small, path.join(tmp, `a-${engine}`), { engine });
    const losses: number[] = [];
    const live: number[][] = [];
    for (let i = 0; i < 3; i++) {
      losses.push((await straight.trainStep()).loss);
      live.push(straight.workerTensors());
    }
    // a step frees everything it made: no tensor leaks per step
    expect(live[2]).toEqual(live[1]);
    expect(losses.every(Number.isFinite)).toBe(true);
    const expected = await flatWeights(straight);
    const expectedEma = await straight.weights('ema');
    await straight.dispose();

    const first = await Trainer.create(small, path.join(tmp, `b-${engine}`), { engine });
    await first.trainStep();
    await first.trainStep();
    const ckpt = path.join(tmp, `b-${engine}`, 'checkpoint');
    await first.save(ckpt);
    await first.dispose();
    expect(fs.existsSync(`${ckpt}.partial`) || fs.existsSync(`${ckpt}.previous`)).toBe(false);

    const resumed = await Trainer.resume(ckpt, path.join(tmp, `c-${engine}`), { engine });
    expect(resumed.step).toBe(2);
    expect(resumed.config).toMatchObject(small);
    const last = await resumed.trainStep();
    expect(last.step).toBe(3);
    expect(last.loss).toBe(losses[2]);
    const got = await flatWeights(resumed);
    const gotEma = await resumed.weights('ema');
    await resumed.dispose();
    for (const [name, w] of Object.entries(expectedEma)) expect(Buffer.from(gotEma[name].data.buffer).equals(Buffer.from(w.data.buffer))).toBe(true);
    expect(got.length).toBe(expected.length);
    expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
  });

  it('takes the same steps with onnxruntime as with the tfjs engine, up to rounding, and resumes across them', async () => {
    const viaTfjs = await Trainer.create(small, path.join(tmp, 'e0'), { engine: 'tfjs' });
    const expected = [(await viaTfjs.trainStep()).loss, (await viaTfjs.trainStep()).loss];
    const wTf = await flatWeights(viaTfjs);
    await viaTfjs.dispose();

    // one step with onnxruntime, then the checkpoint goes on with tfjs: both read and write the same state
    const viaOrt = await Trainer.create(small, path.join(tmp, 'e1'), { engine: 'onnxruntime' });
    const got = [(await viaOrt.trainStep()).loss];
    await viaOrt.save(path.join(tmp, 'e1', 'checkpoint'));
    await viaOrt.dispose();
    const mixed = await Trainer.resume(path.join(tmp, 'e1', 'checkpoint'), path.join(tmp, 'e2'), { engine: 'tfjs' });
    got.push((await mixed.trainStep()).loss);
    const wMixed = await flatWeights(mixed);
    await mixed.dispose();
    got.forEach((l, i) => expect(l).toBeCloseTo(expected[i], 4));
    let maxDiff = 0;
    for (let i = 0; i < wTf.length; i++) maxDiff = Math.max(maxDiff, Math.abs(wTf[i] - wMixed[i]));
    // Adam's first steps move each weight by about lr whatever the gradient's size: a wrong gradient shows as a sign flip of ~1e-5
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('splits batches over worker threads with the same result, up to rounding, and resumes exactly', async () => {
    const inProcess = await Trainer.create(small, path.join(tmp, 'p0'), { engine: 'tfjs' });
    const expected = [(await inProcess.trainStep()).loss, (await inProcess.trainStep()).loss];
    const w0 = await flatWeights(inProcess);
    await inProcess.dispose();

    const parallel = await Trainer.create(small, path.join(tmp, 'p2'), { engine: 'tfjs', workers: 2 });
    const got = [(await parallel.trainStep()).loss];
    await parallel.save(path.join(tmp, 'p2', 'checkpoint'));
    await parallel.dispose();
    const resumed = await Trainer.resume(path.join(tmp, 'p2', 'checkpoint'), path.join(tmp, 'p3'), { engine: 'tfjs', workers: 2 });
    got.push((await resumed.trainStep()).loss);
    const w2 = await flatWeights(resumed);
    await resumed.dispose();
    got.forEach((l, i) => expect(l).toBeCloseTo(expected[i], 4));
    let maxDiff = 0;
    for (let i = 0; i < w0.length; i++) maxDiff = Math.max(maxDiff, Math.abs(w0[i] - w2[i]));
    expect(maxDiff).toBeLessThan(1e-4);

    const straight = await Trainer.create(small, path.join(tmp, 'p4'), { engine: 'tfjs', workers: 2 });
    await straight.trainStep();
    await straight.trainStep();
    // a worker step frees everything it made, the weights it was sent included
    const live = straight.workerTensors();
    expect(live).toHaveLength(2);
    await straight.trainStep();
    expect(straight.workerTensors()).toEqual(live);
    await straight.dispose();
    const again = await Trainer.create(small, path.join(tmp, 'p5'), { engine: 'tfjs', workers: 2 });
    await again.trainStep();
    await again.trainStep();
    const w4 = await flatWeights(again);
    await again.dispose();
    expect(Buffer.from(w4.buffer).equals(Buffer.from(w2.buffer))).toBe(true);
  });

  it('exports a bundle our text-to-image pipeline loads and samples', async () => {
    const trainer = await Trainer.create(small, path.join(tmp, 'd'));
    await trainer.trainStep();
    const bundle = path.join(tmp, 'd', 'bundle');
    await trainer.export(bundle);
    await trainer.dispose();

    const tok = loadTokenizer(bundle, 'tokenizer');
    const unk = SPECIAL_TOKENS.indexOf('[UNK]');
    for (const prompt of ['a photo of three circles', 'a photo of two squares', 'a photo of two triangles', sampleExample(5).metadata.prompt]) {
      expect(tok.encode(prompt)).not.toContain(unk);
    }

    const pipe = await TextToImagePipeline.load(bundle);
    const img = await pipe.generate({ prompt: 'a photo of a red circle', seed: 1, steps: 3, guidance: 2 });
    expect([img.width, img.height]).toEqual([64, 64]);
    expect(img.rgb.length).toBe(64 * 64 * 3);
    // the pixel decoder upscales 4x nearest: each 4x4 block is one colour
    for (const [x, y] of [
      [0, 0],
      [13, 37],
    ]) {
      const at = (xx: number, yy: number) => Array.from(img.rgb.subarray((yy * 64 + xx) * 3, (yy * 64 + xx) * 3 + 3));
      const bx = x - (x % 4);
      const by = y - (y % 4);
      expect(at(bx + 3, by + 3)).toEqual(at(bx, by));
    }
  });
});

describe('noise levels', () => {
  const draw = (sigmaSampling: 'uniform' | 'logit-normal') => Array.from({ length: 100 }, (_, step) => Array.from(batchFor(1, step, 32, { promptDropout: 0, sigmaSampling }).sigma)).flat();
  const share = (xs: number[], lo: number, hi: number) => xs.filter((x) => x >= lo && x <= hi).length / xs.length;

  it('logit-normal puts about two thirds of the draws in the middle of the path, uniform a share the width of the band', () => {
    const logit = draw('logit-normal');
    const uniform = draw('uniform');
    expect(logit.every((s) => s > 0 && s < 1)).toBe(true);
    // P(|z| < 1) = 0.683 for σ = sigmoid(z); 3,200 draws put it within ±0.03
    expect(share(logit, 1 / (1 + Math.E), 1 / (1 + 1 / Math.E))).toBeCloseTo(0.683, 1);
    expect(share(uniform, 1 / (1 + Math.E), 1 / (1 + 1 / Math.E))).toBeCloseTo(0.462, 1);
    expect(share(logit, 0, 0.1)).toBeLessThan(0.03);
    expect(share(uniform, 0, 0.1)).toBeGreaterThan(0.07);
    // the same scenes, noise and prompts either way: only σ differs
    const [a, b] = [batchFor(1, 5, 8, { promptDropout: 0.1, sigmaSampling: 'uniform' }), batchFor(1, 5, 8, { promptDropout: 0.1, sigmaSampling: 'logit-normal' })];
    expect(b.x0).toEqual(a.x0);
    expect(b.prompts).toEqual(a.prompts);
  });

  it('is logit-normal for a new run, and uniform for a checkpoint saved before the choice existed', () => {
    expect(ZTrainConfig.parse({}).sigmaSampling).toBe('logit-normal');
    const old = { seed: 0, batch: 32, lr: 0.0015, blocks: 6, hidden: 64, heads: 4, promptDropout: 0.1, steps: 4000 };
    expect(savedConfig(old)).toMatchObject({ sigmaSampling: 'uniform', outputConv: false, xPrediction: false });
    expect(savedConfig({ ...old, sigmaSampling: 'logit-normal', outputConv: true })).toMatchObject({ sigmaSampling: 'logit-normal', outputConv: true });
    expect(() => savedConfig({ ...old, sigmaSampling: 'cosine' })).toThrow(/sigmaSampling/);
  });
});

describe('learning-rate schedule', () => {
  const c = { lr: 1e-3, steps: 1000, warmup: 100, decay: 0.3, lrFinal: 0.1 };
  it('warms up linearly, holds, then follows a cosine to its floor', () => {
    expect(learningRate(c, 0)).toBeCloseTo(1e-5, 12);
    expect(learningRate(c, 49)).toBeCloseTo(5e-4, 12);
    expect(learningRate(c, 99)).toBeCloseTo(1e-3, 12);
    expect(learningRate(c, 500)).toBe(1e-3);
    expect(learningRate(c, 700)).toBe(1e-3);
    expect(learningRate(c, 850)).toBeCloseTo(1e-4 + 0.9e-3 / 2, 12);
    expect(learningRate(c, 1000)).toBeCloseTo(1e-4, 12);
    // a run resumed past its plan keeps the final rate
    expect(learningRate(c, 5000)).toBeCloseTo(1e-4, 12);
    for (let s = 701; s <= 1000; s++) expect(learningRate(c, s)).toBeLessThan(learningRate(c, s - 1));
  });
});

describe('replanning a run', () => {
  it('moves the end of the schedule, never behind the current step', async () => {
    const t = await Trainer.create({ ...small, steps: 50, warmup: 0 }, path.join(tmp, 'replan'));
    await t.trainStep();
    t.replan(20);
    expect(t.config.steps).toBe(20);
    expect(learningRate(t.config, 20)).toBeCloseTo(t.config.lr * t.config.lrFinal, 12);
    expect(() => t.replan(1)).toThrow(/at step 1 already/);
    await t.dispose();
  });
});

/** A run of two steps saved as a warm start's source (two: the conv's gradient is zero until the projection under it has moved). */
async function sourceRun(name: string, config: Partial<TTrainConfig>) {
  const run = await Trainer.create({ ...small, ...config }, path.join(tmp, name));
  await run.trainStep();
  await run.trainStep();
  const ckpt = path.join(tmp, name, 'checkpoint');
  await run.save(ckpt);
  const before = await run.weights();
  await run.dispose();
  return { ckpt, before };
}

describe('warm start and the output conv', () => {
  it('starts a run with an output conv from a run without one, keeping every weight it had', async () => {
    const { ckpt, before } = await sourceRun('plain', { outputConv: false, pixelHead: 0 });
    expect(Object.keys(before).some((k) => k.startsWith('conv_out'))).toBe(false);

    // a checkpoint written before the option existed resumes as the model it was
    const state = path.join(ckpt, 'state.json');
    const saved = JSON.parse(fs.readFileSync(state, 'utf8'));
    delete saved.config.outputConv;
    fs.writeFileSync(state, JSON.stringify(saved));
    const resumed = await Trainer.resume(ckpt, path.join(tmp, 'plain'));
    expect(resumed.mmdit.outputConv).toBe(false);
    await resumed.dispose();

    const warm = await Trainer.create({ ...small, steps: 30, outputConv: true, pixelHead: 0 }, path.join(tmp, 'warm'), { initFrom: ckpt });
    expect(warm.step).toBe(0);
    expect(warm.config.initFrom).toEqual({ checkpoint: path.resolve(ckpt), step: 2 });
    const w = await warm.weights();
    for (const [name, t] of Object.entries(before)) expect(Buffer.from(w[name].data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    expect(w['conv_out.weight'].dims).toEqual([4, 4, 3, 3]);
    expect(w['conv_out.weight'].data.every((v) => v === 0)).toBe(true);
    // the conv starts as nothing (the model is the one it came from) and learns from the first step
    await warm.trainStep();
    expect((await warm.weights())['conv_out.weight'].data.some((v) => v !== 0)).toBe(true);
    // the export counts the source's steps too
    const bundle = path.join(tmp, 'warm', 'bundle');
    await warm.export(bundle);
    expect(JSON.parse(fs.readFileSync(path.join(bundle, 'model_index.json'), 'utf8')).prunearena).toMatchObject({ trainedSteps: 3, warmStartedAt: 2, outputConv: true });
    await warm.dispose();

    await expect(Trainer.create({ ...small, hidden: 64, heads: 2, pixelHead: 0 }, path.join(tmp, 'wrong'), { initFrom: ckpt })).rejects.toThrow(/its hidden is 32, this run's 64/);
  });

  it('from a velocity-predicting run with an output conv to one predicting the clean image with a pixel head: the blocks carry over, the output head starts afresh', async () => {
    const { ckpt, before } = await sourceRun('velocity', { xPrediction: false, outputConv: true, pixelHead: 0 });
    for (const name of ['proj_out.weight', 'conv_out.weight']) expect(before[name].data.some((v) => v !== 0), name).toBe(true);

    const x = await Trainer.create({ ...small }, path.join(tmp, 'x-pred'), { initFrom: ckpt });
    expect(x.mmdit).toMatchObject({ xPrediction: true, pixelHead: 16, outputConv: false });
    const w = await x.weights();
    for (const name of Object.keys(before).filter((n) => !OUTPUT_HEAD.test(n))) expect(Buffer.from(w[name].data.buffer).equals(Buffer.from(before[name].data.buffer)), name).toBe(true);
    expect(Object.keys(w).some((n) => n.startsWith('conv_out'))).toBe(false);
    expect(w['proj_out.weight'].dims).toEqual([32, 4 * 16]);
    // afresh is adaLN-Zero's start: the head predicts the grey background
    for (const name of ['proj_out.weight', 'proj_out.bias', 'pixel_head.conv2.weight', 'pixel_head.conv2.bias']) expect(w[name].data.every((v) => v === 0), name).toBe(true);
    expect(w['pixel_head.conv1.weight'].data.some((v) => v !== 0)).toBe(true);
    const bundle = path.join(tmp, 'x-pred', 'bundle');
    await x.export(bundle);
    expect(JSON.parse(fs.readFileSync(path.join(bundle, 'model_index.json'), 'utf8')).prunearena).toMatchObject({ xPrediction: true, pixelHead: 16 });
    await x.dispose();
  });
});
