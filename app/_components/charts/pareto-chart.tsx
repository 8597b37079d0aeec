import type { ReactNode } from 'react';
import type { TLeaderboardRow } from '@/lib/leaderboard/types';
import { byteUnit, formatBytes, formatMs, formatNumber, msUnit, tickDigits, truncate } from '@/lib/charts/format';
import { placeLabels, type TBox } from '@/lib/charts/labels';
import { paretoFront, paretoSteps } from '@/lib/charts/pareto';
import { costAxis, linearTicks, niceDomain, scaleLinear, scaleLog } from '@/lib/charts/scales';
import { XAxis, YAxis } from './axis';
import { CHAR_W, ChartEmpty, ChartFigure, ChartSvg, ChartTable, Legend, LegendItem, MAX_FONT, VIEW_W, textWidth } from './frame';
import { paretoPoints, type TChartPoint, type TCost } from './leaderboard-points';
import { METRIC_INFO, type TQualityMetric } from './metrics';
import { countRange, formatInterval } from './text';

const H = 340;
const R = 6;
/** Label every point while there are this few; past it only the front gets labels. */
const LABEL_ALL_UP_TO = 8;

const COST_INFO: Record<TCost, { noun: string; axis: (log: boolean) => string; format: (v: number) => string; column: string }> = {
  memory: {
    noun: 'a memory size',
    axis: (log) => `Memory of the weights${log ? ', log scale' : ''} →`,
    format: (v) => (v === 0 ? '0' : formatBytes(v)),
    column: 'Memory',
  },
  latency: {
    noun: 'a measured latency',
    axis: (log) => `Time per image${log ? ', log scale' : ''} →`,
    format: (v) => (v === 0 ? '0' : formatMs(v)),
    column: 'Time per image',
  },
};

const METRIC_NOUN: Record<TQualityMetric, string> = { human: 'a human rating', geneval: 'a GenEval score', hps: 'an HPS score' };

/**
 * Quality against cost, one point per variant with its interval, and the Pareto front (the
 * variants nothing else beats on both) joined by a staircase and drawn as diamonds. A faint line
 * joins each variant to the one it was compressed from. Hollow marks are demo data.
 */
