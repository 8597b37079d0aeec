import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { l2Normalize } from './clip';
import type { TClipPreprocess } from './clip-preprocess';
import { CLIP_COLOUR_TEMPLATES, clipColourClassifier, colourCropPixels, colourFromLogits, colourPrompts, loadClipColourClassifier, type TClipEncoders } from './colour-clip';
import { COLOUR_CLIP_FIXTURE_NAME, writeColourClipFixture } from './colour-clip-fixture';
import { COLOUR_SWATCHES } from './colour-pixel';
import { cropObject } from './crop';
import { canvas, fillRect, writeGenEvalRun } from './geneval-fixtures';
import { GENEVAL_COLOURS } from './geneval-protocol';
import { scoreGenEval } from './geneval';
import type { TColourCrop } from './types';

const CPU = { providers: ['cpu' as const], threads: 1 };
/** Preprocessing that keeps a 4x4 crop as it is: no resize, no crop, no normalisation beyond /255. */
const IDENTITY_4: TClipPreprocess = { shortestEdge: 4, cropWidth: 4, cropHeight: 4, mean: [0, 0, 0], std: [1, 1, 1] };

const solid = (width: number, height: number, colour: readonly number[]): TColourCrop => ({ width, height, rgb: new Uint8Array(width * height * 3).map((_, i) => colour[i % 3]) });

let tmp: string;
let fixture: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-colour-clip-'));
  fixture = writeColourClipFixture(path.join(tmp, 'colour-clip')).dir;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('what CLIP is shown', () => {
  it('is the box cut out of the image, with the pixels off the mask filled with #999 grey', () => {
    // 8x8 red image; the object is a blue 2x3 block at x 3..5, y 2..5; the box [2, 2, 6, 6] holds it and a red margin
    const img = canvas(8, 8, [255, 0, 0]);
    const mask = fillRect(img, [3, 2, 5, 5], [0, 0, 255]);
    img.rgb.set([0, 255, 0], (0 * 8 + 0) * 3); // a green pixel outside the box must not appear
    const crop = cropObject(img, [2, 2, 6, 6], mask);
    expect([crop.width, crop.height]).toEqual([4, 4]);
    const pixels = colourCropPixels(crop, IDENTITY_4);
    const at = (x: number, y: number) => [0, 1, 2].map((c) => Math.round(pixels[c * 16 + y * 4 + x] * 255));
    const grey = [0x99, 0x99, 0x99];
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        const inObject = x >= 1 && x < 3 && y < 3;
        expect([x, y, ...at(x, y)]).toEqual([x, y, ...(inObject ? [0, 0, 255] : grey)]);
      }
    }
  });

  it('is the raw box when the detection has no mask, and normalised with the model\'s mean and std', () => {
    const img = canvas(4, 4, [255, 0, 0]);
    fillRect(img, [0, 0, 2, 4], [0, 0, 255]);
    const raw = colourCropPixels(cropObject(img, [0, 0, 4, 4]), IDENTITY_4);
    expect([raw[0], raw[2 * 16], raw[3], raw[2 * 16 + 3]]).toEqual([0, 1, 1, 0]); // blue at x 0, red at x 3
    const normalised = colourCropPixels(solid(4, 4, [255, 255, 255]), { ...IDENTITY_4, mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 1] });
    expect([normalised[0], normalised[16], normalised[32]]).toEqual([2, 1, 0.5]);
  });
});

