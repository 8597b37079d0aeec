import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { AppError } from '../errors';
import { openSession, type TProvider } from '../inference/session';
import { loadTokenizer, type TTokenizer } from '../inference/tokenizer';
import { CLIP_224, parsePreprocessorConfig, preprocessImage, type TClipPreprocess } from './clip-preprocess';

/**
 * A CLIP-style scorer folder in the transformers.js layout:
 *   onnx/vision_model.onnx  pixel_values [B,3,S,S] → image_embeds [B,E]   (CLIPVisionModelWithProjection)
 *   onnx/text_model.onnx    input_ids [B,L] int64 → text_embeds [B,E]      (CLIPTextModelWithProjection)
 * or, instead of the two, a single onnx/model.onnx (CLIPModel: input_ids, pixel_values and
 * optionally attention_mask → image_embeds, text_embeds, logits), which transformers.js also
 * ships; it is run with a one-item dummy for the side not being embedded. Beside them:
 * tokenizer.json, preprocessor_config.json (CLIPImageProcessor fields; CLIP's 224 px defaults
 * when absent) and config.json. An `attention_mask` input, where a model has one, gets 1 up to the
 * last non-padding token. Embeddings come back L2-normalised, as open_clip returns them to HPSv2.
 */
export type TClipLayout = 'split' | 'combined';

export type TClipScorerInfo = {
  dir: string;
  layout: TClipLayout;
  provider: TProvider;
  /** config.json `_name_or_path`, when given. */
  name: string | null;
  /** A random-weight test fixture (config.json `prunearena.fixture`): its scores mean nothing. */
  fixture: boolean;
  preprocess: TClipPreprocess;
};

export type TClipScorer = {
  info: TClipScorerInfo;
  /** config.json as written (empty when absent). */
  config: Record<string, unknown>;
  tokenizer: TTokenizer;
  /** Preprocessed [3,S,S] images → unit-length embeddings. */
  embedPixels(images: Float32Array[]): Promise<Float64Array[]>;
  embedTexts(texts: string[]): Promise<Float64Array[]>;
  /** Decode, preprocess and embed image files. */
  embedImageFiles(files: string[]): Promise<Float64Array[]>;
  release(): Promise<void>;
};

export type TClipLoadOptions = { providers?: TProvider[]; threads?: number; batchSize?: number };

const IMAGE_OUTPUT = 'image_embeds';
const TEXT_OUTPUT = 'text_embeds';

export function l2Normalize(v: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  if (!(n > 0)) throw new AppError('UNPROCESSABLE', 'the scorer returned an all-zero (or non-finite) embedding');
  return Float64Array.from(v, (x) => x / n);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new AppError('UNPROCESSABLE', `embedding sizes differ (${a.length} vs ${b.length})`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Cosine similarity of two raw embeddings (the dot product of their L2-normalised forms). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return dot(l2Normalize(a), l2Normalize(b));
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('UNPROCESSABLE', `${file}: ${(err as Error).message}`);
  }
}

/** The scorer's tokenizer (word-level fixtures, or CLIP's byte-level BPE from tokenizer.json or vocab.json + merges.txt). */
function loadScorerTokenizer(dir: string): TTokenizer {
  try {
    return loadTokenizer(dir, '');
  } catch (err) {
    throw new AppError('UNPROCESSABLE', (err as Error).message);
  }
}

function padId(dir: string, tokenizer: TTokenizer): number {
  if (tokenizer.padId !== undefined) return tokenizer.padId;
  const file = path.join(dir, 'tokenizer.json');
  const spec = fs.existsSync(file) ? (readJson(file) as { padding?: { pad_id?: number } | null }) : {};
  return spec.padding?.pad_id ?? 0;
}

function requireOutput(session: ort.InferenceSession, file: string, name: string) {
  if (!session.outputNames.includes(name)) {
    throw new AppError('UNPROCESSABLE', `${file} has no "${name}" output (it has ${session.outputNames.join(', ')}): export the model with its projection (…WithProjection)`);
  }
}

function requireInput(session: ort.InferenceSession, file: string, name: string) {
  if (!session.inputNames.includes(name)) throw new AppError('UNPROCESSABLE', `${file} has no "${name}" input (it has ${session.inputNames.join(', ')})`);
}

