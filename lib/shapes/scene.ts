import { Rng } from '../fixtures/random';
import { judgeImage, type TImageVerdict } from '../scoring/geneval-judge';
import { GENEVAL_TASKS, relativePosition, type TRelation } from '../scoring/geneval-protocol';
import type { TBox } from '../scoring/types';
import { samplePrompt, type TShapesMetadata, type TShapesTask } from './prompts';
import { GAP, GRID, pick, randInt, SHAPE_COLOURS, SIZES, type TScene, type TSceneObject, type TShapeClass, type TShapeColour } from './world';

/** An object's box in grid units, [x1, y1, x2, y2] as GenEval's boxes are. */
export const unitBox = (o: TSceneObject): TBox => [o.x, o.y, o.x + o.size, o.y + o.size];

/** Whether two objects keep the gap: their boxes are GAP units apart along x or along y. */
export function keepsGap(a: TSceneObject, b: TSceneObject, gap: number = GAP): boolean {
  return a.x + a.size + gap <= b.x || b.x + b.size + gap <= a.x || a.y + a.size + gap <= b.y || b.y + b.size + gap <= a.y;
}

/**
 * Whether A stands clearly in `relation` to B: GenEval's rule gives exactly that relation (no
 * diagonal), and still gives it with twice GenEval's shrink (0.2 instead of 0.1), so a
 * slightly misplaced drawing of the scene would pass too.
 */
export function clearlyRelated(a: TBox, b: TBox, relation: TRelation): boolean {
  const rel = relativePosition(a, b);
  return rel.length === 1 && rel[0] === relation && relativePosition(a, b, 0.2).includes(relation);
}

const MAX_TRIES = 200;

type TSpec = { shape: TShapeClass; colour: TShapeColour; relation?: { to: number; relation: TRelation } };

/** The objects a record asks for, in clause order; colours it leaves open are drawn at random. */
function objectSpecs(meta: TShapesMetadata, rng: Rng): TSpec[] {
  const specs: TSpec[] = [];
  const first: number[] = [];
  for (const clause of meta.include) {
    first.push(specs.length);
    for (let k = 0; k < clause.count; k++) {
      const rel = clause.position ? { to: first[clause.position[1]], relation: clause.position[0] } : undefined;
      specs.push({ shape: clause.class as TShapeClass, colour: (clause.color as TShapeColour | undefined) ?? pick(rng, SHAPE_COLOURS), relation: rel });
    }
  }
  return specs;
}

/**
 * A scene that satisfies a record: exactly the objects its include clauses ask for (none of its
 * exclude clauses can then hold), sizes by how many objects there are (SIZES), every pair GAP
 * units apart, and a positioned object clearly in its relation to its target. Objects are placed
 * one by one, each uniformly among the places left free for it, from `rng`: one seed, one scene.
 */
export function sceneFor(meta: TShapesMetadata, rng: Rng): TScene {
  const specs = objectSpecs(meta, rng);
  const n = specs.length;
  if (n < 1 || n > 3) throw new Error(`the shapes world draws one to three objects; "${meta.prompt}" asks for ${n}`);
  const [lo, hi] = SIZES[n as 1 | 2 | 3];
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const objects: TSceneObject[] = [];
    for (const s of specs) {
      // every free place for this object, then one of them: a dead end starts the scene again
      const size = randInt(rng, lo, hi);
      const free: TSceneObject[] = [];
      for (let y = 0; y <= GRID - size; y++) {
        for (let x = 0; x <= GRID - size; x++) {
          const o = { shape: s.shape, colour: s.colour, size, x, y };
          if (objects.every((b) => keepsGap(o, b)) && (!s.relation || clearlyRelated(unitBox(o), unitBox(objects[s.relation.to]), s.relation.relation))) free.push(o);
        }
      }
      if (!free.length) break;
      objects.push(pick(rng, free));
    }
    if (objects.length === n) return { objects };
  }
  throw new Error(`no layout found for "${meta.prompt}" in ${MAX_TRIES} tries`);
}

export type TExample = { seed: number; metadata: TShapesMetadata; scene: TScene };

/**
 * The example of one seed: a task (uniform over GenEval's six, or by `taskWeights`), a prompt of
 * that task, and a scene for it. Deterministic: the same seed gives the same example everywhere.
 */
export function sampleExample(seed: number, o: { taskWeights?: Partial<Record<TShapesTask, number>> } = {}): TExample {
  const rng = new Rng(seed);
  const weights = GENEVAL_TASKS.map((t) => (o.taskWeights ? (o.taskWeights[t] ?? 0) : 1));
  const total = weights.reduce((s, w) => s + w, 0);
  if (!(total > 0)) throw new Error('taskWeights gives no task a positive weight');
  let u = rng.next() * total;
  let task: TShapesTask = GENEVAL_TASKS[GENEVAL_TASKS.length - 1];
  for (const [i, w] of weights.entries()) {
    if (u < w) {
      task = GENEVAL_TASKS[i];
      break;
    }
    u -= w;
  }
  const metadata = samplePrompt(rng, task);
  return { seed, metadata, scene: sceneFor(metadata, rng) };
}

/**
 * GenEval's verdict on a scene's own ground truth (every object found, with its true colour and
 * box): what a perfect detector would give. A scene the generator made for a record must pass.
 */
export async function judgeGroundTruth(meta: TShapesMetadata, scene: TScene): Promise<TImageVerdict> {
  const kept = new Map<string, { score: number; box: TBox; colour: string }[]>();
  for (const o of scene.objects) kept.set(o.shape, [...(kept.get(o.shape) ?? []), { score: 1, box: unitBox(o), colour: o.colour }]);
  return judgeImage(meta, kept, async (obj) => obj.colour);
}
