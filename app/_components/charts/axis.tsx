/**
 * Axis lines, ticks, light grid lines and titles; text takes the chart's responsive size from its
 * SVG, and the parent positions the plot so that the largest size fits.
 */
export function XAxis({
  ticks,
  x,
  y,
  x0,
  x1,
  gridTop,
  format,
  title,
  titleY,
}: {
  ticks: number[];
  x: (v: number) => number;
  /** the axis line's y (the bottom of the plot) */
  y: number;
  x0: number;
  x1: number;
  gridTop?: number;
  format: (v: number) => string;
  title?: string;
  titleY?: number;
}) {
  return (
    <g aria-hidden="true">
      {gridTop !== undefined &&
        ticks.map((t) => <line key={`g${t}`} x1={x(t)} x2={x(t)} y1={gridTop} y2={y} className="stroke-slate-100" strokeWidth={1} />)}
      <line x1={x0} x2={x1} y1={y} y2={y} className="stroke-slate-300" strokeWidth={1} />
      {ticks.map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={y} y2={y + 4} className="stroke-slate-400" strokeWidth={1} />
          <text x={x(t)} y={y + 20} textAnchor="middle" className="fill-slate-600">
            {format(t)}
          </text>
        </g>
      ))}
      {title && (
        <text x={x1} y={titleY ?? y + 42} textAnchor="end" className="fill-slate-700 font-medium">
          {title}
        </text>
      )}
    </g>
  );
}

export function YAxis({
  ticks,
  y,
  x,
  y0,
  y1,
  gridRight,
  format,
  title,
  titleX = 0,
  titleY,
}: {
  ticks: number[];
  y: (v: number) => number;
  /** the axis line's x (the left of the plot) */
  x: number;
  y0: number;
  y1: number;
  gridRight?: number;
  format: (v: number) => string;
  /** written level above the axis ("↑ GenEval"), readable on a phone where a rotated title is not */
  title?: string;
  titleX?: number;
  titleY?: number;
}) {
  return (
    <g aria-hidden="true">
      {gridRight !== undefined &&
        ticks.map((t) => <line key={`g${t}`} x1={x} x2={gridRight} y1={y(t)} y2={y(t)} className="stroke-slate-100" strokeWidth={1} />)}
      <line x1={x} x2={x} y1={y0} y2={y1} className="stroke-slate-300" strokeWidth={1} />
      {ticks.map((t) => (
        <g key={t}>
          <line x1={x - 4} x2={x} y1={y(t)} y2={y(t)} className="stroke-slate-400" strokeWidth={1} />
          <text x={x - 7} y={y(t)} dy="0.35em" textAnchor="end" className="fill-slate-600">
            {format(t)}
          </text>
        </g>
      ))}
      {title && (
        <text x={titleX} y={titleY ?? Math.min(y0, y1) - 12} className="fill-slate-700 font-medium">
          {title}
        </text>
      )}
    </g>
  );
}
