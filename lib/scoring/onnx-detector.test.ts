import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDetectorFixture } from '../fixtures/detector';
import { detectObjects, loadOnnxDetector, namedDetector, type TDetection } from './onnx-detector';
import type { TNamedDetector } from './types';

const CPU = { providers: ['cpu' as const], threads: 1 };
const COCO = fs.readFileSync(path.resolve(import.meta.dirname, '..', '..', 'data', 'geneval', 'object_names.txt'), 'utf8').split('\n').filter(Boolean);

let tmp: string;
let detector: string;

function rgb(width: number, height: number, fill: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(fill(x, y), (y * width + x) * 3);
  return { width, height, rgb: data };
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-detector-'));
  detector = path.join(tmp, 'detector');
  writeDetectorFixture(detector, { seed: 3 });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('detector fixture', () => {
  it('writes model.onnx, config.json and the 80 COCO labels, and runs with the documented shapes', async () => {
    expect(JSON.parse(fs.readFileSync(path.join(detector, 'labels.json'), 'utf8'))).toEqual(COCO);
    expect(COCO).toHaveLength(80);
    const session = await ort.InferenceSession.create(path.join(detector, 'model.onnx'), { intraOpNumThreads: 1 });
    const out = await session.run({ images: new ort.Tensor('float32', new Float32Array(3 * 64 * 64).fill(0.3), [1, 3, 64, 64]) });
    await session.release();
    expect(out.boxes.dims).toEqual([8, 4]);
    expect(out.scores.dims).toEqual([8]);
    expect(out.classes.type).toBe('int64');
    expect(out.classes.dims).toEqual([8]);
    expect(out.masks.dims).toEqual([8, 64, 64]);
  });
});

describe('onnx-detector', () => {
  it('returns detections with classes from labels.json, most confident first, boxes and masks within the image', async () => {
    const raw = rgb(100, 80, (x, y) => [(x * 5) % 256, (y * 3) % 256, 128]);
    const png = await sharp(Buffer.from(raw.rgb), { raw: { width: 100, height: 80, channels: 3 } }).png().toBuffer();
    const found = await detectObjects(detector, png, CPU);
    expect(found).toHaveLength(8);
    for (const d of found) {
      expect(COCO).toContain(d.class);
      expect(d.score).toBeGreaterThanOrEqual(0);
      expect(d.score).toBeLessThanOrEqual(1);
      const [x1, y1, x2, y2] = d.box;
      expect(0 <= x1 && x1 <= x2 && x2 <= 100).toBe(true);
      expect(0 <= y1 && y1 <= y2 && y2 <= 80).toBe(true);
      expect(d.mask).toMatchObject({ width: 100, height: 80 });
      expect(d.mask!.data).toHaveLength(100 * 80);
    }
    expect(found.map((d) => d.score)).toEqual([...found.map((d) => d.score)].sort((a, b) => b - a));
    expect(await detectObjects(detector, png, CPU)).toEqual(found);
  });

  it('maps boxes from the model input back to image pixels', async () => {
    const colour: [number, number, number] = [40, 160, 220];
    const det = await loadOnnxDetector(detector, CPU);
    try {
      // a uniform image stays uniform when stretched, so both see the same model input
      const native = await det.detect(rgb(64, 64, () => colour));
      const large = await det.detect(rgb(128, 192, () => colour));
      const key = (d: TDetection) => `${d.class}:${d.score.toFixed(5)}`;
      expect(large.map(key)).toEqual(native.map(key));
      large.forEach((d, i) => {
        const [x1, y1, x2, y2] = native[i].box;
        const want = [x1 * 2, y1 * 3, x2 * 2, y2 * 3];
        d.box.forEach((v, j) => expect(v).toBeCloseTo(want[j], 3));
        expect(d.mask).toMatchObject({ width: 128, height: 192 });
      });
    } finally {
      await det.release();
    }
  });

  it("plugs into GenEval's scorer as a named detector", async () => {
    const det = await loadOnnxDetector(detector, CPU);
    try {
      const named: TNamedDetector = namedDetector(det);
      const image = rgb(64, 64, (x, y) => [x * 4, y * 4, 90]);
      expect(await named.detect(image)).toEqual(await det.detect(image));
    } finally {
      await det.release();
    }
  });

  it('names classes by labels.json, in either of its forms', async () => {
    const renamed = path.join(tmp, 'renamed');
    fs.cpSync(detector, renamed, { recursive: true });
    fs.writeFileSync(path.join(renamed, 'labels.json'), JSON.stringify(Object.fromEntries(COCO.map((_, i) => [String(i), `class-${i}`]))));
    const image = rgb(64, 64, (x, y) => [x * 4, y * 4, 0]);
    const [a, b] = [await detectObjects(detector, image, CPU), await detectObjects(renamed, image, CPU)];
    expect(b.map((d) => d.class)).toEqual(a.map((d) => `class-${COCO.indexOf(d.class)}`));
  });

  it('names an output the model lacks', async () => {
    const broken = path.join(tmp, 'broken');
    fs.cpSync(detector, broken, { recursive: true });
    const config = JSON.parse(fs.readFileSync(path.join(broken, 'config.json'), 'utf8'));
    config.outputs.masks = 'segmentation';
    fs.writeFileSync(path.join(broken, 'config.json'), JSON.stringify(config));
    await expect(loadOnnxDetector(broken, CPU)).rejects.toThrow(/no output "segmentation"/);
  });
});
