import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineJob } from '../types';

/**
 * Job types for the queue's own tests, registered only when ARENA_TEST_JOBS=1. Their side effect
 * is a line appended to a file, so a test can count how often each job really ran.
 */
const ZEffect = z.object({
  /** A file name (no folders) under DATA_DIR/test-effects. */
  log: z.string().regex(/^[a-z0-9-]+$/),
  key: z.string().max(200),
  /** On the first attempt, write a marker and wait until the process is killed or aborted. */
  hangOnFirstAttempt: z.boolean().default(false),
});

async function effectsDir(): Promise<string> {
  const { env } = await import('../../env');
  const dir = path.join(env().dataDir, 'test-effects');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export const testAppend = defineJob({
  name: 'test.append',
  title: 'Test: append a line',
  payload: ZEffect,
  maxAttempts: 3,
  async run({ log, key, hangOnFirstAttempt }, ctx) {
    const dir = await effectsDir();
    if (hangOnFirstAttempt && ctx.attempt === 1) {
      fs.writeFileSync(path.join(dir, `${log}.started`), `${process.pid}\n`);
      await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    }
    fs.appendFileSync(path.join(dir, `${log}.log`), `${key}\n`);
    return { key, attempt: ctx.attempt };
  },
});

export const testFail = defineJob({
  name: 'test.fail',
  title: 'Test: always fail',
  payload: z.object({ message: z.string().max(500) }),
  maxAttempts: 3,
  async run({ message }, ctx) {
    throw new Error(`${message} (attempt ${ctx.attempt})`);
  },
});

/** Does nothing: the queue's own overhead, for bench/queue.ts. */
export const testNoop = defineJob({
  name: 'test.noop',
  title: 'Test: no-op',
  payload: z.object({ n: z.number().int() }),
  async run({ n }) {
    return { n };
  },
});
