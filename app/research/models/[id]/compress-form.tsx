'use client';

import { useMemo, useState } from 'react';
import { JobProgress } from './job-progress';

type TVariant = { id: string; name: string; weightBytes: number; denoiserBytes: number; blocks: number };

/** Bits per weight of INT4 MatMulNBits on float32 models (4 bits + a float32 scale per block). */
const INT4_BITS: Record<string, number> = { '32': 5, '64': 4.5, '128': 4.25 };

const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

export function CompressForm({ modelId, variants, existingNames }: { modelId: string; variants: TVariant[]; existingNames: string[] }) {
  const [variantId, setVariantId] = useState(variants[0]?.id ?? '');
  const [budget, setBudget] = useState(0.75);
  const [protectFirst, setProtectFirst] = useState(Math.max(1, Math.floor((variants[0]?.blocks ?? 4) / 3)));
  const [level, setLevel] = useState<'block' | 'component'>('block');
  const [reconstruct, setReconstruct] = useState(false);
  const [int4, setInt4] = useState<'' | '32' | '64' | '128'>('64');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const variant = variants.find((v) => v.id === variantId) ?? variants[0];

  const suggestedName = `hp-${Math.round(budget * 100)}${int4 ? `-int4b${int4}` : ''}${reconstruct ? '-rec' : ''}`;
  const expected = useMemo(() => {
    if (!variant) return null;
    const rest = variant.weightBytes - variant.denoiserBytes;
    const denoiser = variant.denoiserBytes * budget * (int4 ? INT4_BITS[int4] / 32 : 1);
    return { before: variant.weightBytes, after: rest + denoiser };
  }, [variant, budget, int4]);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    const finalName = name.trim() || suggestedName;
    if (existingNames.includes(finalName)) {
      setError(`A variant named "${finalName}" exists already: choose another name.`);
      return;
    }
    const res = await fetch(`/api/models/${modelId}/compress`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        variantId,
        name: finalName,
        recipe: { budget, protectFirst, level, reconstruct, ...(int4 ? { int4: { blockSize: Number(int4), symmetric: true } } : {}) },
      }),
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) setError(data?.error?.message ?? `The server answered ${res.status}.`);
    else {
      setJobId(data.job.id);
      setRunning(true);
    }
  }

  const field = 'mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm';
  return (
    <form onSubmit={submit} className="grid gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-3" aria-label="Compression recipe">
      <label className="text-sm">
        <span className="font-medium">Start from</span>
        <select className={field} value={variantId} onChange={(e) => setVariantId(e.target.value)}>
          {variants.map((v) => (
            <option key={v.id} value={v.id}>{v.name}</option>
          ))}
        </select>
      </label>
      <label className="text-sm">
        <span className="font-medium">Parameter budget: keep {Math.round(budget * 100)}%</span>
        <input type="range" min={0.3} max={1} step={0.01} value={budget} onChange={(e) => setBudget(Number(e.target.value))} className="mt-2 w-full" aria-label="Parameter budget" />
      </label>
      <label className="text-sm">
        <span className="font-medium">Protect the first blocks</span>
        <input type="number" min={0} max={Math.max(0, (variant?.blocks ?? 1) - 1)} value={protectFirst} onChange={(e) => setProtectFirst(Math.max(0, Number(e.target.value) || 0))} className={field} aria-label="Protected blocks" />
      </label>
      <label className="text-sm">
        <span className="font-medium">Prune</span>
        <select className={field} value={level} onChange={(e) => setLevel(e.target.value as 'block' | 'component')}>
          <option value="block">whole blocks</option>
          <option value="component">components (attention, MLPs, modulations)</option>
        </select>
      </label>
      <label className="text-sm">
        <span className="font-medium">INT4 weights</span>
        <select className={field} value={int4} onChange={(e) => setInt4(e.target.value as '' | '32' | '64' | '128')} aria-label="INT4 block size">
          <option value="">no (float)</option>
          <option value="32">block 32 (5 bits/weight)</option>
          <option value="64">block 64 (4.5 bits/weight)</option>
          <option value="128">block 128 (4.25 bits/weight)</option>
        </select>
      </label>
      <label className="flex items-center gap-2 text-sm sm:mt-6">
        <input type="checkbox" checked={reconstruct} onChange={(e) => setReconstruct(e.target.checked)} />
        <span>Reconstruct pruned spans (ridge regression)</span>
      </label>
      <label className="text-sm sm:col-span-2">
        <span className="font-medium">Name of the new variant</span>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder={suggestedName} className={field} aria-label="Variant name" />
      </label>
      <div className="text-sm sm:text-right" data-testid="expected-footprint">
        {expected && (
          <>
            <div className="text-slate-500">Expected weights, about</div>
            <div className="font-medium">
              {mib(expected.before)} → {mib(expected.after)} (−{((1 - expected.after / expected.before) * 100).toFixed(0)}%)
            </div>
          </>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-4 sm:col-span-3">
        <button type="submit" disabled={running} className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60">
          Compress
        </button>
        {jobId && <JobProgress key={jobId} jobId={jobId} onDone={() => setRunning(false)} />}
        {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
      </div>
    </form>
  );
}
