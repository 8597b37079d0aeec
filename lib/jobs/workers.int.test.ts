import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testProviders, type TTestDatabase } from '../testing/databases';
import { waitFor } from '../testing/wait';
import { enqueueJob, getJobView, queueDepth } from './service';

/**
 * Real worker processes (workers/main.ts, as `npm start` runs them) against a real database:
 * nothing is lost or done twice, also when a worker is killed with SIGKILL mid-job.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const running = new Set<ChildProcess>();

function startWorker(database: TTestDatabase, extra: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'workers', 'main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...database.env,
      ARENA_TEST_JOBS: '1',
      WORKER_POLL_MS: '100',
      JOB_LEASE_SECONDS: '2',
      JOB_HEARTBEAT_SECONDS: '1',
      JOB_BACKOFF_BASE_SECONDS: '0',
      WORKER_SHUTDOWN_GRACE_SECONDS: '5',
      LOG_LEVEL: 'warn',
      ...extra,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

const effectLines = (database: TTestDatabase, log: string) => {
  const file = path.join(database.dataDir, 'test-effects', `${log}.log`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
};

afterEach(async () => {
  const children = [...running];
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map(exited));
});

describe.each(testProviders())('worker processes on %s', (provider) => {
  let database: TTestDatabase;
  beforeAll(async () => {
    process.env.ARENA_TEST_JOBS = '1';
    database = await createTestDatabase(provider);
  });
  afterAll(async () => database?.drop());

  it('4 workers drain 200 jobs and each side effect happens exactly once', async () => {
    const log = `drain-${provider}`;
    for (let i = 0; i < 200; i++) await enqueueJob('test.append', { log, key: `job-${i}` });
    const workers = Array.from({ length: 4 }, () => startWorker(database, { WORKER_CONCURRENCY: '2' }));
    await waitFor(async () => (await queueDepth()).succeeded === 200, { timeoutMs: 90_000, what: '200 succeeded jobs' });

    const keys = effectLines(database, log);
    expect(keys).toHaveLength(200);
    expect(new Set(keys).size).toBe(200);
    const depth = await queueDepth();
    expect(depth).toMatchObject({ queued: 0, running: 0, failed: 0, succeeded: 200 });

    for (const w of workers) w.kill('SIGTERM');
    expect(await Promise.all(workers.map(exited))).toEqual([0, 0, 0, 0]);
  });

  it('a worker killed with SIGKILL mid-job loses nothing: the job completes once after the lease expires', async () => {
    const log = `kill-${provider}`;
    const { job } = await enqueueJob('test.append', { log, key: 'survivor', hangOnFirstAttempt: true });
    const first = startWorker(database);
    const marker = path.join(database.dataDir, 'test-effects', `${log}.started`);
    await waitFor(() => fs.existsSync(marker), { what: 'the first attempt to start' });
    first.kill('SIGKILL');
    await exited(first);
    expect((await getJobView(job.id)).status).toBe('running');

    startWorker(database);
    const done = await waitFor(
      async () => {
        const v = await getJobView(job.id);
        return v.status === 'succeeded' ? v : null;
      },
      { timeoutMs: 30_000, what: 'the job to be reclaimed and finished' },
    );
    expect(done.attempts).toBe(2);
    expect(effectLines(database, log)).toEqual(['survivor']);
  });

  it('a job that always fails ends failed after its retries, with its error kept', async () => {
    const { job } = await enqueueJob('test.fail', { message: 'GPU out of memory' });
    startWorker(database);
    const done = await waitFor(
      async () => {
        const v = await getJobView(job.id);
        return v.status === 'failed' ? v : null;
      },
      { timeoutMs: 30_000, what: 'the job to fail for good' },
    );
    expect(done.attempts).toBe(3);
    expect(done.error).toBe('Failed after 3 attempts: GPU out of memory (attempt 3)');
  });

  it('on SIGTERM a worker releases its running job for another worker', async () => {
    const log = `term-${provider}`;
    const { job } = await enqueueJob('test.append', { log, key: 'handed-over', hangOnFirstAttempt: true });
    const first = startWorker(database, { WORKER_SHUTDOWN_GRACE_SECONDS: '0' });
    await waitFor(() => fs.existsSync(path.join(database.dataDir, 'test-effects', `${log}.started`)));
    first.kill('SIGTERM');
    expect(await exited(first)).toBe(0);
    const released = await getJobView(job.id);
    expect(released).toMatchObject({ status: 'queued', attempts: 0 });
    expect(effectLines(database, log)).toEqual([]);
  });
});
