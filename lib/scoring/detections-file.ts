import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors';
import { genEvalClassNames } from './geneval-protocol';
import { rleRuns, type TCocoRle } from './rle';
import type { TBox } from './types';

/**
 * Detections made elsewhere (e.g. GenEval's Mask2Former under mmdetection), one JSON object a line:
 *
 *   {"image": "00012/samples/0003.png", "width": 1024, "height": 1024,
 *    "detections": [{"class": "dog", "score": 0.97, "box": [x1, y1, x2, y2],
 *                    "mask": {"size": [1024, 1024], "counts": "<COCO RLE>"}}]}
 *
 * - image: the PNG's path relative to IMAGES_DIR, with forward slashes; each image exactly once.
 * - width, height (optional): the image's size; when given, boxes and masks are checked against it
 *   here, and it must match the PNG.
 * - detections: everything the detector found, unthresholded or lightly thresholded (the scorer
 *   applies GenEval's 0.3 / 0.9 thresholds and 16-per-class limit itself); [] for none.
 *   class: one of GenEval's 80 COCO names (data/geneval/object_names.txt), spelled exactly;
 *   score: confidence in [0, 1]; box: pixels, 0 <= x1 <= x2 <= width, 0 <= y1 <= y2 <= height;
 *   mask (optional): COCO RLE over the whole image (pycocotools' mask.encode output with
 *   counts as a string, or uncompressed counts as a list). Without masks, colour is judged on
 *   the whole box, as the official code does when the detector gives no masks.
 * Blank lines are skipped. The whole file is checked before anything is scored: any bad line
 * stops the run, and the error names every bad line (up to 20).
 */
export type TImportedDetection = { class: string; score: number; box: TBox; rle?: TCocoRle };
export type TDetectionsEntry = { image: string; line: number; width?: number; height?: number; detections: TImportedDetection[] };
export type TDetectionsFile = { file: string; sha256: string; entries: Map<string, TDetectionsEntry> };

const ZDetection = z.strictObject({
  class: z.string(),
  score: z.number().min(0).max(1),
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  mask: z.strictObject({ size: z.tuple([z.number().int().positive(), z.number().int().positive()]), counts: z.union([z.string(), z.array(z.number())]) }).optional(),
});
const ZLine = z.strictObject({
  image: z.string().min(1),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  detections: z.array(ZDetection),
});

const MAX_REPORTED = 20;

/** Checks a box against an image size; returns what is wrong, or null. */
export function boxProblem(box: readonly number[], width?: number, height?: number): string | null {
  const [x1, y1, x2, y2] = box;
  if (!box.every(Number.isFinite)) return `box ${JSON.stringify(box)} has a value that is not a finite number`;
  if (x1 > x2 || y1 > y2) return `box ${JSON.stringify(box)} is not [x1, y1, x2, y2] with x1 <= x2 and y1 <= y2`;
  if (x1 < 0 || y1 < 0) return `box ${JSON.stringify(box)} starts outside the image (negative coordinate)`;
  if ((width !== undefined && x2 > width) || (height !== undefined && y2 > height)) return `box ${JSON.stringify(box)} is outside the ${width}x${height} image`;
  return null;
}

/** The normalised relative path of an image, or null if it is not a plain relative path. */
export function imageKey(p: string): string | null {
  const n = path.posix.normalize(p.replaceAll('\\', '/'));
  return n.startsWith('/') || n.startsWith('../') || n === '..' || /^[a-zA-Z]:/.test(n) ? null : n;
}

export function parseDetectionsJsonl(text: string, file: string): Map<string, TDetectionsEntry> {
  const names = genEvalClassNames();
  const entries = new Map<string, TDetectionsEntry>();
  const problems: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && problems.length < MAX_REPORTED; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const at = `${file}:${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      problems.push(`${at}: not JSON (${(err as Error).message})`);
      continue;
    }
    const parsed = ZLine.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue.path.map((k, n) => (typeof k === 'number' ? `[${k}]` : `${n ? '.' : ''}${String(k)}`)).join('');
      problems.push(`${at}: ${where || 'line'}: ${issue.message}`);
      continue;
    }
    const { image, width, height, detections } = parsed.data;
    const key = imageKey(image);
    if (!key) {
      problems.push(`${at}: image "${image}" must be a path relative to IMAGES_DIR`);
      continue;
    }
    const before = entries.get(key);
    if (before) {
      problems.push(`${at}: image "${image}" already appears on line ${before.line}`);
      continue;
    }
    const out: TImportedDetection[] = [];
    for (const [j, d] of detections.entries()) {
      const where = `${at}: detections[${j}]`;
      if (!names.has(d.class)) {
        problems.push(`${where}: unknown class "${d.class}" (not one of GenEval's 80 COCO names)`);
        continue;
      }
      const bad = boxProblem(d.box, width, height);
      if (bad) {
        problems.push(`${where}: ${bad}`);
        continue;
      }
      if (d.mask) {
        try {
          rleRuns(d.mask as TCocoRle);
        } catch (err) {
          problems.push(`${where}: mask is not a valid COCO RLE: ${(err as Error).message}`);
          continue;
        }
        if ((width !== undefined && d.mask.size[1] !== width) || (height !== undefined && d.mask.size[0] !== height)) {
          problems.push(`${where}: mask size [h, w] = ${JSON.stringify(d.mask.size)} is not the image's ${height}x${width}`);
          continue;
        }
      }
      out.push({ class: d.class, score: d.score, box: d.box, ...(d.mask ? { rle: d.mask as TCocoRle } : {}) });
    }
    entries.set(key, { image: key, line: i + 1, width, height, detections: out });
  }
  if (problems.length) {
    const more = problems.length >= MAX_REPORTED ? `\n(stopped after ${MAX_REPORTED} problems)` : '';
    throw new AppError('UNPROCESSABLE', `${file} has bad lines; nothing was scored:\n${problems.join('\n')}${more}`);
  }
  if (entries.size === 0) throw new AppError('UNPROCESSABLE', `${file} has no detection lines`);
  return entries;
}

export function readDetectionsFile(file: string): TDetectionsFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new AppError('NOT_FOUND', `cannot read the detections file ${file}: ${(err as Error).message}`);
  }
  return { file: path.resolve(file), sha256: createHash('sha256').update(bytes).digest('hex'), entries: parseDetectionsJsonl(bytes.toString('utf8'), file) };
}
