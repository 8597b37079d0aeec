import { z } from 'zod';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const ZJobStatus = z.enum(JOB_STATUSES);
export type TJobStatus = z.infer<typeof ZJobStatus>;
export const FINISHED_STATUSES: readonly TJobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** What a handler gets besides its payload. */
export interface JobContext {
  jobId: string;
  /** 1 on the first try, 2 on the first retry, ... */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the job is cancelled, its lease is lost, or the worker shuts down. */
  signal: AbortSignal;
  /** Reports progress (fraction 0..1 and a short message) for the live UI; cheap to call often. */
  progress(fraction: number, message?: string): Promise<void>;
  log(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A job type is one definition: its name, its payload schema (ids and small options only; the
 * producer validates on enqueue and the worker parses again on claim) and its handler. Handlers
 * import heavy modules lazily so the web app can enqueue without loading them.
 */
export interface JobDefinition<TPayload = unknown> {
  name: string;
  /** Shown on the Jobs page. */
  title: string;
  payload: z.ZodType<TPayload>;
  maxAttempts?: number;
  /** Researchers may start it directly from the Jobs page / POST /api/jobs (others come from their own features). */
  startable?: boolean;
  /** A stable key from the payload for jobs that must not be queued twice (omit for none). */
  dedupeKey?: (payload: TPayload) => string | undefined;
  run(payload: TPayload, ctx: JobContext): Promise<unknown>;
}

export function defineJob<TPayload>(definition: JobDefinition<TPayload>): JobDefinition<TPayload> {
  return definition;
}

/** Thrown by handlers for failures that a retry cannot fix (bad payload, missing file, bad model). */
export class UnrecoverableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnrecoverableError';
  }
}

/** Thrown inside a handler when its signal is aborted. */
export class JobAbortedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'JobAbortedError';
  }
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new JobAbortedError(String(signal.reason ?? 'aborted'));
}

/** The job as the UI and the API see it: never the raw row. */
export const ZJobView = z.object({
  id: z.string(),
  type: z.string(),
  title: z.string(),
  status: ZJobStatus,
  cancelRequested: z.boolean(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  progress: z.number(),
  progressMessage: z.string().nullable(),
  error: z.string().nullable(),
  result: z.unknown().nullable(),
  payload: z.unknown(),
  runAt: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  createdBy: z.string().nullable(),
});
export type TJobView = z.infer<typeof ZJobView>;
