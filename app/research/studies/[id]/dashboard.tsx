'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { TDashboard, TPairResult } from '@/lib/studies/results';
import { trialsToDetect } from '@/lib/stats/power';
import { pct } from '../ui';

const POLL_MS = 5000;

/**
 * What the study has collected so far. While the study is open it refreshes every 5 seconds;
 * excluding or including a participant refreshes at once.
 */
export function StudyDashboard({ studyId, initial, live }: { studyId: string; initial: TDashboard; live: boolean }) {
  const [data, setData] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const stopped = useRef(false);

  useEffect(() => setData(initial), [initial]);

  const refresh = useCallback(async () => {
    try {
      const res = await fetch(`/api/studies/${studyId}/dashboard`, { cache: 'no-store' });
      if (res.status === 401) {
        window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
        return;
      }
      if (!res.ok) throw new Error(`the server answered ${res.status}`);
      const body = (await res.json()) as { dashboard: TDashboard };
      if (stopped.current) return;
      setData(body.dashboard);
      setUpdatedAt(new Date());
      setError(null);
    } catch (err) {
      setError(`Could not refresh the dashboard (${(err as Error).message}); retrying.`);
    }
  }, [studyId]);

  useEffect(() => {
    stopped.current = false;
    if (!live) return;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      await refresh();
      if (!stopped.current) timer = setTimeout(tick, POLL_MS);
    };
    timer = setTimeout(tick, POLL_MS);
    return () => {
      stopped.current = true;
      clearTimeout(timer);
    };
  }, [live, refresh]);

  async function setExcluded(pid: string, excluded: boolean) {
    setBusy(pid);
    try {
      const res = await fetch(`/api/studies/${studyId}/participants/${pid}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ excluded }),
      });
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        setError(body?.error?.message ?? `The server answered ${res.status}; try again.`);
      } else {
        setError(null);
      }
      await refresh();
    } catch (err) {
      setError(`Could not reach the server (${(err as Error).message}); try again.`);
    } finally {
      setBusy(null);
    }
  }

  const p = data.participants;
  const people = [...data.people].sort((a, b) => Number(a.preview) - Number(b.preview));
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3 text-xs text-slate-500">
        {live ? (
          <span className="flex items-center gap-1.5" data-testid="dashboard-live">
            <span className="inline-block h-2 w-2 rounded-full bg-green-500" aria-hidden="true" />
            Live: refreshes every {POLL_MS / 1000} seconds{updatedAt ? `, last at ${updatedAt.toLocaleTimeString()}` : ''}.
          </span>
        ) : (
          <span>Not open, so nothing new arrives; these are the final numbers so far.</span>
        )}
        <span>Previews, attention checks and excluded participants never count in the win rates.</span>
      </div>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="dashboard-error">
          {error}
        </p>
      )}

      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        <Stat label="Started" value={p.started} testId="dashboard-started" />
        <Stat label="Finished" value={p.completed} testId="dashboard-completed" />
        <Stat label="Flagged" value={p.flagged} testId="dashboard-flagged" />
        <Stat label="Excluded" value={p.excluded} testId="dashboard-excluded" />
        <Stat label="Trials answered" value={data.trialsAnswered} testId="dashboard-trials" />
        <Stat label="Votes counted" value={data.votes} testId="dashboard-votes" />
      </dl>
      {p.previews > 0 && <p className="text-xs text-slate-500">Plus {p.previews} researcher preview{p.previews === 1 ? '' : 's'}, not counted.</p>}

      <section className="space-y-4" aria-labelledby="winrates-heading">
        <h3 id="winrates-heading" className="text-base font-semibold">
          Win rates
        </h3>
        <p className="text-sm text-slate-600">
          For each pair, the share of votes for the first-named variant (a tie counts half), with its 95% Wilson interval. The bar shows the interval; the line in its
          middle is 50%, no preference.
        </p>
        {data.criteria.map((c) => (
          <WinRateTable key={c.key} criterion={c} pairs={data.pairs.filter((x) => x.criterion === c.key)} />
        ))}
      </section>

      <section className="space-y-3" aria-labelledby="participants-heading">
        <h3 id="participants-heading" className="text-base font-semibold">
          Participants
        </h3>
        {people.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-600" data-testid="participants-empty">
            Nobody has started yet. Share the participant link once the study is open; use the preview to try it yourself.
          </p>
        ) : (
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table className="w-full text-left text-sm" data-testid="participants-table">
              <caption className="sr-only">Participants, their progress, quality flags and exclusion</caption>
              <thead className="bg-slate-50 text-slate-600">
                <tr>
                  <th className="px-3 py-2">Participant</th>
                  <th className="px-3 py-2">Prolific ID</th>
                  <th className="px-3 py-2">Status</th>
                  <th className="px-3 py-2 text-right">Answered</th>
                  <th className="px-3 py-2">Flags</th>
                  <th className="px-3 py-2">In the results</th>
                  <th className="px-3 py-2">
                    <span className="sr-only">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {people.map((x) => (
                  <tr key={x.id} className="border-t border-slate-100 align-top" data-testid="participant-row" data-participant-id={x.id} data-excluded={x.excluded}>
                    <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">
                      {x.pseudonym}
                      {x.preview && <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 font-sans text-slate-600">preview</span>}
                    </td>
                    <td className="px-3 py-2 font-mono text-xs">{x.prolificPid ?? '—'}</td>
                    <td className="whitespace-nowrap px-3 py-2">{x.status === 'completed' ? 'finished' : x.status === 'active' ? 'in progress' : x.status}</td>
                    <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums">
                      {x.answered}/{x.trials}
                    </td>
                    <td className="min-w-48 px-3 py-2 text-xs" data-testid="participant-flags">
                      {x.flags.length ? x.flags.join('; ') : <span className="text-slate-400">none</span>}
                    </td>
                    <td className="min-w-48 px-3 py-2 text-xs" data-testid="participant-exclusion">
                      {x.preview ? (
                        <span className="text-slate-500">never (preview)</span>
                      ) : x.excluded ? (
                        <span className="text-red-700">Excluded{x.reasons.length ? `: ${x.reasons.join('; ')}` : ' by hand'}</span>
                      ) : x.reasons.length ? (
                        <span>Included by hand (the rules said: {x.reasons.join('; ')})</span>
                      ) : (
                        <span className="text-slate-600">Included</span>
                      )}
                    </td>
                    <td className="px-3 py-2">
                      {!x.preview && (
                        <button
                          type="button"
                          onClick={() => setExcluded(x.id, !x.excluded)}
                          disabled={busy !== null}
                          className="whitespace-nowrap rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100 disabled:opacity-60"
                          aria-label={`${x.excluded ? 'Include' : 'Exclude'} participant ${x.pseudonym}`}
                          data-testid="participant-exclude"
                        >
                          {x.excluded ? 'Include' : 'Exclude'}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function Stat({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

function WinRateTable({ criterion, pairs }: { criterion: { key: string; question: string }; pairs: TPairResult[] }) {
  return (
    <div className="space-y-1">
      <p className="text-sm">
        <span className="font-medium">“{criterion.question}”</span> <span className="text-xs text-slate-500">({criterion.key})</span>
      </p>
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="winrate-table" data-criterion={criterion.key}>
          <caption className="sr-only">Win rates for the question: {criterion.question}</caption>
          <thead className="bg-slate-50 text-slate-600">
            <tr>
              <th className="px-3 py-2">Pair (A vs B)</th>
              <th className="px-3 py-2 text-right">Votes</th>
              <th className="px-3 py-2 text-right">A wins</th>
              <th className="px-3 py-2 text-right">B wins</th>
              <th className="px-3 py-2 text-right">Ties</th>
              <th className="px-3 py-2">Share for A [95% interval]</th>
              <th className="px-3 py-2">To tell them apart</th>
            </tr>
          </thead>
          <tbody>
            {pairs.map((x) => (
              <tr key={`${x.a.armId}|${x.b.armId}`} className="border-t border-slate-100 align-top" data-testid="winrate-row">
                <td className="min-w-48 px-3 py-2">
                  <span className="font-medium">{x.a.name}</span> <span className="text-slate-500">vs</span> <span className="font-medium">{x.b.name}</span>
                </td>
                <td className="px-3 py-2 text-right tabular-nums">{x.votes}</td>
                <td className="px-3 py-2 text-right tabular-nums">{x.aWins}</td>
                <td className="px-3 py-2 text-right tabular-nums">{x.bWins}</td>
                <td className="px-3 py-2 text-right tabular-nums">{x.ties}</td>
                <td className="whitespace-nowrap px-3 py-2" data-testid="winrate-share">
                  {x.shareA !== null && x.ciLow !== null && x.ciHigh !== null ? (
                    <div className="flex items-center gap-3">
                      <span className="tabular-nums">
                        {pct(x.shareA)} <span className="text-xs text-slate-500">[{pct(x.ciLow)}, {pct(x.ciHigh)}] n={x.votes}</span>
                      </span>
                      <ShareBar share={x.shareA} lo={x.ciLow} hi={x.ciHigh} a={x.a.name} votes={x.votes} />
                    </div>
                  ) : (
                    <span className="text-slate-400">no votes yet</span>
                  )}
                </td>
                <td className="min-w-48 px-3 py-2 text-xs text-slate-600">{separation(x)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** The interval as a bar on 0–100% with a mark at 50%; the label carries the same numbers as text. */
function ShareBar({ share, lo, hi, a, votes }: { share: number; lo: number; hi: number; a: string; votes: number }) {
  const at = (x: number) => `${Math.min(100, Math.max(0, x * 100))}%`;
  return (
    <div
      className="relative h-3 w-32 shrink-0 rounded bg-slate-100"
      role="img"
      aria-label={`${pct(share)} of ${votes} votes for ${a}, 95% interval ${pct(lo)} to ${pct(hi)}`}
      title={`${pct(share, 1)} [${pct(lo, 1)}, ${pct(hi, 1)}]`}
    >
      <div className="absolute inset-y-0.5 rounded bg-brand-100 ring-1 ring-brand-500/40" style={{ left: at(lo), width: at(hi - lo) }} />
      <div className="absolute -inset-y-0.5 left-1/2 w-px bg-slate-500" />
      <div className="absolute inset-y-0 w-1 -translate-x-1/2 rounded bg-brand-700" style={{ left: at(share) }} />
    </div>
  );
}

/** The power line of the dashboard: has the pair separated, and if not, roughly how many more votes. */
function separation(x: TPairResult): string {
  if (!x.votes || x.shareA === null || x.ciLow === null || x.ciHigh === null) return 'Needs votes.';
  if (x.ciLow > 0.5) return `${x.a.name} preferred: the interval is above 50%.`;
  if (x.ciHigh < 0.5) return `${x.b.name} preferred: the interval is below 50%.`;
  if (x.shareA === 0.5) return 'No preference so far: no number of votes would separate them at this share.';
  const need = trialsToDetect(Math.min(0.99, Math.max(0.01, x.shareA)));
  return `About ${Math.max(1, need - x.votes)} more votes to separate them, if the share stays near ${pct(x.shareA)} (80% power, α = 0.05).`;
}
