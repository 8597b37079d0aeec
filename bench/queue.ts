/**
 * bench/queue.ts: jobs claimed and completed per second by 1 and 4 worker processes on SQLite and
 * PostgreSQL, next to a baseline of bare single-row inserts and deletes on the same database in
 * the same run (the floor any queue built on that database pays per job).
 *
 *   npx tsx bench/queue.ts [--jobs N]     (PostgreSQL from TEST_POSTGRES_URL; skipped when unset)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { db } from '../lib/db';
import { insertJob } from '../lib/jobs/repository';
import { createTestDatabase, type TProvider, type TTestDatabase } from '../lib/testing/databases';
import { waitFor } from '../lib/testing/wait';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { jobs: { type: 'string', default: '400' } } });
const JOBS = Number(values.jobs);
if (!Number.isInteger(JOBS) || JOBS < 10) throw new Error('--jobs must be a whole number of at least 10');

async function baseline(n: number): Promise<number> {
  const prisma = await db();
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const row = await prisma.job.create({ data: { type: 'bench.baseline', payload: '{}' } });
    await prisma.job.delete({ where: { id: row.id } });
  }
  return n / ((performance.now() - started) / 1000);
}

async function drain(database: TTestDatabase, workers: number, n: number): Promise<number> {
  const prisma = await db();
  await prisma.job.deleteMany({});
  for (let i = 0; i < n; i++) await insertJob({ type: 'test.noop', payload: JSON.stringify({ n: i }), maxAttempts: 1 });
  const children: ChildProcess[] = [];
  for (let w = 0; w < workers; w++) {
    children.push(
      spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'workers', 'main.ts')], {
        cwd: ROOT,
        stdio: 'ignore',
        env: { ...process.env, ...database.env, ARENA_TEST_JOBS: '1', WORKER_POLL_MS: '50', LOG_LEVEL: 'error' },
      }),
    );
  }
  await waitFor(async () => (await prisma.job.count({ where: { status: 'succeeded' } })) === n, { timeoutMs: 600_000, intervalMs: 100 });
  await Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.kill('SIGTERM')))));
  // From the first claim to the last completion, as the database recorded them: process start-up is excluded.
  const span = await prisma.job.aggregate({ _min: { startedAt: true }, _max: { finishedAt: true } });
  const seconds = (span._max.finishedAt!.getTime() - span._min.startedAt!.getTime()) / 1000;
  return n / seconds;
}

async function main() {
  const providers: TProvider[] = process.env.TEST_POSTGRES_URL ? ['sqlite', 'postgresql'] : ['sqlite'];
  if (!process.env.TEST_POSTGRES_URL) console.log('TEST_POSTGRES_URL is unset: PostgreSQL skipped.');
  console.log(`queue benchmark: ${JOBS} no-op jobs per run, ${os.cpus().length} cores, ${os.cpus()[0]?.model}, node ${process.version}`);
  console.log('provider     baseline insert+delete/s   1 worker jobs/s (ratio)   4 workers jobs/s (ratio)');
  for (const provider of providers) {
    const database = await createTestDatabase(provider);
    try {
      const base = await baseline(JOBS);
      const one = await drain(database, 1, JOBS);
      const four = await drain(database, 4, JOBS);
      const fmt = (v: number) => `${v.toFixed(0).padStart(6)} (${(v / base).toFixed(2)}x)`;
      console.log(`${provider.padEnd(12)} ${base.toFixed(0).padStart(12)}              ${fmt(one).padEnd(26)}${fmt(four)}`);
    } finally {
      await database.drop();
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
