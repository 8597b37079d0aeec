import type { ReactNode } from 'react';
import { colorFor, PALETTE, textColorOn, type TColorScale } from '@/lib/charts/color';
import { formatNumber, truncate } from '@/lib/charts/format';
import { CHAR_W, ChartEmpty, ChartFigure, ChartSvg, ChartTable, MAX_FONT, VIEW_W, textWidth } from './frame';

const PAD = 4;
/** Narrower cells than this make the chart wider than the screen (it scrolls sideways). */
const MIN_CELL = 14;
const MAX_CELL_H = 40;
/** Cells at least this big (in SVG units) show their value as text. */
const TEXT_CELL_W = 42;
const TEXT_CELL_H = 24;
/** From 520 px up the text is at most 12 units: "100%" fits in this. */
const TEXT_CELL_W_WIDE = 30;

/**
 * A rows x columns grid of values coloured on a sequential or diverging scale, with a colour key;
 * cells without a value are grey with a diagonal stroke. Values are written in the cells when
 * they fit, and are always in the hover titles and the table. Used for the win-rate matrix (rows
 * beat columns) and for block x component sensitivity.
 */
export function Heatmap({
  title,
  description,
  counts,
  rowLabels,
  colLabels,
  colShort,
  values,
  cellCounts,
  countNoun = 'votes',
  scale,
  format = (v) => formatNumber(v, 2),
  cellTitle,
  rowTitle,
  colTitle,
  keyLow,
  keyHigh,
  testId,
  emptyText = 'Nothing to show yet.',
  footer,
}: {
  title: ReactNode;
  description?: ReactNode;
  counts?: ReactNode;
  rowLabels: readonly string[];
  colLabels: readonly string[];
  /** short column headers (numbers, block indices) when the full labels would not fit above a cell */
  colShort?: readonly string[];
  values: readonly (readonly (number | null)[])[];
  /** how many observations each cell rests on (shown in titles and the table) */
  cellCounts?: readonly (readonly (number | null)[])[];
  countNoun?: string;
  scale: TColorScale;
  format?: (v: number) => string;
  /** hover text of the cell at row i, column j (default: "row, column: value") */
  cellTitle?: (i: number, j: number, value: number | null, count: number | null) => string;
  /** what the rows are (written over the row labels) */
  rowTitle?: string;
  /** what the columns are (written over the column headers) */
  colTitle?: string;
  /** words at the ends of the colour key ("column preferred", "row preferred") */
  keyLow?: string;
  keyHigh?: string;
  testId?: string;
  emptyText?: ReactNode;
  footer?: ReactNode;
}) {
  if (!rowLabels.length || !colLabels.length) {
    return (
      <ChartFigure testId={testId} title={title} description={description} counts={counts} footer={footer}>
        <ChartEmpty>{emptyText}</ChartEmpty>
      </ChartFigure>
    );
  }
  const heads = colLabels.map((c, j) => colShort?.[j] ?? c);
  const labelRoom = Math.floor((VIEW_W * 0.42) / CHAR_W);
  const rowText = rowLabels.map((r) => truncate(r, labelRoom, 'middle'));
  const labelW = Math.max(...rowText.map(textWidth)) + 8;
  const colTitleH = colTitle ? MAX_FONT + 8 : 0;
  const headH = MAX_FONT + 8;
  const top = PAD + colTitleH + headH;
  const cellW = Math.max(MIN_CELL, (VIEW_W - labelW - 2 * PAD) / colLabels.length);
  const cellH = Math.min(MAX_CELL_H, Math.max(MAX_FONT + 6, cellW * 0.75));
  const width = Math.max(VIEW_W, labelW + 2 * PAD + cellW * colLabels.length);
  const height = top + cellH * rowLabels.length + PAD;
  const gx = PAD + labelW;
  // headers that would collide are thinned to every k-th
  const headW = Math.max(...heads.map(textWidth)) + 4;
  const every = Math.max(1, Math.ceil(headW / cellW));
  // values fit in the cells at the largest text size, or only at the smaller sizes of wider screens
  const showText = cellH >= TEXT_CELL_H ? (cellW >= TEXT_CELL_W ? 'always' : cellW >= TEXT_CELL_W_WIDE ? 'wide' : null) : null;
  const describe = (i: number, j: number) => {
    const v = values[i]?.[j] ?? null;
    const n = cellCounts?.[i]?.[j] ?? null;
    return cellTitle ? cellTitle(i, j, v, n) : `${rowLabels[i]}, ${colLabels[j]}: ${v === null ? 'no data' : `${format(v)}${n !== null ? ` (${formatNumber(n)} ${countNoun})` : ''}`}`;
  };
  const filled = values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const summary = `${typeof title === 'string' ? title : 'Heatmap'}: ${rowLabels.length} rows by ${colLabels.length} columns, ${filled.length} cells with values${
    filled.length ? ` from ${format(Math.min(...filled))} to ${format(Math.max(...filled))}` : ''
  }. The table under the chart has every value.`;

  return (
    <ChartFigure
      testId={testId}
      title={title}
      description={description}
      counts={counts}
      legend={<ColorKey scale={scale} format={format} low={keyLow} high={keyHigh} />}
      table={
        <ChartTable
          caption={summary}
          head={[rowTitle ?? '', ...colLabels.map((c, j) => (colShort ? `${colShort[j]}` : c))]}
          rows={rowLabels.map((r, i) => ({
            key: `${i}`,
            cells: [
              r,
              ...colLabels.map((_, j) => {
                const v = values[i]?.[j] ?? null;
                const n = cellCounts?.[i]?.[j] ?? null;
                return v === null ? '—' : `${format(v)}${n !== null ? ` (${formatNumber(n)})` : ''}`;
              }),
            ],
          }))}
        />
      }
      footer={footer}
    >
      <ChartSvg width={width} height={height} label={summary} minWidthPx={width > VIEW_W ? Math.round(width * 0.66) : undefined}>
        <g aria-hidden="true">
          {rowTitle && (
            <text x={PAD} y={top - 8} className="fill-slate-500">
              {truncate(rowTitle, Math.floor(labelW / CHAR_W))}
            </text>
          )}
          {colTitle && (
            <text x={gx} y={PAD + MAX_FONT} className="fill-slate-700 font-medium">
              {colTitle} →
            </text>
          )}
          {heads.map((h, j) =>
            j % every === 0 ? (
              <text key={j} x={gx + (j + 0.5) * cellW} y={top - 8} textAnchor="middle" className="fill-slate-600">
                {h}
              </text>
            ) : null,
          )}
          {rowText.map((r, i) => (
            <text key={i} x={gx - 6} y={top + (i + 0.5) * cellH} dy="0.35em" textAnchor="end" className="fill-slate-700">
              {r}
            </text>
          ))}
        </g>
        {rowLabels.map((_, i) =>
          colLabels.map((_, j) => {
            const v = values[i]?.[j] ?? null;
            const x = gx + j * cellW;
            const y = top + i * cellH;
            const fill = v === null || !Number.isFinite(v) ? null : colorFor(v, scale);
            return (
              <g key={`${i}/${j}`}>
                <title>{describe(i, j)}</title>
                <rect x={x} y={y} width={cellW} height={cellH} fill={fill ?? PALETTE.slate200} stroke="white" strokeWidth={1} />
                {fill === null ? (
                  <line x1={x + 3} y1={y + cellH - 3} x2={x + cellW - 3} y2={y + 3} strokeWidth={1} className="stroke-slate-400" />
                ) : (
                  showText && (
                    <text
                      x={x + cellW / 2}
                      y={y + cellH / 2}
                      dy="0.35em"
                      textAnchor="middle"
                      fill={textColorOn(fill)}
                      className={showText === 'wide' ? 'hidden tabular-nums min-[520px]:inline' : 'tabular-nums'}
                      aria-hidden="true"
                    >
                      {format(v!)}
                    </text>
                  )
                )}
              </g>
            );
          }),
        )}
      </ChartSvg>
    </ChartFigure>
  );
}

