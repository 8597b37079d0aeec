import type { TSampleGrid } from '@/lib/reproduction/types';

/** One prompt per GenEval task (rows) drawn by every variant (columns), same seed; it scrolls sideways on a phone. */
export function SampleGrid({ grid }: { grid: TSampleGrid }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white" data-testid="reproduction-samples">
      <table className="text-sm">
        <thead className="bg-slate-50 text-slate-600">
          <tr>
            <th scope="col" className="sticky left-0 bg-slate-50 px-3 py-2 text-left font-medium">Prompt</th>
            {grid.variants.map((v) => (
              <th key={v} scope="col" className="px-2 py-2 text-center font-medium whitespace-nowrap">{v}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.prompts.map((p, i) => (
            <tr key={p.index} className="border-t border-slate-100">
              <th scope="row" className="sticky left-0 w-40 min-w-32 bg-white px-3 py-2 text-left align-middle font-normal">
                <span className="block text-slate-800">{p.prompt}</span>
                <span className="block text-xs text-slate-500">{p.tag.replace('_', ' ')}</span>
              </th>
              {grid.variants.map((v, j) => {
                const src = grid.images?.[i]?.[j] ?? null;
                return (
                  <td key={v} className="px-2 py-2 text-center">
                    {src ? (
                      // eslint-disable-next-line @next/next/no-img-element -- tiny inline PNGs, shown as they are
                      <img src={src} alt={`${v}: "${p.prompt}"`} width={64} height={64} className="mx-auto rounded border border-slate-200" style={{ imageRendering: 'pixelated' }} />
                    ) : (
                      <span className="inline-flex size-16 items-center justify-center rounded border border-dashed border-slate-300 text-xs text-slate-400">none</span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
