import { compareGenEval, type TComparablePrompt } from './compare';
import type { TReproduction, TReproductionVariant } from './types';

/** A 1x1 PNG. */
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const prompts = (correct: (i: number) => number): TComparablePrompt[] =>
  ['single_object', 'two_object'].flatMap((tag, t) => [0, 1].map((k) => ({ index: 2 * t + k, tag, prompt: `p${2 * t + k}`, images: 2, correct: correct(2 * t + k) })));
const original = { prompts: prompts(() => 2) };
const late = { prompts: prompts((i) => (i === 3 ? 1 : 2)) };

const variant = (over: Partial<TReproductionVariant>): TReproductionVariant => ({
  key: 'original',
  variantId: 'v0',
  name: 'original',
  role: 'the trained model, uncompressed',
  parentId: null,
  removedBlocks: [],
  reconstruction: null,
  denoiserError: null,
  int4: false,
  params: 1000,
  paramsShare: 1,
  weightBytes: 4096,
  memoryShare: 1,
  latency: { perStepMs: 2.5, perImageMs: 70, provider: 'cpu', hardware: 'Test CPU' },
  runId: 'r0',
  geneval: { score: 1, ci: [1, 1], tasks: [{ tag: 'single_object', score: 1, ci: null }, { tag: 'two_object', score: 1, ci: null }], images: 8, prompts: 4, fixture: false, version: 'v1' },
  hps: { score: 21.5, ci: [21, 22], images: 8, fixture: true, version: 'fixture' },
  vsOriginal: null,
  ...over,
});

/** A small reproduction for tests of what shows it (the Markdown, the page): the original and late-2 measured, early-2 missing. */
export function reproductionFixture(): TReproduction {
  return {
    generatedAt: '2025-01-01T00:00:00.000Z',
    available: true,
    message: 'Not measured yet: early-2 (no variant, run or GenEval score on the paired prompts).',
    model: { id: 'm', name: 'shapes-mmdit-6', description: null, trainedSteps: 12000 },
    demo: { state: 'preparing', message: '3 of 9 steps done', studyPath: null, jobId: null },
    pruneBlocks: 2,
    runSettings: { promptSet: 'shapes', prompts: 4, imagesPerPrompt: 2, steps: 24, guidance: 3, seed: 0 },
    variants: [
      variant({}),
      variant({
        key: 'late',
        variantId: 'v1',
        name: 'late-2',
        role: 'the latest 2 blocks removed',
        parentId: 'v0',
        removedBlocks: [4, 5],
        params: 670,
        paramsShare: 0.67,
        weightBytes: 2048,
        memoryShare: 0.5,
        geneval: { score: 0.875, ci: [0.75, 1], tasks: [{ tag: 'single_object', score: 1, ci: null }, { tag: 'two_object', score: 0.75, ci: null }], images: 8, prompts: 4, fixture: false, version: 'v1' },
        vsOriginal: compareGenEval(original, late, { rounds: 100 }),
      }),
    ],
    comparisons: [
      { id: 'late-vs-original', question: 'What does removing the latest blocks cost?', a: 'original', b: 'late-2', result: compareGenEval(original, late, { rounds: 100 }), problem: null },
      { id: 'late-vs-early', question: 'Do late blocks matter less than early ones?', a: 'early-2', b: 'late-2', result: null, problem: 'early-2 does not exist yet.' },
    ],
    reading: ['Pruning the latest 2 blocks changed GenEval by −0.125 (95% CI −0.250 to 0.000), no clear change at this sample size.'],
    sensitivity: {
      variant: 'original',
      level: 'block',
      createdAt: '2025-01-01T00:00:00.000Z',
      data: { level: 'block', source: 'relative error of the prediction, 4 calibration inputs', entries: [0, 1, 2, 3, 4, 5].map((block) => ({ block, component: null, delta: 0.5 - block / 12, value: 0.5 - block / 12 })) },
    },
    samples: {
      prompts: [
        { index: 0, tag: 'single_object', prompt: 'p0' },
        { index: 2, tag: 'two_object', prompt: 'p2' },
      ],
      variants: ['original', 'late-2'],
      images: [
        [PIXEL, PIXEL],
        [PIXEL, null],
      ],
    },
  };
}