export async function loadClipScorer(dir: string, opts: TClipLoadOptions = {}): Promise<TClipScorer> {
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new AppError('BAD_REQUEST', `${root}: no such scorer folder`);
  const visionFile = path.join(root, 'onnx', 'vision_model.onnx');
  const textFile = path.join(root, 'onnx', 'text_model.onnx');
  const combinedFile = path.join(root, 'onnx', 'model.onnx');
  const split = fs.existsSync(visionFile) && fs.existsSync(textFile);
  if (!split && !fs.existsSync(combinedFile)) {
    throw new AppError('UNPROCESSABLE', `${root} is not a CLIP scorer folder: it needs onnx/vision_model.onnx and onnx/text_model.onnx, or onnx/model.onnx`);
  }
  const configFile = path.join(root, 'config.json');
  const config = fs.existsSync(configFile) ? readJson(configFile) : {};
  const preFile = path.join(root, 'preprocessor_config.json');
  const preprocess = fs.existsSync(preFile) ? parsePreprocessorConfig(preFile) : CLIP_224;
  const tokenizer = loadScorerTokenizer(root);
  const pad = padId(root, tokenizer);
  const batchSize = opts.batchSize ?? 8;
  const sessionOpts = { providers: opts.providers, threads: opts.threads };

  const opened: ort.InferenceSession[] = [];
  const open = async (file: string) => {
    const s = await openSession(file, sessionOpts);
    opened.push(s.session);
    return s;
  };
  try {
    let vision: ort.InferenceSession;
    let text: ort.InferenceSession;
    let provider: TProvider;
    if (split) {
      const v = await open(visionFile);
      const t = await open(textFile);
      [vision, text, provider] = [v.session, t.session, v.provider];
      requireInput(vision, visionFile, 'pixel_values');
      requireOutput(vision, visionFile, IMAGE_OUTPUT);
      requireInput(text, textFile, 'input_ids');
      requireOutput(text, textFile, TEXT_OUTPUT);
    } else {
      const m = await open(combinedFile);
      [vision, text, provider] = [m.session, m.session, m.provider];
      for (const i of ['pixel_values', 'input_ids']) requireInput(vision, combinedFile, i);
      for (const o of [IMAGE_OUTPUT, TEXT_OUTPUT]) requireOutput(vision, combinedFile, o);
    }
    const { cropWidth: W, cropHeight: H } = preprocess;

    const textFeeds = (texts: string[]): Record<string, ort.Tensor> => {
      const L = tokenizer.maxLength;
      const ids = new BigInt64Array(texts.length * L);
      const mask = new BigInt64Array(texts.length * L);
      texts.forEach((t, b) => {
        const row = tokenizer.encode(t);
        let last = -1;
        row.forEach((id, i) => {
          ids[b * L + i] = BigInt(id);
          if (id !== pad) last = i;
        });
        for (let i = 0; i <= last; i++) mask[b * L + i] = 1n;
      });
      const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, [texts.length, L]) };
      if (text.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', mask, [texts.length, L]);
      return feeds;
    };
    const pixelFeeds = (images: Float32Array[]): Record<string, ort.Tensor> => {
      const data = new Float32Array(images.length * 3 * H * W);
      images.forEach((img, i) => {
        if (img.length !== 3 * H * W) throw new AppError('BAD_REQUEST', `an image tensor has ${img.length} values, expected 3x${H}x${W}`);
        data.set(img, i * 3 * H * W);
      });
      return { pixel_values: new ort.Tensor('float32', data, [images.length, 3, H, W]) };
    };
    const run = async (session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, output: string, count: number) => {
      const out = (await session.run(feeds, [output]))[output];
      if (out.dims.length !== 2 || out.dims[0] !== count) throw new AppError('UNPROCESSABLE', `the scorer's ${output} has shape [${out.dims.join(', ')}], expected [${count}, E]`);
      const E = out.dims[1];
      const data = out.data as Float32Array;
      return Array.from({ length: count }, (_, i) => l2Normalize(data.subarray(i * E, (i + 1) * E)));
    };
    const batched = async <T>(items: T[], fn: (chunk: T[]) => Promise<Float64Array[]>) => {
      const out: Float64Array[] = [];
      for (let i = 0; i < items.length; i += batchSize) out.push(...(await fn(items.slice(i, i + batchSize))));
      return out;
    };

    const embedPixels = (images: Float32Array[]) =>
      batched(images, (chunk) => run(vision, { ...pixelFeeds(chunk), ...(split ? {} : textFeeds([''])) }, IMAGE_OUTPUT, chunk.length));
    const embedTexts = (texts: string[]) =>
      batched(texts, (chunk) => run(text, { ...textFeeds(chunk), ...(split ? {} : pixelFeeds([new Float32Array(3 * H * W)])) }, TEXT_OUTPUT, chunk.length));
    const prunearena = config.prunearena as { fixture?: unknown } | undefined;
    return {
      info: {
        dir: root,
        layout: split ? 'split' : 'combined',
        provider,
        name: typeof config._name_or_path === 'string' ? config._name_or_path : null,
        fixture: prunearena?.fixture === true,
        preprocess,
      },
      config,
      tokenizer,
      embedPixels,
      embedTexts,
      embedImageFiles: (files) => batched(files, async (chunk) => embedPixels(await Promise.all(chunk.map((f) => preprocessImage(f, preprocess))))),
      async release() {
        for (const s of opened.splice(0)) await s.release();
      },
    };
  } catch (err) {
    for (const s of opened) await s.release().catch(() => {});
    throw err;
  }
}
