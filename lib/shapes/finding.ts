import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverBlocks } from '../compress/discovery';
import { compressBundle } from '../compress/pipeline';
import { loadPrompts } from '../inference/prompts';
import { demoVariants, ZDemoOptions } from '../jobs/definitions/demo';
import { readModel } from '../onnx/io';
import type { TGenEvalReport } from '../scoring/geneval';
import { evaluateShapesModel, promptsPerTask, type TShapesEvaluation } from './evaluate';

export type TFindingOptions = TShapesEvaluation & {
  /** Prompts per GenEval task from the shapes evaluation set (the first N of each). */
  perTask: number;
  /** Which of the demo's variants to make besides the original (default: all six). */
  variants?: string[];
  calibrationSamples?: number;
};

export type TFindingResult = { name: string; overall: number; tasks: Record<string, number>; removed: number[]; report: TGenEvalReport };

/**
 * The reproduction in one process: the demo's own recipes (lib/jobs/definitions/demo.ts) applied
 * with the compression engine to a shapes-world bundle, each variant drawn and scored on a fixed
 * seed set. What the demo's jobs do through the queue, without a database: for the test that
 * pins the finding and for quick looks at a model mid-training.
 */
export async function measureFinding(bundleDir: string, o: TFindingOptions): Promise<TFindingResult[]> {
  const options = ZDemoOptions.parse({ calibrationSamples: o.calibrationSamples, latencySteps: 0 });
  const discovery = discoverBlocks(readModel(path.join(bundleDir, 'transformer', 'model.onnx')).proto);
  const structure = { totalParams: discovery.totalParams, stacks: discovery.stacks.map((s) => ({ name: s.name, blocks: s.blocks.map((b) => ({ index: b.index, params: b.params })) })) };
  const specs = demoVariants(options, structure).filter((v) => !o.variants || o.variants.includes(v.name));
  const prompts = promptsPerTask(loadPrompts('shapes'), o.perTask);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-finding-'));
  const results: TFindingResult[] = [];
  const add = (name: string, report: TGenEvalReport, removed: number[]) =>
    results.push({ name, overall: report.overall.score, tasks: Object.fromEntries(report.tasks.map((t) => [t.tag, t.score])), removed, report });
  try {
    add('original', await evaluateShapesModel(bundleDir, prompts, o), []);
    for (const spec of specs) {
      const out = path.join(work, spec.name);
      const report = await compressBundle(bundleDir, out, spec.recipe);
      add(spec.name, await evaluateShapesModel(out, prompts, o), report.removed.map((r) => r.block).sort((a, b) => a - b));
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return results;
}
