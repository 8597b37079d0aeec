import { requireResearcherPage } from '@/lib/auth/session';
import { listJobViews } from '@/lib/jobs/service';
import { JobsBoard } from './jobs-board';

export const metadata = { title: 'Jobs' };
export const dynamic = 'force-dynamic';

export default async function JobsPage() {
  const user = await requireResearcherPage('/research/jobs');
  const jobs = await listJobViews({ limit: 100 });
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Jobs</h1>
          <p className="text-sm text-slate-600">Compression, generation and scoring run here. Progress updates live; every job can be cancelled.</p>
        </div>
      </div>
      <JobsBoard initialJobs={jobs} currentUser={{ email: user.email, role: user.role }} />
    </div>
  );
}
