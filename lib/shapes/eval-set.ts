import { Rng } from '../fixtures/random';
import { GENEVAL_RELATIONS } from '../scoring/geneval-protocol';
import { colorAttr, colors, counting, metadataLine, position, singleObject, twoObject, type TShapesMetadata } from './prompts';
import { pickDistinct, SHAPE_CLASSES, SHAPE_COLOURS } from './world';

/**
 * The shapes world's fixed evaluation prompts (data/shapes/evaluation_metadata.jsonl), in
 * GenEval's task order. Every prompt is different: `arena generate` seeds image k of every
 * prompt alike, so a repeated prompt would only repeat its images. The small tasks hold every
 * prompt there is; the large ones a balanced share:
 *   single_object  3   every shape
 *   two_object     6   every ordered pair of shapes
 *   counting       6   every shape, two and three
 *   colors        24   every shape in every colour
 *   position      24   every ordered pair of shapes in every relation
 *   color_attr    24   every ordered pair of shapes four times, colours drawn without repeats
 * 87 prompts; with 4 images each, 348 images. Changing this list changes every score made
 * with it: a test checks that the shipped file is what this function writes.
 */
export function shapesEvaluationSet(): TShapesMetadata[] {
  const pairs = SHAPE_CLASSES.flatMap((a) => SHAPE_CLASSES.filter((b) => b !== a).map((b) => [a, b] as const));
  const out: TShapesMetadata[] = [];
  for (const s of SHAPE_CLASSES) out.push(singleObject(s));
  for (const [a, b] of pairs) out.push(twoObject(a, b));
  for (const s of SHAPE_CLASSES) for (const n of [2, 3] as const) out.push(counting(s, n));
  for (const s of SHAPE_CLASSES) for (const c of SHAPE_COLOURS) out.push(colors(s, c));
  for (const [a, b] of pairs) for (const r of GENEVAL_RELATIONS) out.push(position(a, r, b));
  const rng = new Rng(7);
  const seen = new Set<string>();
  while (seen.size < 4 * pairs.length) {
    const [a, b] = pairs[seen.size % pairs.length];
    const [ca, cb] = pickDistinct(rng, SHAPE_COLOURS, 2);
    const m = colorAttr(a, ca, b, cb);
    if (seen.has(m.prompt)) continue;
    seen.add(m.prompt);
    out.push(m);
  }
  return out;
}

/** The file's text: one GenEval-spelled line per prompt. */
export function evaluationSetText(): string {
  return shapesEvaluationSet().map(metadataLine).join('\n') + '\n';
}
