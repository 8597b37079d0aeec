import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeClipFixture } from '../fixtures/clip';
import { encodeWords } from '../fixtures/tokenizer';
import { loadClipScorer } from './clip';
import { bootstrapMeanCi } from './clip-folder';
import { centerCropOffset, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, preprocessImage, resizeBicubic, resizedSize } from './clip-preprocess';
import { clipScoreFromCosine, HESSEL_W, scoreClip } from './clip-score';
import { assertSameVersion, scoreHps, ZHpsResultSchema } from './hps';

const PROMPTS = ['a photo of a red bench', 'a photo of two cats'];
const CPU = { providers: ['cpu' as const], threads: 1 };

let tmp: string;
let scorer: string;
let images: string;

/** A smooth RGB test pattern, different for each (variant, size). */
function pattern(width: number, height: number, variant: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = Math.round(127.5 + 127.5 * Math.sin((x + 3 * variant) / 7 + y / 11));
      data[i + 1] = Math.round((255 * x) / width);
      data[i + 2] = (variant * 60 + y * 4) % 256;
    }
  }
  return data;
}

const png = (raw: Buffer, width: number, height: number) => sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-hps-'));
  scorer = path.join(tmp, 'clip');
  writeClipFixture(scorer, { seed: 1 });
  images = path.join(tmp, 'images');
  for (const [i, prompt] of PROMPTS.entries()) {
    const dir = path.join(images, String(i).padStart(5, '0'));
    fs.mkdirSync(path.join(dir, 'samples'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'metadata.jsonl'), JSON.stringify({ tag: i === 0 ? 'colors' : 'counting', prompt }) + '\n');
    for (let k = 0; k < 2; k++) {
      const [w, h] = k === 0 ? [48, 32] : [30, 45];
      fs.writeFileSync(path.join(dir, 'samples', `000${k}.png`), await png(pattern(w, h, i * 2 + k), w, h));
      // the display copy arena generate writes beside each PNG must not be scored twice
      fs.writeFileSync(path.join(dir, 'samples', `000${k}.webp`), await sharp(pattern(w, h, 9), { raw: { width: w, height: h, channels: 3 } }).webp().toBuffer());
    }
  }
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the fixture scorer with its config.json or tokenizer.json edited. */
function variant(name: string, edit: (dir: string) => void): string {
  const dir = path.join(tmp, name);
  fs.cpSync(scorer, dir, { recursive: true });
  edit(dir);
  return dir;
}

