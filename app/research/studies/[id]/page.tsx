import Link from 'next/link';
import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import { currentUser, requireResearcherPage } from '@/lib/auth/session';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors';
import { studyChoices } from '@/lib/studies/choices';
import { studyDashboard } from '@/lib/studies/results';
import { getStudy, type TStudyView } from '@/lib/studies/service';
import { StudyForm, type TStudyFormInitial } from '../study-form';
import { DemoBadge, formatDate, pct, POLICY_EXPLANATION, StatusBadge } from '../ui';
import { CopyButton } from './copy-button';
import { StudyDashboard } from './dashboard';
import { StudyActions } from './study-actions';

export const dynamic = 'force-dynamic';

/** Where participants reach this server: PUBLIC_URL when it is configured, else the host this page was asked on. */
async function publicBase(): Promise<string> {
  if (process.env.PUBLIC_URL?.trim()) return env().PUBLIC_URL.replace(/\/+$/, '');
  const h = await headers();
  const host = h.get('x-forwarded-host')?.split(',')[0].trim() || h.get('host') || `localhost:${env().PORT}`;
  const proto = h.get('x-forwarded-proto')?.split(',')[0].trim() || 'http';
  return `${proto}://${host}`;
}

const PROLIFIC_PARAMS = 'PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}';

function formInitial(s: TStudyView): TStudyFormInitial {
  const d = s.design;
  return {
    ...d,
    opensAt: d.opensAt ? d.opensAt.toISOString() : null,
    closesAt: d.closesAt ? d.closesAt.toISOString() : null,
  };
}

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await currentUser().catch(() => null);
  const study = user ? await getStudy(id, user).catch(() => null) : null;
  return { title: study ? `Study: ${study.title}` : 'Study' };
}

