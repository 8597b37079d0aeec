import { z } from 'zod';
import { defineJob, throwIfAborted } from '../types';

/**
 * A short job that exercises the whole path a real job takes: the artifact store (write, read
 * back, verify the hash), the database, progress reporting and cancellation. The Jobs page
 * offers it so a researcher can see that workers are alive.
 */
export const demoSelftest = defineJob({
  name: 'demo.selftest',
  title: 'Self-test (artifact store, database, progress)',
  payload: z.object({
    steps: z.number().int().min(1).max(1000).default(10),
    /** Time each step takes, so progress is visible in the UI. */
    stepMs: z.number().int().min(0).max(60_000).default(300),
  }),
  maxAttempts: 2,
  startable: true,
  async run({ steps, stepMs }, ctx) {
    const { artifactStore } = await import('../../artifacts/store');
    const { createHash, randomBytes } = await import('node:crypto');
    const store = artifactStore();
    const verified: string[] = [];
    for (let i = 0; i < steps; i++) {
      throwIfAborted(ctx.signal);
      const bytes = randomBytes(4096);
      const expected = createHash('sha256').update(bytes).digest('hex');
      const put = await store.put(bytes);
      const back = await store.read(put.sha256);
      const actual = createHash('sha256').update(back).digest('hex');
      if (put.sha256 !== expected || actual !== expected) {
        throw new Error(`artifact store returned different bytes for ${expected}`);
      }
      await store.delete(put.sha256);
      verified.push(expected.slice(0, 12));
      if (stepMs > 0) await abortableDelay(stepMs, ctx.signal);
      await ctx.progress((i + 1) / steps, `step ${i + 1} of ${steps}: ${expected.slice(0, 12)} verified`);
    }
    return { steps, verified: verified.length };
  },
});

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted')));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
