import Link from 'next/link';
import { requireResearcherPage } from '@/lib/auth/session';
import { studyChoices } from '@/lib/studies/choices';
import { StudyForm } from '../study-form';

export const metadata = { title: 'New study' };
export const dynamic = 'force-dynamic';

export default async function NewStudyPage() {
  await requireResearcherPage('/research/studies/new');
  const choices = await studyChoices();
  const ready = choices.flatMap((m) => m.variants).filter((v) => v.runs.some((r) => r.images > 0)).length;
  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-500">
          <Link href="/research/studies" className="hover:underline">Studies</Link>
        </p>
        <h1 className="text-2xl font-semibold">New study</h1>
        <p className="max-w-3xl text-sm text-slate-600">
          Pick the variants to compare and the images each one shows, the questions, and how many comparisons each participant makes. It is saved as a draft: preview
          it as a participant, then open it and share the link.
        </p>
      </div>
      {ready < 2 && (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="study-not-ready">
          A study needs images from at least two variants ({ready === 0 ? 'none has any yet' : 'only one has some so far'}). On a{' '}
          <Link href="/research/models" className="underline">model&apos;s page</Link>, use “Generate images” for each variant with the same prompts and seed.
        </p>
      )}
      <StudyForm choices={choices} mode="create" />
    </div>
  );
}
