/**
 * Scales and axis ticks for the server-rendered SVG charts: plain functions, no DOM, so the charts
 * render the same on the server and in tests.
 */

export type TDomain = readonly [number, number];

/** Step of 1, 2 or 5 times a power of ten, near span / count (d3's thresholds: √50, √10, √2). */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span) || !(count > 0)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  const m = f >= Math.sqrt(50) ? 10 : f >= Math.sqrt(10) ? 5 : f >= Math.SQRT2 ? 2 : 1;
  return m * power;
}

/** i * step without the binary noise of 0.1 + 0.2: small steps divide by their (integral) inverse. */
function stepValue(i: number, step: number): number {
  // `|| 0`: Math.ceil(-1e-9) is -0, which prints as 0 but is not 0 to Object.is
  return (step >= 1 ? i * step : i / Math.round(1 / step)) || 0;
}

type TTickOptions = { count?: number; integer?: boolean };

/** Round ticks (multiples of a 1/2/5 step) inside [min, max]. */
export function linearTicks(min: number, max: number, { count = 5, integer = false }: TTickOptions = {}): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min > max) [min, max] = [max, min];
  if (min === max) return [min];
  let step = niceStep(max - min, count);
  if (integer) step = Math.max(1, step);
  const out: number[] = [];
  for (let i = Math.ceil(min / step - 1e-9); i <= Math.floor(max / step + 1e-9); i++) out.push(stepValue(i, step));
  return out;
}

/** [min, max] widened to multiples of its tick step; a single value gets room around it. */
export function niceDomain(min: number, max: number, { count = 5, integer = false }: TTickOptions = {}): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    [min, max] = [min - pad, max + pad];
  }
  // twice: widening can change the step (d3 does the same)
  for (let k = 0; k < 2; k++) {
    let step = niceStep(max - min, count);
    if (integer) step = Math.max(1, step);
    min = stepValue(Math.floor(min / step + 1e-9), step);
    max = stepValue(Math.ceil(max / step - 1e-9), step);
  }
  return [min, max];
}

/**
 * Ticks for a log axis inside [min, max] (both > 0). Base 10 gives 1, 2, 5 × 10^k (thinned to
 * decades when there are too many); base 2 gives powers of two (512 MiB, 1 GiB, 2 GiB: byte
 * sizes), thinned to every 2nd or 4th. A range too narrow for two such ticks gets linear ticks.
 */
export function logTicks(min: number, max: number, { base = 10, maxCount = 6 }: { base?: 2 | 10; maxCount?: number } = {}): number[] {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min > max) [min, max] = [max, min];
  const inside = (v: number) => v >= min * (1 - 1e-12) && v <= max * (1 + 1e-12);
  const lo = Math.floor(Math.log(min) / Math.log(base)) - 1;
  const hi = Math.ceil(Math.log(max) / Math.log(base)) + 1;
  const candidates: number[][] =
    base === 10
      ? [[1, 2, 5], [1], [1, 2, 3, 4, 5, 6, 7, 8, 9]]
      : [[1], [1, 1.5]];
  const at = (mults: number[], every = 1) => {
    const out: number[] = [];
    for (let k = lo; k <= hi; k++) {
      if (((k % every) + every) % every !== 0) continue;
      for (const m of mults) {
        // m / 10^3 rather than m * 10^-3: 0.002, not 0.0020000000000000005
        const v = base === 10 && k < 0 ? m / 10 ** -k : m * base ** k;
        if (inside(v)) out.push(v);
      }
    }
    return out;
  };
  let ticks = at(candidates[0]!);
  if (ticks.length > maxCount) {
    if (base === 10) ticks = at([1]);
    for (let every = 2; ticks.length > maxCount; every *= 2) ticks = at([1], every);
  } else if (ticks.length < 2) {
    ticks = at(candidates[candidates.length - 1]!);
    if (ticks.length < 2) ticks = linearTicks(min, max, { count: 4 });
  }
  return ticks;
}

/** Maps a domain onto a pixel range; a collapsed domain maps to the range's middle. */
export function scaleLinear(domain: TDomain, range: TDomain): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d0 === d1) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

export function scaleLog(domain: TDomain, range: TDomain): (v: number) => number {
  const lin = scaleLinear([Math.log(domain[0]), Math.log(domain[1])], range);
  return (v) => lin(Math.log(v));
}

/**
 * A cost axis (memory, latency): log when the values span 4× or more, so a 10× smaller variant
 * is not squeezed into a corner; otherwise linear from zero, so sizes compare by length.
 */
export function costAxis(values: number[], { base = 10, count = 5, unit = 1 }: { base?: 2 | 10; count?: number; unit?: number } = {}): {
  kind: 'linear' | 'log';
  domain: [number, number];
  ticks: number[];
} {
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  if (!finite.length) return { kind: 'linear', domain: [0, unit], ticks: [0, unit] };
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  if (max / min >= 4) {
    const pad = Math.max(1.08, (max / min) ** 0.06);
    const domain: [number, number] = [min / pad, max * pad];
    return { kind: 'log', domain, ticks: logTicks(domain[0], domain[1], { base, maxCount: count + 1 }) };
  }
  // ticks in the display unit (GiB, s), so that they read 0, 0.5, 1 GiB rather than 0, 5e8 bytes
  const [, top] = niceDomain(0, max / unit, { count });
  return { kind: 'linear', domain: [0, top * unit], ticks: linearTicks(0, top, { count }).map((t) => t * unit) };
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 (UTC) of "YYYY-MM-DD" or a full ISO time. */
export function dayNumber(date: string): number {
  const [y, m, d] = date.slice(0, 10).split('-').map(Number);
  return Math.floor(Date.UTC(y!, m! - 1, d!) / DAY_MS);
}

export function dayToDate(day: number): Date {
  return new Date(day * DAY_MS);
}

/**
 * Date ticks between two day numbers, at most maxCount: every 1, 2, 3, 7 or 14 days from the first
 * day, or else on the first of every 1, 2, 3, 6 or 12 months.
 */
export function dayTicks(first: number, last: number, maxCount = 5): { ticks: number[]; unit: 'day' | 'month' } {
  if (last < first) [first, last] = [last, first];
  for (const step of [1, 2, 3, 7, 14]) {
    if (Math.floor((last - first) / step) + 1 <= maxCount) {
      const ticks: number[] = [];
      for (let d = first; d <= last; d += step) ticks.push(d);
      return { ticks, unit: 'day' };
    }
  }
  const start = dayToDate(first);
  const months: number[] = [];
  // month starts after the first day, as month indices since year 0
  for (let mi = start.getUTCFullYear() * 12 + start.getUTCMonth() + (start.getUTCDate() === 1 ? 0 : 1); ; mi++) {
    const day = Math.floor(Date.UTC(Math.floor(mi / 12), mi % 12, 1) / DAY_MS);
    if (day > last) break;
    months.push(mi);
  }
  for (const every of [1, 2, 3, 6, 12, 24, 60]) {
    const kept = months.filter((mi) => mi % every === 0);
    if (kept.length <= maxCount) {
      return { ticks: kept.map((mi) => Math.floor(Date.UTC(Math.floor(mi / 12), mi % 12, 1) / DAY_MS)), unit: 'month' };
    }
  }
  return { ticks: [first, last], unit: 'month' };
}
