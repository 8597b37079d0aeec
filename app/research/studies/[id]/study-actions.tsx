'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';

/** Open and close a study; the page reloads its data from the server after each. */
export function StudyActions({ studyId, slug, status }: { studyId: string; slug: string; status: 'draft' | 'open' | 'closed' }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function act(action: 'open' | 'close') {
    setBusy(true);
    setError(null);
    try {
      const res = await fetch(`/api/studies/${studyId}/${action}`, { method: 'POST' });
      if (res.status === 401) {
        window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
        return;
      }
      if (!res.ok) {
        const data = await res.json().catch(() => null);
        setError(data?.error?.message ?? `The server answered ${res.status}; try again.`);
        return;
      }
      router.refresh();
    } catch (err) {
      setError(`Could not reach the server (${(err as Error).message}); check the connection and try again.`);
    } finally {
      setBusy(false);
    }
  }

  const button = 'rounded-md px-4 py-2 text-sm font-medium disabled:opacity-60';
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-3">
        {status !== 'open' && (
          <button type="button" onClick={() => act('open')} disabled={busy} className={`${button} bg-brand-600 text-white hover:bg-brand-700`} data-testid="study-open">
            {status === 'draft' ? 'Open the study' : 'Reopen the study'}
          </button>
        )}
        {status === 'open' && (
          <button type="button" onClick={() => act('close')} disabled={busy} className={`${button} border border-slate-300 bg-white text-slate-800 hover:bg-slate-100`} data-testid="study-close">
            Close the study
          </button>
        )}
        <a
          href={`/s/${slug}?preview=1`}
          target="_blank"
          rel="noopener"
          className={`${button} border border-slate-300 bg-white text-slate-800 hover:bg-slate-100`}
          data-testid="study-preview"
        >
          Preview as a participant<span className="sr-only"> (opens in a new tab)</span> ↗
        </a>
        <span className="text-xs text-slate-500">
          {status === 'draft' && 'Nobody can take it until it is open. Previews never count in the results.'}
          {status === 'open' && 'Closing stops new participants; people in the middle of it can no longer answer.'}
          {status === 'closed' && 'Reopening lets new participants in again with the same design.'}
        </span>
      </div>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="study-action-error">
          {error}
        </p>
      )}
    </div>
  );
}
