'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { TJobView } from '@/lib/jobs/types';

const ACTIVE = new Set(['queued', 'running']);

const STATUS_STYLE: Record<string, string> = {
  queued: 'bg-slate-100 text-slate-700',
  running: 'bg-blue-100 text-blue-800',
  succeeded: 'bg-green-100 text-green-800',
  failed: 'bg-red-100 text-red-800',
  cancelled: 'bg-amber-100 text-amber-800',
};

export function JobsBoard({ initialJobs, currentUser }: { initialJobs: TJobView[]; currentUser: { email: string; role: string } }) {
  const [jobs, setJobs] = useState(initialJobs);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const jobsRef = useRef(jobs);
  jobsRef.current = jobs;

  const refresh = useCallback(async () => {
    try {
      const res = await fetch('/api/jobs?limit=100', { cache: 'no-store' });
      if (res.status === 401) {
        window.location.assign('/signin?callbackUrl=/research/jobs');
        return;
      }
      if (!res.ok) throw new Error(`the server answered ${res.status}`);
      setJobs((await res.json()).jobs);
      setError(null);
    } catch (err) {
      setError(`Could not refresh the job list (${(err as Error).message}); retrying.`);
    }
  }, []);

  // Poll fast while something is queued or running, slowly otherwise.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    let stopped = false;
    const tick = async () => {
      await refresh();
      if (stopped) return;
      const active = jobsRef.current.some((j) => ACTIVE.has(j.status));
      timer = setTimeout(tick, active ? 1000 : 5000);
    };
    timer = setTimeout(tick, 1000);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [refresh]);

  async function act(url: string, body?: unknown) {
    setBusy(url);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!res.ok) {
        const data = await res.json().catch(() => null);
        setError(data?.error?.message ?? `The server answered ${res.status}.`);
      } else {
        setError(null);
      }
      await refresh();
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3 rounded-lg border border-slate-200 bg-white p-4">
        <div className="flex-1 text-sm text-slate-600">
          Check that workers are alive: the self-test writes and verifies artifacts and reports progress.
        </div>
        <button
          type="button"
          onClick={() => act('/api/jobs', { type: 'demo.selftest', payload: { steps: 10, stepMs: 300 } })}
          disabled={busy !== null}
          className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60"
        >
          Start a self-test job
        </button>
      </div>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      )}
      {jobs.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-600">No jobs yet.</p>
      ) : (
        <ul className="space-y-3" aria-label="Jobs">
          {jobs.map((job) => {
            const mine = currentUser.role === 'admin' || job.createdBy === currentUser.email;
            return (
              <li key={job.id} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid="job" data-job-id={job.id} data-status={job.status}>
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">{job.title}</span>
                  <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[job.status]}`} data-testid="job-status">
                    {job.status}
                    {job.cancelRequested && job.status === 'running' ? ' (cancelling)' : ''}
                  </span>
                  <span className="text-xs text-slate-500">
                    attempt {job.attempts}/{job.maxAttempts} · {new Date(job.createdAt).toLocaleString()}
                    {job.createdBy ? ` · ${job.createdBy}` : ''}
                  </span>
                  <span className="ml-auto flex gap-2">
                    {mine && ACTIVE.has(job.status) && !job.cancelRequested && (
                      <button type="button" onClick={() => act(`/api/jobs/${job.id}/cancel`)} disabled={busy !== null} className="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100">
                        Cancel
                      </button>
                    )}
                    {mine && (job.status === 'failed' || job.status === 'cancelled') && (
                      <button type="button" onClick={() => act(`/api/jobs/${job.id}/retry`)} disabled={busy !== null} className="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100">
                        Retry
                      </button>
                    )}
                  </span>
                </div>
                <div className="mt-3 h-2 w-full overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(job.progress * 100)} aria-label={`${job.title} progress`}>
                  <div className={`h-full transition-all ${job.status === 'failed' ? 'bg-red-400' : 'bg-brand-500'}`} style={{ width: `${Math.round(job.progress * 100)}%` }} />
                </div>
                <div className="mt-1 flex justify-between gap-4 text-xs text-slate-500">
                  <span data-testid="job-message">{job.progressMessage ?? (job.status === 'queued' ? 'waiting for a worker' : '')}</span>
                  <span>{Math.round(job.progress * 100)}%</span>
                </div>
                {job.error && job.status !== 'succeeded' && (
                  <p className="mt-2 rounded bg-red-50 px-2 py-1 text-xs text-red-700" data-testid="job-error">{job.error}</p>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
