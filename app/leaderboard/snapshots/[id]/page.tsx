import Link from 'next/link';
import { notFound } from 'next/navigation';
import { currentUser } from '@/lib/auth/session';
import { env } from '@/lib/env';
import { getSnapshot } from '@/lib/leaderboard/snapshots';
import { Dashboards } from '../../dashboards';
import { HowNumbersAreMade } from '../../how';
import { LeaderboardTable } from '../../leaderboard-table';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const s = await getSnapshot((await params).id);
  return { title: s ? `Snapshot: ${s.title}` : 'Snapshot' };
}

export default async function SnapshotPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ metric?: string }> }) {
  const { id } = await params;
  const { metric } = await searchParams;
  const snapshot = await getSnapshot(id);
  if (!snapshot) notFound();
  const user = await currentUser().catch(() => null);
  const url = `${env().PUBLIC_URL.replace(/\/$/, '')}/leaderboard/snapshots/${snapshot.id}`;
  return (
    <div className="space-y-6">
      <header className="space-y-1">
        <p className="text-sm text-slate-500">
          Published snapshot · <Link className="text-brand-700 hover:underline" href="/leaderboard">see the live leaderboard and what changed since</Link>
        </p>
        <h1 className="text-2xl font-semibold" data-testid="snapshot-title-heading">{snapshot.title}</h1>
        <p className="text-slate-600">
          Published {snapshot.createdAt.slice(0, 16).replace('T', ' ')} UTC{snapshot.createdBy && user ? ` by ${snapshot.createdBy}` : ''}. These numbers never change. Cite as <code className="rounded bg-slate-100 px-1" data-testid="snapshot-url">{url}</code>
        </p>
        {snapshot.note && <p className="whitespace-pre-line text-slate-700">{snapshot.note}</p>}
      </header>
      <LeaderboardTable rows={snapshot.data.rows} researcher={!!user} />
      <div className="flex gap-4 text-sm">
        <span className="text-slate-600">Download:</span>
        <a className="text-brand-700 hover:underline" href={`/api/v1/snapshots/${snapshot.id}?format=csv`}>CSV</a>
        <a className="text-brand-700 hover:underline" href={`/api/v1/snapshots/${snapshot.id}`}>JSON</a>
      </div>
      <Dashboards data={snapshot.data} metric={metric} />
      <HowNumbersAreMade data={snapshot.data} />
    </div>
  );
}
