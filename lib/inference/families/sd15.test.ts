import { describe, expect, it } from 'vitest';
import { makeSampler } from '../schedulers';
import { alphaCumprod, epsilonFromV } from './sd15';

describe('SD 1.5/2.1 prediction types', () => {
  const config = { _class_name: 'DDIMScheduler', num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', steps_offset: 1 };

  it('ᾱ follows the scaled-linear β schedule', () => {
    expect(alphaCumprod(config, 0)).toBeCloseTo(1 - 0.00085, 8);
    const b1 = (Math.sqrt(0.00085) + (Math.sqrt(0.012) - Math.sqrt(0.00085)) / 999) ** 2;
    expect(alphaCumprod(config, 1)).toBeCloseTo((1 - 0.00085) * (1 - b1), 8);
    expect(alphaCumprod(config, 999)).toBeLessThan(0.01);
    expect(alphaCumprod({ ...config, beta_schedule: 'linear' }, 999)).toBeLessThan(alphaCumprod(config, 999));
  });

  it('turns a v-prediction into the noise it implies, so DDIM with v recovers x0 like DDIM with ε', () => {
    const x0 = Float32Array.from([0.3, -0.7, 1.1]);
    const eps = Float32Array.from([1.2, -0.4, 0.05]);
    const t = 601;
    const a = alphaCumprod(config, t);
    const xt = x0.map((v, k) => Math.sqrt(a) * v + Math.sqrt(1 - a) * eps[k]);
    const vTrue = eps.map((e, k) => Math.sqrt(a) * e - Math.sqrt(1 - a) * x0[k]);
    const back = epsilonFromV(vTrue, xt, a);
    back.forEach((v, k) => expect(v).toBeCloseTo(eps[k], 5));

    // one DDIM step from t with either parameterisation lands on the same latent
    const s = makeSampler(config, 10);
    const i = s.timesteps.indexOf(t);
    expect(i).toBeGreaterThanOrEqual(0);
    const fromEps = s.step(xt, eps, i);
    const fromV = s.step(xt, epsilonFromV(vTrue, xt, a), i);
    fromV.forEach((v, k) => expect(v).toBeCloseTo(fromEps[k], 5));
  });
});
