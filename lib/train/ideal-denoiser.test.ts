import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../fixtures/random';
import { GAP_BANDS, GAP_PROMPTS, idealVelocity, measureDenoiseGap, onnxVelocityModel, singleObjectScenes, type TVelocityModel } from './ideal-denoiser';
import { shapesInitialWeights, shapesMmditConfig, writeShapesBundle } from './shapes-model';

describe('the ideal denoiser of single-object prompts', () => {
  const scenes = singleObjectScenes('triangle', 'green');

  it('enumerates every size and place a lone object may take, each a different image', () => {
    // sizes 7..11 on a 16-unit grid: 10² + 9² + 8² + 7² + 6² places
    expect(scenes).toHaveLength(330);
    expect(new Set(scenes.map((s) => Buffer.from(s.buffer).toString('base64'))).size).toBe(330);
  });

  it('predicts the average scene from pure noise and the exact scene from light noise', () => {
    const noise = new Rng(1).normals(scenes[0].length, 1);
    const mean = scenes[0].map((_, i) => scenes.reduce((s, x) => s + x[i], 0) / scenes.length);
    idealVelocity(scenes, noise, 1).forEach((v, i) => expect(v).toBeCloseTo(noise[i] - mean[i], 4));
    const x0 = scenes[123];
    const sigma = 0.15;
    const xt = x0.map((x, i) => (1 - sigma) * x + sigma * noise[i]);
    idealVelocity(scenes, xt, sigma).forEach((v, i) => expect(v).toBeCloseTo(noise[i] - x0[i], 3));
    expect(() => idealVelocity(scenes, xt, 0)).toThrow(/σ must be in \(0, 1\]/);
  });

  it('measures no gap for itself and a gap at every noise level for a model that only knows the background', async () => {
    const sets = new Map(GAP_PROMPTS.map(([shape, colour]) => [`a photo of a ${colour} ${shape}`, singleObjectScenes(shape, colour)]));
    const ideal: TVelocityModel = async (xt, sigma, prompt) => idealVelocity(sets.get(prompt)!, xt, sigma);
    // x̂0 = the grey background (0 in every channel): v = x_σ / σ
    const grey: TVelocityModel = async (xt, sigma) => xt.map((x) => x / sigma);
    const self = await measureDenoiseGap(ideal, { perBand: 2 });
    expect(self).toHaveLength(GAP_PROMPTS.length * GAP_BANDS.length);
    for (const r of self) expect(r.model).toBe(r.ideal);
    const rows = await measureDenoiseGap(grey, { perBand: 2 });
    // the same scenes, σ and noise for both models
    expect(rows.map((r) => r.ideal)).toEqual(self.map((r) => r.ideal));
    for (const r of rows) expect(r.model, `${r.prompt} σ ${r.band}`).toBeGreaterThan(r.ideal);
  });
});

describe('a shapes bundle as the model under test', () => {
  it('predicts a velocity the size of the latent, the one an untrained model gives (adaLN-Zero: zero, or x_σ / σ predicting the clean image)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-gap-'));
    try {
      const sizes = { blocks: 2, hidden: 32, heads: 2, seed: 1, outputConv: true };
      writeShapesBundle(dir, sizes, shapesInitialWeights(shapesMmditConfig(sizes), sizes.seed));
      const m = await onnxVelocityModel(dir);
      const v = await m.predict(new Rng(2).normals(4 * 16 * 16, 1), 0.5, 'a photo of a red circle');
      expect(v).toHaveLength(4 * 16 * 16);
      expect(v.every((x) => x === 0)).toBe(true);
      const rows = await measureDenoiseGap(m.predict, { perBand: 1 });
      expect(rows.every((r) => Number.isFinite(r.model) && r.model > r.ideal)).toBe(true);
      await m.release();

      // predicting the clean image, the untrained model predicts the grey background (0): its velocity is x_σ / max(σ, 0.05)
      const xpred = path.join(dir, 'x-prediction');
      writeShapesBundle(xpred, { ...sizes, xPrediction: true }, shapesInitialWeights(shapesMmditConfig({ ...sizes, xPrediction: true }), sizes.seed));
      const mx = await onnxVelocityModel(xpred);
      const x = new Rng(3).normals(4 * 16 * 16, 1);
      for (const [sigma, divisor] of [
        [0.5, 0.5],
        [0.02, 0.05],
      ]) {
        const vx = await mx.predict(x, sigma, 'a photo of a red circle');
        vx.forEach((val, i) => expect(val).toBeCloseTo(x[i] / divisor, 4));
      }
      await mx.release();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
