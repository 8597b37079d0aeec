import { db } from '../db';
import { env } from '../env';
import type { TJobStatus } from './types';

/**
 * The job queue's storage. Every state change that two processes could race on is a single
 * conditional UPDATE (claim, renew, finish, release), fenced by the lease owner, so a worker that
 * lost its lease cannot overwrite the job's new owner.
 */

export type TJobRow = {
  id: string;
  type: string;
  payload: string;
  dedupeKey: string | null;
  status: string;
  priority: number;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  heartbeatAt: Date | null;
  progress: number;
  progressMessage: string | null;
  error: string | null;
  result: string | null;
  cancelRequestedAt: Date | null;
  createdById: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
};

export type TNewJob = {
  type: string;
  payload: string;
  dedupeKey?: string;
  priority?: number;
  maxAttempts: number;
  runAt?: Date;
  createdById?: string | null;
};

const isUniqueViolation = (err: unknown) =>
  typeof err === 'object' && err !== null && (err as { code?: string }).code === 'P2002';

/** Inserts a job; with a dedupe key that is already taken, returns the existing job instead. */
export async function insertJob(job: TNewJob): Promise<{ job: TJobRow; created: boolean }> {
  const prisma = await db();
  try {
    const row = await prisma.job.create({
      data: {
        type: job.type,
        payload: job.payload,
        dedupeKey: job.dedupeKey ?? null,
        priority: job.priority ?? 0,
        maxAttempts: job.maxAttempts,
        runAt: job.runAt ?? new Date(),
        createdById: job.createdById ?? null,
      },
    });
    return { job: row, created: true };
  } catch (err) {
    if (job.dedupeKey && isUniqueViolation(err)) {
      const existing = await prisma.job.findUnique({ where: { dedupeKey: job.dedupeKey } });
      if (existing) return { job: existing, created: false };
    }
    throw err;
  }
}

/** Normalises raw rows: SQLite returns dates as text and counters as bigint. */
function fromRaw(row: Record<string, unknown>): TJobRow {
  const date = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
  const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : (v as number));
  return {
    id: row.id as string,
    type: row.type as string,
    payload: row.payload as string,
    dedupeKey: (row.dedupeKey as string | null) ?? null,
    status: row.status as string,
    priority: num(row.priority),
    attempts: num(row.attempts),
    maxAttempts: num(row.maxAttempts),
    runAt: date(row.runAt)!,
    leaseOwner: (row.leaseOwner as string | null) ?? null,
    leaseExpiresAt: date(row.leaseExpiresAt),
    heartbeatAt: date(row.heartbeatAt),
    progress: num(row.progress),
    progressMessage: (row.progressMessage as string | null) ?? null,
    error: (row.error as string | null) ?? null,
    result: (row.result as string | null) ?? null,
    cancelRequestedAt: date(row.cancelRequestedAt),
    createdById: (row.createdById as string | null) ?? null,
    createdAt: date(row.createdAt)!,
    updatedAt: date(row.updatedAt)!,
    startedAt: date(row.startedAt),
    finishedAt: date(row.finishedAt),
  };
}

/** Dates as raw-query parameters, in the text form Prisma's adapters store, so comparisons hold. */
const timeParam = (d: Date, provider: 'sqlite' | 'postgresql') =>
  provider === 'sqlite' ? d.toISOString().replace('Z', '+00:00') : d.toISOString();

/**
 * Atomically takes the next runnable job of the given types: a queued job whose time has come, or
 * a running job whose lease expired (its worker died). On PostgreSQL, concurrent workers skip
 * each other's locked rows (FOR UPDATE SKIP LOCKED); on SQLite the single statement runs under
 * the database's write lock. Leases use the workers' clocks, which must agree within seconds.
 */
export async function claimNextJob(types: string[], owner: string, leaseSeconds: number): Promise<TJobRow | null> {
  if (types.length === 0) return null;
  const prisma = await db();
  const provider = env().databaseProvider;
  const pg = provider === 'postgresql';
  const now = new Date();
  const nowP = timeParam(now, provider);
  const leaseP = timeParam(new Date(now.getTime() + leaseSeconds * 1000), provider);
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return pg ? `$${params.length}` : '?';
  };
  const set = `"status" = 'running', "leaseOwner" = ${p(owner)}, "leaseExpiresAt" = ${p(leaseP)},
       "heartbeatAt" = ${p(nowP)}, "attempts" = "attempts" + 1, "startedAt" = COALESCE("startedAt", ${p(nowP)}),
       "updatedAt" = ${p(nowP)}`;
  const typeFilter = pg ? `"type" = ANY(${p(types)}::text[])` : `"type" IN (${types.map((t) => p(t)).join(', ')})`;
  const sql = `UPDATE "jobs" SET ${set}
     WHERE "id" = (
       SELECT "id" FROM "jobs"
       WHERE ${typeFilter} AND (
         ("status" = 'queued' AND "runAt" <= ${p(nowP)})
         OR ("status" = 'running' AND "leaseExpiresAt" < ${p(nowP)}))
       ORDER BY "priority" DESC, "runAt" ASC, "createdAt" ASC
       LIMIT 1${pg ? ' FOR UPDATE SKIP LOCKED' : ''})
     RETURNING *`;
  const rows = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params);
  return rows[0] ? fromRaw(rows[0]) : null;
}

/**
 * Extends the lease of a job this worker holds. Returns null when the lease was lost (the job was
 * reclaimed or finished elsewhere), else whether a cancellation was requested.
 */
