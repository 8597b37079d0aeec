import type { Rng } from '../fixtures/random';
import { GENEVAL_RELATIONS, GENEVAL_TASKS, parseGenEvalMetadata, type TGenEvalMetadata, type TRelation } from '../scoring/geneval-protocol';
import { NUMBER_WORDS, pick, pickDistinct, PLURALS, SHAPE_CLASSES, SHAPE_COLOURS, type TShapeClass, type TShapeColour } from './world';

/**
 * Prompts of the shapes world with their metadata in GenEval's format (evaluation_metadata.jsonl)
 * and its six tasks, worded as GenEval words them:
 *   single_object  "a photo of a circle"                          include [{circle, 1}]
 *   two_object     "a photo of a circle and a square"             include [{circle, 1}, {square, 1}]
 *   counting       "a photo of three triangles"                   include [{triangle, 3}], exclude [{triangle, 4}]
 *   colors         "a photo of a blue square"                     include [{square, 1, blue}]
 *   position       "a photo of a circle left of a square"         include [{square, 1}, {circle, 1, position: ["left of", 0]}]
 *   color_attr     "a photo of a red circle and a blue square"    include [{circle, 1, red}, {square, 1, blue}]
 * As in GenEval, single_object and two_object name no colour, so their colours are free, and
 * "an" goes before a vowel ("a photo of an orange circle").
 */

export type TShapesTask = (typeof GENEVAL_TASKS)[number];
export type TShapesMetadata = TGenEvalMetadata;

const SHAPE_CLASS_SET: ReadonlySet<string> = new Set(SHAPE_CLASSES);

/** "a circle", "an orange circle": GenEval writes "an" before a vowel. */
const a = (words: string) => `${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words}`;

export const singleObject = (shape: TShapeClass): TShapesMetadata => ({
  tag: 'single_object',
  include: [{ class: shape, count: 1 }],
  prompt: `a photo of ${a(shape)}`,
});

export const twoObject = (first: TShapeClass, second: TShapeClass): TShapesMetadata => ({
  tag: 'two_object',
  include: [
    { class: first, count: 1 },
    { class: second, count: 1 },
  ],
  prompt: `a photo of ${a(first)} and ${a(second)}`,
});

export const counting = (shape: TShapeClass, n: 2 | 3): TShapesMetadata => ({
  tag: 'counting',
  include: [{ class: shape, count: n }],
  exclude: [{ class: shape, count: n + 1 }],
  prompt: `a photo of ${NUMBER_WORDS[n]} ${PLURALS[shape]}`,
});

export const colors = (shape: TShapeClass, colour: TShapeColour): TShapesMetadata => ({
  tag: 'colors',
  include: [{ class: shape, count: 1, color: colour }],
  prompt: `a photo of ${a(`${colour} ${shape}`)}`,
});

/** "a photo of a {mover} {relation} a {target}": GenEval lists the target first, and the mover refers to it. */
export const position = (mover: TShapeClass, relation: TRelation, target: TShapeClass): TShapesMetadata => ({
  tag: 'position',
  include: [
    { class: target, count: 1 },
    { class: mover, count: 1, position: [relation, 0] },
  ],
  prompt: `a photo of ${a(mover)} ${relation} ${a(target)}`,
});

export const colorAttr = (first: TShapeClass, c1: TShapeColour, second: TShapeClass, c2: TShapeColour): TShapesMetadata => ({
  tag: 'color_attr',
  include: [
    { class: first, count: 1, color: c1 },
    { class: second, count: 1, color: c2 },
  ],
  prompt: `a photo of ${a(`${c1} ${first}`)} and ${a(`${c2} ${second}`)}`,
});

/**
 * A random prompt of one task. Two-object tasks use two different shapes (as GenEval uses two
 * different classes), color_attr two different colours.
 */
export function samplePrompt(rng: Rng, task: TShapesTask): TShapesMetadata {
  switch (task) {
    case 'single_object':
      return singleObject(pick(rng, SHAPE_CLASSES));
    case 'two_object': {
      const [a, b] = pickDistinct(rng, SHAPE_CLASSES, 2);
      return twoObject(a, b);
    }
    case 'counting':
      return counting(pick(rng, SHAPE_CLASSES), pick(rng, [2, 3] as const));
    case 'colors':
      return colors(pick(rng, SHAPE_CLASSES), pick(rng, SHAPE_COLOURS));
    case 'position': {
      const [a, b] = pickDistinct(rng, SHAPE_CLASSES, 2);
      return position(a, pick(rng, GENEVAL_RELATIONS), b);
    }
    case 'color_attr': {
      const [a, b] = pickDistinct(rng, SHAPE_CLASSES, 2);
      const [ca, cb] = pickDistinct(rng, SHAPE_COLOURS, 2);
      return colorAttr(a, ca, b, cb);
    }
  }
}

/** Checks a record with GenEval's own parser, against the shapes world's class names. */
export function parseShapesMetadata(raw: unknown, where: string): TShapesMetadata {
  return parseGenEvalMetadata(raw, where, SHAPE_CLASS_SET);
}

/**
 * One line of evaluation_metadata.jsonl, spelled as GenEval's file spells it (Python's
 * json.dumps: ", " and ": " separators; keys in the order tag, include, exclude, prompt).
 */
export function metadataLine(m: TShapesMetadata): string {
  const dumps = (v: unknown): string =>
    Array.isArray(v) ? `[${v.map(dumps).join(', ')}]` : v && typeof v === 'object' ? `{${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}: ${dumps(x)}`).join(', ')}}` : JSON.stringify(v);
  const include = m.include.map(({ class: c, count, color, position }) => ({ class: c, count, color, position }));
  return dumps({ tag: m.tag, include, exclude: m.exclude?.map(({ class: c, count }) => ({ class: c, count })), prompt: m.prompt });
}
