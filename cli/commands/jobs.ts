import { AppError } from '../../lib/errors';
import { cancelJob, enqueueJob, listJobViews, retryJob } from '../../lib/jobs/service';
import { intFlag, type TCommand, UsageError } from '../framework';

/** The CLI acts as an admin: whoever can run it on the server can already read the database. */
const CLI_ACTOR = { id: 'cli', role: 'admin' as const };

export const jobsList: TCommand = {
  name: 'jobs list',
  summary: 'List jobs, newest first.',
  options: {
    status: { type: 'string', description: 'queued, running, succeeded, failed or cancelled', valueName: 'STATUS' },
    type: { type: 'string', description: 'only this job type', valueName: 'TYPE' },
    limit: { type: 'string', description: 'at most this many (default 50, max 500)', valueName: 'N' },
    json: { type: 'boolean', description: 'print JSON' },
  },
  async run({ values }) {
    const limit = intFlag(values, 'limit', 50, 1, 500);
    const jobs = await withUsage(() => listJobViews({ status: values.status as string | undefined, type: values.type as string | undefined, limit }));
    if (values.json) {
      console.log(JSON.stringify(jobs, null, 2));
      return 0;
    }
    if (jobs.length === 0) console.log('No jobs.');
    for (const j of jobs) {
      const pct = `${Math.round(j.progress * 100)}%`.padStart(4);
      console.log(`${j.id}  ${j.status.padEnd(9)} ${pct}  ${j.type.padEnd(20)} ${j.attempts}/${j.maxAttempts}  ${j.createdAt}${j.error ? `  ${j.error.split('\n')[0].slice(0, 80)}` : ''}`);
    }
    return 0;
  },
};

export const jobsEnqueue: TCommand = {
  name: 'jobs enqueue',
  summary: 'Queue a job of TYPE with a JSON payload.',
  args: 'TYPE',
  options: {
    payload: { type: 'string', description: 'the payload as JSON (default {})', valueName: 'JSON' },
    'dedupe-key': { type: 'string', description: 'do not queue again while a job with this key exists', valueName: 'KEY' },
    json: { type: 'boolean', description: 'print the job as JSON' },
  },
  async run({ values, positionals }) {
    const [type, ...rest] = positionals;
    if (!type || rest.length) throw new UsageError('give exactly one job TYPE');
    let payload: unknown = {};
    if (values.payload !== undefined) {
      try {
        payload = JSON.parse(values.payload as string);
      } catch (err) {
        throw new UsageError(`--payload is not valid JSON: ${(err as Error).message}`);
      }
    }
    const { job, created } = await withUsage(() => enqueueJob(type, payload, { dedupeKey: values['dedupe-key'] as string | undefined }));
    if (values.json) console.log(JSON.stringify({ job, created }));
    else console.log(created ? `Queued ${job.id} (${job.type}).` : `A job with that dedupe key exists already: ${job.id} (${job.status}).`);
    return 0;
  },
};

export const jobsCancel: TCommand = {
  name: 'jobs cancel',
  summary: 'Cancel a queued or running job.',
  args: 'JOB_ID',
  options: {},
  async run({ positionals }) {
    if (positionals.length !== 1) throw new UsageError('give exactly one JOB_ID');
    const job = await withUsage(() => cancelJob(positionals[0], CLI_ACTOR));
    console.log(job.status === 'cancelled' ? `Cancelled ${job.id}.` : `Cancellation requested for ${job.id}; its worker stops it at the next heartbeat.`);
    return 0;
  },
};

export const jobsRetry: TCommand = {
  name: 'jobs retry',
  summary: 'Queue a failed or cancelled job again.',
  args: 'JOB_ID',
  options: {},
  async run({ positionals }) {
    if (positionals.length !== 1) throw new UsageError('give exactly one JOB_ID');
    const job = await withUsage(() => retryJob(positionals[0], CLI_ACTOR));
    console.log(`Queued ${job.id} again.`);
    return 0;
  },
};

/** Client mistakes from the services (bad status, unknown job) become usage errors. */
async function withUsage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError && err.status < 500) throw new UsageError(err.message);
    throw err;
  }
}
