'use client';

import Link from 'next/link';
import { useMemo, useState } from 'react';
import type { TLeaderboardRow } from '@/lib/leaderboard/types';

/**
 * The leaderboard table: sortable by any column, filterable by base model, recipe, hardware and
 * demo data. Every number links to the section below that says how it is made; researchers also
 * get a link to the run it came from.
 */
type TSortKey = 'name' | 'params' | 'memory' | 'latency' | 'geneval' | 'hps' | 'human' | 'degradation';

const TASKS = ['single_object', 'two_object', 'counting', 'colors', 'position', 'color_attr'] as const;
const TASK_LABEL: Record<string, string> = { single_object: 'single', two_object: 'two', counting: 'count', colors: 'colour', position: 'position', color_attr: 'attr.' };

const bytes = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 1024).toFixed(0)} KiB`);
const count = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : String(n));
const ci = (lo: number | null, hi: number | null, d: number) => (lo === null || hi === null ? '' : ` [${lo.toFixed(d)}, ${hi.toFixed(d)}]`);

function sortValue(r: TLeaderboardRow, key: TSortKey): number | string | null {
  switch (key) {
    case 'name':
      return `${r.modelName} / ${r.variantName}`;
    case 'params':
      return r.params;
    case 'memory':
      return r.weightBytes;
    case 'latency':
      return r.latency?.perImageMs ?? null;
    case 'geneval':
      return r.geneval?.value ?? null;
    case 'hps':
      return r.hps?.value ?? null;
    case 'human':
      return r.human?.value ?? null;
    case 'degradation':
      return r.degradation?.value ?? null;
  }
}

export function LeaderboardTable({ rows, researcher }: { rows: TLeaderboardRow[]; researcher: boolean }) {
  const [sort, setSort] = useState<{ key: TSortKey; desc: boolean }>({ key: 'geneval', desc: true });
  const [model, setModel] = useState('');
  const [recipe, setRecipe] = useState('');
  const [hardware, setHardware] = useState('');
  const [hideDemo, setHideDemo] = useState(false);
  const [showTasks, setShowTasks] = useState(false);

  const models = useMemo(() => [...new Set(rows.map((r) => r.modelName))].sort(), [rows]);
  const hardwares = useMemo(() => [...new Set(rows.map((r) => r.latency?.hardware).filter((h): h is string => !!h))].sort(), [rows]);
  const shown = useMemo(() => {
    const f = rows.filter(
      (r) =>
        (!model || r.modelName === model) &&
        (!recipe || `${r.recipe ?? 'original'} ${r.variantName}`.toLowerCase().includes(recipe.toLowerCase())) &&
        (!hardware || r.latency?.hardware === hardware) &&
        (!hideDemo || !r.demo),
    );
    return f.sort((a, b) => {
      const va = sortValue(a, sort.key);
      const vb = sortValue(b, sort.key);
      // rows without the number go last whatever the direction
      if (va === null || vb === null) return va === null && vb === null ? 0 : va === null ? 1 : -1;
      const c = typeof va === 'string' ? va.localeCompare(vb as string) : va - (vb as number);
      return sort.desc ? -c : c;
    });
  }, [rows, model, recipe, hardware, hideDemo, sort]);

  const header = (key: TSortKey, label: string, title?: string) => (
    <th scope="col" className="px-3 py-2 text-left font-medium" aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'} title={title}>
      <button type="button" className="inline-flex items-center gap-1 hover:text-slate-900" onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== 'name' && key !== 'memory' && key !== 'latency' && key !== 'params' && key !== 'degradation' }))} data-testid={`sort-${key}`}>
        {label}
        <span aria-hidden="true">{sort.key === key ? (sort.desc ? '▼' : '▲') : '↕'}</span>
      </button>
    </th>
  );

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3 text-sm" role="group" aria-label="Filters">
        <label className="flex flex-col">
          <span className="text-slate-600">Base model</span>
          <select className="rounded-md border border-slate-300 px-2 py-1" value={model} onChange={(e) => setModel(e.target.value)} data-testid="filter-model">
            <option value="">All</option>
            {models.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label className="flex flex-col">
          <span className="text-slate-600">Recipe or variant contains</span>
          <input className="rounded-md border border-slate-300 px-2 py-1" value={recipe} onChange={(e) => setRecipe(e.target.value)} placeholder="e.g. INT4" data-testid="filter-recipe" />
        </label>
        <label className="flex flex-col">
          <span className="text-slate-600">Hardware</span>
          <select className="rounded-md border border-slate-300 px-2 py-1" value={hardware} onChange={(e) => setHardware(e.target.value)} data-testid="filter-hardware">
            <option value="">Any</option>
            {hardwares.map((h) => (
              <option key={h}>{h}</option>
            ))}
          </select>
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={hideDemo} onChange={(e) => setHideDemo(e.target.checked)} data-testid="filter-hide-demo" />
          Hide demo data
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={showTasks} onChange={(e) => setShowTasks(e.target.checked)} data-testid="show-tasks" />
          GenEval task scores
        </label>
        <span className="ml-auto text-slate-500" data-testid="row-count">
          {shown.length} of {rows.length} variants
        </span>
      </div>
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-sm" data-testid="leaderboard-table">
          <thead className="bg-slate-50 text-slate-600">
            <tr>
              {header('name', 'Variant')}
              <th scope="col" className="px-3 py-2 text-left font-medium">Parent · recipe</th>
              {header('params', 'Params')}
              {header('memory', 'Memory', 'weights as stored')}
              {header('latency', 'Latency', 'median per image, on the hardware named')}
              {header('geneval', 'GenEval')}
              {showTasks && TASKS.map((t) => <th key={t} scope="col" className="px-2 py-2 text-right font-medium">{TASK_LABEL[t]}</th>)}
              {header('hps', 'HPS')}
              {header('human', 'Human rating')}
              {header('degradation', 'Degradation', 'share of votes preferring the parent')}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.variantId} className="border-t border-slate-100 align-top" data-testid="leaderboard-row">
                <td className="px-3 py-2">
                  <Link className="hover:underline" href={`/models/${r.modelId}`}>
                    <span className="font-medium">{r.modelName}</span> / {r.variantName}
                  </Link>
                  {r.demo && <span className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-900" title="From the built-in fixture or the demo study: shows how the platform works, says nothing about real models">demo</span>}
                </td>
                <td className="px-3 py-2 text-slate-600">
                  {r.parent ? (
                    <>
                      from {r.parent.name}
                      <div className="text-xs">{r.recipe}</div>
                    </>
                  ) : (
                    'original'
                  )}
                </td>
                <td className="px-3 py-2 tabular-nums">{count(r.params)}</td>
                <td className="px-3 py-2 tabular-nums">
                  <a href="#how-memory" className="hover:underline">{bytes(r.weightBytes)}</a>
                </td>
                <td className="px-3 py-2 tabular-nums">
                  {r.latency ? (
                    <a href="#how-latency" className="hover:underline" title={`${r.latency.perStepMs.toFixed(1)} ms per denoiser step; ${r.latency.provider} on ${r.latency.hardware}`}>
                      {r.latency.perImageMs.toFixed(0)} ms
                      <div className="text-xs text-slate-500">{r.latency.provider}</div>
                    </a>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="px-3 py-2 tabular-nums" data-testid="cell-geneval">
                  {r.geneval ? (
                    <>
                      <a href="#how-geneval" className="hover:underline">{r.geneval.value.toFixed(3)}</a>
                      <div className="text-xs text-slate-500">
                        {ci(r.geneval.ciLow, r.geneval.ciHigh, 3)} n={r.geneval.images}
                        {r.geneval.fixture ? ' fixture' : ''}
                        {r.geneval.version.includes('+shapes-') && (
                          <span title="Judged on the shapes world's 87 prompts by its own detector: not comparable with GenEval on its 553 COCO prompts" data-testid="geneval-shapes">
                            {' '}shapes world
                          </span>
                        )}
                        {researcher && (
                          <>
                            {' '}
                            <Link className="text-brand-700 hover:underline" href={`/research/runs/${r.geneval.runId}`}>run</Link>
                          </>
                        )}
                      </div>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                {showTasks &&
                  TASKS.map((t) => (
                    <td key={t} className="px-2 py-2 text-right tabular-nums">
                      {r.geneval?.tasks[t] === undefined ? '—' : r.geneval.tasks[t].toFixed(2)}
                    </td>
                  ))}
                <td className="px-3 py-2 tabular-nums" data-testid="cell-hps">
                  {r.hps ? (
                    <>
                      <a href="#how-hps" className="hover:underline">{r.hps.value.toFixed(2)}</a>
                      <div className="text-xs text-slate-500">
                        {ci(r.hps.ciLow, r.hps.ciHigh, 2)} {r.hps.version} n={r.hps.images}
                        {r.hps.fixture ? ' fixture' : ''}
                      </div>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="px-3 py-2 tabular-nums" data-testid="cell-human">
                  {r.human ? (
                    <>
                      <a href="#how-human" className="hover:underline">{r.human.value.toFixed(0)}</a>
                      {r.human.rank !== null && <span className="ml-1 text-xs text-slate-500">#{r.human.rank}</span>}
                      <div className="text-xs text-slate-500">
                        {ci(r.human.ciLow, r.human.ciHigh, 0)} {r.human.votes} votes
                      </div>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="px-3 py-2 tabular-nums" data-testid="cell-degradation">
                  {r.degradation ? (
                    <>
                      <a href="#how-degradation" className="hover:underline">{(r.degradation.value * 100).toFixed(1)}%</a>
                      <div className="text-xs text-slate-500">
                        {r.degradation.ciLow !== null && r.degradation.ciHigh !== null ? ` [${(r.degradation.ciLow * 100).toFixed(1)}, ${(r.degradation.ciHigh * 100).toFixed(1)}]` : ''} {r.degradation.votes} votes
                      </div>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
