import Link from 'next/link';
import { currentUser } from '@/lib/auth/session';
import { diffLeaderboards, getSnapshot, listSnapshots } from '@/lib/leaderboard/snapshots';
import { currentLeaderboard } from '@/lib/leaderboard/service';
import { Dashboards } from './dashboards';
import { HowNumbersAreMade } from './how';
import { LeaderboardTable } from './leaderboard-table';
import { PublishSnapshot } from './publish-form';

export const metadata = { title: 'Leaderboard' };
export const dynamic = 'force-dynamic';

export default async function LeaderboardPage({ searchParams }: { searchParams: Promise<{ metric?: string }> }) {
  const { metric } = await searchParams;
  const [data, user, snapshots] = await Promise.all([currentLeaderboard(), currentUser().catch(() => null), listSnapshots()]);
  const latest = snapshots[0] ? await getSnapshot(snapshots[0].id) : null;
  const diff = latest ? diffLeaderboards(latest.data, data) : null;
  return (
    <div className="space-y-6">
      <header className="space-y-1">
        <h1 className="text-2xl font-semibold">Leaderboard</h1>
        <p className="text-slate-600">Every model variant with what it costs (memory, latency) and what it keeps (GenEval, HPS, human preference), each number with its interval and count. This is the live view; published snapshots never change.</p>
      </header>
      {data.rows.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-600">No model has been registered yet. Researchers add models under Models; their variants appear here with their numbers.</div>
      ) : (
        <LeaderboardTable rows={data.rows} researcher={!!user} />
      )}
      <div className="flex flex-wrap items-center gap-4 text-sm">
        <span className="text-slate-600">Download:</span>
        <a className="text-brand-700 hover:underline" href="/api/v1/leaderboard?format=csv" data-testid="export-leaderboard-csv">CSV</a>
        <a className="text-brand-700 hover:underline" href="/api/v1/leaderboard" data-testid="export-leaderboard-json">JSON</a>
        {user && <PublishSnapshot />}
      </div>
      {latest && diff && (
        <section className="rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="live-diff">
          <h2 className="font-semibold">
            Since the last snapshot, <Link className="text-brand-700 hover:underline" href={`/leaderboard/snapshots/${latest.id}`}>{latest.title}</Link> ({latest.createdAt.slice(0, 10)})
          </h2>
          {diff.added.length + diff.removed.length + diff.changed.length === 0 ? (
            <p className="mt-1 text-slate-600">Nothing has changed.</p>
          ) : (
            <ul className="mt-1 list-disc pl-5 text-slate-700">
              {diff.added.map((n) => (
                <li key={`a${n}`}>new: {n}</li>
              ))}
              {diff.removed.map((n) => (
                <li key={`r${n}`}>gone: {n}</li>
              ))}
              {diff.changed.map((c) => (
                <li key={c.variantId}>
                  {c.name}: {c.changes.join('; ')}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      <Dashboards data={data} metric={metric} />
      <HowNumbersAreMade data={data} />
      {snapshots.length > 0 && (
        <section className="text-sm" aria-labelledby="snapshots-title">
          <h2 id="snapshots-title" className="text-lg font-semibold">Published snapshots</h2>
          <ul className="mt-2 space-y-1">
            {snapshots.map((s) => (
              <li key={s.id}>
                <Link className="text-brand-700 hover:underline" href={`/leaderboard/snapshots/${s.id}`}>{s.title}</Link> <span className="text-slate-500">{s.createdAt.slice(0, 16).replace('T', ' ')} UTC</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
