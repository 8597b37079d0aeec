import { describe, expect, it } from 'vitest';
import { Rng } from '../../fixtures/random';
import { fluxSampler, fluxShift, latentImageIds, packLatents, unpackLatents } from './flux';

describe('FLUX latents', () => {
  it('packs 2x2 patches as diffusers does and unpacks them back exactly', () => {
    // one channel, 4x4: patch (0, 1) holds rows 0-1, columns 2-3, row-major inside the patch
    const x = Float32Array.from({ length: 16 }, (_, i) => i);
    const packed = packLatents(x, 1, 1, 4, 4);
    expect([...packed.subarray(0, 4)]).toEqual([0, 1, 4, 5]);
    expect([...packed.subarray(4, 8)]).toEqual([2, 3, 6, 7]);
    expect([...packed.subarray(8, 12)]).toEqual([8, 9, 12, 13]);
    // two channels: a patch's features are channel 0's four values, then channel 1's
    const two = Float32Array.from({ length: 2 * 2 * 2 }, (_, i) => i);
    expect([...packLatents(two, 1, 2, 2, 2)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    for (const [b, c, h, w] of [
      [1, 16, 8, 8],
      [2, 4, 6, 10],
      [3, 1, 2, 2],
    ]) {
      const data = new Rng(b * 100 + c).normals(b * c * h * w, 1);
      const round = unpackLatents(packLatents(data, b, c, h, w), b, c, h, w);
      expect(Buffer.from(round.buffer).equals(Buffer.from(data.buffer))).toBe(true);
    }
  });

  it('gives every patch its (0, row, column) id in packing order', () => {
    const ids = latentImageIds(4, 6);
    expect(ids).toHaveLength(2 * 3 * 3);
    expect([...ids.subarray(0, 3)]).toEqual([0, 0, 0]);
    expect([...ids.subarray(3, 6)]).toEqual([0, 0, 1]);
    expect([...ids.subarray(9, 12)]).toEqual([0, 1, 0]);
    expect([...ids.subarray(15, 18)]).toEqual([0, 1, 2]);
  });
});

describe('FLUX sampler', () => {
  it('schnell: no shift, sigmas linspace(1, 1/steps) then 0, timesteps 1000·σ', () => {
    const s = fluxSampler({ _class_name: 'FlowMatchEulerDiscreteScheduler', shift: 1, use_dynamic_shifting: false }, 4, 4096);
    expect(s.timesteps).toEqual([1000, 750, 500, 250]);
    // the Euler steps add up to the whole path: x0 = x1 - v for a straight path
    const x1 = Float32Array.from([1, -2]);
    const v = Float32Array.from([0.5, 0.25]);
    let x: Float32Array = x1;
    for (let i = 0; i < 4; i++) x = s.step(x, v, i);
    expect(x[0]).toBeCloseTo(0.5, 6);
    expect(x[1]).toBeCloseTo(-2.25, 6);
  });

  it('dev: the shift grows with the number of image patches (μ linear from 0.5 at 256 to 1.15 at 4096)', () => {
    const config = { _class_name: 'FlowMatchEulerDiscreteScheduler', shift: 3, use_dynamic_shifting: true, base_shift: 0.5, max_shift: 1.15, base_image_seq_len: 256, max_image_seq_len: 4096 };
    expect(fluxShift(config, 256)).toBeCloseTo(Math.exp(0.5), 10);
    expect(fluxShift(config, 4096)).toBeCloseTo(Math.exp(1.15), 10);
    // a 1024x1024 image: 64x64 patches
    const s = fluxSampler(config, 4, 4096);
    const e = Math.exp(1.15);
    expect(s.timesteps[1]).toBeCloseTo((1000 * e * 0.75) / (e * 0.75 + 0.25), 3);
    expect(s.name).toMatch(/dynamic/);
  });

  it('refuses another scheduler', () => {
    expect(() => fluxSampler({ _class_name: 'DDIMScheduler' }, 4, 16)).toThrow(/FlowMatchEulerDiscreteScheduler/);
  });
});
