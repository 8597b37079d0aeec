import type { ReactNode } from 'react';

/**
 * What every chart shares: the figure with its caption, the SVG's coordinate system and text
 * sizes, and the "Show the numbers" table that carries the same data as text.
 *
 * Each SVG is VIEW_W units wide and scales to its column (width 100%, at most max-w-xl). Text in
 * an SVG scales with it, so the font size in SVG units steps down as the screen widens, keeping
 * the rendered text between ~10 px (a 360 px phone) and ~13 px. Layouts leave room for the
 * largest size (MAX_FONT).
 */
export const VIEW_W = 480;
export const MAX_FONT = 16;
/** Advance of an average character at MAX_FONT (~0.58 em), to estimate label widths. */
export const CHAR_W = 9.3;
export const SVG_TEXT = 'text-[16px] min-[420px]:text-[13px] min-[520px]:text-[11px] lg:text-[12px]';

export function textWidth(text: string): number {
  return text.length * CHAR_W;
}

export function ChartFigure({
  testId,
  title,
  description,
  counts,
  children,
  legend,
  table,
  footer,
}: {
  testId?: string;
  title: ReactNode;
  /** one line in plain words: how to read the chart */
  description?: ReactNode;
  /** what the chart rests on: "6 variants · 1,234 votes" */
  counts?: ReactNode;
  children: ReactNode;
  legend?: ReactNode;
  table?: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <figure data-testid={testId} className="min-w-0 space-y-3">
      <figcaption className="space-y-1">
        <span className="block font-medium text-slate-900">{title}</span>
        {description && <span className="block text-sm text-slate-600">{description}</span>}
        {counts && <span className="block text-xs text-slate-500" data-testid="chart-counts">{counts}</span>}
      </figcaption>
      {children}
      {legend}
      {table}
      {footer}
    </figure>
  );
}

/** The SVG box: full width of its column up to max-w-xl, scrollable sideways when a chart needs more than a phone has. */
export function ChartSvg({ width = VIEW_W, height, label, minWidthPx, children }: { width?: number; height: number; label: string; minWidthPx?: number; children: ReactNode }) {
  return (
    <div className="mx-auto max-w-xl overflow-x-auto">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        role="img"
        aria-label={label}
        className={`block h-auto fill-slate-600 ${SVG_TEXT}`}
        style={minWidthPx ? { minWidth: `${minWidthPx}px` } : undefined}
        preserveAspectRatio="xMidYMid meet"
      >
        {children}
      </svg>
    </div>
  );
}

/** Shown in place of the SVG when there is nothing to draw; says what would fill it. */
export function ChartEmpty({ children }: { children: ReactNode }) {
  return <p className="rounded-lg border border-dashed border-slate-300 bg-slate-50 p-6 text-center text-sm text-slate-600">{children}</p>;
}

/** The text alternative: the chart's numbers as a table, folded away under the chart. */
export function ChartTable({ caption, head, rows }: { caption: string; head: ReactNode[]; rows: { key: string; cells: ReactNode[] }[] }) {
  return (
    <details data-testid="chart-table" className="text-sm">
      <summary className="cursor-pointer text-slate-600 hover:text-slate-900">Show the numbers</summary>
      <div className="mt-2 overflow-x-auto">
        <table className="min-w-full text-left text-xs">
          <caption className="sr-only">{caption}</caption>
          <thead className="border-b border-slate-200 text-slate-500">
            <tr>
              {head.map((h, i) => (
                <th key={i} scope="col" className={`py-1 pr-3 font-medium ${i > 0 ? 'text-right' : ''}`}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 text-slate-700">
            {rows.map((r) => (
              <tr key={r.key}>
                {r.cells.map((c, i) =>
                  i === 0 ? (
                    <th key={i} scope="row" className="py-1 pr-3 font-normal">
                      {c}
                    </th>
                  ) : (
                    <td key={i} className="py-1 pr-3 text-right tabular-nums">
                      {c}
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** A legend entry: a small mark drawn in SVG and its words. */
export function LegendItem({ mark, children }: { mark: ReactNode; children: ReactNode }) {
  return (
    <li className="flex items-center gap-1.5">
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" className="shrink-0">
        {mark}
      </svg>
      <span>{children}</span>
    </li>
  );
}

export function Legend({ children }: { children: ReactNode }) {
  return <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">{children}</ul>;
}
