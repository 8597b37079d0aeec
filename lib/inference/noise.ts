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
