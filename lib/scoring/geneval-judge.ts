import { GENEVAL_COLOURS, GENEVAL_PROTOCOL, relativePosition, type TGenEvalMetadata, type TRelation } from './geneval-protocol';
import type { TBox } from './types';

/** Why an image failed: one entry per clause that did not hold. */
export type TClauseFailure =
  | { clause: 'include'; index: number; class: string; kind: 'count'; expected: number; found: number; message: string }
  | { clause: 'include'; index: number; class: string; kind: 'colour'; expected: string; found: string[]; message: string }
  | { clause: 'include'; index: number; class: string; kind: 'position'; expected: TRelation; target: number; found: TRelation[]; message: string }
  | { clause: 'include'; index: number; class: string; kind: 'no-target'; expected: TRelation; target: number; message: string }
  | { clause: 'exclude'; index: number; class: string; kind: 'count'; expected: number; found: number; message: string };

export type TImageVerdict = {
  correct: boolean;
  failures: TClauseFailure[];
  /** The colour found for each object a colour clause looked at, most confident first. */
  colours: { clause: number; class: string; found: string[] }[];
};

type TObject = { score: number; box: TBox };

/**
 * GenEval's verdict on one image, given the objects kept per class (keptDetections: most confident
 * first). As in the official evaluate():
 * - include clauses hold together (AND). A clause looks at the `count` most confident objects of
 *   its class and fails if there are fewer: "at least count", never "exactly". Counting prompts
 *   get their "exactly" from an exclude clause for count + 1 in the metadata.
 * - colour: every one of those `count` objects must be classified as the colour.
 * - position [relation, j]: checked only if the clause's count and colour held; it fails when
 *   clause j failed ("no target"), and otherwise needs EVERY pair (one of this clause's objects,
 *   one of clause j's objects) to stand in the relation. Only clause j's top `count` objects are
 *   targets, not every detection of its class.
 * - exclude clauses: the image fails if `count` or more objects of the class are kept (OR).
 * Every clause is checked, so the verdict lists every reason, not only the first.
 */
export async function judgeImage<T extends TObject>(
  meta: TGenEvalMetadata,
  kept: ReadonlyMap<string, readonly T[]>,
  colourOf: (obj: T, className: string) => Promise<string>,
  positionThreshold: number = GENEVAL_PROTOCOL.positionThreshold,
): Promise<TImageVerdict> {
  const failures: TClauseFailure[] = [];
  const colours: TImageVerdict['colours'] = [];
  const matched: (readonly T[] | null)[] = [];
  for (const [index, req] of meta.include.entries()) {
    const cls = req.class;
    const found = (kept.get(cls) ?? []).slice(0, req.count);
    let ok = true;
    if (found.length < req.count) {
      ok = false;
      failures.push({ clause: 'include', index, class: cls, kind: 'count', expected: req.count, found: found.length, message: `expected at least ${req.count} ${cls}, found ${found.length}` });
    } else {
      if (req.color) {
        const got: string[] = [];
        for (const obj of found) got.push(await colourOf(obj, cls));
        colours.push({ clause: index, class: cls, found: got });
        const hits = got.filter((c) => c === req.color).length;
        if (hits < req.count) {
          ok = false;
          const tally = GENEVAL_COLOURS.filter((c) => got.includes(c)).map((c) => `${got.filter((g) => g === c).length} ${c}`);
          failures.push({ clause: 'include', index, class: cls, kind: 'colour', expected: req.color, found: got, message: `expected ${req.count} ${req.color} ${cls}, found ${tally.join(', ')}` });
        }
      }
      if (req.position && ok) {
        const [relation, target] = req.position;
        const targets = matched[target];
        const targetClass = meta.include[target].class;
        if (!targets) {
          ok = false;
          failures.push({ clause: 'include', index, class: cls, kind: 'no-target', expected: relation, target, message: `no ${targetClass} (clause ${target} failed) for ${cls} to be ${relation}` });
        } else {
          pairs: for (const [i, obj] of found.entries()) {
            for (const [j, t] of targets.entries()) {
              const rels = relativePosition(obj.box, t.box, positionThreshold);
              if (!rels.includes(relation)) {
                ok = false;
                const seen = rels.length ? rels.join(' and ') : 'no clear relation (too close or overlapping)';
                failures.push({ clause: 'include', index, class: cls, kind: 'position', expected: relation, target, found: rels, message: `expected ${cls} ${relation} ${targetClass}, found ${seen} (${cls} #${i + 1} vs ${targetClass} #${j + 1})` });
                break pairs;
              }
            }
          }
        }
      }
    }
    matched.push(ok ? found : null);
  }
  for (const [index, req] of (meta.exclude ?? []).entries()) {
    const n = kept.get(req.class)?.length ?? 0;
    if (n >= req.count) failures.push({ clause: 'exclude', index, class: req.class, kind: 'count', expected: req.count, found: n, message: `expected fewer than ${req.count} ${req.class}, found ${n}` });
  }
  return { correct: failures.length === 0, failures, colours };
}
