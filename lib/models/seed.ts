import fs from 'node:fs';
import path from 'node:path';
import { env } from '../env';
import { writeFixtureBundle } from '../fixtures/bundle';
import { DEMO_JOB, DEMO_PRIORITY, type TDemoOptions } from '../jobs/definitions/demo';
import { enqueueJob } from '../jobs/service';
import { modelNameTaken } from './repository';
import { hasModels, registerModel } from './service';

export const FIXTURE_MODEL_NAME = 'fixture-mmdit-12';

/**
 * A first look needs a model: on an empty database, register the built-in fixture (random
 * weights, so it draws noise, but every pipeline runs on it) and queue its sensitivity.
 */
export async function seedFixtureModel(): Promise<'created' | 'exists'> {
  if (await hasModels()) return 'exists';
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
 * Queues the demo built on the fixture model (lib/jobs/definitions/demo.ts) once per database:
 * its first round has a fixed dedupe key, so a restart, or a database whose demo was made long
 * ago, queues nothing. A database without the fixture model (it had models of its own before the
 * seed ran) gets no demo. The options size the demo (tests make it tiny).
 */
export async function seedDemo(options: Partial<TDemoOptions> = {}): Promise<'queued' | 'exists' | 'no-fixture'> {
  if (!(await modelNameTaken(FIXTURE_MODEL_NAME))) return 'no-fixture';
  const { created } = await enqueueJob(DEMO_JOB, { ...options, round: 1 }, { priority: DEMO_PRIORITY.round });
  return created ? 'queued' : 'exists';
}
