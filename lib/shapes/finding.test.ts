import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedDataFile } from '../data-files';
import { TextToImagePipeline } from '../inference/pipeline';
import { measureFinding, type TFindingResult } from './finding';
import { PINNED_FINDING, SHIPPED_MODEL_SEED_SET } from './shipped-model-floors';

/**
 * Pins what the reproduction found on the shipped model (docs/REPRODUCTION.md), on the fixed seed
 * set, with the demo's own recipes and the compression engine: a change in discovery, surgery,
 * reconstruction, INT4 or the pipeline that moves these results shows here.
 */
let results: Record<string, TFindingResult>;

beforeAll(async () => {
  const list = await measureFinding(shippedDataFile('shapes', 'model'), { ...SHIPPED_MODEL_SEED_SET, calibrationSamples: 32 });
  results = Object.fromEntries(list.map((r) => [r.name, r]));
}, 240_000);

afterAll(() => TextToImagePipeline.releaseAll());

describe('the reproduction on the shipped shapes model', () => {
  it('cuts the blocks each recipe names', () => {
    expect(results['late-2'].removed).toEqual([4, 5]);
    expect(results['early-2'].removed).toEqual([0, 1]);
    expect(results.hp.removed).toEqual(PINNED_FINDING.hpRemoves);
    expect(results['hp-recon'].removed).toEqual(PINNED_FINDING.hpRemoves);
    expect(results.int4.removed).toEqual([]);
  });

  it('keeps the order of the variants it found', () => {
    const score = (name: string) => results[name].overall;
    const table = JSON.stringify(Object.fromEntries(Object.values(results).map((r) => [r.name, r.overall])));
    for (const [better, worse, margin] of PINNED_FINDING.order) expect(score(better) - score(worse), `${better} vs ${worse}: ${table}`).toBeGreaterThanOrEqual(margin);
    for (const [a, b, within] of PINNED_FINDING.close) expect(Math.abs(score(a) - score(b)), `${a} vs ${b}: ${table}`).toBeLessThanOrEqual(within);
  });
});
