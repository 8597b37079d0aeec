import { describe, expect, it } from 'vitest';
import { initialNoise } from './noise';
import { makeSampler } from './schedulers';

describe('samplers', () => {
  it('flow-match Euler: shifted sigmas from 1 down, timesteps = 1000 sigma, and exact transport of a straight path', () => {
    const s = makeSampler({ _class_name: 'FlowMatchEulerDiscreteScheduler', num_train_timesteps: 1000, shift: 3 }, 4);
    expect(s.timesteps[0]).toBeCloseTo(1000);
    for (let i = 1; i < 4; i++) expect(s.timesteps[i]).toBeLessThan(s.timesteps[i - 1]);
    // shift 3 keeps sigmas high: the second of 4 steps at (3 x 0.667)/(1 + 2 x 0.667)
    const raw = 1 + (0.001 - 1) / 3;
    expect(s.timesteps[1]).toBeCloseTo((1000 * 3 * raw) / (1 + 2 * raw), 3);
    // x_t = (1 - t) x0 + t e has velocity e - x0: Euler follows it exactly to x0
    const x0 = Float32Array.from([0.5, -1, 2]);
    const e = Float32Array.from([1, 1, -1]);
    let x: Float32Array = Float32Array.from(e);
    const v = x0.map((a, k) => e[k] - a);
    for (let i = 0; i < 4; i++) x = s.step(x, v, i);
    x.forEach((val, k) => expect(val).toBeCloseTo(x0[k], 5));
  });

  it('DDIM recovers x0 when the model predicts the true noise', () => {
    const s = makeSampler({ _class_name: 'DDIMScheduler', num_train_timesteps: 1000, beta_schedule: 'scaled_linear', steps_offset: 1 }, 10);
    expect(s.timesteps).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
    const x0 = Float32Array.from([0.3, -0.7]);
    const eps = Float32Array.from([1.2, -0.4]);
    // build x_t at the first timestep from the same alphas the sampler uses
    let ac = 1;
    const b0 = Math.sqrt(0.00085);
    const b1 = Math.sqrt(0.012);
    for (let t = 0; t <= 901; t++) ac *= 1 - (b0 + ((b1 - b0) * t) / 999) ** 2;
    let x: Float32Array = x0.map((v, k) => Math.sqrt(ac) * v + Math.sqrt(1 - ac) * eps[k]);
    for (let i = 0; i < 10; i++) x = s.step(x, eps, i);
    // the last step lands on alphas_cumprod[0], a hair from x0
    x.forEach((v, k) => expect(v).toBeCloseTo(x0[k], 1));
  });

  it('Euler on ε-models scales the input and starts from a larger sigma', () => {
    const s = makeSampler({ _class_name: 'EulerDiscreteScheduler' }, 5);
    expect(s.initNoiseSigma).toBeGreaterThan(1);
    expect(s.scaleInput(Float32Array.from([2]), 0)[0]).toBeLessThan(2);
  });

  it('refuses what it does not know, with the reason', () => {
    expect(() => makeSampler({ _class_name: 'LCMScheduler' }, 4)).toThrow(/LCMScheduler is not supported/);
    expect(() => makeSampler({ _class_name: 'DDIMScheduler', prediction_type: 'v_prediction' }, 4)).toThrow(/v_prediction/);
    expect(() => makeSampler({ _class_name: 'DDIMScheduler' }, 0)).toThrow(/at least 1/);
  });
});

describe('initial noise', () => {
  it('is the same for a seed, different across seeds, and standard normal', () => {
    const a = initialNoise(42, [1, 4, 8, 8]);
    expect(initialNoise(42, [1, 4, 8, 8])).toEqual(a);
    expect(initialNoise(43, [1, 4, 8, 8])).not.toEqual(a);
    const big = initialNoise(7, [1, 4, 64, 64]);
    const mean = big.reduce((s, v) => s + v, 0) / big.length;
    const variance = big.reduce((s, v) => s + (v - mean) ** 2, 0) / big.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});
