import { describe, expect, it } from 'vitest';
import { randomMmditWeights } from '../fixtures/mmdit';
import { shapesInitialWeights, shapesMmditConfig, sinCosPositions } from './shapes-model';

describe('the shapes model’s initial weights', () => {
  it('embed positions so that neighbours are alike and far tokens are not', () => {
    const grid = 8;
    const D = 64;
    const P = sinCosPositions(grid, D);
    const cos = (i: number, j: number) => {
      let d = 0;
      let a = 0;
      let b = 0;
      for (let k = 0; k < D; k++) {
        d += P[i * D + k] * P[j * D + k];
        a += P[i * D + k] ** 2;
        b += P[j * D + k] ** 2;
      }
      return d / Math.sqrt(a * b);
    };
    // token (x=0, y=0): sin 0 = 0 and cos 0 = 1 in every pair
    expect(Array.from(P.subarray(0, D))).toEqual(Array.from({ length: D }, (_, k) => (Math.floor(k / (D / 4)) % 2 === 1 ? 1 : 0)));
    expect(cos(0, 1)).toBeGreaterThan(cos(0, 7));
    expect(cos(0, grid)).toBeGreaterThan(cos(0, 7 * grid));
    expect(cos(9, 10)).toBeCloseTo(cos(9, 17), 10);
    expect(() => sinCosPositions(8, 30)).toThrow(/divisible by 4/);
  });

  it('start every block as the identity (adaLN-Zero) and keep the fixture’s other weights', () => {
    const cfg = shapesMmditConfig({ blocks: 2, hidden: 32, heads: 2, seed: 0 });
    const w = shapesInitialWeights(cfg, 0);
    const base = randomMmditWeights(cfg, 0);
    expect(Object.keys(w).sort()).toEqual(Object.keys(base).sort());
    const zero = Object.keys(w).filter((n) => w[n].data.every((v) => v === 0));
    expect(zero.sort()).toEqual(
      ['norm_out.linear.bias', 'norm_out.linear.weight', 'proj_out.bias', 'proj_out.weight', ...[0, 1].flatMap((b) => ['norm1', 'norm1_context'].flatMap((n) => [`transformer_blocks.${b}.${n}.linear.bias`, `transformer_blocks.${b}.${n}.linear.weight`]))].sort(),
    );
    expect(w['transformer_blocks.0.attn.to_q.weight'].data).toEqual(base['transformer_blocks.0.attn.to_q.weight'].data);
    expect(w['pos_embed.pos_embed'].data).toEqual(sinCosPositions(8, 32));
  });
});
