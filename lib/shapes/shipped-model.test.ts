import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverBlocks } from '../compress/discovery';
import { shippedDataFile } from '../data-files';
import { TextToImagePipeline } from '../inference/pipeline';
import { loadPrompts } from '../inference/prompts';
import { readModel } from '../onnx/io';
import { evaluateShapesModel, promptsPerTask } from './evaluate';
import { SHIPPED_MODEL_FLOORS, SHIPPED_MODEL_SEED_SET } from './shipped-model-floors';

/**
 * A regression guard for the committed weights and for the pipeline that draws with them: on a
 * fixed seed set the shipped model's images must keep scoring above floors set a little under
 * what it scored when it was committed (docs/REPRODUCTION.md has the full numbers).
 */
const MODEL = shippedDataFile('shapes', 'model');

afterAll(() => TextToImagePipeline.releaseAll());

describe('the shipped shapes model', () => {
  it('is the trained model, in the layout our pipeline and compression read', () => {
    const index = JSON.parse(fs.readFileSync(path.join(MODEL, 'model_index.json'), 'utf8')) as { prunearena: { world: string; fixture: boolean; trainedSteps: number } };
    expect(index.prunearena).toMatchObject({ world: 'shapes', fixture: false, xPrediction: true, pixelHead: 16 });
    expect(index.prunearena.trainedSteps).toBeGreaterThanOrEqual(SHIPPED_MODEL_FLOORS.trainedSteps);
    const discovery = discoverBlocks(readModel(path.join(MODEL, 'transformer', 'model.onnx')).proto);
    expect(discovery.stacks.map((s) => [s.name, s.blocks.length])).toEqual([['transformer_blocks', 6]]);
  });

  it('draws what it is asked: GenEval on the fixed seed set stays above its floors', async () => {
    const prompts = promptsPerTask(loadPrompts('shapes'), SHIPPED_MODEL_SEED_SET.perTask);
    const report = await evaluateShapesModel(MODEL, prompts, SHIPPED_MODEL_SEED_SET);
    const tasks = Object.fromEntries(report.tasks.map((t) => [t.tag, t.score]));
    expect(report.complete).toBe(true);
    expect(report.overall.score, JSON.stringify(tasks)).toBeGreaterThanOrEqual(SHIPPED_MODEL_FLOORS.overall);
    for (const [tag, floor] of Object.entries(SHIPPED_MODEL_FLOORS.tasks)) expect(tasks[tag], tag).toBeGreaterThanOrEqual(floor);
  }, 120_000);
});
