import { AppError, errorMessage } from '../errors';
import { env } from '../env';
import { getJobDefinition, jobTitle } from './registry';
import * as repo from './repository';
import { type TJobStatus, type TJobView, ZJobStatus } from './types';

export type TActor = { id: string; role: 'admin' | 'researcher' };

/**
 * Queues a job after validating its payload against the type's schema. A dedupe key (given, or
 * derived by the type) makes enqueueing idempotent: the existing job is returned instead.
 */
export async function enqueueJob(
  type: string,
  payload: unknown,
  opts: { createdById?: string | null; dedupeKey?: string; priority?: number; runAt?: Date; maxAttempts?: number } = {},
): Promise<{ job: TJobView; created: boolean }> {
  const definition = getJobDefinition(type);
  const parsed = definition.payload.safeParse(payload);
  if (!parsed.success) {
    throw new AppError('BAD_REQUEST', `Invalid payload for ${type}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'} ${i.message}`).join('; ')}`);
  }
  const { job, created } = await repo.insertJob({
    type,
    payload: JSON.stringify(parsed.data),
    dedupeKey: opts.dedupeKey ?? definition.dedupeKey?.(parsed.data),
    priority: opts.priority,
    runAt: opts.runAt,
    maxAttempts: opts.maxAttempts ?? definition.maxAttempts ?? env().JOB_MAX_ATTEMPTS,
    createdById: opts.createdById,
  });
  return { job: toJobView({ ...job, createdBy: null }), created };
}

function assertMayChange(job: { createdById: string | null }, actor: TActor) {
  if (actor.role !== 'admin' && job.createdById !== actor.id) {
    throw new AppError('FORBIDDEN', 'Only the researcher who started this job, or an admin, can change it.');
  }
}

export async function cancelJob(id: string, actor: TActor): Promise<TJobView> {
  const job = await repo.findJob(id);
  if (!job) throw new AppError('NOT_FOUND', 'No such job.');
  assertMayChange(job, actor);
  if (job.status !== 'queued' && job.status !== 'running') {
    throw new AppError('CONFLICT', `This job has already ${job.status === 'succeeded' ? 'succeeded' : job.status === 'failed' ? 'failed' : 'been cancelled'}.`);
  }
  await repo.requestCancel(id);
  return getJobView(id);
}

export async function retryJob(id: string, actor: TActor): Promise<TJobView> {
  const job = await repo.findJob(id);
  if (!job) throw new AppError('NOT_FOUND', 'No such job.');
  assertMayChange(job, actor);
  if (job.status !== 'failed' && job.status !== 'cancelled') {
    throw new AppError('CONFLICT', 'Only failed or cancelled jobs can be retried.');
  }
  await repo.requeueJob(id);
  return getJobView(id);
}

export async function getJobView(id: string): Promise<TJobView> {
  const job = await repo.findJob(id);
  if (!job) throw new AppError('NOT_FOUND', 'No such job.');
  return toJobView(job);
}

export async function listJobViews(filter: { status?: string; type?: string; limit?: number } = {}): Promise<TJobView[]> {
  let status: TJobStatus | undefined;
  if (filter.status) {
    const parsed = ZJobStatus.safeParse(filter.status);
    if (!parsed.success) throw new AppError('BAD_REQUEST', `Unknown status "${filter.status}": use one of ${ZJobStatus.options.join(', ')}.`);
    status = parsed.data;
  }
  const rows = await repo.listJobs({ status, type: filter.type, limit: Math.min(Math.max(filter.limit ?? 100, 1), 500) });
  return rows.map(toJobView);
}

export async function queueDepth(): Promise<Record<TJobStatus, number>> {
  const counts = await repo.countJobsByStatus();
  return Object.fromEntries(ZJobStatus.options.map((s) => [s, counts[s] ?? 0])) as Record<TJobStatus, number>;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    return { unreadable: errorMessage(err) };
  }
}

function toJobView(job: repo.TJobRow & { createdBy?: { email: string } | null }): TJobView {
  return {
    id: job.id,
    type: job.type,
    title: jobTitle(job.type),
    status: ZJobStatus.parse(job.status),
    cancelRequested: job.cancelRequestedAt !== null,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    progress: job.progress,
    progressMessage: job.progressMessage,
    error: job.error,
    result: parseJson(job.result),
    payload: parseJson(job.payload),
    runAt: job.runAt.toISOString(),
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    createdBy: job.createdBy?.email ?? null,
  };
}
