import path from 'node:path';
import { AppError } from '../errors';
import { PIXEL_COLOUR_CLASSIFIER } from './colour-pixel';
import { cropObject } from './crop';
import { boxProblem, readDetectionsFile, type TDetectionsFile } from './detections-file';
import { imageSize, listGenEvalFolders, readRgb, type TGenEvalFolder } from './geneval-images';
import { judgeImage, type TClauseFailure } from './geneval-judge';
import { GENEVAL_PROTOCOL, genEvalClassNames, keptDetections, unknownClassHint, type TGenEvalProtocol } from './geneval-protocol';
import { summariseGenEval, type TInterval, type TTaskScore } from './geneval-summary';
import { scorerInfo } from './registry';
import { decodeRle, type TCocoRle } from './rle';
import type { TBox, TDetection, TMask, TNamedColourClassifier, TNamedDetector, TRgbImage } from './types';

export type TScoreGenEvalOptions = {
  /** Exactly one of a detector to run on every image and a detections file made elsewhere. */
  detector?: TNamedDetector;
  detectionsFile?: string;
  /** GenEval's CLIP classifier (colour-clip.ts) or, by default, the pixel fallback (colour-pixel.ts). */
  colourClassifier?: TNamedColourClassifier;
  /** Bootstrap rounds for the 95% intervals (default 1000; 0 = no intervals). */
  bootstrapRounds?: number;
  seed?: number;
  /** Changes to the official protocol's thresholds, for sensitivity checks only. */
  protocol?: Partial<TGenEvalProtocol>;
  onProgress?: (done: number, total: number) => void;
};

export type TImageResult = {
  image: string;
  prompt: number;
  tag: string;
  correct: boolean;
  failures: TClauseFailure[];
  colours: { clause: number; class: string; found: string[] }[];
  /** The objects the protocol kept, per class, most confident first. */
  detected: Record<string, { score: number; box: TBox }[]>;
};
export type TPromptResult = { index: number; folder: string; tag: string; prompt: string; images: number; correct: number; score: number | null };

export type TGenEvalReport = {
  scorer: { id: string; title: string; version: string };
  imagesDir: string;
  protocol: TGenEvalProtocol;
  detections: { source: 'file'; file: string; sha256: string } | { source: 'detector'; id: string; title: string };
  /** Which colour classifier ran: `clip:<model>` (GenEval's method) or the pixel fallback. */
  colourClassifier: { id: string; kind: 'clip' | 'pixel'; title: string; version: string; fixture: boolean; objectsClassified: number };
  overall: { score: number; ci: TInterval | null };
  tasks: TTaskScore[];
  /** False when a GenEval task has no images here; overall is then the mean of the tasks present. */
  complete: boolean;
  missingTasks: string[];
  totals: { images: number; prompts: number; correctImageShare: number; correctPromptShare: number };
  bootstrap: { rounds: number; seed: number; method: string };
  notes: string[];
  prompts: TPromptResult[];
  images: TImageResult[];
};

type TCandidate = { class: string; score: number; box: TBox; mask?: TMask; rle?: TCocoRle };

const MAX_PROBLEMS = 20;

function fail(problems: string[], what: string): never {
  throw new AppError('UNPROCESSABLE', `${what}; nothing was scored:\n${problems.slice(0, MAX_PROBLEMS).join('\n')}${problems.length > MAX_PROBLEMS ? `\n(and ${problems.length - MAX_PROBLEMS} more)` : ''}`);
}

