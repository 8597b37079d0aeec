import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRun } from '../inference/generate-run';
import type { TPrompt } from '../inference/prompts';
import { scoreGenEval, type TGenEvalReport } from '../scoring/geneval';
import { SHAPES_DETECTOR } from './detector';

export type TShapesEvaluation = { imagesPerPrompt: number; steps: number; guidance: number; seed: number; bootstrapRounds?: number };

/**
 * How a shapes-world model does on GenEval, the way a generation run and a score job would
 * measure it (the same pipeline, the same detector), in one call and a scratch folder: for the
 * regression tests on the shipped weights and the pinned reproduction finding.
 */
export async function evaluateShapesModel(bundleDir: string, prompts: TPrompt[], o: TShapesEvaluation): Promise<TGenEvalReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-shapes-eval-'));
  try {
    await generateRun(bundleDir, dir, prompts, { imagesPerPrompt: o.imagesPerPrompt, steps: o.steps, guidance: o.guidance, seed: o.seed });
    return await scoreGenEval(dir, { detector: SHAPES_DETECTOR, bootstrapRounds: o.bootstrapRounds ?? 0 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The first `perTask` prompts of each of GenEval's six tasks, in file order: a fixed, balanced seed set. */
export function promptsPerTask(prompts: TPrompt[], perTask: number): TPrompt[] {
  const taken = new Map<string, number>();
  return prompts.filter((p) => {
    const n = taken.get(p.tag ?? '') ?? 0;
    taken.set(p.tag ?? '', n + 1);
    return n < perTask;
  });
}