export function ParetoChart({
  rows,
  cost,
  metric,
  testId,
  title,
  description,
}: {
  rows: readonly TLeaderboardRow[];
  cost: TCost;
  metric: TQualityMetric;
  testId?: string;
  title?: ReactNode;
  description?: ReactNode;
}) {
  const info = METRIC_INFO[metric];
  const c = COST_INFO[cost];
  const heading = title ?? `${info.label} against ${cost === 'memory' ? 'memory' : 'time per image'}`;
  const { points, missing } = paretoPoints(rows, cost, metric);
  if (!points.length) {
    return (
      <ChartFigure testId={testId} title={heading} description={description}>
        <ChartEmpty>
          No variant has both {c.noun} and {METRIC_NOUN[metric]} yet.
        </ChartEmpty>
      </ChartFigure>
    );
  }

  // axes
  const maxX = Math.max(...points.map((p) => p.x));
  const xAxis = costAxis(
    points.map((p) => p.x),
    cost === 'memory' ? { base: 2, unit: byteUnit(maxX), count: 4 } : { base: 10, unit: msUnit(maxX), count: 4 },
  );
  const ys = points.flatMap((p) => [p.y, p.low, p.high]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const yDomain = niceDomain(Math.min(...ys), Math.max(...ys), { count: 4 });
  const yTicks = linearTicks(yDomain[0], yDomain[1], { count: 4 });
  const fy = (v: number) => formatNumber(v, info.digits);
  const fyTick = (v: number) => formatNumber(v, tickDigits(yTicks));

  const left = Math.max(...yTicks.map((t) => textWidth(fyTick(t)))) + 14;
  const lastTick = xAxis.ticks[xAxis.ticks.length - 1];
  const right = Math.max(14, lastTick === undefined ? 0 : textWidth(c.format(lastTick)) / 2 + 2);
  const top = 34;
  const bottom = 54;
  const [x0, x1, y0, y1] = [left, VIEW_W - right, top, H - bottom];
  const sx = xAxis.kind === 'log' ? scaleLog(xAxis.domain, [x0, x1]) : scaleLinear(xAxis.domain, [x0, x1]);
  const sy = scaleLinear(yDomain, [y1, y0]);
  const px = (p: { x: number }) => sx(p.x);
  const py = (p: { y: number }) => sy(p.y);

  // the front, its staircase, lineage
  const frontIdx = paretoFront(points);
  const onFront = new Set(frontIdx.map((i) => points[i]!.id));
  const front = frontIdx.map((i) => points[i]!);
  const steps = paretoSteps(front, xAxis.domain[1]).map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
  const byId = new Map(points.map((p) => [p.id, p]));
  const lineage = points.flatMap((p) => {
    const parent = p.parentId ? byId.get(p.parentId) : undefined;
    return parent ? [{ child: p, parent }] : [];
  });

  // labels: front first (cheapest first), then the rest while there are few points
  const obstacles: TBox[] = points.map((p) => ({ x0: px(p) - R, y0: py(p) - R, x1: px(p) + R, y1: py(p) + R }));
  const toLabel = [...front, ...(points.length <= LABEL_ALL_UP_TO ? points.filter((p) => !onFront.has(p.id)).sort((a, b) => a.x - b.x) : [])];
  const placed = placeLabels(
    toLabel.map((p) => ({ x: px(p), y: py(p), text: truncate(p.label, 18, 'middle'), r: R + 1 })),
    {
      bounds: { x0: 2, y0: y0 - 6, x1: VIEW_W - 2, y1: y1 - 2 },
      charWidth: CHAR_W,
      height: MAX_FONT + 2,
      gap: 3,
      obstacles,
      soft: points.flatMap((p) => (p.low !== null && p.high !== null ? [{ x0: px(p) - 4, y0: sy(p.high), x1: px(p) + 4, y1: sy(p.low) }] : [])),
    },
  );

  const describe = (p: TChartPoint) =>
    `${p.fullLabel}: ${c.format(p.x)}${p.where ? ` (${p.where})` : ''}, ${info.label} ${fy(p.y)}${p.low !== null && p.high !== null ? `, 95% interval ${formatInterval(p.low, p.high, fy)}` : ''}, ${p.n} ${info.noun}${onFront.has(p.id) ? '; on the Pareto front' : ''}${p.demo ? '; demo data' : ''}`;
  const summary = `${info.label} against ${cost === 'memory' ? 'memory' : 'time per image'} for ${points.length} variant${points.length === 1 ? '' : 's'}. On the Pareto front: ${front
    .map((p) => `${p.fullLabel} (${c.format(p.x)}, ${fy(p.y)})`)
    .join('; ')}. The table under the chart has every number.`;
  const anyDemo = points.some((p) => p.demo);
  const places = new Set(points.map((p) => p.where).filter(Boolean));

  return (
    <ChartFigure
      testId={testId}
      title={heading}
      description={description}
      counts={
        <>
          {points.length} variant{points.length === 1 ? '' : 's'}
          {missing > 0 && ` (${missing} more without ${c.noun} or ${METRIC_NOUN[metric]})`} · {countRange(points.map((p) => p.n), info.noun)} · bars are 95% intervals
          {places.size > 1 && ` · measured on ${places.size} different setups: compare times on the same one`}
        </>
      }
      legend={
        <Legend>
          <LegendItem mark={<path d="M8 1 L15 8 L8 15 L1 8 Z" className="fill-brand-600" />}>Pareto front: nothing else is both {cost === 'memory' ? 'smaller' : 'faster'} and better</LegendItem>
          <LegendItem mark={<circle cx="8" cy="8" r="6" className="fill-slate-500" />}>other variant</LegendItem>
          {lineage.length > 0 && (
            <LegendItem mark={<line x1="1" y1="8" x2="15" y2="8" strokeDasharray="3 2" strokeWidth="2" className="stroke-slate-400" />}>compressed from</LegendItem>
          )}
          {anyDemo && (
            <LegendItem mark={<circle cx="8" cy="8" r="5.5" strokeWidth="2" className="fill-white stroke-slate-500" />}>hollow: demo data, not a real measurement</LegendItem>
          )}
        </Legend>
      }
      table={
        <ChartTable
          caption={summary}
          head={['Variant', c.column, info.label, '95% interval', info.noun, 'Pareto front']}
          rows={[...points]
            .sort((a, b) => a.x - b.x)
            .map((p) => ({
              key: p.id,
              cells: [
                `${p.fullLabel}${p.demo ? ' (demo)' : ''}`,
                `${c.format(p.x)}${p.where ? ` · ${p.where}` : ''}`,
                fy(p.y),
                p.low !== null && p.high !== null ? formatInterval(p.low, p.high, fy) : '—',
                formatNumber(p.n),
                onFront.has(p.id) ? 'yes' : 'no',
              ],
            }))}
        />
      }
    >
      <ChartSvg height={H} label={summary}>
        <YAxis ticks={yTicks} y={sy} x={x0} y0={y0} y1={y1} gridRight={x1} format={fyTick} title={info.axis} titleX={2} titleY={16} />
        <XAxis ticks={xAxis.ticks} x={sx} y={y1} x0={x0} x1={x1} gridTop={y0} format={c.format} title={c.axis(xAxis.kind === 'log')} titleY={H - 8} />
        <g aria-hidden="true">
          {lineage.map(({ child, parent }) => (
            <line key={`l${child.id}`} x1={px(parent)} y1={py(parent)} x2={px(child)} y2={py(child)} strokeDasharray="4 3" strokeWidth={1.5} className="stroke-slate-300" />
          ))}
          {front.length > 1 && <polyline points={steps.join(' ')} fill="none" strokeWidth={4} strokeLinejoin="round" strokeLinecap="round" className="stroke-brand-500/30" />}
          {points.map((p) =>
            p.low !== null && p.high !== null ? (
              <g key={`e${p.id}`} strokeWidth={1.25} className={onFront.has(p.id) ? 'stroke-brand-700' : 'stroke-slate-500'}>
                <line x1={px(p)} x2={px(p)} y1={sy(p.low)} y2={sy(p.high)} />
                <line x1={px(p) - 4} x2={px(p) + 4} y1={sy(p.low)} y2={sy(p.low)} />
                <line x1={px(p) - 4} x2={px(p) + 4} y1={sy(p.high)} y2={sy(p.high)} />
              </g>
            ) : null,
          )}
        </g>
        {[...points.filter((p) => !onFront.has(p.id)), ...front].map((p) => (
          <g key={p.id} data-point={p.id}>
            <title>{describe(p)}</title>
            <PointMark x={px(p)} y={py(p)} front={onFront.has(p.id)} hollow={p.demo} />
          </g>
        ))}
        <g aria-hidden="true">
          {placed.map((l, i) =>
            l ? (
              <text
                key={toLabel[i]!.id}
                x={l.x}
                y={l.y}
                textAnchor={l.anchor}
                paintOrder="stroke"
                stroke="white"
                strokeWidth={3}
                strokeLinejoin="round"
                className={onFront.has(toLabel[i]!.id) ? 'fill-brand-700 font-medium' : 'fill-slate-600'}
              >
                {truncate(toLabel[i]!.label, 18, 'middle')}
              </text>
            ) : null,
          )}
        </g>
      </ChartSvg>
    </ChartFigure>
  );
}

/** Front points are diamonds and other points circles, so the front does not rest on colour alone. */
function PointMark({ x, y, front, hollow }: { x: number; y: number; front: boolean; hollow: boolean }) {
  // whole class names, so that Tailwind finds them in the source
  const cls = front ? (hollow ? 'fill-white stroke-brand-600' : 'fill-brand-600 stroke-white') : hollow ? 'fill-white stroke-slate-500' : 'fill-slate-500 stroke-white';
  return front ? (
    <path d={`M${x} ${y - R - 2} L${x + R + 2} ${y} L${x} ${y + R + 2} L${x - R - 2} ${y} Z`} strokeWidth={hollow ? 2 : 1} className={cls} />
  ) : (
    <circle cx={x} cy={y} r={R} strokeWidth={hollow ? 2 : 1} className={cls} />
  );
}
