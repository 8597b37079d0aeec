import type { Metadata } from 'next';
import { ParticipantFlow } from './participant-flow';

export const dynamic = 'force-dynamic';

// The participant never sees the study's title (it may name the models being compared).
export const metadata: Metadata = { title: 'Picture comparison', referrer: 'no-referrer', robots: { index: false, follow: false } };

export default async function StudyPage({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { slug } = await params;
  const q = await searchParams;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;
  const pid = one(q.PROLIFIC_PID);
  return (
    <ParticipantFlow
      slug={slug}
      preview={one(q.preview) === '1'}
      prolific={pid ? { pid, studyId: one(q.STUDY_ID) ?? undefined, sessionId: one(q.SESSION_ID) ?? undefined } : null}
    />
  );
}
