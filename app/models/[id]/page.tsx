import Link from 'next/link';
import { notFound } from 'next/navigation';
import { currentLeaderboard } from '@/lib/leaderboard/service';
import { getModelView } from '@/lib/models/service';
import { IntervalChart } from '../../_components/charts/interval-chart';
import { ModelSensitivity } from '../../_components/model-sensitivity';
import { HowNumbersAreMade } from '../../leaderboard/how';
import { LeaderboardTable } from '../../leaderboard/leaderboard-table';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const m = await getModelView((await params).id);
  return { title: m ? m.name : 'Model' };
}

const TASKS = ['single_object', 'two_object', 'counting', 'colors', 'position', 'color_attr'];

/** A model's public page: its variants and lineage, their numbers, GenEval per task, and where its blocks matter. */
export default async function PublicModelPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const model = await getModelView(id);
  if (!model) notFound();
  const data = await currentLeaderboard();
  const rows = data.rows.filter((r) => r.modelId === id);
  const sensitivity = model.variants.flatMap((v) => v.sensitivities.map((s) => ({ ...s, variant: v.name }))).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  const rated = rows.filter((r) => r.human);
  return (
    <div className="space-y-8">
      <header className="space-y-1">
        <p className="text-sm text-slate-500">
          Model · <Link className="text-brand-700 hover:underline" href="/leaderboard">leaderboard</Link> · <a className="text-brand-700 hover:underline" href={`/api/v1/models/${id}`}>JSON</a> · <a className="text-brand-700 hover:underline" href={`/api/v1/models/${id}?format=csv`}>CSV</a>
        </p>
        <h1 className="text-2xl font-semibold">{model.name}</h1>
        {model.description && <p className="max-w-3xl text-slate-600">{model.description}</p>}
        {model.license && <p className="text-sm text-slate-500">Licence: {model.license}</p>}
      </header>

      <section className="space-y-2" aria-labelledby="variants-title">
        <h2 id="variants-title" className="text-lg font-semibold">Variants and lineage</h2>
        <LeaderboardTable rows={rows} researcher={false} />
      </section>

      <section className="space-y-2" aria-labelledby="tasks-title">
        <h2 id="tasks-title" className="text-lg font-semibold">GenEval per task</h2>
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="min-w-full text-sm" data-testid="geneval-tasks">
            <thead className="bg-slate-50 text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2 text-left font-medium">Variant</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">overall</th>
                {TASKS.map((t) => (
                  <th key={t} scope="col" className="px-3 py-2 text-right font-medium">{t.replace('_', ' ')}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.variantId} className="border-t border-slate-100">
                  <td className="px-3 py-2">{r.variantName}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{r.geneval ? `${r.geneval.value.toFixed(3)} (n=${r.geneval.images})` : '—'}</td>
                  {TASKS.map((t) => (
                    <td key={t} className="px-3 py-2 text-right tabular-nums">{r.geneval?.tasks[t] === undefined ? '—' : r.geneval.tasks[t].toFixed(2)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      {rated.length > 0 && (
        <IntervalChart
          title="Human rating of each variant"
          metricLabel="rating"
          digits={0}
          noun="votes"
          items={rated.map((r) => ({ id: r.variantId, label: r.variantName, value: r.human!.value, low: r.human!.ciLow, high: r.human!.ciHigh, n: r.human!.votes, demo: r.demo }))}
          testId="model-ratings"
        />
      )}

      <section className="space-y-2" aria-labelledby="sensitivity-title">
        <h2 id="sensitivity-title" className="text-lg font-semibold">Where the blocks matter</h2>
        <ModelSensitivity modelName={model.name} sensitivity={sensitivity} />
      </section>
      <HowNumbersAreMade data={data} />
    </div>
  );
}
