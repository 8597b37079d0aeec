import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Rng } from '../fixtures/random';
import { relativePosition } from '../scoring/geneval-protocol';
import { counting, position, twoObject } from './prompts';
import { renderScene } from './render';
import { judgeGroundTruth, keepsGap, sampleExample, sceneFor, unitBox } from './scene';
import { GAP, GRID, SIZES, type TSceneObject } from './world';

const SEEDS = Array.from({ length: 400 }, (_, i) => i);

/** Smallest Chebyshev distance between the pixels of two masks. */
function pixelDistance(a: Uint8Array, b: Uint8Array, width: number): number {
  const pts = (m: Uint8Array) => [...m.keys()].filter((i) => m[i]).map((i) => [i % width, Math.floor(i / width)]);
  const [pa, pb] = [pts(a), pts(b)];
  let best = Infinity;
  for (const [ax, ay] of pa) for (const [bx, by] of pb) best = Math.min(best, Math.max(Math.abs(ax - bx), Math.abs(ay - by)));
  return best;
}

describe('the scene generator', () => {
  it('gives the same scene and the same image bytes for the same seed, and different ones for other seeds', () => {
    for (const seed of [0, 1, 12345]) {
      const a = sampleExample(seed);
      const b = sampleExample(seed);
      expect(b).toEqual(a);
      for (const size of [16, 32, 64]) expect(Buffer.from(renderScene(b.scene, size).image.rgb).equals(Buffer.from(renderScene(a.scene, size).image.rgb))).toBe(true);
    }
    const prompts = new Set(SEEDS.slice(0, 50).map((s) => JSON.stringify(sampleExample(s))));
    expect(prompts.size).toBe(50);
  });

  it('draws the same examples as it always has (a trained model\'s data depends on them: change this digest only on purpose)', () => {
    const hash = createHash('sha256');
    for (const seed of SEEDS.slice(0, 20)) {
      const ex = sampleExample(seed);
      hash.update(ex.metadata.prompt).update(renderScene(ex.scene, 16).image.rgb);
    }
    expect(hash.digest('hex').slice(0, 16)).toMatchInlineSnapshot(`"be04da2ac6995176"`);
  });

  it('makes scenes that their own metadata holds for: GenEval on the ground truth is right every time', async () => {
    for (const seed of SEEDS) {
      const ex = sampleExample(seed);
      const verdict = await judgeGroundTruth(ex.metadata, ex.scene);
      expect(verdict.failures, `${seed}: ${ex.metadata.prompt}`).toEqual([]);
      const n = ex.scene.objects.length;
      expect(n).toBe(ex.metadata.include.reduce((s, c) => s + c.count, 0));
      for (const o of ex.scene.objects) {
        expect(o.size).toBeGreaterThanOrEqual(SIZES[n as 1 | 2 | 3][0]);
        expect(o.size).toBeLessThanOrEqual(SIZES[n as 1 | 2 | 3][1]);
        expect(Math.min(o.x, o.y)).toBeGreaterThanOrEqual(0);
        expect(Math.max(o.x, o.y) + o.size).toBeLessThanOrEqual(GRID);
      }
    }
  });

  it('keeps the objects of "two X" and "three X" apart: at least GAP background pixels between their masks at 16 pixels', () => {
    const rng = new Rng(99);
    let checked = 0;
    for (const meta of [counting('circle', 2), counting('square', 2), counting('triangle', 3), twoObject('circle', 'square')]) {
      for (let k = 0; k < 40; k++) {
        const scene = sceneFor(meta, rng);
        const { objects } = renderScene(scene, 16);
        for (let i = 0; i < objects.length; i++) {
          for (let j = i + 1; j < objects.length; j++) {
            expect(keepsGap(scene.objects[i], scene.objects[j])).toBe(true);
            expect(pixelDistance(objects[i].mask.data, objects[j].mask.data, 16)).toBeGreaterThan(GAP);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
    const a: TSceneObject = { shape: 'circle', colour: 'red', x: 0, y: 0, size: 6 };
    expect(keepsGap(a, { ...a, x: 8 })).toBe(true);
    expect(keepsGap(a, { ...a, x: 7 })).toBe(false);
    expect(keepsGap(a, { ...a, x: 7, y: 8 })).toBe(true);
  });

  it('places a positioned object clearly in its relation (GenEval sees exactly that relation)', () => {
    const rng = new Rng(5);
    for (const relation of ['left of', 'right of', 'above', 'below'] as const) {
      for (let k = 0; k < 20; k++) {
        const scene = sceneFor(position('circle', relation, 'triangle'), rng);
        const target = scene.objects.find((o) => o.shape === 'triangle')!;
        const mover = scene.objects.find((o) => o.shape === 'circle')!;
        expect(relativePosition(unitBox(mover), unitBox(target))).toEqual([relation]);
      }
    }
  });

  it('renders one scene at any resolution: boxes scale, and 64 pixels averaged down to 16 look like the 16-pixel render', () => {
    const { scene } = sampleExample(3);
    const [r16, r32, r64] = [16, 32, 64].map((s) => renderScene(scene, s));
    r16.objects.forEach((o, i) => {
      expect(r32.objects[i].box).toEqual(o.box.map((v) => v * 2));
      expect(r64.objects[i].box).toEqual(o.box.map((v) => v * 4));
    });
    let worst = 0;
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) sum += r64.image.rgb[((4 * y + dy) * 64 + 4 * x + dx) * 3 + c];
          worst = Math.max(worst, Math.abs(sum / 16 - r16.image.rgb[(y * 16 + x) * 3 + c]));
        }
      }
    }
    expect(worst).toBeLessThan(8);
  });

  it('draws only the tasks given weight', () => {
    const tags = new Set(SEEDS.slice(0, 60).map((s) => sampleExample(s, { taskWeights: { counting: 2, position: 1 } }).metadata.tag));
    expect([...tags].sort()).toEqual(['counting', 'position']);
    expect(() => sampleExample(0, { taskWeights: {} })).toThrow(/no task/);
  });
});
