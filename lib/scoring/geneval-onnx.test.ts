import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDetectorFixture } from '../fixtures/detector';
import { scoreGenEval } from './geneval';
import { loadOnnxDetector, namedDetector } from './onnx-detector';

let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-geneval-onnx-'));
  writeDetectorFixture(path.join(dir, 'detector'), { seed: 1 });
  const meta = { tag: 'single_object', include: [{ class: 'dog', count: 1 }], prompt: 'a photo of a dog' };
  fs.mkdirSync(path.join(dir, 'images', '00000', 'samples'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'images', '00000', 'metadata.jsonl'), JSON.stringify(meta) + '\n');
  for (const k of [0, 1]) {
    await sharp({ create: { width: 48, height: 48, channels: 3, background: k ? '#c03020' : '#2040c0' } }).png().toFile(path.join(dir, 'images', '00000', 'samples', `000${k}.png`));
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('GenEval with an ONNX detector run here', () => {
  it('runs the detector on every image and scores what it found', async () => {
    const detector = namedDetector(await loadOnnxDetector(path.join(dir, 'detector')));
    const report = await scoreGenEval(path.join(dir, 'images'), { detector, bootstrapRounds: 0 });
    expect(report.detections).toMatchObject({ source: 'detector' });
    expect(report.images).toHaveLength(2);
    // a random-weight detector may or may not "see" a dog: the score is a share of the two images
    expect([0, 0.5, 1]).toContain(report.tasks.find((t) => t.tag === 'single_object')?.score);
  });
});
