import { getJobView } from '../jobs/service';
import type { JobDefinition, TJobView } from '../jobs/types';
import { Worker } from '../jobs/worker';
import { waitFor } from './wait';

/** An in-process worker for tests: fast polling, immediate retries, no shutdown grace. */
export function testWorker(definitions: JobDefinition<any>[], overrides: Partial<ConstructorParameters<typeof Worker>[0]> = {}): Worker {
  return new Worker({
    definitions,
    concurrency: 1,
    pollMs: 50,
    leaseSeconds: 60,
    heartbeatSeconds: 5,
    backoffBaseSeconds: 0,
    backoffMaxSeconds: 0,
    shutdownGraceSeconds: 0,
    ...overrides,
  });
}

/** Waits until a job has succeeded, failed or been cancelled, and returns it. */
export function waitForJob(id: string, timeoutMs = 60_000): Promise<TJobView> {
  return waitFor(
    async () => {
      const v = await getJobView(id);
      return ['succeeded', 'failed', 'cancelled'].includes(v.status) ? v : null;
    },
    { timeoutMs, what: `job ${id} to finish` },
  );
}
