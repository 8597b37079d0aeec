import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { errorMessage } from '../errors';
import { log } from '../log';
import { backoffMs } from './backoff';
import * as repo from './repository';
import type { TJobRow } from './repository';
import { type JobContext, type JobDefinition, UnrecoverableError } from './types';

export type TWorkerOptions = {
  definitions: JobDefinition<any>[];
  concurrency: number;
  pollMs: number;
  leaseSeconds: number;
  heartbeatSeconds: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  shutdownGraceSeconds: number;
  id?: string;
};

type TActive = { job: TJobRow; controller: AbortController; done: Promise<void> };

type TAbortReason = 'cancelled' | 'lease-lost' | 'shutdown';

const PROGRESS_MIN_INTERVAL_MS = 250;

/**
 * Drains the queue: claims up to `concurrency` jobs at a time, renews their leases by heartbeat,
 * and records each outcome. A job this worker loses (lease expired) is left to its new owner;
 * on stop() the worker claims nothing more, lets running jobs finish within the grace period,
 * then aborts and releases the rest so another worker picks them up at once.
 */
export class Worker {
  readonly id: string;
  private readonly active = new Map<string, TActive>();
  private readonly definitions: Map<string, JobDefinition<any>>;
  private stopping = false;
  private wake: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private loopDone: Promise<void> | null = null;

  constructor(private readonly opts: TWorkerOptions) {
    this.id = opts.id ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.definitions = new Map(opts.definitions.map((d) => [d.name, d]));
  }

  get runningJobs(): number {
    return this.active.size;
  }

