import { Rng } from '../fixtures/random';

/**
 * The initial noise of a generation, documented so anyone can reproduce it: a mulberry32 stream
 * seeded with `seed` (unsigned 32-bit), turned into standard normals by Box-Muller (cosine first,
 * then sine of the same pair), filled in C order over [batch, channels, height, width]. It does
 * not depend on the model's weights, so every variant of a model gets the same noise for the same
 * prompt and seed, and their images are paired.
 */
export function initialNoise(seed: number, shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Rng(seed >>> 0).normals(n, 1);
}

/**
 * The fresh noise a stochastic sampler draws at step `step` of a generation: the stream of
 * `seed` forked by the label "step <step>", as standard normals in the same order as
 * initialNoise. A function of (seed, step) only, so variants of a model stay paired.
 */
export function stepNoise(seed: number, step: number, n: number): Float32Array {
  return new Rng(seed >>> 0).fork(`step ${step}`).normals(n, 1);
}
