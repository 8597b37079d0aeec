import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { z } from 'zod';
import { AppError } from '../errors';
import { openSession, type TProvider } from '../inference/session';
import { decodeRgb, type TRgbImage } from './clip-preprocess';

/**
 * An object detector exported to ONNX with post-processing inside the graph, in a folder:
 *   model.onnx   input [1,3,H,W] float32 RGB, (pixel/255 - mean) / std
 *                → boxes [N,4] (x1,y1,x2,y2 in input pixels), scores [N], classes [N] (class
 *                  indices, any integer or float type), optionally masks [N,h,w] (probabilities,
 *                  or 0/1 as bool or integers; any h,w: they are scaled to the image)
 *   labels.json  class names: an array, or an object from index to name (HF `id2label` style)
 *   config.json  { input: { name, width, height, resize: "stretch", mean?, std? },
 *                  outputs: { boxes, scores, classes, masks? }, labels? }
 * Images are stretched to W x H (bilinear, no letterbox); boxes are scaled back to image pixels
 * and clamped to the image; masks come back at image size, nearest-neighbour, thresholded at 0.5.
 * Every detection is returned, most confident first: the caller applies its score threshold.
 */
export type TDetection = {
  class: string;
  score: number;
  box: [number, number, number, number];
  mask?: { width: number; height: number; data: Uint8Array };
};

const side = z.number().int().min(1).max(8192);
const rgb = z.tuple([z.number(), z.number(), z.number()]);

export const ZDetectorConfigSchema = z.object({
  input: z.object({
    name: z.string().min(1).default('images'),
    width: side,
    height: side,
    resize: z.literal('stretch', { error: 'only "stretch" resizing is supported' }).default('stretch'),
    mean: rgb.default([0, 0, 0]),
    std: rgb.refine((s) => s.every((v) => v > 0), 'must be positive').default([1, 1, 1]),
  }),
  outputs: z
    .object({
      boxes: z.string().min(1).default('boxes'),
      scores: z.string().min(1).default('scores'),
      classes: z.string().min(1).default('classes'),
      masks: z.string().min(1).optional(),
    })
    .default({ boxes: 'boxes', scores: 'scores', classes: 'classes' }),
  labels: z.string().min(1).default('labels.json'),
});
export type TDetectorConfig = z.infer<typeof ZDetectorConfigSchema>;

export type TOnnxDetector = {
  dir: string;
  config: TDetectorConfig;
  labels: string[];
  provider: TProvider;
  /** A random-weight test fixture (config.json `prunearena.fixture`). */
  fixture: boolean;
  detect(image: string | Buffer | TRgbImage): Promise<TDetection[]>;
  release(): Promise<void>;
};

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('UNPROCESSABLE', `${file}: ${(err as Error).message}`);
  }
}

function readLabels(file: string): string[] {
  const raw = readJson(file);
  if (Array.isArray(raw) && raw.every((n) => typeof n === 'string')) return raw;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const entries = Object.entries(raw as Record<string, unknown>);
    const labels: string[] = [];
    for (const [k, v] of entries) {
      if (!/^\d+$/.test(k) || typeof v !== 'string') throw new AppError('UNPROCESSABLE', `${file}: expected an array of names or an object from index to name`);
      labels[Number(k)] = v;
    }
    return labels;
  }
  throw new AppError('UNPROCESSABLE', `${file}: expected an array of names or an object from index to name`);
}

/** Input pixels: stretched to the model's size (bilinear), CHW float32, (x/255 - mean) / std. */
async function inputTensor(img: TRgbImage, cfg: TDetectorConfig['input']): Promise<Float32Array> {
  const { width: W, height: H, mean, std } = cfg;
  const resized =
    img.width === W && img.height === H
      ? img.rgb
      : await sharp(Buffer.from(img.rgb.buffer, img.rgb.byteOffset, img.rgb.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } })
          .resize(W, H, { fit: 'fill', kernel: 'linear' })
          .raw()
          .toBuffer();
  const out = new Float32Array(3 * W * H);
  for (let c = 0; c < 3; c++) for (let i = 0; i < W * H; i++) out[c * W * H + i] = (resized[i * 3 + c] / 255 - mean[c]) / std[c];
  return out;
}