/** Every image has a line, every line an image, and every box and mask fits its image. */
async function checkFileAgainstImages(imagesDir: string, folders: TGenEvalFolder[], file: TDetectionsFile): Promise<void> {
  const problems: string[] = [];
  const images = folders.flatMap((f) => f.images);
  const missing = images.filter((k) => !file.entries.has(k));
  if (missing.length) problems.push(`${missing.length} image(s) have no line in ${file.file}, e.g. ${missing.slice(0, 5).join(', ')}`);
  const known = new Set(images);
  const entries = [...file.entries.values()];
  for (const e of entries) if (!known.has(e.image)) problems.push(`${file.file}:${e.line}: image "${e.image}" is not in ${imagesDir}`);
  const present = entries.filter((e) => known.has(e.image));
  for (let i = 0; i < present.length; i += 16) {
    const sizes = await Promise.all(present.slice(i, i + 16).map((e) => imageSize(path.join(imagesDir, e.image))));
    sizes.forEach(({ width, height }, j) => {
      const e = present[i + j];
      const at = `${file.file}:${e.line}`;
      if ((e.width !== undefined && e.width !== width) || (e.height !== undefined && e.height !== height)) {
        problems.push(`${at}: says the image is ${e.width}x${e.height}, but ${e.image} is ${width}x${height}`);
        return;
      }
      e.detections.forEach((d, k) => {
        const bad = boxProblem(d.box, width, height);
        if (bad) problems.push(`${at}: detections[${k}]: ${bad}`);
        if (d.rle && (d.rle.size[0] !== height || d.rle.size[1] !== width)) problems.push(`${at}: detections[${k}]: mask size [h, w] = ${JSON.stringify(d.rle.size)} is not the image's ${height}x${width}`);
      });
    });
  }
  if (problems.length) fail(problems, `${file.file} does not match ${imagesDir}`);
}

function checkDetectorOutput(dets: TDetection[], image: TRgbImage, where: string, detector: string, names: ReadonlySet<string>): TDetection[] {
  const problems: string[] = [];
  dets.forEach((d, k) => {
    const at = `detector ${detector} on ${where}: detection ${k}`;
    if (!names.has(d.class)) problems.push(`${at}: unknown class "${d.class}" (${unknownClassHint(names)})`);
    if (!(d.score >= 0 && d.score <= 1)) problems.push(`${at}: score ${d.score} is not in [0, 1]`);
    const bad = boxProblem(d.box, image.width, image.height);
    if (bad) problems.push(`${at}: ${bad}`);
    if (d.mask && (d.mask.width !== image.width || d.mask.height !== image.height || d.mask.data.length !== image.width * image.height)) problems.push(`${at}: mask is ${d.mask.width}x${d.mask.height}, not the image's ${image.width}x${image.height}`);
  });
  if (problems.length) fail(problems, `the detector gave unusable detections`);
  return dets;
}

/**
 * Scores a folder of images in GenEval's layout (see geneval-images.ts) with GenEval's protocol
 * (geneval-protocol.ts, geneval-judge.ts) and its summary (geneval-summary.ts). With a detections
 * file, the whole file is checked against the folder before any image is judged.
 */
