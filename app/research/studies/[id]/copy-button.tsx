'use client';

import { useState } from 'react';

/** Copies a text to the clipboard and says so; falls back to selecting it where the clipboard is refused. */
export function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 2500);
  }
  return (
    <button type="button" onClick={copy} className="shrink-0 rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100" aria-label={label} data-testid={testId}>
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy by hand' : 'Copy'}</span>
    </button>
  );
}