function editJson(file: string, fn: (j: Record<string, unknown>) => void) {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  fn(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

describe('CLIP scorer fixture', () => {
  it('writes the transformers.js layout, labelled as a random-weight fixture of HPS version "fixture"', () => {
    for (const f of ['onnx/vision_model.onnx', 'onnx/text_model.onnx', 'tokenizer.json', 'preprocessor_config.json', 'config.json']) expect(fs.existsSync(path.join(scorer, f)), f).toBe(true);
    const config = JSON.parse(fs.readFileSync(path.join(scorer, 'config.json'), 'utf8'));
    expect(config.hps_version).toBe('fixture');
    expect(config.prunearena).toMatchObject({ fixture: true, seed: 1 });
    const pre = JSON.parse(fs.readFileSync(path.join(scorer, 'preprocessor_config.json'), 'utf8'));
    expect(pre).toMatchObject({ image_mean: [...OPENAI_CLIP_MEAN], image_std: [...OPENAI_CLIP_STD], size: { shortest_edge: 224 }, crop_size: { height: 224, width: 224 }, resample: 3 });
  });

  it('is deterministic from the seed', () => {
    const again = path.join(tmp, 'again');
    const other = path.join(tmp, 'other');
    writeClipFixture(again, { seed: 1 });
    writeClipFixture(other, { seed: 2 });
    const bytes = (d: string) => fs.readFileSync(path.join(d, 'onnx', 'vision_model.onnx'));
    expect(bytes(again).equals(bytes(scorer))).toBe(true);
    expect(bytes(other).equals(bytes(scorer))).toBe(false);
  });

  it('runs in onnxruntime: [B,3,224,224] → image_embeds [B,E], input_ids [B,77] → text_embeds [B,E]', async () => {
    const vision = await ort.InferenceSession.create(path.join(scorer, 'onnx', 'vision_model.onnx'), { intraOpNumThreads: 1 });
    const text = await ort.InferenceSession.create(path.join(scorer, 'onnx', 'text_model.onnx'), { intraOpNumThreads: 1 });
    const v = await vision.run({ pixel_values: new ort.Tensor('float32', new Float32Array(2 * 3 * 224 * 224).fill(0.1), [2, 3, 224, 224]) });
    expect(v.image_embeds.dims).toEqual([2, 16]);
    const t = await text.run({ input_ids: new ort.Tensor('int64', new BigInt64Array(77).fill(2n), [1, 77]) });
    expect(t.text_embeds.dims).toEqual([1, 16]);
    await vision.release();
    await text.release();
  });
});

describe('CLIP preprocessing (open_clip: bicubic shortest side 224, centre crop, normalise)', () => {
  it('gives [3,224,224] and maps a uniform colour c to (c/255 - mean)/std per channel', async () => {
    const c = [200, 100, 30];
    const raw = Buffer.alloc(50 * 37 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = c[i % 3];
    const pixels = await preprocessImage(await png(raw, 50, 37));
    expect(pixels.length).toBe(3 * 224 * 224);
    for (let ch = 0; ch < 3; ch++) {
      const want = (c[ch] / 255 - OPENAI_CLIP_MEAN[ch]) / OPENAI_CLIP_STD[ch];
      const plane = pixels.subarray(ch * 224 * 224, (ch + 1) * 224 * 224);
      expect(Math.min(...plane)).toBeCloseTo(want, 5);
      expect(Math.max(...plane)).toBeCloseTo(want, 5);
    }
  });

  it('sizes and crops as torchvision does: short side to 224 (long side truncated), crop offset rounded half to even', () => {
    expect(resizedSize(640, 480, 224)).toEqual({ width: 298, height: 224 });
    expect(resizedSize(480, 640, 224)).toEqual({ width: 224, height: 298 });
    expect(resizedSize(32, 32, 224)).toEqual({ width: 224, height: 224 });
    expect(centerCropOffset(301, 224, 224, 224)).toEqual({ left: 38, top: 0 });
    expect(centerCropOffset(303, 224, 224, 224)).toEqual({ left: 40, top: 0 });
  });

  it("resizes like a Catmull-Rom (bicubic, a = -0.5) filter: close to libvips' cubic on a smooth image", async () => {
    const raw = pattern(512, 384, 1);
    const out = resizedSize(512, 384, 224);
    const mine = resizeBicubic({ width: 512, height: 384, rgb: raw }, out.width, out.height);
    const vips = await sharp(raw, { raw: { width: 512, height: 384, channels: 3 } }).resize(out.width, out.height, { kernel: 'cubic', fit: 'fill' }).raw().toBuffer();
    let max = 0;
    let sum = 0;
    for (let i = 0; i < vips.length; i++) {
      const d = Math.abs(vips[i] - mine.rgb[i]);
      max = Math.max(max, d);
      sum += d;
    }
    expect(max).toBeLessThanOrEqual(4);
    expect(sum / vips.length).toBeLessThan(0.3);
    expect(Buffer.from(resizeBicubic({ width: 512, height: 384, rgb: raw }, 512, 384).rgb).equals(raw)).toBe(true);
  });
});

describe('HPS', () => {
  it('scores an image/prompt pair as 100 x the cosine of the raw embeddings', async () => {
    const file = path.join(images, '00001', 'samples', '0001.png');
    const vision = await ort.InferenceSession.create(path.join(scorer, 'onnx', 'vision_model.onnx'), { intraOpNumThreads: 1 });
    const text = await ort.InferenceSession.create(path.join(scorer, 'onnx', 'text_model.onnx'), { intraOpNumThreads: 1 });
    const vocab = JSON.parse(fs.readFileSync(path.join(scorer, 'tokenizer.json'), 'utf8')).model.vocab;
    const ids = BigInt64Array.from(encodeWords(vocab, PROMPTS[1], 77), BigInt);
    const img = (await vision.run({ pixel_values: new ort.Tensor('float32', await preprocessImage(file), [1, 3, 224, 224]) })).image_embeds.data as Float32Array;
    const txt = (await text.run({ input_ids: new ort.Tensor('int64', ids, [1, 77]) })).text_embeds.data as Float32Array;
    await vision.release();
    await text.release();
    let dot = 0;
    let ni = 0;
    let nt = 0;
    for (let i = 0; i < img.length; i++) {
      dot += img[i] * txt[i];
      ni += img[i] * img[i];
      nt += txt[i] * txt[i];
    }
    const expected = (100 * dot) / Math.sqrt(ni * nt);

    const result = await scoreHps(images, scorer, CPU);
    const got = result.images.find((r) => r.file === path.join('00001', 'samples', '0001.png'))!;
    expect(got.score).toBeCloseTo(expected, 4);
    expect(Math.abs(got.cosine)).toBeLessThanOrEqual(1);
  });

  it('gives per-image, per-prompt and overall scores with a bootstrap CI, recording the version; the same every time', async () => {
    const r = await scoreHps(images, scorer, { ...CPU, bootstrap: 500, seed: 3 });
    expect(ZHpsResultSchema.parse(r)).toEqual(r);
    expect(r.hpsVersion).toBe('fixture');
    expect(r.scorer.fixture).toBe(true);
    expect(r.images).toHaveLength(4);
    expect(r.prompts.map((p) => [p.promptId, p.prompt, p.images])).toEqual([
      ['00000', PROMPTS[0], 2],
      ['00001', PROMPTS[1], 2],
    ]);
    for (const p of r.prompts) {
      const own = r.images.filter((i) => i.promptId === p.promptId).map((i) => i.score);
      expect(p.mean).toBeCloseTo((own[0] + own[1]) / 2, 10);
    }
    expect(r.overall.mean).toBeCloseTo((r.prompts[0].mean + r.prompts[1].mean) / 2, 10);
    expect(r.overall).toMatchObject({ prompts: 2, images: 4, bootstrap: { resamples: 500, seed: 3, unit: 'prompt' } });
    expect(r.overall.ci95[0]).toBeLessThanOrEqual(r.overall.mean);
    expect(r.overall.ci95[1]).toBeGreaterThanOrEqual(r.overall.mean);
    expect(Object.keys(r.byTag)).toEqual(['colors', 'counting']);
    expect(await scoreHps(images, scorer, { ...CPU, bootstrap: 500, seed: 3 })).toEqual(r);
  });

  it('reads the single onnx/model.onnx layout too, with the same scores', async () => {
    const combined = path.join(tmp, 'combined');
    writeClipFixture(combined, { seed: 1, layout: 'combined' });
    expect(fs.existsSync(path.join(combined, 'onnx', 'vision_model.onnx'))).toBe(false);
    const [a, b] = [await scoreHps(images, scorer, CPU), await scoreHps(images, combined, CPU)];
    expect(b.scorer.layout).toBe('combined');
    b.images.forEach((img, i) => expect(img.score).toBeCloseTo(a.images[i].score, 4));
  });

  it('refuses to combine results of different versions, and results without one', async () => {
    const r = await scoreHps(images, scorer, { ...CPU, bootstrap: 50 });
    expect(assertSameVersion([r, r])).toBe('fixture');
    const v20 = { ...r, hpsVersion: 'v2.0' as const, label: 'sd35' };
    const v21 = { ...r, hpsVersion: 'v2.1' as const, label: 'sd35-pruned' };
    expect(() => assertSameVersion([v20, v21])).toThrow(/different versions.*v2\.0 \(sd35\) vs v2\.1 \(sd35-pruned\)/);
    expect(() => assertSameVersion([v20, { label: 'old', hpsVersion: undefined }])).toThrow(/old has no HPS version/);
  });

  it('takes the version from the config, refuses a contradicting or missing one, and never labels a fixture as HPSv2', async () => {
    const unlabelled = variant('unlabelled', (d) =>
      editJson(path.join(d, 'config.json'), (j) => {
        delete j.hps_version;
        delete j.prunearena;
      }),
    );
    await expect(scoreHps(images, unlabelled, CPU)).rejects.toThrow(/hps_version/);
    expect((await scoreHps(images, unlabelled, { ...CPU, version: '2.1', bootstrap: 10 })).hpsVersion).toBe('v2.1');
    await expect(scoreHps(images, scorer, { ...CPU, version: 'v2.1' })).rejects.toThrow(/not v2\.1/);
    const fixtureAs21 = variant('fixture-as-21', (d) => editJson(path.join(d, 'config.json'), (j) => (j.hps_version = 'v2.1')));
    await expect(scoreHps(images, fixtureAs21, CPU)).rejects.toThrow(/random-weight fixture/);
  });

  it('reports a broken tokenizer with its file, before any scoring', async () => {
    const bpe = variant('bpe', (d) => editJson(path.join(d, 'tokenizer.json'), (j) => ((j.model as Record<string, unknown>).type = 'Nonsense')));
    await expect(loadClipScorer(bpe, CPU)).rejects.toThrow(/tokenizer\.json/);
  });
});

describe('CLIPScore', () => {
  it('is w x max(cosine, 0) with w = 2.5 (Hessel et al.)', async () => {
    expect(HESSEL_W).toBe(2.5);
    expect(clipScoreFromCosine(0.3)).toBeCloseTo(0.75, 12);
    expect(clipScoreFromCosine(-0.2)).toBe(0);
    expect(clipScoreFromCosine(0.3, 100)).toBeCloseTo(30, 12);
    const [hps, clip] = [await scoreHps(images, scorer, CPU), await scoreClip(images, scorer, CPU)];
    expect(clip).toMatchObject({ metric: 'clipscore', w: 2.5 });
    clip.images.forEach((img, i) => expect(img.score).toBeCloseTo(2.5 * Math.max(hps.images[i].score / 100, 0), 10));
    // this fixture and these images give cosines of both signs, so both branches are exercised
    expect(clip.images.some((i) => i.score > 0) && clip.images.some((i) => i.score === 0)).toBe(true);
  });
});

describe('bootstrap CI over prompts', () => {
  it('is seeded and brackets the mean', () => {
    const values = [1, 2, 3, 4, 10];
    const ci = bootstrapMeanCi(values, 2000, 7);
    expect(bootstrapMeanCi(values, 2000, 7)).toEqual(ci);
    expect(ci[0]).toBeLessThan(4);
    expect(ci[1]).toBeGreaterThan(4);
    expect(bootstrapMeanCi([5], 100, 0)).toEqual([5, 5]);
  });
});
