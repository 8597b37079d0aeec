import { disconnectDb } from '../lib/db';
import { env, EnvError } from '../lib/env';
import { workerFromEnv } from '../lib/jobs/worker-from-env';
import { log } from '../lib/log';

/**
 * A worker process: drains the job queue with WORKER_CONCURRENCY jobs at a time until SIGTERM or
 * SIGINT, then finishes or releases its running jobs and exits. Run several on one or many
 * machines against the same database.
 */
export async function runWorkerProcess(concurrency?: number): Promise<void> {
  try {
    env();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(err.message + '\n');
      process.exit(2);
    }
    throw err;
  }
  const worker = workerFromEnv({ concurrency });
  let stopping: Promise<void> | null = null;
  const shutdown = (signal: string) => {
    if (stopping) return;
    log.info('worker received signal; finishing or releasing running jobs', { worker: worker.id, signal, running: worker.runningJobs });
    stopping = worker.stop().then(async () => {
      await disconnectDb();
      log.info('worker stopped', { worker: worker.id });
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  log.info('worker started', { worker: worker.id, concurrency: concurrency ?? env().WORKER_CONCURRENCY, database: env().databaseProvider });
  await worker.start();
}

const isMain = process.argv[1] && /workers[\\/]main\.(ts|js|mjs)$/.test(process.argv[1]);
if (isMain) {
  runWorkerProcess().catch((err) => {
    log.error('worker crashed', { err });
    process.exit(1);
  });
}