function maskToImage(data: ort.Tensor['data'], type: ort.Tensor.Type, index: number, mh: number, mw: number, width: number, height: number) {
  const out = new Uint8Array(width * height);
  const base = index * mh * mw;
  const on = type === 'float32' || type === 'float64' ? (v: number) => v > 0.5 : (v: number) => v !== 0;
  for (let y = 0; y < height; y++) {
    const sy = Math.min(mh - 1, Math.floor(((y + 0.5) * mh) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(mw - 1, Math.floor(((x + 0.5) * mw) / width));
      out[y * width + x] = on(Number((data as ArrayLike<number | bigint | boolean>)[base + sy * mw + sx])) ? 1 : 0;
    }
  }
  return { width, height, data: out };
}

export async function loadOnnxDetector(dir: string, opts: { providers?: TProvider[]; threads?: number } = {}): Promise<TOnnxDetector> {
  const root = path.resolve(dir);
  const modelFile = path.join(root, 'model.onnx');
  const configFile = path.join(root, 'config.json');
  if (!fs.existsSync(modelFile)) throw new AppError('UNPROCESSABLE', `${root} is not a detector folder: it has no model.onnx`);
  if (!fs.existsSync(configFile)) throw new AppError('UNPROCESSABLE', `${root} has no config.json (input size and output names)`);
  const rawConfig = readJson(configFile) as { prunearena?: { fixture?: unknown } };
  const parsed = ZDetectorConfigSchema.safeParse(rawConfig);
  if (!parsed.success) throw new AppError('UNPROCESSABLE', `${configFile}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'} ${i.message}`).join('; ')}`);
  const config = parsed.data;
  const labelsFile = path.resolve(root, config.labels);
  if (!labelsFile.startsWith(root + path.sep)) throw new AppError('UNPROCESSABLE', `${configFile}: labels must name a file inside the folder`);
  const labels = readLabels(labelsFile);

  const { session, provider } = await openSession(modelFile, opts);
  const missing = [
    ...[config.input.name].filter((n) => !session.inputNames.includes(n)).map((n) => `input "${n}"`),
    ...[config.outputs.boxes, config.outputs.scores, config.outputs.classes, ...(config.outputs.masks ? [config.outputs.masks] : [])].filter((n) => !session.outputNames.includes(n)).map((n) => `output "${n}"`),
  ];
  if (missing.length) {
    await session.release();
    throw new AppError('UNPROCESSABLE', `${modelFile} has no ${missing.join(', ')} (inputs: ${session.inputNames.join(', ')}; outputs: ${session.outputNames.join(', ')})`);
  }
  const { width: W, height: H } = config.input;
  const o = config.outputs;

  return {
    dir: root,
    config,
    labels,
    provider,
    fixture: rawConfig.prunearena?.fixture === true,
    async detect(image) {
      const img = typeof image === 'string' || Buffer.isBuffer(image) ? await decodeRgb(image) : image;
      const feeds = { [config.input.name]: new ort.Tensor('float32', await inputTensor(img, config.input), [1, 3, H, W]) };
      const out = await session.run(feeds, [o.boxes, o.scores, o.classes, ...(o.masks ? [o.masks] : [])]);
      const boxes = out[o.boxes];
      const scores = out[o.scores];
      const classes = out[o.classes];
      const n = scores.size;
      const fail = (what: string) => {
        throw new AppError('UNPROCESSABLE', `${modelFile}: ${what}`);
      };
      if (boxes.size !== n * 4 || boxes.dims.at(-1) !== 4) fail(`boxes have shape [${boxes.dims}], expected [${n}, 4]`);
      if (classes.size !== n) fail(`classes have ${classes.size} values for ${n} scores`);
      const masks = o.masks ? out[o.masks] : undefined;
      if (masks?.type === 'float16') fail('float16 masks are not supported: export them as float32 or bool');
      if (masks && (masks.dims.length < 3 || masks.size !== n * masks.dims.at(-1)! * masks.dims.at(-2)!)) fail(`masks have shape [${masks.dims}], expected [${n}, h, w]`);
      const sx = img.width / W;
      const sy = img.height / H;
      const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));
      const b = boxes.data as Float32Array;
      const detections: TDetection[] = [];
      for (let i = 0; i < n; i++) {
        const index = Number((classes.data as ArrayLike<number | bigint>)[i]);
        const name = labels[index];
        if (!Number.isInteger(index) || name === undefined) fail(`detection ${i} has class ${index}, which labels.json does not name (${labels.length} labels)`);
        const x1 = clamp(Math.min(b[i * 4], b[i * 4 + 2]) * sx, img.width);
        const x2 = clamp(Math.max(b[i * 4], b[i * 4 + 2]) * sx, img.width);
        const y1 = clamp(Math.min(b[i * 4 + 1], b[i * 4 + 3]) * sy, img.height);
        const y2 = clamp(Math.max(b[i * 4 + 1], b[i * 4 + 3]) * sy, img.height);
        const d: TDetection = { class: name, score: Number((scores.data as ArrayLike<number>)[i]), box: [x1, y1, x2, y2] };
        if (masks) d.mask = maskToImage(masks.data, masks.type, i, masks.dims.at(-2)!, masks.dims.at(-1)!, img.width, img.height);
        detections.push(d);
      }
      return detections.sort((a, c) => c.score - a.score);
    },
    release: () => session.release(),
  };
}

/**
 * The detector as GenEval's scorer takes one (`{ id, title, detect(image) }`, image as
 * `{ width, height, rgb }`), named by its folder so a report says which one ran.
 */
export function namedDetector(detector: TOnnxDetector): { id: string; title: string; detect: (image: TRgbImage) => Promise<TDetection[]> } {
  return {
    id: `onnx:${path.basename(detector.dir)}`,
    title: `ONNX detector ${detector.dir}${detector.fixture ? ' (random-weight fixture)' : ''}`,
    detect: (image) => detector.detect(image),
  };
}

/** One-shot: load, detect on one image, release. */
export async function detectObjects(detectorDir: string, image: string | Buffer | TRgbImage, opts: { providers?: TProvider[]; threads?: number } = {}): Promise<TDetection[]> {
  const detector = await loadOnnxDetector(detectorDir, opts);
  try {
    return await detector.detect(image);
  } finally {
    await detector.release();
  }
}
