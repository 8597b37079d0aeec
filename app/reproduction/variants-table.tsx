import { GENEVAL_TASKS } from '@/lib/scoring/geneval-protocol';
import { formatBytes, formatMs, formatPercent, formatSigned } from '@/lib/charts/format';
import type { TInterval } from '@/lib/reproduction/compare';
import type { TReproductionVariant } from '@/lib/reproduction/types';

export const TASKS = GENEVAL_TASKS;
export const TASK_LABEL: Record<string, string> = { single_object: 'single', two_object: 'two', counting: 'count', colors: 'colour', position: 'position', color_attr: 'attr.' };

const pct = (share: number) => formatPercent(share);
const interval = (c: TInterval | null, d: number) => (c ? `[${c[0].toFixed(d)}, ${c[1].toFixed(d)}]` : '');
export const signed = formatSigned;

const how = (anchor: string, label: string, title: string) => (
  <a href={anchor} className="hover:text-slate-900 hover:underline" title={title}>
    {label}
  </a>
);

/** One row per variant: what was done, what it costs, what it keeps. Each header links to how its number is made. */
export function VariantsTable({ rows }: { rows: TReproductionVariant[] }) {
  const th = 'px-3 py-2 font-medium whitespace-nowrap';
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full text-sm" data-testid="reproduction-table">
        <thead className="bg-slate-50 text-slate-600">
          <tr>
            <th scope="col" className={`${th} text-left`}>Variant</th>
            <th scope="col" className={`${th} text-left`}>What was done</th>
            <th scope="col" className={`${th} text-left`}>Blocks removed</th>
            <th scope="col" className={`${th} text-right`}>{how('/leaderboard#how-memory', 'Params', 'Parameters, as a share of the original’s')}</th>
            <th scope="col" className={`${th} text-right`}>{how('/leaderboard#how-memory', 'Memory', 'Bytes of the weights as stored')}</th>
            <th scope="col" className={`${th} text-right`}>{how('#how-latency', 'Latency / step', 'Median time per denoiser step of the paired run')}</th>
            <th scope="col" className={`${th} text-right`}>{how('/leaderboard#how-geneval', 'GenEval [95% CI]', 'How GenEval is scored')}</th>
            {TASKS.map((t) => (
              <th key={t} scope="col" className={`${th} text-right`} title={t}>{TASK_LABEL[t]}</th>
            ))}
            <th scope="col" className={`${th} text-right`}>{how('/leaderboard#how-hps', 'HPS', 'How HPS is scored')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.variantId} className="border-t border-slate-100 align-top" data-variant={r.name}>
              <th scope="row" className="px-3 py-2 text-left font-medium whitespace-nowrap">{r.name}</th>
              <td className="min-w-56 px-3 py-2 text-slate-700">
                {r.role}
                {r.reconstruction && (
                  <span className="block text-xs text-slate-500">span error {r.reconstruction.errorBefore.toPrecision(2)} → {r.reconstruction.errorAfter.toPrecision(2)} after reconstruction</span>
                )}
                {r.denoiserError !== null && <span className="block text-xs text-slate-500">denoiser error vs original {r.denoiserError.toPrecision(2)}</span>}
              </td>
              <td className="px-3 py-2 tabular-nums">{r.removedBlocks.length ? r.removedBlocks.join(', ') : '—'}</td>
              <td className="px-3 py-2 text-right tabular-nums">{pct(r.paramsShare)}</td>
              <td className="px-3 py-2 text-right tabular-nums whitespace-nowrap">
                {formatBytes(r.weightBytes)}
                <span className="block text-xs text-slate-500">{pct(r.memoryShare)}</span>
              </td>
              <td className="px-3 py-2 text-right tabular-nums whitespace-nowrap">
                {r.latency ? (
                  <>
                    {formatMs(r.latency.perStepMs)}
                    <span className="block text-xs text-slate-500">{r.latency.hardware}, {r.latency.provider}</span>
                  </>
                ) : (
                  '—'
                )}
              </td>
              <td className="px-3 py-2 text-right tabular-nums whitespace-nowrap">
                {r.geneval ? (
                  <>
                    {r.geneval.score.toFixed(3)} <span className="text-xs text-slate-500">{interval(r.geneval.ci, 3)}</span>
                    {r.geneval.fixture && <span className="ml-1 rounded bg-amber-100 px-1 text-xs text-amber-800">fixture</span>}
                    {r.vsOriginal && (
                      <span className="block text-xs text-slate-500" title="Paired difference against the original, 95% CI">
                        {signed(r.vsOriginal.overall.diff)} vs original {r.vsOriginal.overall.ci ? `[${signed(r.vsOriginal.overall.ci[0])}, ${signed(r.vsOriginal.overall.ci[1])}]` : ''}
                      </span>
                    )}
                    <span className="block text-xs text-slate-500">n={r.geneval.images} images</span>
                  </>
                ) : (
                  '—'
                )}
              </td>
              {TASKS.map((t) => {
                const x = r.geneval?.tasks.find((y) => y.tag === t);
                return (
                  <td key={t} className="px-3 py-2 text-right tabular-nums" title={x?.ci ? `95% CI ${interval(x.ci, 2)}` : undefined}>
                    {x ? x.score.toFixed(2) : '—'}
                  </td>
                );
              })}
              <td className="px-3 py-2 text-right tabular-nums whitespace-nowrap">
                {r.hps ? (
                  <>
                    {r.hps.score.toFixed(2)} <span className="text-xs text-slate-500">{interval(r.hps.ci, 2)}</span>
                    {r.hps.fixture && <span className="ml-1 rounded bg-amber-100 px-1 text-xs text-amber-800">fixture</span>}
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
  );
}
