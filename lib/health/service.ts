import { db } from '../db';
import { env } from '../env';
import { errorMessage } from '../errors';
import { newestWorkerHeartbeat } from '../jobs/repository';
import { queueDepth } from '../jobs/service';

export type THealth = {
  status: 'ok' | 'degraded' | 'down';
  database: { provider: 'sqlite' | 'postgresql'; ok: boolean; latencyMs?: number; error?: string };
  workers: { newestHeartbeatAgeSeconds: number | null; alive: boolean };
  queue: Record<string, number> | null;
  time: string;
};

const DB_TIMEOUT_MS = 3000;

/** The state of the database, the workers and the queue, for load balancers and people. */
export async function health(): Promise<THealth> {
  const e = env();
  const time = new Date();
  const started = Date.now();
  try {
    const prisma = await withTimeout(db(), DB_TIMEOUT_MS);
    await withTimeout(prisma.$queryRawUnsafe('SELECT 1'), DB_TIMEOUT_MS);
  } catch (err) {
    return {
      status: 'down',
      database: { provider: e.databaseProvider, ok: false, error: describeDbError(err) },
      workers: { newestHeartbeatAgeSeconds: null, alive: false },
      queue: null,
      time: time.toISOString(),
    };
  }
  const latencyMs = Date.now() - started;
  const [beat, queue] = await Promise.all([newestWorkerHeartbeat(), queueDepth()]);
  const age = beat ? Math.max(0, (time.getTime() - beat.lastSeenAt.getTime()) / 1000) : null;
  const alive = age !== null && !beat?.stoppedAt && age < e.JOB_LEASE_SECONDS;
  return {
    status: alive ? 'ok' : 'degraded',
    database: { provider: e.databaseProvider, ok: true, latencyMs },
    workers: { newestHeartbeatAgeSeconds: age === null ? null : Math.round(age * 10) / 10, alive },
    queue,
    time: time.toISOString(),
  };
}

/** Driver errors sometimes carry an empty message (a refused connection): fall back to the code. */
function describeDbError(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { message?: string; code?: string } };
  const text = errorMessage(err).split('\n').find((l) => l.trim()) ?? e.cause?.message ?? '';
  return (text || e.code || e.cause?.code || 'the database did not answer').slice(0, 300);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