export async function renewLease(id: string, owner: string, leaseSeconds: number): Promise<{ cancelRequested: boolean } | null> {
  const prisma = await db();
  const now = new Date();
  const updated = await prisma.job.updateMany({
    where: { id, leaseOwner: owner, status: 'running' },
    data: { leaseExpiresAt: new Date(now.getTime() + leaseSeconds * 1000), heartbeatAt: now },
  });
  if (updated.count === 0) return null;
  const row = await prisma.job.findUnique({ where: { id }, select: { cancelRequestedAt: true } });
  return { cancelRequested: Boolean(row?.cancelRequestedAt) };
}

export async function setProgress(id: string, owner: string, progress: number, message: string | null): Promise<boolean> {
  const prisma = await db();
  const updated = await prisma.job.updateMany({
    where: { id, leaseOwner: owner, status: 'running' },
    data: { progress, progressMessage: message },
  });
  return updated.count > 0;
}

/** Ends a job this worker holds. False when the lease was lost and nothing was written. */
export async function finishJob(
  id: string,
  owner: string,
  outcome: { status: 'succeeded'; result: string | null } | { status: 'failed' | 'cancelled'; error: string },
): Promise<boolean> {
  const prisma = await db();
  const now = new Date();
  const updated = await prisma.job.updateMany({
    where: { id, leaseOwner: owner, status: 'running' },
    data: {
      status: outcome.status,
      finishedAt: now,
      leaseOwner: null,
      leaseExpiresAt: null,
      ...(outcome.status === 'succeeded'
        ? { result: outcome.result, progress: 1, error: null }
        : { error: outcome.error }),
    },
  });
  return updated.count > 0;
}

/** Puts a failed attempt back in the queue to run again at `runAt`, keeping its error. */
export async function scheduleRetry(id: string, owner: string, error: string, runAt: Date): Promise<boolean> {
  const prisma = await db();
  const updated = await prisma.job.updateMany({
    where: { id, leaseOwner: owner, status: 'running' },
    data: { status: 'queued', error, runAt, leaseOwner: null, leaseExpiresAt: null },
  });
  return updated.count > 0;
}

/**
 * Gives a job back untouched (worker shutting down): it becomes claimable at once and the attempt
 * it was on does not count against it.
 */
export async function releaseJob(id: string, owner: string): Promise<boolean> {
  const prisma = await db();
  const updated = await prisma.job.updateMany({
    where: { id, leaseOwner: owner, status: 'running' },
    data: { status: 'queued', runAt: new Date(), leaseOwner: null, leaseExpiresAt: null, attempts: { decrement: 1 } },
  });
  return updated.count > 0;
}

/**
 * Cancels a job: a queued one at once; a running one is flagged and its worker aborts it at the
 * next heartbeat. Returns the job after the change, or null when there is no such job.
 */
export async function requestCancel(id: string): Promise<TJobRow | null> {
  const prisma = await db();
  const now = new Date();
  await prisma.job.updateMany({
    where: { id, status: 'queued' },
    data: { status: 'cancelled', finishedAt: now, cancelRequestedAt: now, error: 'Cancelled before it started' },
  });
  await prisma.job.updateMany({ where: { id, status: 'running', cancelRequestedAt: null }, data: { cancelRequestedAt: now } });
  return prisma.job.findUnique({ where: { id } });
}

/** Queues a failed or cancelled job again with a fresh set of attempts. */
export async function requeueJob(id: string): Promise<TJobRow | null> {
  const prisma = await db();
  await prisma.job.updateMany({
    where: { id, status: { in: ['failed', 'cancelled'] } },
    data: {
      status: 'queued',
      attempts: 0,
      runAt: new Date(),
      error: null,
      progress: 0,
      progressMessage: null,
      cancelRequestedAt: null,
      finishedAt: null,
      startedAt: null,
    },
  });
  return prisma.job.findUnique({ where: { id } });
}

export async function findJob(id: string): Promise<(TJobRow & { createdBy: { email: string } | null }) | null> {
  const prisma = await db();
  return prisma.job.findUnique({ where: { id }, include: { createdBy: { select: { email: true } } } });
}

export async function listJobs(filter: { status?: TJobStatus; type?: string; limit: number; createdById?: string }) {
  const prisma = await db();
  return prisma.job.findMany({
    where: { status: filter.status, type: filter.type, createdById: filter.createdById },
    orderBy: { createdAt: 'desc' },
    take: filter.limit,
    include: { createdBy: { select: { email: true } } },
  });
}

export async function countJobsByStatus(): Promise<Record<string, number>> {
  const prisma = await db();
  const groups = await prisma.job.groupBy({ by: ['status'], _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
}

// --- worker heartbeats -------------------------------------------------------------------------

export async function upsertWorkerHeartbeat(w: {
  id: string;
  hostname: string;
  pid: number;
  concurrency: number;
  runningJobs: number;
  stopped?: boolean;
}): Promise<void> {
  const prisma = await db();
  const now = new Date();
  await prisma.workerHeartbeat.upsert({
    where: { id: w.id },
    create: { id: w.id, hostname: w.hostname, pid: w.pid, concurrency: w.concurrency, runningJobs: w.runningJobs, startedAt: now, lastSeenAt: now },
    update: { runningJobs: w.runningJobs, lastSeenAt: now, stoppedAt: w.stopped ? now : null },
  });
}

export async function newestWorkerHeartbeat(): Promise<{ id: string; lastSeenAt: Date; stoppedAt: Date | null } | null> {
  const prisma = await db();
  return prisma.workerHeartbeat.findFirst({ orderBy: { lastSeenAt: 'desc' }, select: { id: true, lastSeenAt: true, stoppedAt: true } });
}
