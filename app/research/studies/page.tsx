import Link from 'next/link';
import { requireResearcherPage } from '@/lib/auth/session';
import { listStudies } from '@/lib/studies/service';
import { DemoBadge, formatDate, StatusBadge } from './ui';

export const metadata = { title: 'Studies' };
export const dynamic = 'force-dynamic';

export default async function StudiesPage() {
  const user = await requireResearcherPage('/research/studies');
  const studies = await listStudies(user);
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Studies</h1>
          <p className="text-sm text-slate-600">Blinded pairwise comparisons by people: participants see two images for the same prompt and seed and pick the better one.</p>
        </div>
        <Link href="/research/studies/new" className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700" data-testid="study-new">
          New study
        </Link>
      </div>
      {studies.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-600" data-testid="studies-empty">
          <p className="font-medium text-slate-800">No studies yet.</p>
          <p className="mt-2 text-sm">
            A study compares variants by their images. First generate images for at least two variants with the same prompt set and seed (on a{' '}
            <Link href="/research/models" className="text-brand-700 hover:underline">model&apos;s page</Link>, “Generate images”), then{' '}
            <Link href="/research/studies/new" className="text-brand-700 hover:underline">create a study</Link>, preview it, and open it.
          </p>
        </div>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm" data-testid="studies-table">
            <thead className="bg-slate-50 text-slate-600">
              <tr>
                <th className="px-3 py-2">Study</th>
                <th className="px-3 py-2">Status</th>
                <th className="px-3 py-2">Variants compared</th>
                <th className="px-3 py-2 text-right">Participants</th>
                <th className="px-3 py-2 text-right">Votes</th>
                <th className="px-3 py-2">Created</th>
              </tr>
            </thead>
            <tbody>
              {studies.map((s) => (
                <tr key={s.id} className="border-t border-slate-100 align-top" data-testid="study-row" data-study-id={s.id}>
                  <td className="px-3 py-2">
                    <span className="flex flex-wrap items-center gap-2">
                      <Link href={`/research/studies/${s.id}`} className="font-medium text-brand-700 hover:underline">{s.title}</Link>
                      {s.demo && <DemoBadge />}
                    </span>
                  </td>
                  <td className="px-3 py-2">
                    <StatusBadge status={s.status} />
                    {s.status === 'open' && !s.accepting && <div className="text-xs text-slate-500">outside its dates</div>}
                  </td>
                  <td className="min-w-48 px-3 py-2 text-slate-700">{s.arms.map((a) => `${a.modelName} / ${a.variantName}`).join(' · ')}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{s.participants}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{s.votes}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-slate-600">{formatDate(s.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
