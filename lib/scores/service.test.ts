import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv, resetEnvForTests } from '../env';
import { writeColourClipFixture } from '../scoring/colour-clip-fixture';
import { SHAPES_DETECTOR } from '../shapes/detector';
import { genevalColourClassifier, genevalScoreVersion } from './service';

let tmp: string;
const saved = { GENEVAL_CLIP_DIR: process.env.GENEVAL_CLIP_DIR, ORT_PROVIDERS: process.env.ORT_PROVIDERS };

/** Sets GENEVAL_CLIP_DIR (undefined: unset) for the next env() read. */
function setClipDir(value: string | undefined) {
  if (value === undefined) delete process.env.GENEVAL_CLIP_DIR;
  else process.env.GENEVAL_CLIP_DIR = value;
  process.env.ORT_PROVIDERS = 'cpu';
  resetEnvForTests();
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-scores-'));
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvForTests();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("GenEval's colour classifier in score jobs", () => {
  it('reads GENEVAL_CLIP_DIR (trimmed; empty is unset)', () => {
    expect(parseEnv({ GENEVAL_CLIP_DIR: ' /models/clip-l ' }).GENEVAL_CLIP_DIR).toBe('/models/clip-l');
    expect(parseEnv({ GENEVAL_CLIP_DIR: '' }).GENEVAL_CLIP_DIR).toBeUndefined();
  });

  it('is CLIP from GENEVAL_CLIP_DIR when set, and the pixel fallback (none given) when not', async () => {
    setClipDir(undefined);
    expect(await genevalColourClassifier()).toBeUndefined();
    const { dir, name } = writeColourClipFixture(path.join(tmp, 'colour-clip'));
    setClipDir(dir);
    const clf = await genevalColourClassifier();
    try {
      expect(clf).toMatchObject({ id: `clip:${name}`, kind: 'clip', fixture: true });
    } finally {
      await clf?.release();
    }
  });

  it('names the variable when its folder is missing or not a CLIP scorer', async () => {
    setClipDir(path.join(tmp, 'missing'));
    await expect(genevalColourClassifier()).rejects.toThrow(/^GENEVAL_CLIP_DIR: .*missing: no such scorer folder/);
    setClipDir(tmp);
    await expect(genevalColourClassifier()).rejects.toThrow(/^GENEVAL_CLIP_DIR: .* is not a CLIP scorer folder/);
  });

  it('stores a GenEval score under a version that names the colour classifier', () => {
    expect(genevalScoreVersion({ scorer: { version: '1.0.0' }, colourClassifier: { id: 'pixel-lab' } })).toBe('1.0.0+pixel-lab');
    expect(genevalScoreVersion({ scorer: { version: '1.0.0' }, colourClassifier: { id: 'clip:openai/clip-vit-large-patch14' } })).toBe('1.0.0+clip:openai/clip-vit-large-patch14');
  });

  it('names the shapes detector in the version too, and leaves COCO detectors\' versions as they were', () => {
    const version = (detections: { source: string; id?: string }) => genevalScoreVersion({ scorer: { version: '1.0.0' }, colourClassifier: { id: 'pixel-lab' }, detections });
    expect(version({ source: 'detector', id: SHAPES_DETECTOR.id })).toBe('1.0.0+shapes-moments-v2+pixel-lab');
    expect(version({ source: 'detector', id: 'onnx:fixture-detector' })).toBe('1.0.0+pixel-lab');
    expect(version({ source: 'file' })).toBe('1.0.0+pixel-lab');
  });
});
