'use client';

import { useState } from 'react';
import { JobProgress } from './job-progress';

export function MeasureSensitivityButton({ modelId, variantId }: { modelId: string; variantId: string }) {
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function start() {
    setError(null);
    const res = await fetch(`/api/models/${modelId}/sensitivity`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ variantId, level: 'component' }) });
    const data = await res.json().catch(() => null);
    if (!res.ok) setError(data?.error?.message ?? `The server answered ${res.status}.`);
    else setJobId(data.job.id);
  }
  return (
    <div className="flex flex-col items-end gap-2 text-sm">
      {!jobId && (
        <button type="button" onClick={start} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100">
          Measure component sensitivity
        </button>
      )}
      {jobId && <JobProgress jobId={jobId} />}
      {error && <p role="alert" className="text-red-700">{error}</p>}
    </div>
  );
}
