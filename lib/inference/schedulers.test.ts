import { describe, expect, it } from 'vitest';
import { initialNoise, stepNoise } from './noise';
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

  it('stochastic flow-match (diffusers stochastic_sampling): re-noises x̂0 to the next sigma with fresh noise, and ends on x̂0', () => {
    const config = { _class_name: 'FlowMatchEulerDiscreteScheduler', num_train_timesteps: 1000, shift: 3, stochastic_sampling: true };
    const s = makeSampler(config, 4);
    expect(s.name).toBe('flow-match Euler (shift 3), stochastic');
    const deterministic = makeSampler({ ...config, stochastic_sampling: false }, 4);
    expect(s.timesteps).toEqual(deterministic.timesteps);
    const x0 = Float32Array.from([0.5, -1, 2]);
    const e = Float32Array.from([1, 1, -1]);
    const fresh = Float32Array.from([-0.3, 0.8, 0.1]);
    const v = x0.map((a, k) => e[k] - a);
    // from x at σ0 with the true velocity, x̂0 = x0 exactly: the step lands on (1 − σ1)·x0 + σ1·fresh
    const sigma = s.timesteps.map((t) => t / 1000);
    const x = x0.map((a, k) => (1 - sigma[0]) * a + sigma[0] * e[k]);
    const next = s.step(x, v, 0, () => fresh);
    next.forEach((val, k) => expect(val).toBeCloseTo((1 - sigma[1]) * x0[k] + sigma[1] * fresh[k], 5));
    // Euler from the same point keeps the old noise instead
    deterministic.step(x, v, 0).forEach((val, k) => expect(val).toBeCloseTo((1 - sigma[1]) * x0[k] + sigma[1] * e[k], 5));
    // the last step draws nothing and returns x̂0
    const last = s.step(x0.map((a, k) => (1 - sigma[3]) * a + sigma[3] * e[k]), v, 3, () => {
      throw new Error('the last step must not draw noise');
    });
    last.forEach((val, k) => expect(val).toBeCloseTo(x0[k], 5));
    expect(() => s.step(x, v, 0)).toThrow(/needs fresh noise/);
    expect(() => s.step(x, v, 0, () => new Float32Array(2))).toThrow(/2 values for a latent of 3/);
    expect(() => makeSampler({ ...config, stochastic_sampling: 'true' as never }, 4)).toThrow(/stochastic_sampling must be true or false \(got "true"\)/);
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

describe('step noise', () => {
  it('is a function of (seed, step): the same for both, other for another step or seed, and not the initial noise', () => {
    const a = stepNoise(42, 3, 64);
    expect(stepNoise(42, 3, 64)).toEqual(a);
    expect(stepNoise(42, 4, 64)).not.toEqual(a);
    expect(stepNoise(43, 3, 64)).not.toEqual(a);
    expect(a).not.toEqual(initialNoise(42, [64]));
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
