'use client';

import { useState } from 'react';

type TState = { phase: 'idle' | 'uploading' | 'checking' | 'done' | 'error'; sent: number; total: number; message?: string; modelId?: string };

const resumeKey = (f: File) => `arena-upload:${f.name}:${f.size}:${f.lastModified}`;

async function json(res: Response) {
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(data?.error?.message ?? `The server answered ${res.status}.`);
  return data;
}

export function Uploader() {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [license, setLicense] = useState('');
  const [state, setState] = useState<TState>({ phase: 'idle', sent: 0, total: 0 });

  async function start(event: React.FormEvent) {
    event.preventDefault();
    if (!file) return;
    try {
      // resume an upload of the same file if one is open
      let upload: { id: string; chunkBytes: number; chunks: number; received: number[] } | null = null;
      const known = localStorage.getItem(resumeKey(file));
      if (known) upload = await fetch(`/api/uploads/${known}`).then((r) => (r.ok ? r.json() : null));
      if (!upload) {
        const created = await json(await fetch('/api/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filename: file.name, size: file.size }) }));
        upload = { ...created, received: [] };
        localStorage.setItem(resumeKey(file), created.id);
      }
      const u = upload!;
      const have = new Set(u.received);
      let sent = have.size;
      setState({ phase: 'uploading', sent, total: u.chunks });
      for (let i = 0; i < u.chunks; i++) {
        if (have.has(i)) continue;
        const body = file.slice(i * u.chunkBytes, Math.min(file.size, (i + 1) * u.chunkBytes));
        await json(await fetch(`/api/uploads/${u.id}/chunks/${i}`, { method: 'PUT', body }));
        sent++;
        setState({ phase: 'uploading', sent, total: u.chunks });
      }
      setState({ phase: 'checking', sent, total: u.chunks, message: 'Unpacking and checking every part of the model…' });
      const res = await fetch(`/api/uploads/${u.id}/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: name || file.name.replace(/\.(zip|tar|tar\.gz|tgz)$/i, ''), description: description || undefined, license: license || undefined }),
      });
      // the server keeps the pieces only for a taken name (409): otherwise the upload is over
      if (res.status !== 409) localStorage.removeItem(resumeKey(file));
      const data = await json(res);
      setState({ phase: 'done', sent, total: u.chunks, modelId: data.model.id, message: `Registered "${data.model.name}".` });
    } catch (err) {
      setState((s) => ({ ...s, phase: 'error', message: (err as Error).message }));
    }
  }

  const pct = state.total ? Math.round((state.sent / state.total) * 100) : 0;
  const field = 'mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm';
  return (
    <form onSubmit={start} className="space-y-4 rounded-lg border border-slate-200 bg-white p-4" aria-label="Upload a model">
      <label className="block text-sm">
        <span className="font-medium">Archive</span>
        <input type="file" accept=".zip,.tar,.gz,.tgz" onChange={(e) => setFile(e.target.files?.[0] ?? null)} className={field} aria-label="Model archive" required />
      </label>
      <label className="block text-sm">
        <span className="font-medium">Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder={file?.name.replace(/\.(zip|tar|tar\.gz|tgz)$/i, '') ?? 'my-model'} className={field} aria-label="Model name" />
      </label>
      <label className="block text-sm">
        <span className="font-medium">Description</span>
        <input value={description} onChange={(e) => setDescription(e.target.value)} className={field} aria-label="Description" />
      </label>
      <label className="block text-sm">
        <span className="font-medium">Licence</span>
        <input value={license} onChange={(e) => setLicense(e.target.value)} placeholder="e.g. apache-2.0, openrail++" className={field} aria-label="Licence" />
      </label>
      <button type="submit" disabled={!file || state.phase === 'uploading' || state.phase === 'checking'} className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60">
        Upload
      </button>
      {state.phase !== 'idle' && (
        <div className="space-y-1" data-testid="upload-state" data-phase={state.phase}>
          <div className="h-2 overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label="Upload progress">
            <div className="h-full bg-brand-500 transition-all" style={{ width: `${pct}%` }} />
          </div>
          <p className={`whitespace-pre-line text-sm ${state.phase === 'error' ? 'text-red-700' : 'text-slate-600'}`} role={state.phase === 'error' ? 'alert' : 'status'}>
            {state.phase === 'uploading' ? `${state.sent} of ${state.total} pieces sent` : state.message}
          </p>
          {state.modelId && (
            <a href={`/research/models/${state.modelId}`} className="text-sm text-brand-700 hover:underline">Open the model</a>
          )}
        </div>
      )}
    </form>
  );
}