export async function scoreGenEval(imagesDir: string, o: TScoreGenEvalOptions): Promise<TGenEvalReport> {
  if (Boolean(o.detector) === Boolean(o.detectionsFile)) throw new AppError('BAD_REQUEST', 'give exactly one of a detector and a detections file');
  const protocol: TGenEvalProtocol = { ...GENEVAL_PROTOCOL, ...o.protocol };
  const classifier = o.colourClassifier ?? PIXEL_COLOUR_CLASSIFIER;
  const rounds = o.bootstrapRounds ?? 1000;
  const seed = o.seed ?? 0;
  // a detector with its own vocabulary (the shapes world) is judged on prompts in that vocabulary
  const classNames = o.detector?.classes ? new Set(o.detector.classes) : genEvalClassNames();
  const folders = listGenEvalFolders(imagesDir, classNames);
  let file: TDetectionsFile | undefined;
  if (o.detectionsFile) {
    file = readDetectionsFile(o.detectionsFile);
    await checkFileAgainstImages(imagesDir, folders, file);
  }
  const total = folders.reduce((s, f) => s + f.images.length, 0);
  const images: TImageResult[] = [];
  const prompts: TPromptResult[] = [];
  let classified = 0;
  let masks = 0;
  let candidates = 0;
  for (const f of folders) {
    let correct = 0;
    for (const key of f.images) {
      const abs = path.join(imagesDir, key);
      let pixels: TRgbImage | undefined;
      const load = async () => (pixels ??= await readRgb(abs));
      const dets: TCandidate[] = file ? file.entries.get(key)!.detections : checkDetectorOutput(await o.detector!.detect(await load()), await load(), key, o.detector!.id, classNames);
      candidates += dets.length;
      masks += dets.filter((d) => d.mask || d.rle).length;
      const kept = keptDetections(dets, f.metadata.tag, protocol);
      const verdict = await judgeImage(
        f.metadata,
        kept,
        async (obj, className) => {
          const img = await load();
          const crop = cropObject(img, obj.box, obj.mask ?? (obj.rle ? decodeRle(obj.rle) : undefined));
          classified++;
          return (await classifier.classify(crop, className)).colour;
        },
        protocol.positionThreshold,
      );
      if (verdict.correct) correct++;
      images.push({
        image: key,
        prompt: f.index,
        tag: f.metadata.tag,
        ...verdict,
        detected: Object.fromEntries([...kept].map(([cls, list]) => [cls, list.map((d) => ({ score: d.score, box: d.box }))])),
      });
      o.onProgress?.(images.length, total);
    }
    prompts.push({ index: f.index, folder: f.folder, tag: f.metadata.tag, prompt: f.metadata.prompt, images: f.images.length, correct, score: f.images.length ? correct / f.images.length : null });
  }
  const summary = summariseGenEval(prompts, { rounds, seed });
  const scored = prompts.filter((p) => p.images > 0);
  const notes: string[] = [];
  if (summary.missingTasks.length) notes.push(`no images for ${summary.missingTasks.join(', ')}: overall is the mean of the ${summary.tasks.length} task(s) present, not comparable with a full GenEval score`);
  if (scored.length < prompts.length) notes.push(`${prompts.length - scored.length} prompt folder(s) have no images and are left out`);
  if (classified && classifier.kind === 'pixel') notes.push('colours were judged by the pixel fallback, not GenEval\'s CLIP ViT-L-14 zero-shot classifier: colors and color_attr scores are not comparable with published GenEval numbers');
  if (classified && classifier.kind === 'clip') notes.push(`colours were judged by GenEval's zero-shot method with ${classifier.id}; colors and color_attr scores are comparable with published GenEval numbers only when that is OpenAI CLIP ViT-L-14`);
  if (classified && classifier.fixture) notes.push(`the colour classifier ${classifier.id} is a test fixture: colors and color_attr scores mean nothing`);
  if (classified && candidates && masks === 0) notes.push('the detections have no masks, so colours were judged on whole boxes (background included)');
  const { id, title, version } = scorerInfo('geneval');
  return {
    scorer: { id, title, version },
    imagesDir: path.resolve(imagesDir),
    protocol,
    detections: file ? { source: 'file', file: file.file, sha256: file.sha256 } : { source: 'detector', id: o.detector!.id, title: o.detector!.title },
    colourClassifier: { id: classifier.id, kind: classifier.kind, title: classifier.title, version: classifier.version, fixture: classifier.fixture ?? false, objectsClassified: classified },
    overall: summary.overall,
    tasks: summary.tasks,
    complete: summary.missingTasks.length === 0,
    missingTasks: summary.missingTasks,
    totals: {
      images: total,
      prompts: scored.length,
      correctImageShare: images.filter((i) => i.correct).length / total,
      correctPromptShare: scored.filter((p) => p.correct > 0).length / scored.length,
    },
    bootstrap: { rounds, seed, method: 'percentile bootstrap (2.5%, 97.5%) over prompts, resampled with replacement within each task' },
    notes,
    prompts,
    images,
  };
}
