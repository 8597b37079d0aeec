'use client';

import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * The participant's walk through a study: consent → instructions → trials → completion. It runs
 * on the participant JSON API alone (docs/API.md), like an embedded study would. The server
 * decides everything that matters: which trial comes next, what was already answered (a reload
 * or the back button resumes, and cannot vote twice), and when the completion code is shown.
 */
type TChoice = 'left' | 'right' | 'tie';
type TTrial = { token: string; position: number; prompt: string; questions: { key: string; text: string }[]; choices: TChoice[]; images: { left: string; right: string } };
type TState = { status: 'active' | 'completed'; progress: { answered: number; total: number }; trial: TTrial | null; next: TTrial | null; completion: { code: string | null; redirectUrl: string | null } | null };
type TStudy = { consentText: string; instructionsText: string; questions: { key: string; text: string }[]; allowTie: boolean; trials: number; accepting: boolean; prolific: boolean };
type TProlific = { pid: string; studyId?: string; sessionId?: string } | null;

const REDIRECT_SECONDS = 3;

class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) }, cache: 'no-store' });
  } catch {
    throw new ApiError('The connection dropped. Check your internet connection and try again.', 0);
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(body?.error?.message ?? `Something went wrong (${res.status}). Try again.`, res.status);
  return body as T;
}

/** One idempotency key per trial, kept across reloads so a retried answer is recognised as the same. */
function answerKey(trialToken: string): string {
  const name = `pa-key-${trialToken}`;
  try {
    const existing = sessionStorage.getItem(name);
    if (existing) return existing;
    const fresh = crypto.randomUUID();
    sessionStorage.setItem(name, fresh);
    return fresh;
  } catch {
    return `${trialToken}-${Math.random().toString(36).slice(2)}`;
  }
}

function preload(trial: TTrial | null) {
  if (!trial) return;
  for (const src of [trial.images.left, trial.images.right]) {
    const img = new Image();
    img.src = src;
  }
}

