import path from 'node:path';
import { writeClipFixture } from '../../lib/fixtures/clip';
import { writeDetectorFixture } from '../../lib/fixtures/detector';

/**
 * Scorer fixtures for `arena fixture --kind clip|detector`: random-weight models in the layouts
 * the scorers read, deterministic from the seed, for tests and demos (their scores mean nothing).
 */
export const SCORER_FIXTURE_KINDS = {
  clip: 'CLIP-style scorer (transformers.js layout; HPS version "fixture") for arena score hps / clip',
  detector: 'ONNX object detector (boxes, scores, classes, masks; 80 COCO labels) for GenEval',
} as const;

export type TScorerFixtureKind = keyof typeof SCORER_FIXTURE_KINDS;

export function isScorerFixtureKind(kind: string): kind is TScorerFixtureKind {
  return Object.hasOwn(SCORER_FIXTURE_KINDS, kind);
}

export function writeScorerFixture(kind: TScorerFixtureKind, out: string, seed: number) {
  const dir = path.resolve(out);
  switch (kind) {
    case 'clip':
      return writeClipFixture(dir, { seed });
    case 'detector':
      return writeDetectorFixture(dir, { seed });
    default:
      throw new Error(`unknown fixture kind ${JSON.stringify(kind)} (expected ${Object.keys(SCORER_FIXTURE_KINDS).join(' or ')})`);
  }
}

/** The one-line summary `arena fixture` prints for a scorer fixture. */
export function describeScorerFixture(info: ReturnType<typeof writeScorerFixture>): string {
  if (info.kind === 'clip') return `Wrote a random-weight CLIP-style scorer (seed ${info.seed}, ${info.embedDim}-d embeddings, ${info.imageSize} px, HPS version "fixture") to ${info.dir}`;
  return `Wrote a random-weight ONNX detector (seed ${info.seed}, ${info.inputSize} px input, ${info.detections} detections, ${info.classes} COCO classes) to ${info.dir}`;
}
