import { env } from '../env';
import { jobDefinitions } from './registry';
import { Worker } from './worker';

/** A worker sized and timed by the environment, running every registered job type. */
export function workerFromEnv(overrides: { concurrency?: number } = {}): Worker {
  const e = env();
  return new Worker({
    definitions: jobDefinitions(),
    concurrency: overrides.concurrency ?? e.WORKER_CONCURRENCY,
    pollMs: e.WORKER_POLL_MS,
    leaseSeconds: e.JOB_LEASE_SECONDS,
    heartbeatSeconds: e.JOB_HEARTBEAT_SECONDS,
    backoffBaseSeconds: e.JOB_BACKOFF_BASE_SECONDS,
    backoffMaxSeconds: e.JOB_BACKOFF_MAX_SECONDS,
    shutdownGraceSeconds: e.WORKER_SHUTDOWN_GRACE_SECONDS,
  });
}
