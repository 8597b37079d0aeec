import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoreGenEval } from '../scoring/geneval';
import type { TRgbImage } from '../scoring/types';
import { measureDetector, type TAccuracyReport } from './accuracy';
import { detectShapes, SHAPES_DETECTOR } from './detector';
import { shapesEvaluationSet } from './eval-set';
import { scoreGroundTruth, writeGroundTruthRun } from './ground-truth-run';
import { renderScene } from './render';
import { sampleExample } from './scene';
import { BACKGROUND, SHAPE_PALETTE } from './world';

function expectAtLeast(r: TAccuracyReport, floor: number) {
  for (const c of r.classes) {
    expect(c.precision, `${c.class} precision at ${r.size}px, blur ${r.blur}`).toBeGreaterThanOrEqual(floor);
    expect(c.recall, `${c.class} recall at ${r.size}px, blur ${r.blur}`).toBeGreaterThanOrEqual(floor);
  }
  expect(r.colour.judge).toBeGreaterThanOrEqual(floor);
}

/** A background image with filled rectangles [x1, y1, x2, y2) in the given colours. */
function image(size: number, rects: [number, number, number, number, readonly number[]][]): TRgbImage {
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) rgb.set(BACKGROUND, i * 3);
  for (const [x1, y1, x2, y2, c] of rects) for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) rgb.set(c, (y * size + x) * 3);
  return { width: size, height: size, rgb };
}

describe('the shapes detector against the generator\'s ground truth (held-out seeds)', () => {
  it('finds every class with precision and recall of at least 0.98 on 200 crisp scenes at 16 pixels, colours included', async () => {
    const r = await measureDetector({ scenes: 200, size: 16 });
    expectAtLeast(r, 0.98);
    expect(r.exactScenes).toBeGreaterThanOrEqual(0.98);
    expect(r.recallForCounting).toBeGreaterThanOrEqual(0.98);
  });

  it('does as well at 32 and 64 pixels', async () => {
    for (const size of [32, 64]) expectAtLeast(await measureDetector({ scenes: 60, size }), 0.98);
  });

  it('holds at least 0.95 on blurred, noisy renders (σ = 1 grid unit, noise 6 levels), as a small model draws', async () => {
    const r = await measureDetector({ scenes: 200, size: 16, blur: 1, noise: 6 });
    expectAtLeast(r, 0.95);
    expect(r.recallForCounting).toBeGreaterThanOrEqual(0.9);
  });

  it('scores every crisp object above GenEval\'s counting threshold, with its box and mask', () => {
    const { scene } = sampleExample(1_000_123);
    const rendered = renderScene(scene, 16);
    const dets = detectShapes(rendered.image);
    expect(dets).toHaveLength(rendered.objects.length);
    for (const t of rendered.objects) {
      const d = dets.find((x) => x.class === t.class && x.colour === t.colour)!;
      expect(d.score).toBeGreaterThan(0.95);
      expect(d.mask!.data.reduce((s, v) => s + v, 0)).toBeGreaterThan(10);
      d.box.forEach((v, k) => expect(Math.abs(v - t.box[k])).toBeLessThanOrEqual(1));
    }
  });

  it('joins a smeared edge of another hue to its object, drops specks, and finds nothing on a blank image', () => {
    expect(detectShapes(image(16, []))).toEqual([]);
    const dets = detectShapes(image(16, [[3, 3, 11, 11, SHAPE_PALETTE.red], [3, 3, 4, 11, SHAPE_PALETTE.orange], [14, 1, 15, 2, SHAPE_PALETTE.blue]]));
    expect(dets.map((d) => [d.class, d.colour, d.box])).toEqual([['square', 'red', [3, 3, 11, 11]]]);
  });

  it('gives no confidence to blobs that are no shape at all, though the moments name one', () => {
    const { red, blue, green } = SHAPE_PALETTE;
    const blobs: [string, [number, number, number, number, readonly number[]][]][] = [
      ['an L', [[2, 2, 6, 14, red], [6, 10, 14, 14, red]]],
      ['a plus', [[7, 2, 10, 14, blue], [2, 7, 14, 10, blue]]],
      ['a comb', [[2, 2, 14, 5, green], [2, 5, 4, 13, green], [7, 5, 9, 13, green], [12, 5, 14, 13, green]]],
    ];
    for (const [what, rects] of blobs) {
      const [d] = detectShapes(image(16, rects));
      expect(d, what).toBeDefined();
      expect(d.shapes[d.class], `${what}: the moments still call it a ${d.class}`).toBeGreaterThan(0.5);
      expect(d.fit, what).toBeLessThan(0.65);
      expect(d.score, what).toBeLessThan(0.3);
    }
    // a clean drawing of each shape fits it
    for (const [shape, seed] of [['circle', 0], ['square', 0], ['triangle', 0]] as const) {
      const r = renderScene({ objects: [{ shape, colour: 'red', x: 4, y: 4, size: 8 }] }, 16);
      const [d] = detectShapes(r.image);
      expect([d.class, d.fit > 0.95, d.score > 0.9], `${shape} ${seed}`).toEqual([shape, true, true]);
    }
  });
});

describe('GenEval with the shapes detector', () => {
  it('scores the rendered ground truth of the evaluation prompts at least 0.95, and the ground truth itself is right', async () => {
    const g = await scoreGroundTruth(shapesEvaluationSet(), { size: 16, imagesPerPrompt: 2 });
    expect(g.truthCorrect).toBe(g.images);
    expect(g.report.complete).toBe(true);
    expect(g.report.overall.score).toBeGreaterThanOrEqual(0.95);
    expect(g.report.detections).toEqual({ source: 'detector', id: SHAPES_DETECTOR.id, title: SHAPES_DETECTOR.title });
    const blurred = await scoreGroundTruth(shapesEvaluationSet(), { size: 16, imagesPerPrompt: 2, blur: 0.6, noise: 4, seed: 1 });
    expect(blurred.report.overall.score).toBeGreaterThanOrEqual(0.95);
  });

  it('needs a detector that knows the shapes: a COCO detector is refused on shapes prompts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-shapes-test-'));
    try {
      await writeGroundTruthRun(dir, shapesEvaluationSet().slice(0, 1), { size: 16, imagesPerPrompt: 1 });
      const coco = { id: 'coco', title: 'a COCO detector', detect: async () => [] };
      await expect(scoreGenEval(dir, { detector: coco, bootstrapRounds: 0 })).rejects.toThrow(/unknown class "circle" \(not one of GenEval's 80 COCO names\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
