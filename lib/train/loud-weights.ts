import { randomMmditWeights, type TMmditConfig, type TWeights } from '../fixtures/mmdit';

/**
 * For tests that compare two implementations of the MMDiT: the fixture's seeded weights with the
 * AdaLN modulations and output projections (std 0.02, near zero) scaled up 25x, so a wrong
 * attention, MLP or head cannot hide behind tiny gates and every path carries weight.
 */
export function loudMmditWeights(cfg: TMmditConfig, seed: number): TWeights {
  const w = randomMmditWeights(cfg, seed);
  for (const [name, t] of Object.entries(w)) if (/norm1(_context)?\.linear|norm_out\.linear|proj_out|conv_out|pixel_head\.conv2/.test(name)) t.data = t.data.map((v) => v * 25);
  return w;
}
