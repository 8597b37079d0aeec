'use client';

import { useState } from 'react';
import { JobProgress } from '../../models/[id]/job-progress';

const LABELS: Record<string, string> = { geneval: 'Score GenEval', hps: 'Score HPS', clipscore: 'Score CLIPScore' };

export function ScoreButtons({ runId, scorers }: { runId: string; scorers: string[] }) {
  const [jobs, setJobs] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  async function start(scorer: string) {
    setError(null);
    const res = await fetch(`/api/runs/${runId}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scorer }) });
    const data = await res.json().catch(() => null);
    if (!res.ok) setError(data?.error?.message ?? `The server answered ${res.status}.`);
    else setJobs((j) => ({ ...j, [scorer]: data.job.id }));
  }
  return (
    <div className="flex flex-wrap items-start gap-4">
      {scorers.map((s) => (
        <div key={s} className="space-y-2" data-testid={`score-${s}`}>
          <button type="button" onClick={() => start(s)} disabled={Boolean(jobs[s])} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100 disabled:opacity-60">
            {LABELS[s]}
          </button>
          {jobs[s] && <JobProgress jobId={jobs[s]} />}
        </div>
      ))}
      {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
    </div>
  );
}
