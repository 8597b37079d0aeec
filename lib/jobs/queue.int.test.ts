import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { db } from '../db';
import { AppError } from '../errors';
import { createTestDatabase, testProviders, type TTestDatabase } from '../testing/databases';
import { waitFor } from '../testing/wait';
import { testWorker } from '../testing/worker';
import * as repo from './repository';
import { cancelJob, enqueueJob, getJobView, retryJob } from './service';
import { defineJob, type JobDefinition, UnrecoverableError } from './types';

const ADMIN = { id: 'admin', role: 'admin' as const };

/** Handlers the tests steer from outside: each job waits for its key's gate to open. */
const gates = new Map<string, () => void>();
const runs: string[] = [];

const steered = defineJob({
  name: 'test.steered',
  title: 'steered',
  payload: z.object({ key: z.string(), steps: z.number().default(0) }),
  async run({ key, steps }, ctx) {
    runs.push(key);
    for (let i = 1; i <= steps; i++) await ctx.progress(i / (steps + 1), `step ${i}`);
    await new Promise<void>((resolve, reject) => {
      gates.set(key, resolve);
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
    return { key };
  },
});

const flaky = defineJob({
  name: 'test.flaky',
  title: 'flaky',
  payload: z.object({ message: z.string() }),
  maxAttempts: 3,
  async run({ message }, ctx) {
    throw new Error(`${message} #${ctx.attempt}`);
  },
});

const broken = defineJob({
  name: 'test.broken',
  title: 'broken',
  payload: z.object({}),
  async run() {
    throw new UnrecoverableError('the model file is not ONNX');
  },
});

// the queue's own tests heartbeat every second and run two jobs at once
const worker = (definitions: JobDefinition<any>[]) => testWorker(definitions, { concurrency: 2, leaseSeconds: 30, heartbeatSeconds: 1 });

describe.each(testProviders())('job queue on %s', (provider) => {
  let database: TTestDatabase;
  beforeAll(async () => {
    process.env.ARENA_TEST_JOBS = '1';
    database = await createTestDatabase(provider);
  });
  afterAll(async () => database?.drop());

  it('validates payloads and job types on enqueue', async () => {
    await expect(enqueueJob('demo.selftest', { steps: 'ten' })).rejects.toThrow(/Invalid payload for demo.selftest: steps/);
    await expect(enqueueJob('no.such.job', {})).rejects.toThrow(/Unknown job type "no.such.job"/);
  });

  it('deduplicates by key', async () => {
    const a = await enqueueJob('demo.selftest', { steps: 1 }, { dedupeKey: `dup-${provider}` });
    const b = await enqueueJob('demo.selftest', { steps: 2 }, { dedupeKey: `dup-${provider}` });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.job.id).toBe(a.job.id);
    await cancelJob(a.job.id, ADMIN);
  });

  it('gives each job to exactly one of many concurrent claimers', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await enqueueJob('test.append', { log: 'claims', key: String(i) })).job.id);
    const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => repo.claimNextJob(['test.append'], `claimer-${i}`, 30)));
    const claimed = claims.filter((c) => c !== null).map((c) => c!.id);
    expect(claimed.sort()).toEqual([...ids].sort());
    expect(new Set(claimed).size).toBe(20);
    for (const c of claims) if (c) await repo.finishJob(c.id, c.leaseOwner!, { status: 'succeeded', result: null });
  });

  it('does not claim jobs whose time has not come, and claims higher priority first', async () => {
    const later = await enqueueJob('test.append', { log: 'order', key: 'later' }, { runAt: new Date(Date.now() + 3600_000) });
    const low = await enqueueJob('test.append', { log: 'order', key: 'low' }, { priority: 0 });
    const high = await enqueueJob('test.append', { log: 'order', key: 'high' }, { priority: 5 });
    const first = await repo.claimNextJob(['test.append'], 'w', 30);
    const second = await repo.claimNextJob(['test.append'], 'w', 30);
    const third = await repo.claimNextJob(['test.append'], 'w', 30);
    expect([first?.id, second?.id, third]).toEqual([high.job.id, low.job.id, null]);
    for (const j of [first!, second!]) await repo.finishJob(j.id, 'w', { status: 'succeeded', result: null });
    await cancelJob(later.job.id, ADMIN);
  });

  it('reclaims a job whose lease expired, and fences out the old owner', async () => {
    const { job } = await enqueueJob('test.append', { log: 'lease', key: 'x' });
    const a = await repo.claimNextJob(['test.append'], 'worker-a', 30);
    expect(a?.id).toBe(job.id);
    expect(await repo.claimNextJob(['test.append'], 'worker-b', 30)).toBeNull();
    // worker-a stops heartbeating: its lease runs out
    await (await db()).job.update({ where: { id: job.id }, data: { leaseExpiresAt: new Date(Date.now() - 1000) } });
    const b = await repo.claimNextJob(['test.append'], 'worker-b', 30);
    expect(b?.id).toBe(job.id);
    expect(b?.attempts).toBe(2);
    expect(await repo.renewLease(job.id, 'worker-a', 30)).toBeNull();
    expect(await repo.finishJob(job.id, 'worker-a', { status: 'succeeded', result: '"stale"' })).toBe(false);
    expect(await repo.finishJob(job.id, 'worker-b', { status: 'succeeded', result: '"fresh"' })).toBe(true);
    expect((await getJobView(job.id)).result).toBe('fresh');
  });

  it('retries with backoff and ends failed with its error kept', async () => {
    const { job } = await enqueueJob('test.append', { log: 'unused', key: 'placeholder' });
    await cancelJob(job.id, ADMIN);
    const w = worker([flaky]);
    const id = (await repo.insertJob({ type: 'test.flaky', payload: JSON.stringify({ message: 'disk full' }), maxAttempts: 3 })).job.id;
    void w.start();
    const done = await waitFor(async () => {
      const v = await getJobView(id);
      return v.status === 'failed' ? v : null;
    });
    await w.stop();
    expect(done.attempts).toBe(3);
    expect(done.error).toBe('Failed after 3 attempts: disk full #3');
  });

  it('fails a permanent error at once, without retrying', async () => {
    const w = worker([broken]);
    const id = (await repo.insertJob({ type: 'test.broken', payload: '{}', maxAttempts: 5 })).job.id;
    void w.start();
    const done = await waitFor(async () => {
      const v = await getJobView(id);
      return v.status === 'failed' ? v : null;
    });
    await w.stop();
    expect(done.attempts).toBe(1);
    expect(done.error).toBe('the model file is not ONNX');
  });

  it('fails a job whose stored payload no longer parses, with the reason', async () => {
    const w = worker([steered]);
    const id = (await repo.insertJob({ type: 'test.steered', payload: '{"key": 5}', maxAttempts: 3 })).job.id;
    void w.start();
    const done = await waitFor(async () => {
      const v = await getJobView(id);
      return v.status === 'failed' ? v : null;
    });
    await w.stop();
    expect(done.error).toMatch(/^Invalid payload for test.steered/);
    expect(done.attempts).toBe(1);
  });

  it('records progress live and the result at the end', async () => {
    const key = `progress-${provider}`;
    const w = worker([steered]);
    const id = (await repo.insertJob({ type: 'test.steered', payload: JSON.stringify({ key, steps: 3 }), maxAttempts: 1 })).job.id;
    void w.start();
    const running = await waitFor(async () => {
      const v = await getJobView(id);
      return v.progress >= 0.75 && gates.has(key) ? v : null;
    });
    expect(running.status).toBe('running');
    expect(running.progressMessage).toBe('step 3');
    gates.get(key)!();
    const done = await waitFor(async () => {
      const v = await getJobView(id);
      return v.status === 'succeeded' ? v : null;
    });
    await w.stop();
    expect(done.progress).toBe(1);
    expect(done.result).toEqual({ key });
  });

  it('cancels a queued job at once and a running job at its next heartbeat', async () => {
    const queued = await enqueueJob('test.append', { log: 'cancel', key: 'q' }, { runAt: new Date(Date.now() + 60_000) });
    expect((await cancelJob(queued.job.id, ADMIN)).status).toBe('cancelled');

    const key = `cancel-${provider}`;
    const w = worker([steered]);
    const id = (await repo.insertJob({ type: 'test.steered', payload: JSON.stringify({ key }), maxAttempts: 3 })).job.id;
    void w.start();
    await waitFor(() => gates.has(key));
    const requested = await cancelJob(id, ADMIN);
    expect(requested).toMatchObject({ status: 'running', cancelRequested: true });
    const done = await waitFor(async () => {
      const v = await getJobView(id);
      return v.status === 'cancelled' ? v : null;
    });
    await w.stop();
    expect(done.error).toBe('Cancelled while running');
    await expect(cancelJob(id, ADMIN)).rejects.toThrow(/already been cancelled/);
  });

  it('only lets the job owner or an admin cancel or retry', async () => {
    const { job } = await enqueueJob('test.append', { log: 'auth', key: 'a' }, { runAt: new Date(Date.now() + 60_000) });
    await expect(cancelJob(job.id, { id: 'someone-else', role: 'researcher' })).rejects.toSatisfy(
      (err) => err instanceof AppError && err.status === 403,
    );
    await cancelJob(job.id, ADMIN);
    await expect(cancelJob('nope', ADMIN)).rejects.toSatisfy((err) => err instanceof AppError && err.status === 404);
  });

  it('releases running jobs on shutdown so they run again, without using up an attempt', async () => {
    const key = `release-${provider}`;
    const w = worker([steered]);
    const id = (await repo.insertJob({ type: 'test.steered', payload: JSON.stringify({ key }), maxAttempts: 3 })).job.id;
    void w.start();
    await waitFor(() => gates.has(key));
    await w.stop();
    const released = await getJobView(id);
    expect(released).toMatchObject({ status: 'queued', attempts: 0 });

    gates.delete(key);
    const again = worker([steered]);
    void again.start();
    await waitFor(() => gates.has(key));
    gates.get(key)!();
    const done = await waitFor(async () => {
      const v = await getJobView(id);
      return v.status === 'succeeded' ? v : null;
    });
    await again.stop();
    expect(done.attempts).toBe(1);
  });

  it('queues a failed job again on retry with fresh attempts', async () => {
    const { job } = await enqueueJob('test.append', { log: 'retry', key: 'r' }, { runAt: new Date(Date.now() + 60_000) });
    await cancelJob(job.id, ADMIN);
    const retried = await retryJob(job.id, ADMIN);
    expect(retried).toMatchObject({ status: 'queued', attempts: 0, error: null });
    await expect(retryJob(job.id, ADMIN)).rejects.toThrow(/Only failed or cancelled/);
    await cancelJob(job.id, ADMIN);
  });
});
