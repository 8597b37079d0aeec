'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';

/** Researchers publish the live table as an immutable snapshot with a citable URL. */
export function PublishSnapshot() {
  const router = useRouter();
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const res = await fetch('/api/leaderboard/snapshots', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
    const body = await res.json().catch(() => ({}));
    setBusy(false);
    if (!res.ok) return setError(body?.error?.message ?? `Publishing failed (${res.status}).`);
    router.push(`/leaderboard/snapshots/${body.snapshot.id}`);
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2 text-sm" aria-label="Publish a snapshot">
      <label className="flex flex-col">
        <span className="text-slate-600">Snapshot title</span>
        <input className="rounded-md border border-slate-300 px-2 py-1" value={title} onChange={(e) => setTitle(e.target.value)} placeholder="e.g. Paper v1, table 2" required minLength={3} data-testid="snapshot-title" />
      </label>
      <button type="submit" disabled={busy} className="rounded-md bg-brand-600 px-3 py-1.5 font-medium text-white hover:bg-brand-700 disabled:opacity-50" data-testid="snapshot-publish">
        Publish snapshot
      </button>
      {error && (
        <span className="text-red-700" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
