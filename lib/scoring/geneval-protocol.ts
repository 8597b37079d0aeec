import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors';
import type { TBox } from './types';
import { shippedDataFile } from '../data-files';

/**
 * GenEval's protocol (Ghosh et al. 2023; djghosh13/geneval, evaluation/evaluate_images.py),
 * re-implemented from its specification in docs/METHOD.md and checked line by line against the
 * official evaluation code. Where the code and a plain reading of the paper differ, the code wins
 * and the comment says so.
 */

export const GENEVAL_TASKS = ['single_object', 'two_object', 'counting', 'colors', 'position', 'color_attr'] as const;
export const GENEVAL_COLOURS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown', 'black', 'white'] as const;
export const GENEVAL_RELATIONS = ['left of', 'right of', 'above', 'below'] as const;

export type TGenEvalColour = (typeof GENEVAL_COLOURS)[number];
export type TRelation = (typeof GENEVAL_RELATIONS)[number];

/** The official script's defaults (its --options threshold, counting_threshold, max_objects, max_overlap, position_threshold). */
export const GENEVAL_PROTOCOL = {
  threshold: 0.3,
  countingThreshold: 0.9,
  maxObjects: 16,
  /** IoU at or above which a less confident box of the same class is dropped; 1 = no NMS (the official default). */
  maxOverlap: 1,
  positionThreshold: 0.1,
} as const;
export type TGenEvalProtocol = { threshold: number; countingThreshold: number; maxObjects: number; maxOverlap: number; positionThreshold: number };

let classNames: ReadonlySet<string> | null = null;

/** GenEval's 80 COCO class names (data/geneval/object_names.txt). */
export function genEvalClassNames(): ReadonlySet<string> {
  classNames ??= new Set(fs.readFileSync(shippedDataFile('geneval', 'object_names.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean));
  return classNames;
}

const ZInclude = z.object({
  class: z.string().min(1),
  count: z.number().int().min(1),
  color: z.enum(GENEVAL_COLOURS).optional(),
  position: z.tuple([z.enum(GENEVAL_RELATIONS), z.number().int().min(0)]).optional(),
});
export const ZGenEvalMetadataSchema = z.looseObject({
  tag: z.string().min(1),
  include: z.array(ZInclude),
  exclude: z.array(z.object({ class: z.string().min(1), count: z.number().int().min(1) })).optional(),
  prompt: z.string(),
});
export type TGenEvalMetadata = z.infer<typeof ZGenEvalMetadataSchema>;

/**
 * Parses one prompt's metadata record; `where` names the file in errors. `classNames` is the
 * vocabulary its classes must come from: GenEval's 80 COCO names unless a detector brings its
 * own (the shapes world's circle, square and triangle).
 */
export function parseGenEvalMetadata(raw: unknown, where: string, classNames?: ReadonlySet<string>): TGenEvalMetadata {
  const parsed = ZGenEvalMetadataSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('UNPROCESSABLE', `${where}: not a GenEval metadata record (${issue.path.join('.') || 'record'}: ${issue.message})`);
  }
  const m = parsed.data;
  const names = classNames ?? genEvalClassNames();
  for (const c of [...m.include, ...(m.exclude ?? [])]) {
    if (!names.has(c.class)) throw new AppError('UNPROCESSABLE', `${where}: unknown class "${c.class}" (${unknownClassHint(names)})`);
  }
  m.include.forEach((c, i) => {
    // The official code looks the target up among clauses already evaluated, so it must come first.
    if (c.position && c.position[1] >= i) throw new AppError('UNPROCESSABLE', `${where}: include clause ${i} is positioned relative to clause ${c.position[1]}, which must be an earlier clause`);
  });
  return m;
}

/** What an unknown class name is not one of, for error messages. */
export function unknownClassHint(names: ReadonlySet<string>): string {
  return names === genEvalClassNames() ? "not one of GenEval's 80 COCO names" : `not one of this vocabulary's ${names.size} names: ${[...names].slice(0, 10).join(', ')}${names.size > 10 ? ', ...' : ''}`;
}

/** IoU with GenEval's inclusive-pixel convention (+1 on each side). */
export function boxIou(a: TBox, b: TBox): number {
  const area = (x1: number, y1: number, x2: number, y2: number) => Math.max(x2 - x1 + 1, 0) * Math.max(y2 - y1 + 1, 0);
  const inter = area(Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3]));
  const union = area(...a) + area(...b) - inter;
  return union ? inter / union : 0;
}

type TScored = { class: string; score: number; box: TBox };

/**
 * The objects GenEval counts, per class, most confident first: confidence strictly above the
 * threshold (0.9 when the prompt's tag is "counting", else 0.3), then the 16 most confident, then
 * greedy NMS among those. The official default max_overlap is 1.0, which turns NMS off: two
 * overlapping boxes of one class both count. The limit applies before NMS, as in the official code.
 */
export function keptDetections<T extends TScored>(detections: readonly T[], tag: string, p: TGenEvalProtocol = GENEVAL_PROTOCOL): Map<string, T[]> {
  const threshold = tag === 'counting' ? p.countingThreshold : p.threshold;
  const byClass = new Map<string, T[]>();
  for (const d of detections) {
    if (!(d.score > threshold)) continue;
    const list = byClass.get(d.class) ?? [];
    list.push(d);
    byClass.set(d.class, list);
  }
  for (const [cls, list] of byClass) {
    let order = list.map((d, i) => ({ d, i })).sort((a, b) => b.d.score - a.d.score || a.i - b.i).slice(0, p.maxObjects).map((x) => x.d);
    const kept: T[] = [];
    while (order.length) {
      const best = order[0];
      kept.push(best);
      order = order.slice(1).filter((d) => p.maxOverlap >= 1 || boxIou(best.box, d.box) < p.maxOverlap);
    }
    byClass.set(cls, kept);
  }
  return byClass;
}

/**
 * Where box A lies relative to box B. Per axis: the centres' offset shrunk towards 0 by
 * threshold x (A's size + B's size), never past 0; if both shrunk offsets are under 1e-3 the
 * boxes are too close to say anything (the empty set). Otherwise each shrunk offset is divided by
 * the length of the original (unshrunk) offset, and a relation holds beyond 0.5. y grows
 * downward, so "above" is a negative dy. Several relations can hold at once (diagonals).
 */
export function relativePosition(a: TBox, b: TBox, threshold: number = GENEVAL_PROTOCOL.positionThreshold): TRelation[] {
  const off = [(a[0] + a[2]) / 2 - (b[0] + b[2]) / 2, (a[1] + a[3]) / 2 - (b[1] + b[3]) / 2];
  const dims = [Math.abs(a[2] - a[0]) + Math.abs(b[2] - b[0]), Math.abs(a[3] - a[1]) + Math.abs(b[3] - b[1])];
  const revised = off.map((o, k) => Math.max(Math.abs(o) - threshold * dims[k], 0) * Math.sign(o));
  if (revised.every((r) => Math.abs(r) < 1e-3)) return [];
  const norm = Math.hypot(off[0], off[1]);
  const [dx, dy] = revised.map((r) => r / norm);
  const out: TRelation[] = [];
  if (dx < -0.5) out.push('left of');
  if (dx > 0.5) out.push('right of');
  if (dy < -0.5) out.push('above');
  if (dy > 0.5) out.push('below');
  return out;
}
