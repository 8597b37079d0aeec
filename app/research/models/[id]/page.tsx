import path from 'node:path';
import { notFound } from 'next/navigation';
import { requireResearcherPage } from '@/lib/auth/session';
import { readPaperAblation } from '@/lib/compress/sensitivity';
import { runsForModel } from '@/lib/generation/service';
import { latestScoresByVariant, type TScoreSummary } from '@/lib/scores/service';
import { getModelView, type TVariantView } from '@/lib/models/service';
import { formatBytes } from '@/lib/onnx/io';
import { ModelSensitivity } from '../../../_components/model-sensitivity';
import { SensitivityHeatmap } from '../../../_components/sensitivity-heatmap';
import Link from 'next/link';
import { CompressForm } from './compress-form';
import { GenerateForm } from './generate-form';
import { MeasureSensitivityButton } from './measure-button';

export const dynamic = 'force-dynamic';

type TReport = {
  footprintReduction?: { model: number; denoiser: number };
  error?: { relative: number; calibrationInputs: number };
  latency?: { before: { medianMs: number; provider: string }; after: { medianMs: number; provider: string } } | null;
  removed?: { block: number; component: string | null }[];
};

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export default async function ModelPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireResearcherPage(`/research/models/${id}`);
  const model = await getModelView(id);
  if (!model) notFound();
  const original = model.variants.find((v) => !v.parentId) ?? model.variants[0];
  const byId = new Map(model.variants.map((v) => [v.id, v]));
  const sensitivity = model.variants.flatMap((v) => v.sensitivities.map((s) => ({ ...s, variant: v.name }))).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  const paper = readPaperAblation(path.join(process.cwd(), 'data', 'hierarchicalprune', 'sd35-large-turbo-hpsv2-component-ablation.json'));
  const blocks = original.structure?.stacks.flatMap((s) => s.blocks.map((b) => ({ ...b, stack: s.name }))) ?? [];
  const weightsOf = (v: TVariantView) => v.weightBytes;
  const runs = await runsForModel(model.id);
  const scores = await latestScoresByVariant(model.id);

  return (
    <div className="space-y-8">
      <header>
        <p className="text-sm text-slate-500">Model</p>
        <h1 className="text-2xl font-semibold">{model.name}</h1>
        {model.description && <p className="mt-1 max-w-3xl text-slate-600">{model.description}</p>}
        <p className="mt-2 text-sm text-slate-500">
          {(original.params / 1e6).toFixed(2)}M parameters · {formatBytes(original.weightBytes)} of weights · {blocks.length} blocks ({original.structure?.method === 'structure' ? 'found by structure' : 'found by name scopes'})
          {model.license ? ` · licence ${model.license}` : ''}
        </p>
      </header>

      <section className="space-y-3">
        <h2 className="text-lg font-semibold">Variants</h2>
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm" data-testid="variants">
            <thead className="bg-slate-50 text-slate-600">
              <tr>
                <th className="px-3 py-2">Variant</th>
                <th className="px-3 py-2">From</th>
                <th className="px-3 py-2 text-right">Parameters</th>
                <th className="px-3 py-2 text-right">Weights</th>
                <th className="px-3 py-2 text-right">Footprint</th>
                <th className="px-3 py-2 text-right">Error vs parent</th>
                <th className="px-3 py-2 text-right">Step (median)</th>
                <th className="px-3 py-2 text-right">GenEval</th>
                <th className="px-3 py-2 text-right">HPS</th>
              </tr>
            </thead>
            <tbody>
              {model.variants.map((v) => {
                const r = (v.report ?? {}) as TReport;
                return (
                  <tr key={v.id} className="border-t border-slate-100 align-top">
                    <td className="px-3 py-2 font-medium">
                      {v.name}
                      {r.removed?.length ? <div className="text-xs font-normal text-slate-500">removed {r.removed.map((x) => `${x.block}${x.component ? '.' + x.component : ''}`).join(', ')}</div> : null}
                    </td>
                    <td className="px-3 py-2 text-slate-600">{v.parentId ? (byId.get(v.parentId)?.name ?? '—') : '—'}</td>
                    <td className="px-3 py-2 text-right">{(v.params / 1e6).toFixed(2)}M</td>
                    <td className="px-3 py-2 text-right">{formatBytes(weightsOf(v))}</td>
                    <td className="px-3 py-2 text-right">{r.footprintReduction ? `−${pct(r.footprintReduction.model)}` : '—'}</td>
                    <td className="px-3 py-2 text-right" title={r.error ? `relative error of the denoiser's prediction over ${r.error.calibrationInputs} held-out calibration inputs` : undefined}>
                      {r.error ? r.error.relative.toFixed(4) : '—'}
                    </td>
                    <td className="px-3 py-2 text-right">{r.latency ? `${r.latency.before.medianMs.toFixed(1)} → ${r.latency.after.medianMs.toFixed(1)} ms (${r.latency.after.provider})` : '—'}</td>
                    <ScoreCell s={scores[v.id]?.geneval} digits={3} />
                    <ScoreCell s={scores[v.id]?.hps} digits={2} />
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>

      <section className="space-y-3">
        <h2 className="text-lg font-semibold">Compress</h2>
        <CompressForm
          modelId={model.id}
          variants={model.variants.map((v) => ({ id: v.id, name: v.name, weightBytes: v.weightBytes, denoiserBytes: denoiserBytes(v), blocks: v.structure?.stacks[0]?.blocks.length ?? 0 }))}
          existingNames={model.variants.map((v) => v.name)}
        />
      </section>

      <section className="space-y-3">
        <h2 className="text-lg font-semibold">Generate images</h2>
        <p className="text-sm text-slate-600">Every variant gets the same initial noise for the same prompt and seed, so their images pair up for scoring and studies.</p>
        <GenerateForm modelId={model.id} variants={model.variants.map((v) => ({ id: v.id, name: v.name }))} />
        {runs.length > 0 && (
          <ul className="space-y-1 text-sm" aria-label="Generation runs">
            {runs.map((r) => (
              <li key={r.id}>
                <Link className="text-brand-700 hover:underline" href={`/research/runs/${r.id}`}>
                  {r.variant}: {r.promptSet} prompts, {r.images} of {r.expected} images
                </Link>
                <span className="text-slate-500"> · {new Date(r.createdAt).toLocaleString()}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="space-y-4">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 className="text-lg font-semibold">Sensitivity</h2>
          <MeasureSensitivityButton modelId={model.id} variantId={original.id} />
        </div>
        <ModelSensitivity modelName={model.name} sensitivity={sensitivity} />
        <SensitivityHeatmap
          title="Reference: SD3.5 Large Turbo, the paper's component ablation (HPSv2)"
          entries={paper.entries}
          metric="HPSv2"
          caption={`HPSv2 after replacing each component with an identity; the unpruned model scores ${paper.baseline}. From the HierarchicalPrune paper's data (Apache-2.0).`}
        />
      </section>
    </div>
  );
}

function denoiserBytes(v: TVariantView): number {
  const r = v.report as { components?: Record<string, { after: { weightBytes: number } }> } | null;
  if (r?.components?.transformer) return r.components.transformer.after.weightBytes;
  // originals carry no report: the blocks' parameters are float32 in the fixtures and most exports
  return Math.min(v.weightBytes, (v.structure?.totalParams ?? 0) * 4);
}

/** A score with its interval and count, linking to the run it came from. */
function ScoreCell({ s, digits }: { s?: TScoreSummary; digits: number }) {
  if (!s) return <td className="px-3 py-2 text-right text-slate-400">—</td>;
  return (
    <td className="px-3 py-2 text-right" data-testid={`score-${s.scorer}`}>
      <Link href={`/research/runs/${s.runId}`} className="hover:underline" title={`${s.scorer} ${s.version}${s.fixture ? ' (built-in fixture scorer: the number means nothing)' : ''}, ${s.images} images`}>
        {s.score.toFixed(digits)}
      </Link>
      {s.ciLow !== null && s.ciHigh !== null && (
        <div className="text-xs text-slate-500">
          [{s.ciLow.toFixed(digits)}, {s.ciHigh.toFixed(digits)}] n={s.images}
          {s.fixture ? ' fixture' : ''}
        </div>
      )}
    </td>
  );
}