describe('the zero-shot classifier', () => {
  it('asks with GenEval\'s three prompts per colour', () => {
    expect(CLIP_COLOUR_TEMPLATES).toHaveLength(3);
    const prompts = colourPrompts('fire hydrant');
    expect(prompts).toHaveLength(10);
    expect(prompts[GENEVAL_COLOURS.indexOf('blue')]).toEqual(['a photo of a blue fire hydrant', 'a photo of a blue-colored fire hydrant', 'a photo of a blue object']);
  });

  it('picks the colour whose averaged prompt embedding is closest to the image, and embeds a class\'s prompts once, in one batch', async () => {
    const K = GENEVAL_COLOURS.length;
    const textCalls: string[][] = [];
    // text: the colour's axis, plus an axis per template that averaging must dilute; image: set per test
    let image = new Float64Array(K + 3);
    const encoders: TClipEncoders = {
      info: { dir: '/models/double', name: null, fixture: false, preprocess: IDENTITY_4 },
      embedTexts: async (texts) => {
        textCalls.push(texts);
        return texts.map((t) => {
          const v = new Float64Array(K + 3);
          v[GENEVAL_COLOURS.findIndex((c) => t.includes(` ${c} `) || t.includes(` ${c}-`))] = 1;
          v[K + (t.includes('-colored') ? 1 : t.endsWith(' object') ? 2 : 0)] = 1;
          return l2Normalize(v);
        });
      },
      embedPixels: async (images) => images.map(() => l2Normalize(image)),
    };
    const clf = clipColourClassifier(encoders);
    expect(clf).toMatchObject({ id: 'clip:double', kind: 'clip', fixture: false });
    const crop = solid(4, 4, [10, 20, 30]);

    image = new Float64Array(K + 3);
    image[GENEVAL_COLOURS.indexOf('pink')] = 1;
    image[GENEVAL_COLOURS.indexOf('purple')] = 0.9;
    const pink = await clf.classify(crop, 'dog');
    expect(pink.colour).toBe('pink');
    // logits: 100 x cosine with the averaged, re-normalised prompt embeddings (each colour's is e_c + the three template axes, over 2)
    const w = 1 / Math.sqrt(1 + 3 / 9) / Math.hypot(1, 0.9);
    expect(pink.scores.pink / pink.scores.purple).toBeCloseTo(Math.exp(100 * w * 0.1), 3);
    expect(Object.values(pink.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);

    image = new Float64Array(K + 3);
    image[GENEVAL_COLOURS.indexOf('green')] = 1;
    const again = await Promise.all([clf.classify(crop, 'dog'), clf.classify(crop, 'cat'), clf.classify(crop, 'cat')]);
    expect(again.map((r) => r.colour)).toEqual(['green', 'green', 'green']);
    expect(textCalls.map((c) => c.length)).toEqual([30, 30]);
    expect(textCalls[1][0]).toBe('a photo of a red cat');
    expect(clf.cachedClasses()).toEqual(['dog', 'cat']);
  });

  it('breaks ties in GenEval\'s colour order and gives softmax scores', () => {
    const tie = colourFromLogits([1, 3, 3, 0, 0, 0, 0, 0, 0, 0]);
    expect(tie.colour).toBe('orange');
    expect(tie.scores.orange).toBeCloseTo(tie.scores.yellow, 12);
    expect(tie.scores.orange / tie.scores.red).toBeCloseTo(Math.exp(2), 10);
  });
});

describe('with a hand-made ONNX CLIP (image: nearest colour swatch off the grey; text: the colour word)', () => {
  it('names every GenEval colour through onnxruntime, and says which model ran', async () => {
    const clf = await loadClipColourClassifier(fixture, CPU);
    try {
      expect(clf.id).toBe(`clip:${COLOUR_CLIP_FIXTURE_NAME}`);
      expect(clf.fixture).toBe(true);
      for (const colour of GENEVAL_COLOURS) expect([colour, (await clf.classify(solid(6, 9, COLOUR_SWATCHES[colour]), 'car')).colour]).toEqual([colour, colour]);
    } finally {
      await clf.release();
    }
  });

  it('judges the object, not the box: with its mask a blue object in a mostly red box is blue, without it red', async () => {
    const img = canvas(40, 40, [255, 0, 0]);
    const mask = fillRect(img, [16, 16, 24, 24], [0, 0, 255]);
    const clf = await loadClipColourClassifier(fixture, CPU);
    try {
      expect((await clf.classify(cropObject(img, [8, 8, 32, 32], mask), 'cup')).colour).toBe('blue');
      expect((await clf.classify(cropObject(img, [8, 8, 32, 32]), 'cup')).colour).toBe('red');
    } finally {
      await clf.release();
    }
  });

  it('plugs into scoreGenEval, whose report names the CLIP classifier and flags the fixture', async () => {
    const images = path.join(tmp, 'images');
    const hydrant = { tag: 'colors', include: [{ class: 'fire hydrant', count: 1, color: 'blue' }], prompt: 'a photo of a blue fire hydrant' };
    const blue = canvas(32, 32, [255, 0, 0]);
    const blueMask = fillRect(blue, [10, 10, 22, 22], [0, 0, 255]);
    const red = canvas(32, 32, [0, 0, 255]);
    const redMask = fillRect(red, [10, 10, 22, 22], [255, 0, 0]);
    const file = await writeGenEvalRun(images, [
      {
        metadata: hydrant,
        images: [
          { image: blue, detections: [{ class: 'fire hydrant', score: 0.9, box: [4, 4, 28, 28], mask: blueMask }] },
          { image: red, detections: [{ class: 'fire hydrant', score: 0.9, box: [4, 4, 28, 28], mask: redMask }] },
        ],
      },
    ]);
    const clf = await loadClipColourClassifier(fixture, CPU);
    try {
      const r = await scoreGenEval(images, { detectionsFile: file, colourClassifier: clf, bootstrapRounds: 0 });
      expect(r.images.map((i) => [i.correct, i.colours[0].found])).toEqual([
        [true, ['blue']],
        [false, ['red']],
      ]);
      expect(r.colourClassifier).toMatchObject({ id: `clip:${COLOUR_CLIP_FIXTURE_NAME}`, kind: 'clip', fixture: true, objectsClassified: 2 });
      expect(r.notes.join('\n')).toMatch(/test fixture: colors and color_attr scores mean nothing/);
      expect(r.notes.join('\n')).not.toMatch(/pixel fallback/);
      const pixel = await scoreGenEval(images, { detectionsFile: file, bootstrapRounds: 0 });
      expect(pixel.colourClassifier).toMatchObject({ id: 'pixel-lab', kind: 'pixel', fixture: false });
    } finally {
      await clf.release();
    }
  });
});
