'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import type { TModelChoice } from '@/lib/studies/choices';
import { LOCKED_WHEN_OPEN, type TCriterion } from '@/lib/studies/design';
import { ALIGNMENT, bodyOf, runLabel, sameBasis, stateOf, suggestArms, suggestRun, toLocalInput, usable, type TArm, type TState, type TStudyFormInitial } from './study-form-state';
import { POLICY_EXPLANATION } from './ui';

export type { TStudyFormInitial };

const LOCKED_LABELS: Record<(typeof LOCKED_WHEN_OPEN)[number], string> = {
  arms: 'the variants and runs',
  criteria: 'the questions',
  allowTie: 'ties',
  trialsPerParticipant: 'trials per participant',
  instructedChecks: 'instructed checks',
  goldChecks: 'gold checks',
  minResponseMs: 'the minimum response time',
  consentText: 'the consent text',
};

export function StudyForm({
  choices,
  mode,
  studyId,
  status = 'draft',
  initial = null,
}: {
  choices: TModelChoice[];
  mode: 'create' | 'edit';
  studyId?: string;
  status?: 'draft' | 'open';
  initial?: TStudyFormInitial | null;
}) {
  const router = useRouter();
  const variants = useMemo(() => choices.flatMap((m) => m.variants), [choices]);
  const variantById = useMemo(() => new Map(variants.map((v) => [v.id, v])), [variants]);
  const runById = useMemo(() => new Map(variants.flatMap((v) => v.runs.map((r) => [r.id, r] as const))), [variants]);
  const [s, setS] = useState<TState>(() => stateOf(initial, initial ? initial.arms : suggestArms(variants), false));
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!initial) return;
    setS((prev) => ({ ...prev, opensAt: toLocalInput(initial.opensAt), closesAt: toLocalInput(initial.closesAt) }));
  }, [initial]);

  const set = <K extends keyof TState>(key: K, value: TState[K]) => setS((prev) => ({ ...prev, [key]: value }));
  const locked = (key: (typeof LOCKED_WHEN_OPEN)[number]) => mode === 'edit' && status === 'open' && LOCKED_WHEN_OPEN.includes(key);
  const firstRun = runById.get(s.arms[0]?.runId ?? '');

  function setArm(i: number, arm: Partial<TArm>) {
    setS((prev) => ({ ...prev, arms: prev.arms.map((a, j) => (j === i ? { ...a, ...arm } : a)) }));
  }

  function chooseVariant(i: number, variantId: string) {
    const reference = i === 0 ? undefined : runById.get(s.arms[0]?.runId ?? '');
    setArm(i, { variantId, runId: suggestRun(variantById.get(variantId), reference) });
  }

  function addArm() {
    const taken = new Set(s.arms.map((a) => a.variantId));
    const next = variants.find((v) => !taken.has(v.id) && usable(v).length > 0);
    setS((prev) => ({ ...prev, arms: [...prev.arms, next ? { variantId: next.id, runId: suggestRun(next, firstRun) } : { variantId: '', runId: '' }] }));
  }

  function setCriterion(i: number, c: Partial<TCriterion>) {
    setS((prev) => ({ ...prev, criteria: prev.criteria.map((x, j) => (j === i ? { ...x, ...c } : x)) }));
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    setNotice(null);
    if (s.arms.some((a) => !a.variantId || !a.runId)) {
      setError('Choose a variant and a generation run on every row, or remove the empty rows.');
      return;
    }
    const chosen = s.arms.map((a) => a.variantId);
    if (new Set(chosen).size !== chosen.length) {
      setError('The same variant is on two rows: each variant may appear once.');
      return;
    }
    let body = bodyOf(s);
    if (mode === 'edit') {
      // send only what changed, so an open study is never asked to change a locked field
      const before = bodyOf(stateOf(initial, initial?.arms ?? [], true));
      body = Object.fromEntries(Object.entries(body).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k])));
      if (!Object.keys(body).length) {
        setNotice('Nothing changed.');
        return;
      }
    }
    setBusy(true);
    try {
      const res = await fetch(mode === 'create' ? '/api/studies' : `/api/studies/${studyId}`, {
        method: mode === 'create' ? 'POST' : 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const data = await res.json().catch(() => null);
      if (res.status === 401) {
        window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
        return;
      }
      if (!res.ok) {
        setError(data?.error?.message ?? `The server answered ${res.status}; try again.`);
        return;
      }
      if (mode === 'create') router.push(`/research/studies/${data.study.id}`);
      else {
        setNotice('Saved.');
        router.refresh();
      }
    } catch (err) {
      setError(`Could not reach the server (${(err as Error).message}); check the connection and try again.`);
    } finally {
      setBusy(false);
    }
  }

  const field = 'mt-1 w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm disabled:bg-slate-100 disabled:text-slate-500';
  const section = 'space-y-3 rounded-lg border border-slate-200 bg-white p-4';
  const legend = 'px-1 text-sm font-semibold';
  const lockedNow = LOCKED_WHEN_OPEN.filter(locked);

  return (
    <form onSubmit={submit} className="space-y-5" aria-label={mode === 'create' ? 'New study' : 'Edit the study'} noValidate>
      {lockedNow.length > 0 && (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="study-locked-note">
          This study is open, so {lockedNow.map((k) => LOCKED_LABELS[k]).join(', ')} are locked: the votes already collected depend on them. To change them, close
          this study and create a new one. The title, notes, instructions, quota, dates, policy, exclusion rules and Prolific code can still change.
        </p>
      )}

      <fieldset className={section}>
        <legend className={legend}>About</legend>
        <label className="block text-sm">
          <span className="font-medium">Title</span>
          <input className={field} value={s.title} onChange={(e) => set('title', e.target.value)} required minLength={3} maxLength={120} data-testid="study-title" />
          <span className="text-xs text-slate-500">Researchers see it; participants do not.</span>
        </label>
        <label className="block text-sm">
          <span className="font-medium">Notes for researchers</span>
          <textarea className={field} rows={3} value={s.description} onChange={(e) => set('description', e.target.value)} maxLength={5000} data-testid="study-description" />
          <span className="text-xs text-slate-500">Hypothesis, recruitment plan, anything a colleague should know. Never shown to participants.</span>
        </label>
      </fieldset>

      <fieldset className={section} disabled={locked('arms')}>
        <legend className={legend}>Variants compared</legend>
        <p className="text-sm text-slate-600">
          Each row is one variant and the generation run its images come from. Images are paired by prompt and seed, so pick runs made with the same prompt set and seed
          (the server keeps only the prompts every run has).
        </p>
        {variants.length === 0 && (
          <p className="text-sm text-amber-800">
            No models yet. <a className="text-brand-700 underline" href="/research/models">Add a model</a>, generate images for two of its variants, then come back.
          </p>
        )}
        <ol className="space-y-3">
          {s.arms.map((arm, i) => {
            const v = variantById.get(arm.variantId);
            const run = runById.get(arm.runId);
            const mismatch = i > 0 && run && firstRun && !sameBasis(run, firstRun);
            const duplicate = !!arm.variantId && s.arms.some((a, j) => j < i && a.variantId === arm.variantId);
            return (
              <li key={i} className="grid gap-3 rounded-md border border-slate-100 p-3 sm:grid-cols-[1fr_1.5fr_auto]" data-testid={`study-arm-${i}`}>
                <label className="block text-sm">
                  <span className="font-medium">Variant {i + 1}</span>
                  <select className={field} value={arm.variantId} onChange={(e) => chooseVariant(i, e.target.value)} data-testid={`study-arm-variant-${i}`}>
                    <option value="">Choose a variant…</option>
                    {choices.map((m) => (
                      <optgroup key={m.id} label={m.name}>
                        {m.variants.map((x) => (
                          <option key={x.id} value={x.id}>
                            {m.name} / {x.name}
                            {x.original ? ' (original)' : ''}
                            {x.runs.length === 0 ? ' (no images yet)' : ''}
                          </option>
                        ))}
                      </optgroup>
                    ))}
                  </select>
                  {duplicate && <span className="text-xs text-amber-800">Already on an earlier row: pick another variant.</span>}
                </label>
                <label className="block text-sm">
                  <span className="font-medium">Images from run</span>
                  <select className={field} value={arm.runId} onChange={(e) => setArm(i, { runId: e.target.value })} disabled={!v} data-testid={`study-arm-run-${i}`}>
                    <option value="">{v ? (v.runs.length ? 'Choose a run…' : 'No runs: generate images on the model page') : 'Choose a variant first'}</option>
                    {v?.runs.map((r) => (
                      <option key={r.id} value={r.id}>
                        {runLabel(r)}
                      </option>
                    ))}
                  </select>
                  {v && v.runs.length === 0 && (
                    <span className="text-xs text-amber-800">
                      This variant has no images. <a className="underline" href={`/research/models/${v.modelId}`}>Generate some on its model page</a>.
                    </span>
                  )}
                  {mismatch && (
                    <span className="text-xs text-amber-800" data-testid={`study-arm-mismatch-${i}`}>
                      Not the same prompt set and seed as variant 1&apos;s run: only the prompts and seeds both runs share can be compared.
                    </span>
                  )}
                </label>
                <div className="flex items-end">
                  {s.arms.length > 2 && (
                    <button
                      type="button"
                      onClick={() => set('arms', s.arms.filter((_, j) => j !== i))}
                      className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100"
                      aria-label={`Remove variant ${i + 1}`}
                    >
                      Remove
                    </button>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
        <button type="button" onClick={addArm} disabled={s.arms.length >= 12} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 disabled:opacity-60" data-testid="study-add-arm">
          Add a variant
        </button>
        <p className="text-xs text-slate-500">Every pair of variants is compared: {s.arms.length} variants give {(s.arms.length * (s.arms.length - 1)) / 2} pairs.</p>
      </fieldset>

      <fieldset className={section} disabled={locked('criteria')}>
        <legend className={legend}>Questions</legend>
        <p className="text-sm text-slate-600">Asked on every comparison, in this order. The key names the column in the results.</p>
        <ol className="space-y-3">
          {s.criteria.map((c, i) => (
            <li key={i} className="grid gap-3 sm:grid-cols-[10rem_1fr_auto]">
              <label className="block text-sm">
                <span className="font-medium">Key</span>
                <input className={field} value={c.key} onChange={(e) => setCriterion(i, { key: e.target.value })} pattern="[a-z][a-z0-9_]{0,31}" data-testid={`study-criterion-key-${i}`} />
              </label>
              <label className="block text-sm">
                <span className="font-medium">Question</span>
                <input className={field} value={c.question} onChange={(e) => setCriterion(i, { question: e.target.value })} data-testid={`study-criterion-question-${i}`} />
              </label>
              <div className="flex items-end">
                {s.criteria.length > 1 && (
                  <button
                    type="button"
                    onClick={() => set('criteria', s.criteria.filter((_, j) => j !== i))}
                    className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100"
                    aria-label={`Remove question ${i + 1}`}
                  >
                    Remove
                  </button>
                )}
              </div>
            </li>
          ))}
        </ol>
        <div className="flex flex-wrap gap-2">
          <button
            type="button"
            onClick={() => set('criteria', [...s.criteria, ALIGNMENT])}
            disabled={s.criteria.some((c) => c.key === ALIGNMENT.key) || s.criteria.length >= 4}
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 disabled:opacity-60"
            data-testid="study-add-alignment"
          >
            Add “{ALIGNMENT.question}”
          </button>
          <button
            type="button"
            onClick={() => set('criteria', [...s.criteria, { key: '', question: '' }])}
            disabled={s.criteria.length >= 4}
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 disabled:opacity-60"
            data-testid="study-add-criterion"
          >
            Add another question
          </button>
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={s.allowTie} onChange={(e) => set('allowTie', e.target.checked)} disabled={locked('allowTie')} data-testid="study-allow-tie" />
          <span>Allow “about the same” as an answer (a tie counts half a vote for each side)</span>
        </label>
      </fieldset>

      <fieldset className={section}>
        <legend className={legend}>Trials and attention checks</legend>
        <div className="grid gap-3 sm:grid-cols-4">
          <label className="block text-sm">
            <span className="font-medium">Comparisons per participant</span>
            <input type="number" min={1} max={500} className={field} value={s.trials} onChange={(e) => set('trials', e.target.value)} disabled={locked('trialsPerParticipant')} data-testid="study-trials" />
          </label>
          <label className="block text-sm">
            <span className="font-medium">Instructed checks</span>
            <input type="number" min={0} max={20} className={field} value={s.instructed} onChange={(e) => set('instructed', e.target.value)} disabled={locked('instructedChecks')} data-testid="study-instructed" />
            <span className="text-xs text-slate-500">“Choose the left image” screens.</span>
          </label>
          <label className="block text-sm">
            <span className="font-medium">Gold checks</span>
            <input type="number" min={0} max={20} className={field} value={s.gold} onChange={(e) => set('gold', e.target.value)} disabled={locked('goldChecks')} data-testid="study-gold" />
            <span className="text-xs text-slate-500">A real image against a blank one.</span>
          </label>
          <label className="block text-sm">
            <span className="font-medium">Minimum response time (ms)</span>
            <input type="number" min={0} max={60000} step={50} className={field} value={s.minResponseMs} onChange={(e) => set('minResponseMs', e.target.value)} disabled={locked('minResponseMs')} data-testid="study-min-ms" />
            <span className="text-xs text-slate-500">Faster answers count as implausibly fast.</span>
          </label>
        </div>
        <p className="text-xs text-slate-500">Checks come on top of the comparisons and are spread through the session, never first.</p>
      </fieldset>

      <fieldset className={section}>
        <legend className={legend}>What participants read</legend>
        <label className="block text-sm">
          <span className="font-medium">Consent</span>
          <textarea className={field} rows={4} value={s.consentText} onChange={(e) => set('consentText', e.target.value)} disabled={locked('consentText')} data-testid="study-consent" />
        </label>
        <label className="block text-sm">
          <span className="font-medium">Instructions</span>
          <textarea className={field} rows={4} value={s.instructionsText} onChange={(e) => set('instructionsText', e.target.value)} data-testid="study-instructions" />
          <span className="text-xs text-slate-500">Plain words: participants know nothing about models.</span>
        </label>
      </fieldset>

      <fieldset className={section}>
        <legend className={legend}>Who takes it, and when</legend>
        <div className="grid gap-3 sm:grid-cols-3">
          <label className="block text-sm">
            <span className="font-medium">Quota (finished participants)</span>
            <input type="number" min={1} className={field} value={s.quota} onChange={(e) => set('quota', e.target.value)} placeholder="no limit" data-testid="study-quota" />
          </label>
          <label className="block text-sm">
            <span className="font-medium">Opens at (your time)</span>
            <input type="datetime-local" className={field} value={s.opensAt} onChange={(e) => set('opensAt', e.target.value)} data-testid="study-opens-at" />
            <span className="text-xs text-slate-500">Empty: as soon as you open it.</span>
          </label>
          <label className="block text-sm">
            <span className="font-medium">Closes at (your time)</span>
            <input type="datetime-local" className={field} value={s.closesAt} onChange={(e) => set('closesAt', e.target.value)} data-testid="study-closes-at" />
            <span className="text-xs text-slate-500">Empty: when you close it.</span>
          </label>
        </div>
        <div role="radiogroup" aria-labelledby="study-policy-label" className="space-y-2">
          <p id="study-policy-label" className="text-sm font-medium">
            Which comparison comes next
          </p>
          {(['balanced', 'adaptive'] as const).map((p) => (
            <label key={p} className="flex items-start gap-2 text-sm">
              <input type="radio" name="policy" value={p} checked={s.policy === p} onChange={() => set('policy', p)} className="mt-1" data-testid={`study-policy-${p}`} />
              <span>
                <span className="font-medium">{p === 'balanced' ? 'Balanced' : 'Adaptive'}</span>: {POLICY_EXPLANATION[p]}
              </span>
            </label>
          ))}
        </div>
        <label className="block text-sm sm:w-1/3">
          <span className="font-medium">Prolific completion code</span>
          <input className={field} value={s.prolificCode} onChange={(e) => set('prolificCode', e.target.value)} placeholder="none" maxLength={40} data-testid="study-prolific-code" />
          <span className="text-xs text-slate-500">With a code, finishing sends participants back to Prolific with it.</span>
        </label>
      </fieldset>

      <fieldset className={section}>
        <legend className={legend}>Exclusion rules</legend>
        <p className="text-sm text-slate-600">
          Flags are always shown on the dashboard; these rules decide who is left out of the results. You can still exclude or include anyone by hand. Nobody is
          rejected on Prolific automatically.
        </p>
        <ExclusionRule
          on={s.failedOn}
          onToggle={(v) => set('failedOn', v)}
          label="Failed attention checks, at least"
          unit="checks"
          value={s.failedChecks}
          onValue={(v) => set('failedChecks', v)}
          min={1}
          max={100}
          testId="study-excl-failed"
        />
        <ExclusionRule
          on={s.fastOn}
          onToggle={(v) => set('fastOn', v)}
          label="Answers faster than the minimum time, at least"
          unit="% of answers"
          value={s.fastPct}
          onValue={(v) => set('fastPct', v)}
          min={5}
          max={100}
          testId="study-excl-fast"
        />
        <ExclusionRule
          on={s.sameOn}
          onToggle={(v) => set('sameOn', v)}
          label="Same side picked, at least"
          unit="% of comparisons (judged from 10 answers)"
          value={s.samePct}
          onValue={(v) => set('samePct', v)}
          min={50}
          max={100}
          testId="study-excl-same-side"
        />
      </fieldset>

      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={busy} className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60" data-testid="study-submit">
          {busy ? 'Saving…' : mode === 'create' ? 'Create the study (as a draft)' : 'Save changes'}
        </button>
        {mode === 'create' && <span className="text-sm text-slate-500">Nobody can take it until you open it; you can preview it first.</span>}
        {notice && (
          <p role="status" className="text-sm text-green-800" data-testid="study-notice">
            {notice}
          </p>
        )}
      </div>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="study-error">
          {error}
        </p>
      )}
    </form>
  );
}

function ExclusionRule(props: {
  on: boolean;
  onToggle: (on: boolean) => void;
  label: string;
  unit: string;
  value: string;
  onValue: (v: string) => void;
  min: number;
  max: number;
  testId: string;
}) {
  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
      <label className="flex items-center gap-2">
        <input type="checkbox" checked={props.on} onChange={(e) => props.onToggle(e.target.checked)} data-testid={`${props.testId}-on`} />
        <span>{props.label}</span>
      </label>
      <label className="flex items-center gap-2">
        <span className="sr-only">{props.label} ({props.unit})</span>
        <input
          type="number"
          min={props.min}
          max={props.max}
          className="w-24 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm disabled:bg-slate-100 disabled:text-slate-500"
          value={props.value}
          onChange={(e) => props.onValue(e.target.value)}
          disabled={!props.on}
          data-testid={props.testId}
        />
        <span className="text-slate-600">{props.unit}</span>
      </label>
      {!props.on && <span className="text-xs text-slate-500">(rule off)</span>}
    </div>
  );
}