/**
 * The colour key: the domain as a CSS gradient sampled through the same scale as the cells (so an
 * off-centre midpoint or a square root shows as it colours), its ends and a diverging scale's
 * midpoint written under it.
 */
function ColorKey({ scale, format, low, high }: { scale: TColorScale; format: (v: number) => string; low?: string; high?: string }) {
  const [lo, hi] = scale.domain;
  const ramp = Array.from({ length: 11 }, (_, k) => colorFor(lo + (k / 10) * (hi - lo), scale));
  const mid = scale.scheme === 'diverging' ? (scale.midpoint ?? (lo + hi) / 2) : null;
  const midAt = mid === null || hi === lo ? null : ((mid - lo) / (hi - lo)) * 100;
  return (
    <div className="mx-auto max-w-xs text-xs text-slate-600" aria-hidden="true">
      <div className="h-2.5 rounded-sm border border-slate-200" style={{ background: `linear-gradient(to right, ${ramp.join(', ')})` }} />
      <div className="relative mt-1 flex justify-between tabular-nums">
        <span>{format(lo)}</span>
        {mid !== null && midAt !== null && (
          <span className="absolute -translate-x-1/2" style={{ left: `${midAt}%` }}>
            {format(mid)}
          </span>
        )}
        <span>{format(hi)}</span>
      </div>
      {(low || high) && (
        <div className="flex justify-between gap-4 text-slate-500">
          <span>{low ? `← ${low}` : ''}</span>
          <span className="text-right">{high ? `${high} →` : ''}</span>
        </div>
      )}
    </div>
  );
}
