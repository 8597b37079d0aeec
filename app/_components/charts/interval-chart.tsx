import type { ReactNode } from 'react';
import { formatNumber, tickDigits, truncate } from '@/lib/charts/format';
import { linearTicks, niceDomain, scaleLinear } from '@/lib/charts/scales';
import { XAxis } from './axis';
import { CHAR_W, ChartEmpty, ChartFigure, ChartSvg, ChartTable, Legend, LegendItem, VIEW_W, textWidth } from './frame';
import { countRange, formatInterval } from './text';

export type TIntervalItem = {
  id: string;
  label: string;
  /** for the hover title and the table (default: label) */
  fullLabel?: string;
  value: number;
  low: number | null;
  high: number | null;
  /** votes or images behind the value */
  n?: number;
  demo?: boolean;
};

const ROW = 46;
const TOP = 6;
const BOTTOM = 50;
const PAD = 6;

/**
 * A forest plot: one row per variant, best first, its value as a dot and its 95% interval as a
 * line, the numbers written above the line's right end. The name sits above each line rather
 * than beside it, so the lines keep the full width on a phone.
 */
export function IntervalChart({
  items,
  title,
  description,
  metricLabel,
  axisTitle,
  digits,
  noun = 'votes',
  domain,
  testId,
  emptyText,
  footer,
}: {
  items: readonly TIntervalItem[];
  title: ReactNode;
  description?: ReactNode;
  /** what the value is, for the table and the summary ("Human rating") */
  metricLabel: string;
  axisTitle?: string;
  /** decimals of the values */
  digits: number;
  noun?: string;
  /** fixed axis range (default: round numbers around every interval) */
  domain?: [number, number];
  testId?: string;
  emptyText?: ReactNode;
  footer?: ReactNode;
}) {
  if (!items.length) {
    return (
      <ChartFigure testId={testId} title={title} description={description} footer={footer}>
        <ChartEmpty>{emptyText ?? `No variant has a ${metricLabel.toLowerCase()} yet.`}</ChartEmpty>
      </ChartFigure>
    );
  }
  const sorted = [...items].sort((a, b) => b.value - a.value || (a.fullLabel ?? a.label).localeCompare(b.fullLabel ?? b.label));
  const f = (v: number) => formatNumber(v, digits);
  const all = sorted.flatMap((i) => [i.value, i.low, i.high]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const dom = domain ?? niceDomain(Math.min(...all), Math.max(...all), { count: 4 });
  const ticks = linearTicks(dom[0], dom[1], { count: 4 });
  const fTick = (v: number) => formatNumber(v, tickDigits(ticks));
  // room for half of the end ticks' labels, which centre on the ends
  const half = (t: number | undefined) => (t === undefined ? 0 : textWidth(fTick(t)) / 2 + 2);
  const [x0, x1] = [Math.max(PAD + 8, half(ticks[0])), VIEW_W - Math.max(PAD + 8, half(ticks[ticks.length - 1]))];
  const sx = scaleLinear(dom, [x0, x1]);
  const height = TOP + sorted.length * ROW + BOTTOM;
  const axisY = TOP + sorted.length * ROW + 4;
  const hasInterval = (i: TIntervalItem): i is TIntervalItem & { low: number; high: number } => i.low !== null && i.high !== null;
  const numbers = (i: TIntervalItem) => (hasInterval(i) ? `${f(i.value)} (${formatInterval(i.low, i.high, f)})` : `${f(i.value)} (no interval)`);
  const summary = `${metricLabel} of ${sorted.length} variant${sorted.length === 1 ? '' : 's'}, best first: ${sorted.map((i) => `${i.fullLabel ?? i.label} ${numbers(i)}`).join('; ')}.`;
  const ns = sorted.flatMap((i) => (i.n === undefined ? [] : [i.n]));

  return (
    <ChartFigure
      testId={testId}
      title={title}
      description={description}
      counts={
        <>
          {sorted.length} variant{sorted.length === 1 ? '' : 's'}
          {ns.length > 0 && ` · ${countRange(ns, noun)}`} · lines are 95% intervals
        </>
      }
      legend={
        sorted.some((i) => i.demo) ? (
          <Legend>
            <LegendItem mark={<circle cx="8" cy="8" r="5.5" strokeWidth="2" className="fill-white stroke-brand-600" />}>hollow: demo data, not a real measurement</LegendItem>
          </Legend>
        ) : undefined
      }
      table={
        <ChartTable
          caption={summary}
          head={['Variant', metricLabel, '95% interval', ...(ns.length ? [noun] : [])]}
          rows={sorted.map((i) => ({
            key: i.id,
            cells: [
              `${i.fullLabel ?? i.label}${i.demo ? ' (demo)' : ''}`,
              f(i.value),
              hasInterval(i) ? formatInterval(i.low, i.high, f) : '—',
              ...(ns.length ? [i.n === undefined ? '—' : formatNumber(i.n)] : []),
            ],
          }))}
        />
      }
      footer={footer}
    >
      <ChartSvg height={height} label={summary}>
        <XAxis ticks={ticks} x={sx} y={axisY} x0={x0} x1={x1} gridTop={TOP} format={fTick} title={axisTitle ? `${axisTitle} →` : undefined} titleY={height - 6} />
        {sorted.map((item, k) => {
          const top = TOP + k * ROW;
          const cy = top + 32;
          const text = numbers(item);
          // the name gets what the numbers leave of the line
          const room = Math.max(4, Math.floor((VIEW_W - 2 * PAD - textWidth(text) - 12) / CHAR_W));
          return (
            <g key={item.id} data-item={item.id}>
              <title>{`${item.fullLabel ?? item.label}: ${metricLabel} ${numbers(item)}${item.n !== undefined ? `, ${formatNumber(item.n)} ${noun}` : ''}${item.demo ? '; demo data' : ''}`}</title>
              <text x={PAD} y={top + 16} className="fill-slate-800 font-medium" aria-hidden="true">
                {truncate(item.label, room, 'middle')}
              </text>
              <text x={VIEW_W - PAD} y={top + 16} textAnchor="end" className="fill-slate-600 tabular-nums" aria-hidden="true">
                {text}
              </text>
              {hasInterval(item) && (
                <g strokeWidth={2} className="stroke-brand-600/70">
                  <line x1={sx(item.low)} x2={sx(item.high)} y1={cy} y2={cy} />
                  <line x1={sx(item.low)} x2={sx(item.low)} y1={cy - 5} y2={cy + 5} />
                  <line x1={sx(item.high)} x2={sx(item.high)} y1={cy - 5} y2={cy + 5} />
                </g>
              )}
              <circle cx={sx(item.value)} cy={cy} r={5.5} strokeWidth={2} className={item.demo ? 'fill-white stroke-brand-600' : 'fill-brand-600 stroke-white'} />
            </g>
          );
        })}
      </ChartSvg>
    </ChartFigure>
  );
}
