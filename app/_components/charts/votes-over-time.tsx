import type { ReactNode } from 'react';
import { formatDay, formatMonth, formatNumber } from '@/lib/charts/format';
import { dayNumber, dayTicks, dayToDate, linearTicks, niceDomain, scaleLinear } from '@/lib/charts/scales';
import { XAxis, YAxis } from './axis';
import { ChartEmpty, ChartFigure, ChartSvg, ChartTable, VIEW_W, textWidth } from './frame';

const H = 260;
/** Past this many days the dots would merge into the line; the hover titles stay on invisible bands. */
const DOTS_UP_TO = 60;

/**
 * Cumulative votes by day as a step area: the total holds flat on days without votes and steps up
 * on days with them.
 */
export function VotesOverTime({
  points,
  title = 'Votes over time',
  description,
  testId,
  noun = 'votes',
}: {
  /** cumulative totals by day ("YYYY-MM-DD"), oldest first */
  points: readonly { date: string; votes: number }[];
  title?: ReactNode;
  description?: ReactNode;
  testId?: string;
  noun?: string;
}) {
  if (!points.length) {
    return (
      <ChartFigure testId={testId} title={title} description={description}>
        <ChartEmpty>No {noun} yet: the line starts with the first study’s first answer.</ChartEmpty>
      </ChartFigure>
    );
  }
  const days = [...points].map((p) => ({ day: dayNumber(p.date), total: p.votes })).sort((a, b) => a.day - b.day);
  const first = days[0]!.day;
  const last = days[days.length - 1]!.day;
  const total = days[days.length - 1]!.total;
  const withNew = days.map((d, k) => ({ ...d, added: d.total - (k > 0 ? days[k - 1]!.total : 0) }));

  // a single day still gets a visible width: the day before, the day after
  const domain: [number, number] = first === last ? [first - 1, last + 1] : [first, last];
  const { ticks: xTicks, unit } = dayTicks(domain[0], domain[1], 4);
  const yTop = niceDomain(0, Math.max(total, 1), { count: 4, integer: true })[1];
  const yTicks = linearTicks(0, yTop, { count: 4, integer: true });
  const fDay = (d: number) => (unit === 'month' ? formatMonth(d) : formatDay(d));
  const left = Math.max(...yTicks.map((t) => textWidth(formatNumber(t)))) + 14;
  const lastLabel = xTicks.length ? textWidth(fDay(xTicks[xTicks.length - 1]!)) / 2 + 2 : 0;
  const [x0, x1, y0, y1] = [left, VIEW_W - Math.max(16, lastLabel), 34, H - 54];
  const sx = scaleLinear(domain, [x0, x1]);
  const sy = scaleLinear([0, yTop], [y1, y0]);

  // step after: the total reached on a day holds until the next day with votes
  const line = withNew.map((d, k) => `${k === 0 ? 'M' : 'H'}${sx(d.day).toFixed(1)}${k === 0 ? ` ${sy(0).toFixed(1)}` : ''} V${sy(d.total).toFixed(1)}`).join(' ') + ` H${sx(domain[1]).toFixed(1)}`;
  const area = `${line} V${sy(0).toFixed(1)} Z`;
  const years = new Set([dayToDate(domain[0]).getUTCFullYear(), dayToDate(domain[1]).getUTCFullYear()]);
  const span = last - first + 1;
  const summary = `${formatNumber(total)} ${noun} in all, counted on ${withNew.filter((d) => d.added > 0).length} of ${span} day${span === 1 ? '' : 's'} from ${formatDay(first, true)} to ${formatDay(last, true)}. The table under the chart has each day's count.`;

  return (
    <ChartFigure
      testId={testId}
      title={title}
      description={description}
      counts={`${formatNumber(total)} ${noun} over ${span} day${span === 1 ? '' : 's'}`}
      table={
        <ChartTable
          caption={summary}
          head={['Day', `New ${noun}`, `Total ${noun}`]}
          rows={withNew.map((d) => ({ key: `${d.day}`, cells: [formatDay(d.day, true), formatNumber(d.added), formatNumber(d.total)] }))}
        />
      }
    >
      <ChartSvg height={H} label={summary}>
        <YAxis ticks={yTicks} y={sy} x={x0} y0={y0} y1={y1} gridRight={x1} format={(v) => formatNumber(v)} title={`↑ ${noun[0]!.toUpperCase()}${noun.slice(1)} so far`} titleX={2} titleY={16} />
        <XAxis ticks={xTicks} x={sx} y={y1} x0={x0} x1={x1} format={fDay} title={`Day (UTC, ${[...years].join('–')}) →`} titleY={H - 8} />
        <path d={area} className="fill-brand-100/80" aria-hidden="true" />
        <path d={line} fill="none" strokeWidth={2} strokeLinejoin="round" className="stroke-brand-600" aria-hidden="true" />
        {withNew.map((d, k) => {
          const next = k + 1 < withNew.length ? withNew[k + 1]!.day : domain[1];
          return (
            <g key={d.day}>
              <title>{`${formatDay(d.day, true)}: ${formatNumber(d.total)} ${noun} so far (${formatNumber(d.added)} that day)`}</title>
              {/* a transparent band over the day's step, so that the hover title is easy to reach */}
              <rect x={sx(d.day)} y={y0} width={Math.max(2, sx(next) - sx(d.day))} height={y1 - y0} fill="transparent" />
              {withNew.length <= DOTS_UP_TO && <circle cx={sx(d.day)} cy={sy(d.total)} r={3.5} strokeWidth={1.5} className="fill-white stroke-brand-600" />}
            </g>
          );
        })}
      </ChartSvg>
    </ChartFigure>
  );
}
