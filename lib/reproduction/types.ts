import type { TGenEvalComparison, TInterval } from './compare';

/**
 * The reproduction of HierarchicalPrune's finding on the built-in shapes model, as one JSON-able
 * value: the /reproduction page, /api/v1/reproduction and `arena reproduction` all show this.
 */

/** The demo's variants in the order the reproduction shows them. */
export const VARIANT_KEYS = ['original', 'late', 'early', 'hp', 'hp-recon', 'hp-recon-int4', 'int4'] as const;
export type TVariantKey = (typeof VARIANT_KEYS)[number];

export type TReproductionVariant = {
  key: TVariantKey;
  variantId: string;
  /** The variant's name (late-2, hp-recon, ...) and what was done to the original, in a few words. */
  name: string;
  role: string;
  parentId: string | null;
  /** Blocks of the main stack the compression removed (from its compress report). */
  removedBlocks: number[];
  /** Relative error of the pruned spans' output before and after reconstruction, when it ran. */
  reconstruction: { errorBefore: number; errorAfter: number } | null;
  /** Relative error of the compressed denoiser's prediction against the original's, on held-out calibration inputs. */
  denoiserError: number | null;
  int4: boolean;
  params: number;
  /** params / the original's params */
  paramsShare: number;
  /** Bytes of the weights as stored (the memory footprint), and that as a share of the original's. */
  weightBytes: number;
  memoryShare: number;
  /** Median time per denoiser step and per image of the paired generation run, and where it ran. */
  latency: { perStepMs: number; perImageMs: number | null; provider: string; hardware: string } | null;
  /** The generation run the scores below come from (the same prompts and seeds for every variant). */
  runId: string | null;
  geneval: {
    score: number;
    ci: TInterval | null;
    tasks: { tag: string; score: number; ci: TInterval | null }[];
    images: number;
    prompts: number;
    fixture: boolean;
    version: string;
  } | null;
  hps: { score: number; ci: TInterval | null; images: number; fixture: boolean; version: string } | null;
  /** This variant against the original on the same prompts and seeds (null for the original and where a score is missing). */
  vsOriginal: TGenEvalComparison | null;
};

export const COMPARISON_IDS = ['late-vs-original', 'early-vs-original', 'late-vs-early', 'recon-vs-hp', 'hp-vs-late', 'int4-vs-original', 'recon-int4-vs-recon'] as const;
export type TComparisonId = (typeof COMPARISON_IDS)[number];

/** A paired GenEval comparison: the difference is b − a. */
export type TReproductionComparison = {
  id: TComparisonId;
  question: string;
  a: string;
  b: string;
  result: TGenEvalComparison | null;
  /** Why there is no result (a variant or its score is missing, the runs do not pair up). */
  problem: string | null;
};

export type TSampleGrid = {
  /** The first prompt of each GenEval task in the original's run. */
  prompts: { index: number; tag: string; prompt: string }[];
  /** Variant names, in the columns' order. */
  variants: string[];
  /** images[prompt][variant]: sample 0 as a `data:image/png;base64,...` URI, null where missing; null when images were not asked for. */
  images: (string | null)[][] | null;
};

export type TReproductionDemo = {
  state: 'none' | 'preparing' | 'ready' | 'failed';
  /** The demo's latest progress message, or what to do when it failed. */
  message: string | null;
  /** The demo study's participant link once the demo is ready. */
  studyPath: string | null;
  /** The demo round that failed (on /research/jobs). */
  jobId: string | null;
};

export type TReproduction = {
  generatedAt: string;
  /** False while the shapes model or the demo's variants do not exist; `message` then says how to get them. */
  available: boolean;
  /** What is missing (everything, or some variants or scores) and how to get it; null when all is there. */
  message: string | null;
  model: { id: string; name: string; description: string | null; trainedSteps: number | null } | null;
  demo: TReproductionDemo;
  /** Blocks the late and early cuts remove (the demo's pruneBlocks). */
  pruneBlocks: number;
  /** How the paired runs were made. */
  runSettings: { promptSet: string; prompts: number; imagesPerPrompt: number; steps: number; guidance: number; seed: number } | null;
  variants: TReproductionVariant[];
  comparisons: TReproductionComparison[];
  /** What the numbers say, in plain sentences. */
  reading: string[];
  /** The original's newest block-level sensitivity (as the model page shows it). */
  sensitivity: { variant: string; level: string; createdAt: string; data: unknown } | null;
  samples: TSampleGrid | null;
};