export default async function StudyPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireResearcherPage(`/research/studies/${id}`);
  let study: TStudyView | null;
  try {
    study = await getStudy(id, user);
  } catch (err) {
    if (err instanceof AppError && err.code === 'FORBIDDEN') {
      return (
        <div className="space-y-3">
          <h1 className="text-2xl font-semibold">Not your study</h1>
          <p className="text-slate-600">{err.message} Ask its researcher to share the export, or go back to the <Link href="/research/studies" className="text-brand-700 hover:underline">studies</Link>.</p>
        </div>
      );
    }
    throw err;
  }
  if (!study) notFound();
  const [dashboard, choices, base] = await Promise.all([studyDashboard(id, user), study.status === 'closed' ? Promise.resolve([]) : studyChoices(), publicBase()]);
  const d = study.design;
  const link = `${base}/s/${study.slug}`;
  const prolificLink = `${link}?${PROLIFIC_PARAMS}`;
  const arms = study.arms.length;

  return (
    <div className="space-y-8">
      <header className="space-y-2">
        <p className="text-sm text-slate-500">
          <Link href="/research/studies" className="hover:underline">Studies</Link>
        </p>
        <div className="flex flex-wrap items-center gap-3">
          <h1 className="text-2xl font-semibold">{study.title}</h1>
          <StatusBadge status={study.status} testId="study-status" />
          {study.demo && <DemoBadge />}
        </div>
        <p className="text-sm text-slate-500">
          Created {formatDate(study.createdAt)}
          {study.createdBy ? ` by ${study.createdBy}` : ''}
          {study.openedAt ? ` · opened ${formatDate(study.openedAt)}` : ''}
          {study.closedAt && study.status === 'closed' ? ` · closed ${formatDate(study.closedAt)}` : ''}
        </p>
        {study.description && <p className="max-w-3xl whitespace-pre-line text-slate-700">{study.description}</p>}
        {study.demo && <p className="text-sm text-purple-800">Demo study made with demo data: try the pages with it, but its numbers mean nothing.</p>}
      </header>

      <StudyActions studyId={study.id} slug={study.slug} status={study.status} />

      <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="share-heading">
        <h2 id="share-heading" className="text-lg font-semibold">
          Share
        </h2>
        {study.status === 'open' && !study.accepting && (
          <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
            Open, but outside its dates right now (opens {formatDate(d.opensAt?.toISOString() ?? null)}, closes {formatDate(d.closesAt?.toISOString() ?? null)}): the link
            tells visitors it is not open.
          </p>
        )}
        {study.status !== 'open' && <p className="text-sm text-slate-600">Participants can use this link once the study is open.</p>}
        <LinkRow label="Participant link" value={link} testId="study-link" />
        {d.prolificCode ? (
          <div className="space-y-1">
            <LinkRow label="Prolific study URL" value={prolificLink} testId="study-prolific-link" />
            <p className="text-xs text-slate-500">
              On Prolific, paste this as the study URL (it passes the participant, study and session ids) and set the completion code to{' '}
              <code className="font-mono text-slate-700">{d.prolificCode}</code>. Finishing sends participants back to Prolific with it.
            </p>
          </div>
        ) : (
          <p className="text-xs text-slate-500">Recruiting on Prolific? Set a completion code below to get the Prolific form of the link.</p>
        )}
      </section>

      <section className="space-y-3" aria-labelledby="dashboard-heading">
        <div className="flex flex-wrap items-end justify-between gap-3">
          <h2 id="dashboard-heading" className="text-lg font-semibold">
            Dashboard
          </h2>
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <span className="text-slate-600">Export every vote:</span>
            <a href={`/api/studies/${study.id}/export?format=csv`} download className="rounded-md border border-slate-300 bg-white px-3 py-1 hover:bg-slate-100" data-testid="export-csv">
              CSV
            </a>
            <a href={`/api/studies/${study.id}/export?format=jsonl`} download className="rounded-md border border-slate-300 bg-white px-3 py-1 hover:bg-slate-100" data-testid="export-jsonl">
              JSONL
            </a>
          </div>
        </div>
        <StudyDashboard studyId={study.id} initial={dashboard} live={study.status === 'open'} />
      </section>

      <section className="space-y-3" aria-labelledby="design-heading">
        <h2 id="design-heading" className="text-lg font-semibold">
          Design
        </h2>
        <div className="grid gap-4 rounded-lg border border-slate-200 bg-white p-4 md:grid-cols-2">
          <div className="space-y-2 md:col-span-2">
            <h3 className="text-sm font-semibold">Variants compared</h3>
            <ol className="space-y-1 text-sm" data-testid="study-arms">
              {study.arms.map((a, i) => (
                <li key={a.id}>
                  {i + 1}.{' '}
                  <Link href={`/research/models/${a.modelId}`} className="text-brand-700 hover:underline">
                    {a.modelName} / {a.variantName}
                  </Link>{' '}
                  <span className="text-slate-500">
                    · images from <Link href={`/research/runs/${a.runId}`} className="hover:underline">run {a.runId.slice(-8)}</Link>
                  </span>
                </li>
              ))}
            </ol>
            <p className="text-sm text-slate-600" data-testid="study-items">
              {study.items} prompt{study.items === 1 ? '' : 's'} shared by every run (paired by prompt and seed) × {(arms * (arms - 1)) / 2} pair
              {arms === 2 ? '' : 's'} of variants = {study.comparisons} distinct comparisons.
              {study.comparisons < d.trialsPerParticipant && (
                <span className="text-amber-800"> Fewer than the {d.trialsPerParticipant} each participant needs: ask for fewer trials or add prompts before opening.</span>
              )}
            </p>
          </div>
          <Summary title="Questions">
            <ol className="list-inside list-decimal">
              {d.criteria.map((c) => (
                <li key={c.key}>
                  “{c.question}” <span className="text-xs text-slate-500">({c.key})</span>
                </li>
              ))}
            </ol>
            <p>{d.allowTie ? 'Ties allowed (count half for each side).' : 'No ties: participants must pick one.'}</p>
          </Summary>
          <Summary title="Each participant">
            <p>
              {d.trialsPerParticipant} comparisons, plus {d.instructedChecks} instructed check{d.instructedChecks === 1 ? '' : 's'} and {d.goldChecks} gold check
              {d.goldChecks === 1 ? '' : 's'}.
            </p>
            <p>Answers faster than {d.minResponseMs} ms count as too fast.</p>
          </Summary>
          <Summary title="Assignment policy">
            <p data-testid="study-policy">
              <span className="font-medium">{d.policy === 'balanced' ? 'Balanced' : 'Adaptive'}</span>: {POLICY_EXPLANATION[d.policy]}
            </p>
          </Summary>
          <Summary title="Exclusion rules">
            <ul className="list-inside list-disc">
              <li>{d.exclusion.failedChecks === null ? 'Failed checks: off' : `${d.exclusion.failedChecks} or more failed attention checks`}</li>
              <li>{d.exclusion.fastShare === null ? 'Too fast: off' : `${pct(d.exclusion.fastShare)} or more of answers too fast`}</li>
              <li>{d.exclusion.sameSideShare === null ? 'Same side: off' : `${pct(d.exclusion.sameSideShare)} or more of comparisons on one side (from 10 answers)`}</li>
            </ul>
          </Summary>
          <Summary title="Recruitment">
            <p>Quota: {d.quota === null ? 'no limit' : `${d.quota} finished participants`}</p>
            <p>
              Opens {d.opensAt ? formatDate(d.opensAt.toISOString()) : 'when opened'}; closes {d.closesAt ? formatDate(d.closesAt.toISOString()) : 'when closed'}.
            </p>
            <p>Prolific completion code: {d.prolificCode ? <code className="font-mono">{d.prolificCode}</code> : 'none'}</p>
          </Summary>
          <Summary title="What participants read">
            <details>
              <summary className="cursor-pointer text-slate-700">Consent</summary>
              <p className="mt-1 whitespace-pre-line text-slate-600">{d.consentText}</p>
            </details>
            <details>
              <summary className="cursor-pointer text-slate-700">Instructions</summary>
              <p className="mt-1 whitespace-pre-line text-slate-600">{d.instructionsText}</p>
            </details>
          </Summary>
        </div>
      </section>

      {study.status === 'closed' ? (
        <p className="text-sm text-slate-600">This study is closed, so its design can no longer change. Reopen it to collect more votes with the same design.</p>
      ) : (
        <details className="rounded-lg border border-slate-200 bg-slate-50 p-4" data-testid="study-edit">
          <summary className="cursor-pointer text-lg font-semibold">Edit the design</summary>
          <div className="mt-4">
            <StudyForm choices={choices} mode="edit" studyId={study.id} status={study.status} initial={formInitial(study)} />
          </div>
        </details>
      )}
    </div>
  );
}

function LinkRow({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="space-y-1">
      <p className="text-sm font-medium">{label}</p>
      <div className="flex items-start gap-2">
        <code className="min-w-0 flex-1 break-all rounded-md border border-slate-200 bg-slate-50 px-2 py-1.5 font-mono text-xs select-all" data-testid={testId}>
          {value}
        </code>
        <CopyButton text={value} label={`Copy the ${label.toLowerCase()}`} testId={`${testId}-copy`} />
      </div>
    </div>
  );
}

function Summary({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="space-y-1 text-sm">
      <h3 className="font-semibold">{title}</h3>
      {children}
    </div>
  );
}
