import { direction } from '@/lib/reproduction/compare';
import type { TReproductionComparison } from '@/lib/reproduction/types';
import { signed, TASK_LABEL, TASKS } from './variants-table';

const VERDICT = { higher: 'B higher', lower: 'B lower', unclear: 'no clear difference' } as const;
const VERDICT_CLASS = { higher: 'text-emerald-700', lower: 'text-rose-700', unclear: 'text-slate-500' } as const;

/** The paired GenEval comparisons that answer the paper's questions, each B − A with its interval; per-task differences on demand. */
export function Comparisons({ comparisons }: { comparisons: TReproductionComparison[] }) {
  const done = comparisons.filter((c) => c.result);
  const tasks = TASKS.filter((t) => done.some((c) => c.result!.tasks.some((x) => x.tag === t)));
  return (
    <div className="space-y-3">
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-sm" data-testid="reproduction-comparisons">
          <thead className="bg-slate-50 text-slate-600">
            <tr>
              <th scope="col" className="px-3 py-2 text-left font-medium">Question</th>
              <th scope="col" className="px-3 py-2 text-left font-medium whitespace-nowrap">B − A</th>
              <th scope="col" className="px-3 py-2 text-right font-medium">GenEval difference</th>
              <th scope="col" className="px-3 py-2 text-right font-medium whitespace-nowrap">
                <a href="#how-paired" className="hover:text-slate-900 hover:underline">95% CI</a>
              </th>
              <th scope="col" className="px-3 py-2 text-left font-medium">Reading</th>
              <th scope="col" className="px-3 py-2 text-right font-medium">Prompts</th>
            </tr>
          </thead>
          <tbody>
            {comparisons.map((c) => {
              const dir = c.result ? direction(c.result.overall) : null;
              return (
                <tr key={c.id} className="border-t border-slate-100 align-top" data-comparison={c.id}>
                  <td className="min-w-48 px-3 py-2 text-slate-700">{c.question}</td>
                  <td className="px-3 py-2 whitespace-nowrap">
                    {c.b} − {c.a}
                  </td>
                  {c.result ? (
                    <>
                      <td className="px-3 py-2 text-right tabular-nums">{signed(c.result.overall.diff)}</td>
                      <td className="px-3 py-2 text-right tabular-nums whitespace-nowrap">{c.result.overall.ci ? `${signed(c.result.overall.ci[0])} to ${signed(c.result.overall.ci[1])}` : 'no interval'}</td>
                      <td className={`px-3 py-2 whitespace-nowrap ${VERDICT_CLASS[dir!]}`}>{VERDICT[dir!]}</td>
                      <td className="px-3 py-2 text-right tabular-nums">{c.result.prompts}</td>
                    </>
                  ) : (
                    <td colSpan={4} className="px-3 py-2 text-slate-500">{c.problem ?? 'Not measured yet.'}</td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {done.length > 0 && (
        <details className="text-sm">
          <summary className="cursor-pointer text-slate-600">Differences per GenEval task</summary>
          <div className="mt-2 overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table className="min-w-full text-sm" data-testid="reproduction-task-differences">
              <thead className="bg-slate-50 text-slate-600">
                <tr>
                  <th scope="col" className="px-3 py-2 text-left font-medium">B − A</th>
                  {tasks.map((t) => (
                    <th key={t} scope="col" className="px-3 py-2 text-right font-medium" title={t}>{TASK_LABEL[t]}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {done.map((c) => (
                  <tr key={c.id} className="border-t border-slate-100">
                    <th scope="row" className="px-3 py-2 text-left font-normal whitespace-nowrap">
                      {c.b} − {c.a}
                    </th>
                    {tasks.map((t) => {
                      const x = c.result!.tasks.find((y) => y.tag === t);
                      return (
                        <td key={t} className="px-3 py-2 text-right tabular-nums whitespace-nowrap">
                          {x ? signed(x.diff, 2) : '—'}
                          {x?.ci && <span className="block text-xs text-slate-500">{signed(x.ci[0], 2)} to {signed(x.ci[1], 2)}</span>}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </div>
  );
}
