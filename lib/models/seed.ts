import fs from 'node:fs';
import path from 'node:path';
import { shippedDataFile } from '../data-files';
import { env } from '../env';
import { writeFixtureBundle } from '../fixtures/bundle';
import { DEMO_JOB, DEMO_PRIORITY, type TDemoOptions } from '../jobs/definitions/demo';
import { enqueueJob } from '../jobs/service';
import { modelNameTaken } from './repository';
import { hasModels, listModelViews, registerModel } from './service';

export const FIXTURE_MODEL_NAME = 'fixture-mmdit-12';
/** The trained shapes-world model that ships in data/shapes/model (see docs/REPRODUCTION.md). */
export const SHAPES_MODEL_NAME = 'shapes-mmdit-6';
export const BUILT_IN_MODELS = [SHAPES_MODEL_NAME, FIXTURE_MODEL_NAME] as const;

/** The committed bundle of the shapes model. */
export function shapesModelDir(): string {
  return shippedDataFile('shapes', 'model');
}

/**
 * Registers the built-in models a database lacks: the trained shapes model (it draws what it is
 * asked for, if roughly, so quality differences are real) and the random-weight
 * fixture (it draws noise; tests and pipeline checks use it). A database that holds models of
 * its own gets nothing added.
 */
export async function seedBuiltInModels(): Promise<string[]> {
  const existing = (await listModelViews()).map((m) => m.name);
  if (existing.some((n) => !(BUILT_IN_MODELS as readonly string[]).includes(n))) return [];
  const added: string[] = [];
  if (!existing.includes(SHAPES_MODEL_NAME)) {
    await registerModel({
      dir: shapesModelDir(),
      name: SHAPES_MODEL_NAME,
      description:
        'Built-in 6-block SD3-style MMDiT trained here (38,000 steps of arena train) on a world of circles, squares and triangles in eight colours (16x16, shown at 64x64). ' +
        'It draws recognisable shapes in the prompted colours: every single object and colour, two objects and counts mostly, positions and colour binding often wrong (GenEval 0.68 on its world; docs/REPRODUCTION.md).',
      license: 'Apache-2.0',
    });
    added.push(SHAPES_MODEL_NAME);
  }
  if (!existing.includes(FIXTURE_MODEL_NAME) && (await seedFixtureModel(true)) === 'created') added.push(FIXTURE_MODEL_NAME);
  return added;
}

/**
 * A first look needs a model: on an empty database, register the built-in fixture (random
 * weights, so it draws noise, but every pipeline runs on it) and queue its sensitivity.
 */
export async function seedFixtureModel(besideBuiltIns = false): Promise<'created' | 'exists'> {
  if (besideBuiltIns ? await modelNameTaken(FIXTURE_MODEL_NAME) : await hasModels()) return 'exists';
  const tmp = path.join(env().dataDir, 'tmp', 'seed-fixture');
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    writeFixtureBundle(tmp);
    const model = await registerModel({
      dir: tmp,
      name: FIXTURE_MODEL_NAME,
      description: 'Built-in 12-block SD3-style MMDiT with random weights: it draws noise, and exercises compression, generation and scoring end to end.',
      license: 'Apache-2.0',
    });
    await enqueueJob('sensitivity', { variantId: model.variants[0].id, level: 'component', samples: 4 }, { dedupeKey: 'seed:fixture-sensitivity' });
    return 'created';
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Queues the demo built on the shapes model (lib/jobs/definitions/demo.ts) once per database:
 * its first round has a fixed dedupe key, so a restart, or a database whose demo was made long
 * ago, queues nothing. A database without the shapes model (it had models of its own before the
 * seed ran) gets no demo. The options size the demo (tests make it small).
 */
export async function seedDemo(options: Partial<TDemoOptions> = {}): Promise<'queued' | 'exists' | 'no-model'> {
  if (!(await modelNameTaken(SHAPES_MODEL_NAME))) return 'no-model';
  const { created } = await enqueueJob(DEMO_JOB, { ...options, round: 1 }, { priority: DEMO_PRIORITY.round });
  return created ? 'queued' : 'exists';
}
