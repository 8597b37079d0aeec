import { env } from '../env';
import { AppError } from '../errors';
import { compressJob, sensitivityJob } from './definitions/compress';
import { demoPipeline } from './definitions/demo';
import { demoSelftest } from './definitions/demo-selftest';
import { generateJob } from './definitions/generate';
import { scoreJob } from './definitions/score';
import { testAppend, testFail, testNoop } from './definitions/test-jobs';
import type { JobDefinition } from './types';

/** Every job type the platform knows. Later features add their definitions here. */
const DEFINITIONS: JobDefinition<any>[] = [demoSelftest, compressJob, sensitivityJob, generateJob, scoreJob, demoPipeline];

const TEST_DEFINITIONS: JobDefinition<any>[] = [testAppend, testFail, testNoop];

function all(): JobDefinition<any>[] {
  return env().ARENA_TEST_JOBS ? [...DEFINITIONS, ...TEST_DEFINITIONS] : DEFINITIONS;
}

export function jobDefinitions(): JobDefinition<any>[] {
  return all();
}

export function findJobDefinition(name: string): JobDefinition<any> | undefined {
  return all().find((d) => d.name === name);
}

export function getJobDefinition(name: string): JobDefinition<any> {
  const definition = findJobDefinition(name);
  if (!definition) {
    throw new AppError('BAD_REQUEST', `Unknown job type "${name}". Known types: ${all().map((d) => d.name).join(', ')}`);
  }
  return definition;
}

export function jobTitle(name: string): string {
  return findJobDefinition(name)?.title ?? name;
}
