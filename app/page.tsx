import Link from 'next/link';
import { currentLeaderboard } from '@/lib/leaderboard/service';
import { openVolunteerStudies } from '@/lib/studies/service';

export const dynamic = 'force-dynamic';

export default async function HomePage() {
  const [board, studies] = await Promise.all([currentLeaderboard(), openVolunteerStudies()]);
  const ranked = board.rows.some((r) => r.human) ? 'human' : 'geneval';
  const top = board.rows
    .filter((r) => r[ranked])
    .sort((a, b) => b[ranked]!.value - a[ranked]!.value)
    .slice(0, 5);
  return (
    <div className="space-y-10">
      <section className="space-y-4">
        <h1 className="text-3xl font-semibold tracking-tight sm:text-4xl">What does compressing a diffusion model really cost?</h1>
        <p className="max-w-3xl text-lg text-slate-600">
          PruneArena compresses text-to-image models (pruning late transformer blocks, INT4 weights), generates images
          with each variant, scores them automatically (GenEval, HPS) and asks people in blinded pairwise studies. Every
          number comes with its interval, its count and how it was measured.
        </p>
        <div className="flex flex-wrap gap-3">
          <Link href="/leaderboard" className="rounded-md bg-brand-600 px-4 py-2 text-white hover:bg-brand-700">See the leaderboard</Link>
          <Link href="/research/jobs" className="rounded-md border border-slate-300 bg-white px-4 py-2 text-slate-800 hover:bg-slate-100">Researcher area</Link>
        </div>
      </section>

      <section className="grid gap-4 sm:grid-cols-3">
        <Card title="Automatic evidence">Workers compress uploaded ONNX models, generate images and measure GenEval, HPS, memory and latency.</Card>
        <Card title="Human evidence">Participants compare two images at a time without knowing which model made which; votes become rankings with bootstrap intervals.</Card>
        <Card title="Citable results">Leaderboard snapshots are immutable, so a link in a paper shows the same numbers next year.</Card>
      </section>

      <section className="space-y-2">
        <h2 className="text-xl font-semibold">Leaderboard</h2>
        {top.length === 0 ? (
          <p className="text-slate-600">No model has been scored yet. Results appear here once a researcher has generated and scored a model.</p>
        ) : (
          <>
            <p className="text-sm text-slate-600">Top variants by {ranked === 'human' ? 'human rating (Bradley-Terry, 95% interval)' : 'GenEval (95% interval)'}:</p>
            <ol className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm" data-testid="home-top">
              {top.map((r) => {
                const m = r[ranked]!;
                const d = ranked === 'human' ? 0 : 3;
                return (
                  <li key={r.variantId} className="flex flex-wrap items-baseline justify-between gap-2 px-4 py-2">
                    <Link className="font-medium text-brand-700 hover:underline" href={`/models/${r.modelId}`}>
                      {r.modelName} / {r.variantName}
                    </Link>
                    <span className="tabular-nums text-slate-700">
                      {m.value.toFixed(d)}
                      {m.ciLow !== null && m.ciHigh !== null ? ` [${m.ciLow.toFixed(d)}, ${m.ciHigh.toFixed(d)}]` : ''}
                      {r.demo && <span className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-900">demo</span>}
                    </span>
                  </li>
                );
              })}
            </ol>
          </>
        )}
      </section>

      <section className="space-y-2">
        <h2 className="text-xl font-semibold">Open studies</h2>
        {studies.length === 0 ? (
          <p className="text-slate-600">No study is open to volunteers right now.</p>
        ) : (
          <ul className="space-y-1" data-testid="home-studies">
            {studies.map((s) => (
              <li key={s.slug}>
                <Link className="text-brand-700 hover:underline" href={`/s/${s.slug}`}>
                  {s.label}
                </Link>{' '}
                <span className="text-sm text-slate-500">a few minutes: compare pairs of pictures{s.demo ? ' (demo)' : ''}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function Card({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <h3 className="font-medium">{title}</h3>
      <p className="mt-1 text-sm text-slate-600">{children}</p>
    </div>
  );
}
