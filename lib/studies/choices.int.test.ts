import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureBundle } from '../fixtures/bundle';
import { startRun } from '../generation/service';
import { registerModel } from '../models/service';
import { createTestDatabase, testProviders, type TTestDatabase } from '../testing/databases';
import { studyChoices } from './choices';

describe.each(testProviders())('study choices on %s', (provider) => {
  let database: TTestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
  });

  it('lists every variant with its runs, their prompt set, seed and images so far', async () => {
    expect(await studyChoices()).toEqual([]);
    const m = await registerModel({ dir: writeFixtureBundle(path.join(database.dataDir, 'incoming', 'choice'), { blocks: 2, seed: 1 }).dir, name: 'choice-model' });
    const { runId } = await startRun(m.id, { variantId: m.variants[0].id, promptSet: 'custom', customPrompts: 'a red circle\na blue square', imagesPerPrompt: 2, steps: 2, guidance: 2, seed: 7 }, null);
    const choices = await studyChoices();
    expect(choices).toHaveLength(1);
    expect(choices[0]).toMatchObject({ id: m.id, name: 'choice-model' });
    expect(choices[0].variants).toEqual([
      {
        id: m.variants[0].id,
        name: m.variants[0].name,
        modelId: m.id,
        modelName: 'choice-model',
        original: true,
        runs: [{ id: runId, promptSet: 'custom', prompts: 2, imagesPerPrompt: 2, seed: 7, images: 0, createdAt: expect.any(String) }],
      },
    ]);
  });
});
