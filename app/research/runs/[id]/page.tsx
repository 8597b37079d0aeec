import Link from 'next/link';
import { notFound } from 'next/navigation';
import { requireResearcherPage } from '@/lib/auth/session';
import { getRunView } from '@/lib/generation/service';
import { isGenEvalPromptSet } from '@/lib/inference/prompt-sets';
import { ScoreButtons } from './score-buttons';

export const dynamic = 'force-dynamic';

type TSummary = {
  provider?: string;
  latency?: { perImageMedianMs: number; perImageP90Ms: number; perStepMedianMs: number } | null;
  peakRssBytes?: number;
  gpuMemory?: { available: boolean; device: string | null; processBytes: number | null; deviceDeltaBytes: number | null } | null;
};
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireResearcherPage(`/research/runs/${id}`);
  const run = await getRunView(id);
  if (!run) notFound();
  const summary = (run.summary ?? {}) as TSummary;
  const expected = run.prompts.length * run.imagesPerPrompt;
  const byPrompt = new Map<number, typeof run.images>();
  for (const img of run.images) byPrompt.set(img.promptIndex, [...(byPrompt.get(img.promptIndex) ?? []), img]);
  return (
    <div className="space-y-6">
      <header>
        <p className="text-sm text-slate-500">
          Generation run of <Link className="text-brand-700 hover:underline" href={`/research/models/${run.model.id}`}>{run.model.name}</Link> / {run.variant.name}
        </p>
        <h1 className="text-2xl font-semibold">{run.promptSet} prompts</h1>
        <p className="mt-1 text-sm text-slate-600" data-testid="run-summary">
          {run.images.length} of {expected} images · {run.steps} steps · guidance {run.guidance} · seed {run.seed} (+k for image k)
          {summary.latency ? ` · ${summary.latency.perImageMedianMs.toFixed(0)} ms per image (p90 ${summary.latency.perImageP90Ms.toFixed(0)}), ${summary.latency.perStepMedianMs.toFixed(1)} ms per step on ${summary.provider}` : ''}
          {summary.peakRssBytes ? ` · peak ${mib(summary.peakRssBytes)} resident` : ''}
          {summary.gpuMemory?.available ? ` · GPU ${summary.gpuMemory.device}: ${mib(summary.gpuMemory.processBytes ?? summary.gpuMemory.deviceDeltaBytes ?? 0)}` : ''}
        </p>
      </header>
      {run.images.length > 0 && <ScoreButtons runId={run.id} scorers={isGenEvalPromptSet(run.promptSet) ? ['geneval', 'hps', 'clipscore'] : ['hps', 'clipscore']} />}
      {run.images.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-600">No images yet: the job is queued or running (see Jobs).</p>
      ) : (
        <ul className="space-y-4" aria-label="Images by prompt">
          {[...byPrompt.entries()].map(([index, images]) => (
            <li key={index} className="rounded-lg border border-slate-200 bg-white p-3">
              <p className="mb-2 text-sm">
                <span className="text-slate-500">{run.prompts[index]?.tag ? `${run.prompts[index].tag} · ` : ''}</span>
                {run.prompts[index]?.prompt}
              </p>
              <div className="flex flex-wrap gap-2">
                {images.map((img) => (
                  <a key={img.id} href={`/api/images/${img.id}/png`} title={`seed ${img.seed}: lossless PNG`}>
                    {/* eslint-disable-next-line @next/next/no-img-element -- generated images are served as they are */}
                    <img src={`/api/images/${img.id}/webp`} alt={`image ${img.sample + 1} for "${run.prompts[index]?.prompt}"`} width={128} height={128} className="rounded border border-slate-200 [image-rendering:pixelated]" loading="lazy" />
                  </a>
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