  start(): Promise<void> {
    if (this.loopDone) return this.loopDone;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.opts.heartbeatSeconds * 1000);
    this.loopDone = this.heartbeat().then(() => this.loop());
    return this.loopDone;
  }

  async stop(): Promise<void> {
    if (this.stopping) return this.loopDone ?? undefined;
    this.stopping = true;
    this.wake?.();
    await this.loopDone;
    const deadline = Date.now() + this.opts.shutdownGraceSeconds * 1000;
    if (this.active.size > 0) {
      log.info('worker stopping: waiting for running jobs', { worker: this.id, running: this.active.size });
      await Promise.race([
        Promise.all([...this.active.values()].map((a) => a.done)),
        new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref()),
      ]);
    }
    for (const a of this.active.values()) a.controller.abort('shutdown' satisfies TAbortReason);
    await Promise.all([...this.active.values()].map((a) => a.done));
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await repo
      .upsertWorkerHeartbeat({ id: this.id, hostname: os.hostname(), pid: process.pid, concurrency: this.opts.concurrency, runningJobs: 0, stopped: true })
      .catch((err) => log.warn('could not record worker stop', { err }));
  }

  private async loop(): Promise<void> {
    const types = [...this.definitions.keys()];
    while (!this.stopping) {
      if (this.active.size < this.opts.concurrency) {
        let job: TJobRow | null = null;
        try {
          job = await repo.claimNextJob(types, this.id, this.opts.leaseSeconds);
        } catch (err) {
          log.error('claiming a job failed; retrying after the poll interval', { worker: this.id, err });
        }
        if (job) {
          this.launch(job);
          continue;
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.opts.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private launch(job: TJobRow): void {
    const controller = new AbortController();
    const entry: TActive = { job, controller, done: Promise.resolve() };
    entry.done = this.execute(job, controller)
      .catch((err) => log.error('recording a job outcome failed; its lease will expire and it will run again', { job: job.id, err }))
      .finally(() => {
        this.active.delete(job.id);
        this.wake?.();
      });
    this.active.set(job.id, entry);
  }

  private async execute(job: TJobRow, controller: AbortController): Promise<void> {
    const definition = this.definitions.get(job.type)!;
    const maxAttempts = job.maxAttempts;
    if (job.attempts > maxAttempts) {
      await repo.finishJob(job.id, this.id, {
        status: 'failed',
        error: `Gave up after ${maxAttempts} attempts: its worker stopped responding each time (lease expired). Last error: ${job.error ?? 'none'}`,
      });
      return;
    }
    if (job.cancelRequestedAt) {
      await repo.finishJob(job.id, this.id, { status: 'cancelled', error: 'Cancelled' });
      return;
    }
    let payload: unknown;
    try {
      payload = definition.payload.parse(JSON.parse(job.payload));
    } catch (err) {
      await repo.finishJob(job.id, this.id, { status: 'failed', error: `Invalid payload for ${job.type}: ${errorMessage(err)}` });
      return;
    }

    const ctx = this.context(job, controller.signal);
    log.info('job started', { worker: this.id, job: job.id, type: job.type, attempt: job.attempts });
    try {
      const result = await definition.run(payload, ctx);
      if (controller.signal.aborted && controller.signal.reason === 'lease-lost') return;
      const stored = await repo.finishJob(job.id, this.id, {
        status: 'succeeded',
        result: result === undefined ? null : JSON.stringify(result),
      });
      if (!stored) log.warn('job finished after its lease was lost; result discarded', { job: job.id });
      else log.info('job succeeded', { worker: this.id, job: job.id });
    } catch (err) {
      await this.recordFailure(job, controller.signal, err);
    }
  }

  private async recordFailure(job: TJobRow, signal: AbortSignal, err: unknown): Promise<void> {
    const reason = signal.aborted ? (signal.reason as TAbortReason) : null;
    if (reason === 'lease-lost') {
      log.warn('job aborted: lease lost to another worker', { job: job.id });
      return;
    }
    if (reason === 'cancelled') {
      await repo.finishJob(job.id, this.id, { status: 'cancelled', error: 'Cancelled while running' });
      log.info('job cancelled', { job: job.id });
      return;
    }
    if (reason === 'shutdown') {
      await repo.releaseJob(job.id, this.id);
      log.info('job released: worker shutting down', { job: job.id });
      return;
    }
    const message = errorMessage(err);
    if (err instanceof UnrecoverableError) {
      await repo.finishJob(job.id, this.id, { status: 'failed', error: message });
      log.warn('job failed permanently', { job: job.id, error: message });
      return;
    }
    if (job.attempts >= job.maxAttempts) {
      await repo.finishJob(job.id, this.id, { status: 'failed', error: `Failed after ${job.attempts} attempts: ${message}` });
      log.warn('job failed: no attempts left', { job: job.id, error: message });
      return;
    }
    const delay = backoffMs(job.attempts, this.opts.backoffBaseSeconds, this.opts.backoffMaxSeconds);
    await repo.scheduleRetry(job.id, this.id, `Attempt ${job.attempts} failed: ${message}`, new Date(Date.now() + delay));
    log.info('job will be retried', { job: job.id, attempt: job.attempts, delayMs: delay, error: message });
  }

  private context(job: TJobRow, signal: AbortSignal): JobContext {
    let lastWrite = 0;
    let pending: { fraction: number; message: string | null } | null = null;
    let flushTimer: NodeJS.Timeout | null = null;
    const flush = async () => {
      flushTimer = null;
      if (!pending) return;
      const { fraction, message } = pending;
      pending = null;
      lastWrite = Date.now();
      await repo.setProgress(job.id, this.id, fraction, message).catch((err) => log.warn('progress not recorded', { job: job.id, err }));
    };
    return {
      jobId: job.id,
      attempt: job.attempts,
      maxAttempts: job.maxAttempts,
      signal,
      log: (message, fields) => log.info(message, { job: job.id, ...fields }),
      progress: async (fraction, message) => {
        pending = { fraction: Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)), message: message ?? null };
        // Writes are throttled; the last value always lands.
        if (Date.now() - lastWrite >= PROGRESS_MIN_INTERVAL_MS || pending.fraction >= 1) {
          if (flushTimer) clearTimeout(flushTimer);
          await flush();
        } else if (!flushTimer) {
          flushTimer = setTimeout(() => void flush(), PROGRESS_MIN_INTERVAL_MS);
          flushTimer.unref();
        }
      },
    };
  }

  private async heartbeat(): Promise<void> {
    for (const a of [...this.active.values()]) {
      try {
        const lease = await repo.renewLease(a.job.id, this.id, this.opts.leaseSeconds);
        if (lease === null) a.controller.abort('lease-lost' satisfies TAbortReason);
        else if (lease.cancelRequested) a.controller.abort('cancelled' satisfies TAbortReason);
      } catch (err) {
        log.warn('lease renewal failed; will try again at the next heartbeat', { job: a.job.id, err });
      }
    }
    await repo
      .upsertWorkerHeartbeat({
        id: this.id,
        hostname: os.hostname(),
        pid: process.pid,
        concurrency: this.opts.concurrency,
        runningJobs: this.active.size,
      })
      .catch((err) => log.warn('worker heartbeat not recorded', { err }));
  }
}
