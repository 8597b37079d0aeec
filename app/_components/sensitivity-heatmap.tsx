/**
 * A blocks x components heatmap of sensitivity (server-rendered, no script): darker means removing
 * that part hurts more. The table under it is the same data as text, for screen readers and for
 * copying numbers.
 */
type TEntry = { block: number; component: string | null; delta: number; value: number };

const COMPONENT_ORDER = ['norm1', 'norm1_context', 'attn', 'ff', 'ff_context'];

export function SensitivityHeatmap({ title, entries, metric, caption }: { title: string; entries: TEntry[]; metric: string; caption?: string }) {
  const blocks = [...new Set(entries.map((e) => e.block))].sort((a, b) => a - b);
  const present = new Set(entries.map((e) => e.component ?? '(block)'));
  const components = [...COMPONENT_ORDER.filter((c) => present.has(c)), ...[...present].filter((c) => !COMPONENT_ORDER.includes(c)).sort()];
  const max = Math.max(...entries.map((e) => e.delta), 1e-12);
  const at = new Map(entries.map((e) => [`${e.block}/${e.component ?? '(block)'}`, e]));
  return (
    <figure className="space-y-2" aria-label={title}>
      <figcaption className="text-sm font-medium">{title}</figcaption>
      <div className="overflow-x-auto">
        <div className="inline-grid gap-px rounded bg-slate-200 p-px text-[10px]" style={{ gridTemplateColumns: `6.5rem repeat(${blocks.length}, minmax(0.9rem, 1fr))` }} role="img" aria-label={`${title}: ${metric} per block and component; the table below has the values`}>
          <div className="bg-white" />
          {blocks.map((b) => (
            <div key={b} className="bg-white px-0.5 text-center text-slate-500">{b}</div>
          ))}
          {components.map((c) => (
            <Row key={c} component={c} blocks={blocks} at={at} max={max} metric={metric} />
          ))}
        </div>
      </div>
      {caption && <p className="text-xs text-slate-500">{caption}</p>}
      <details className="text-xs">
        <summary className="cursor-pointer text-slate-600">Values as a table</summary>
        <table className="mt-2 text-left">
          <thead>
            <tr><th className="pr-3">block</th><th className="pr-3">component</th><th className="pr-3">{metric} after removal</th><th>|Δ|</th></tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={`${e.block}/${e.component}`}><td className="pr-3">{e.block}</td><td className="pr-3">{e.component ?? '(block)'}</td><td className="pr-3">{e.value.toFixed(4)}</td><td>{e.delta.toFixed(4)}</td></tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function Row({ component, blocks, at, max, metric }: { component: string; blocks: number[]; at: Map<string, TEntry>; max: number; metric: string }) {
  return (
    <>
      <div className="bg-white pr-1 text-right text-slate-600">{component}</div>
      {blocks.map((b) => {
        const e = at.get(`${b}/${component}`);
        const t = e ? Math.sqrt(e.delta / max) : 0;
        return (
          <div
            key={b}
            className="h-4"
            style={{ background: e ? `rgba(29, 70, 160, ${0.06 + 0.94 * t})` : '#f8fafc' }}
            title={e ? `block ${b} ${component}: ${metric} ${e.value.toFixed(4)}, |Δ| ${e.delta.toFixed(4)}` : `block ${b}: no ${component}`}
          />
        );
      })}
    </>
  );
}
