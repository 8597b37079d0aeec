'use client';

import Link from 'next/link';
import { useState } from 'react';
import { GENEVAL_PROMPT_SET_LABELS, GENEVAL_PROMPT_SETS, type TGenEvalPromptSet } from '@/lib/inference/prompt-sets';
import { JobProgress } from './job-progress';

export function GenerateForm({ modelId, variants }: { modelId: string; variants: { id: string; name: string }[] }) {
  const [variantId, setVariantId] = useState(variants[0]?.id ?? '');
  const [promptSet, setPromptSet] = useState<TGenEvalPromptSet | 'calibration' | 'custom'>('geneval');
  const [custom, setCustom] = useState('');
  const [limit, setLimit] = useState(12);
  const [imagesPerPrompt, setImagesPerPrompt] = useState(4);
  const [steps, setSteps] = useState(20);
  const [guidance, setGuidance] = useState(3);
  const [seed, setSeed] = useState(0);
  const [started, setStarted] = useState<{ runId: string; jobId: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    const res = await fetch(`/api/models/${modelId}/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ variantId, promptSet, customPrompts: promptSet === 'custom' ? custom : undefined, limit: limit || undefined, imagesPerPrompt, steps, guidance, seed }),
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) setError(data?.error?.message ?? `The server answered ${res.status}.`);
    else setStarted({ runId: data.runId, jobId: data.job.id });
  }

  const field = 'mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm';
  return (
    <form onSubmit={submit} className="grid gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-4" aria-label="Generate images">
      <label className="text-sm">
        <span className="font-medium">Variant</span>
        <select className={field} value={variantId} onChange={(e) => setVariantId(e.target.value)} aria-label="Variant to generate with">
          {variants.map((v) => (
            <option key={v.id} value={v.id}>{v.name}</option>
          ))}
        </select>
      </label>
      <label className="text-sm">
        <span className="font-medium">Prompts</span>
        <select className={field} value={promptSet} onChange={(e) => setPromptSet(e.target.value as typeof promptSet)} aria-label="Prompt set">
          {GENEVAL_PROMPT_SETS.map((set) => (
            <option key={set} value={set}>{GENEVAL_PROMPT_SET_LABELS[set]}</option>
          ))}
          <option value="calibration">calibration set</option>
          <option value="custom">my own</option>
        </select>
      </label>
      <label className="text-sm">
        <span className="font-medium">First N prompts (0: all)</span>
        <input type="number" min={0} value={limit} onChange={(e) => setLimit(Math.max(0, Number(e.target.value) || 0))} className={field} aria-label="Prompt limit" />
      </label>
      <label className="text-sm">
        <span className="font-medium">Images per prompt</span>
        <input type="number" min={1} max={64} value={imagesPerPrompt} onChange={(e) => setImagesPerPrompt(Number(e.target.value) || 1)} className={field} aria-label="Images per prompt" />
      </label>
      {promptSet === 'custom' && (
        <label className="text-sm sm:col-span-4">
          <span className="font-medium">One prompt a line</span>
          <textarea value={custom} onChange={(e) => setCustom(e.target.value)} rows={4} className={field} aria-label="Custom prompts" />
        </label>
      )}
      <label className="text-sm">
        <span className="font-medium">Steps</span>
        <input type="number" min={1} max={500} value={steps} onChange={(e) => setSteps(Number(e.target.value) || 1)} className={field} aria-label="Steps" />
      </label>
      <label className="text-sm">
        <span className="font-medium">Guidance</span>
        <input type="number" min={1} max={50} step={0.5} value={guidance} onChange={(e) => setGuidance(Number(e.target.value) || 1)} className={field} aria-label="Guidance" />
      </label>
      <label className="text-sm">
        <span className="font-medium">Seed</span>
        <input type="number" min={0} value={seed} onChange={(e) => setSeed(Math.max(0, Number(e.target.value) || 0))} className={field} aria-label="Seed" />
      </label>
      <div className="flex items-end">
        <button type="submit" disabled={started !== null} className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60">
          Generate
        </button>
      </div>
      {(started || error) && (
        <div className="flex flex-wrap items-center gap-4 sm:col-span-4">
          {started && <JobProgress jobId={started.jobId} />}
          {started && <Link className="text-sm text-brand-700 hover:underline" href={`/research/runs/${started.runId}`}>Open the gallery</Link>}
          {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
        </div>
      )}
    </form>
  );
}
