'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';

type TJob = { id: string; status: string; progress: number; progressMessage: string | null; error: string | null };

/** Follows one job live; refreshes the page when it succeeds so its result shows. */
export function JobProgress({ jobId, onDone }: { jobId: string; onDone?: (status: string) => void }) {
  const router = useRouter();
  const [job, setJob] = useState<TJob | null>(null);
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      const res = await fetch(`/api/jobs/${jobId}`, { cache: 'no-store' }).catch(() => null);
      if (res?.ok) {
        const j = (await res.json()).job as TJob;
        setJob(j);
        if (j.status === 'succeeded') router.refresh();
        if (['succeeded', 'failed', 'cancelled'].includes(j.status)) {
          onDone?.(j.status);
          return;
        }
      }
      if (!stop) timer = setTimeout(tick, 1000);
    };
    void tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- follow one job; onDone may change identity
  }, [jobId, router]);
  const pctDone = Math.round((job?.progress ?? 0) * 100);
  return (
    <div className="w-72 space-y-1" data-testid="job-progress" data-status={job?.status ?? 'queued'}>
      <div className="flex justify-between text-xs text-slate-600">
        <span>{job?.status ?? 'queued'}</span>
        <span>{pctDone}%</span>
      </div>
      <div className="h-2 overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pctDone}>
        <div className="h-full bg-brand-500 transition-all" style={{ width: `${pctDone}%` }} />
      </div>
      <p className="text-xs text-slate-500">{job?.error ?? job?.progressMessage ?? 'waiting for a worker'}</p>
    </div>
  );
}