export function ParticipantFlow({ slug, preview, prolific }: { slug: string; preview: boolean; prolific: TProlific }) {
  const q = preview ? '?preview=1' : '';
  const [study, setStudy] = useState<TStudy | null>(null);
  const [state, setState] = useState<TState | null>(null);
  const [stage, setStage] = useState<'loading' | 'consent' | 'instructions' | 'trials' | 'done' | 'unavailable'>('loading');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const { study } = await call<{ study: TStudy }>(`/api/s/${slug}${q}`);
        if (cancelled) return;
        setStudy(study);
        try {
          const { state } = await call<{ state: TState }>(`/api/s/${slug}/session${q}`);
          if (cancelled) return;
          setState(state);
          setStage(state.status === 'completed' ? 'done' : state.progress.answered > 0 ? 'trials' : 'instructions');
        } catch (err) {
          if (cancelled) return;
          if ((err as ApiError).status !== 401) throw err;
          setStage(study.accepting ? 'consent' : 'unavailable');
        }
      } catch (err) {
        if (!cancelled) {
          setError((err as Error).message);
          setStage('unavailable');
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [slug, q]);

  const start = async () => {
    setError(null);
    try {
      const res = await call<{ state: TState }>(`/api/s/${slug}/session${q}`, { method: 'POST', body: JSON.stringify({ consent: true, ...(prolific ? { prolific } : {}) }) });
      setState(res.state);
      setStage(res.state.status === 'completed' ? 'done' : res.state.progress.answered > 0 ? 'trials' : 'instructions');
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <div className="mx-auto max-w-4xl">
      {preview && (
        <p className="mb-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="preview-banner">
          Preview: this is what participants see. Your answers are kept apart and never counted.
        </p>
      )}
      {stage === 'loading' && <p className="text-slate-500">Loading…</p>}
      {stage === 'unavailable' && (
        <div className="rounded-lg border border-slate-200 bg-white p-6" role="alert">
          <h1 className="text-xl font-semibold">This study is not available</h1>
          <p className="mt-2 text-slate-600">{error ?? 'It is not open at the moment. Thank you for your interest.'}</p>
        </div>
      )}
      {stage === 'consent' && study && (
        <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="consent-title">
          <h1 id="consent-title" className="text-xl font-semibold">Before you start</h1>
          <div className="mt-3 whitespace-pre-line text-slate-700" data-testid="consent-text">{study.consentText}</div>
          <p className="mt-3 text-sm text-slate-500">About {study.trials} short screens.</p>
          {error && <p className="mt-3 text-sm text-red-700" role="alert">{error}</p>}
          <div className="mt-5 flex flex-wrap gap-3">
            <button type="button" onClick={start} className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700" data-testid="consent-agree">
              I agree, start
            </button>
          </div>
          <p className="mt-3 text-sm text-slate-500">If you do not agree, close this page; nothing is recorded.</p>
        </section>
      )}
      {stage === 'instructions' && study && state && (
        <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="instructions-title">
          <h1 id="instructions-title" className="text-xl font-semibold">How it works</h1>
          <div className="mt-3 whitespace-pre-line text-slate-700" data-testid="instructions-text">{study.instructionsText}</div>
          <div className="mt-4 rounded-md bg-slate-50 p-4 text-sm text-slate-700">
            <p className="font-medium">For example</p>
            <p className="mt-1">The description says “a red circle”. The question is “{study.questions[0]?.text}”. Look at both pictures, then press the button under the one you prefer, or the key ← for the left picture and → for the right one{study.allowTie ? ', or ↓ if you cannot choose' : ''}.</p>
          </div>
          <button type="button" onClick={() => setStage('trials')} className="mt-5 rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700" data-testid="instructions-begin">
            Begin
          </button>
        </section>
      )}
      {stage === 'trials' && state && (
        <Trials
          key={state.trial?.token ?? 'none'}
          slug={slug}
          q={q}
          state={state}
          onState={(s) => {
            setState(s);
            if (s.status === 'completed' || !s.trial) setStage('done');
          }}
        />
      )}
      {stage === 'done' && state && <Completion completion={state.completion} />}
    </div>
  );
}

function Trials({ slug, q, state, onState }: { slug: string; q: string; state: TState; onState: (s: TState) => void }) {
  const trial = state.trial!;
  const [questionIndex, setQuestionIndex] = useState(0);
  const [answers, setAnswers] = useState<{ key: string; choice: TChoice; responseMs: number }[]>([]);
  const [loaded, setLoaded] = useState({ left: false, right: false });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Answers of a submit that failed, sent again (with the same key) by "Try again". */
  const [pending, setPending] = useState<{ key: string; choice: TChoice; responseMs: number }[] | null>(null);
  const shownAt = useRef<number | null>(null);

  // each trial mounts afresh (keyed by its token); fetch the one after it in the background
  useEffect(() => preload(state.next), [state.next]);

  const ready = loaded.left && loaded.right;
  useEffect(() => {
    if (ready && shownAt.current === null) shownAt.current = performance.now();
  }, [ready, questionIndex]);

  const submit = useCallback(
    async (all: { key: string; choice: TChoice; responseMs: number }[]) => {
      setBusy(true);
      setError(null);
      setPending(null);
      try {
        const res = await call<{ state: TState }>(`/api/s/${slug}/trials/${trial.token}${q}`, { method: 'POST', body: JSON.stringify({ idempotencyKey: answerKey(trial.token), answers: all }) });
        onState(res.state);
      } catch (err) {
        setError((err as Error).message);
        setPending(all);
      } finally {
        setBusy(false);
      }
    },
    [slug, q, trial.token, onState],
  );

  const choose = useCallback(
    (choice: TChoice) => {
      if (busy || !ready || !trial.choices.includes(choice)) return;
      const question = trial.questions[questionIndex];
      const responseMs = Math.max(0, Math.round(performance.now() - (shownAt.current ?? performance.now())));
      const all = [...answers.filter((a) => a.key !== question.key), { key: question.key, choice, responseMs }];
      if (questionIndex + 1 < trial.questions.length) {
        setAnswers(all);
        setQuestionIndex(questionIndex + 1);
        shownAt.current = performance.now();
        return;
      }
      void submit(all);
    },
    [busy, ready, trial, questionIndex, answers, submit],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 'ArrowLeft') choose('left');
      else if (e.key === 'ArrowRight') choose('right');
      else if (e.key === 'ArrowDown') choose('tie');
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [choose]);

  const { answered, total } = state.progress;
  const question = trial.questions[questionIndex];
  return (
    <section aria-labelledby="trial-question">
      <div className="mb-4">
        <div className="flex justify-between text-sm text-slate-600">
          <span data-testid="trial-progress">
            Screen {answered + 1} of {total}
          </span>
          <span>{Math.round((answered / total) * 100)}% done</span>
        </div>
        <div className="mt-1 h-2 rounded-full bg-slate-200" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={answered} aria-label="Progress">
          <div className="h-2 rounded-full bg-brand-600 transition-all" style={{ width: `${(answered / total) * 100}%` }} />
        </div>
      </div>
      <p className="text-sm text-slate-500">The description given to the picture maker:</p>
      <p className="text-lg font-medium" data-testid="trial-prompt">“{trial.prompt}”</p>
      <h1 id="trial-question" className="mt-3 text-xl font-semibold" data-testid="trial-question">
        {question.text}
        {trial.questions.length > 1 && <span className="ml-2 text-sm font-normal text-slate-500">(question {questionIndex + 1} of {trial.questions.length})</span>}
      </h1>
      <div className="mt-4 grid grid-cols-2 gap-3 sm:gap-6">
        {(['left', 'right'] as const).map((side) => (
          <figure key={side} className="flex flex-col items-stretch">
            <button
              type="button"
              onClick={() => choose(side)}
              disabled={busy || !ready}
              className="overflow-hidden rounded-lg border-2 border-slate-200 bg-white hover:border-brand-500 disabled:cursor-wait"
              aria-label={side === 'left' ? 'Choose the left picture' : 'Choose the right picture'}
              data-testid={`choose-${side}-image`}
            >
              {/* eslint-disable-next-line @next/next/no-img-element -- opaque per-trial URLs, no optimisation wanted */}
              <img
                key={trial.images[side]}
                src={trial.images[side]}
                alt={side === 'left' ? 'Left picture' : 'Right picture'}
                className="aspect-square w-full object-contain [image-rendering:pixelated]"
                onLoad={() => setLoaded((l) => ({ ...l, [side]: true }))}
                onError={() => setError('A picture did not load. Reload the page to continue where you were.')}
                draggable={false}
              />
            </button>
            <button
              type="button"
              onClick={() => choose(side)}
              disabled={busy || !ready}
              className="mt-2 rounded-md bg-brand-600 px-3 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-50"
              data-testid={`choose-${side}`}
            >
              {side === 'left' ? '← Left' : 'Right →'}
            </button>
          </figure>
        ))}
      </div>
      {trial.choices.includes('tie') && (
        <div className="mt-3 text-center">
          <button type="button" onClick={() => choose('tie')} disabled={busy || !ready} className="rounded-md border border-slate-300 px-4 py-2 text-slate-700 hover:bg-slate-100 disabled:opacity-50" data-testid="choose-tie">
            ↓ I cannot choose
          </button>
        </div>
      )}
      <p className="mt-3 text-center text-xs text-slate-500">Keys: ← left, → right{trial.choices.includes('tie') ? ', ↓ cannot choose' : ''}</p>
      {error && (
        <p className="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">
          {error}{' '}
          {pending && (
            <button type="button" className="font-medium underline" onClick={() => void submit(pending)} data-testid="retry">
              Try again
            </button>
          )}
        </p>
      )}
    </section>
  );
}

function Completion({ completion }: { completion: TState['completion'] }) {
  const [left, setLeft] = useState(REDIRECT_SECONDS);
  const url = completion?.redirectUrl ?? null;
  useEffect(() => {
    if (!url) return;
    if (left <= 0) {
      window.location.assign(url);
      return;
    }
    const t = setTimeout(() => setLeft((n) => n - 1), 1000);
    return () => clearTimeout(t);
  }, [left, url]);
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-6 text-center" aria-labelledby="done-title">
      <h1 id="done-title" className="text-2xl font-semibold">Thank you!</h1>
      <p className="mt-2 text-slate-700">All your answers are saved.</p>
      {completion?.code && (
        <p className="mt-4">
          Your completion code: <strong className="font-mono text-lg" data-testid="completion-code">{completion.code}</strong>
        </p>
      )}
      {url && (
        <p className="mt-3 text-sm text-slate-600">
          Taking you back to Prolific in {Math.max(0, left)} s…{' '}
          <a className="text-brand-700 underline" href={url} data-testid="completion-link">
            Go now
          </a>
        </p>
      )}
      {!completion?.code && <p className="mt-3 text-sm text-slate-600">You can close this page now.</p>}
    </section>
  );
}
