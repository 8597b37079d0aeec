/**
 * Number formatting for chart ticks, labels and their tables. Fixed to en-US so the server and a
 * snapshot render the same text wherever they run.
 */
import { dayToDate } from './scales';

/** Three significant figures at most, trailing zeros dropped: 16, 12.8, 3.53, 512. */
function short(v: number): string {
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return String(Number(v.toFixed(digits)));
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** Binary units as the rest of PruneArena shows sizes: "512 MiB", "1.5 GiB", "12.8 GiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  let i = 0;
  let v = n;
  // 1023.9 MiB would round to "1024 MiB": move up a unit before rounding does it
  while (i < BYTE_UNITS.length - 1 && Math.abs(v) >= 1023.995) {
    v /= 1024;
    i++;
  }
  return `${short(v)} ${BYTE_UNITS[i]}`;
}

/** The unit a byte axis counts in, so its ticks read 0, 0.5, 1 GiB. */
export function byteUnit(max: number): number {
  return max >= 2 ** 30 ? 2 ** 30 : max >= 2 ** 20 ? 2 ** 20 : max >= 2 ** 10 ? 2 ** 10 : 1;
}

/** Time per image: "85 ms", "850 ms", "1.25 s", "12.3 s", "2.5 min". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const a = Math.abs(ms);
  if (a < 999.5) return `${short(ms)} ms`;
  if (a < 599_500) return `${short(ms / 1000)} s`;
  return `${short(ms / 60_000)} min`;
}

/** The unit a latency axis counts in: seconds once the largest value reaches 2 s. */
export function msUnit(max: number): number {
  return max >= 2000 ? 1000 : 1;
}

export function formatNumber(v: number, digits = 0): string {
  if (!Number.isFinite(v)) return '—';
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
}

/** Decimals a tick label needs so that neighbours differ: a step of 0.05 needs 2. */
export function tickDigits(ticks: readonly number[]): number {
  if (ticks.length < 2) return ticks.length && !Number.isInteger(ticks[0]) ? 2 : 0;
  const step = Math.abs(ticks[1]! - ticks[0]!);
  return step > 0 ? Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))) : 0;
}

export function formatPercent(share: number, digits = 0): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(digits)}%` : '—';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "12 Mar" or "12 Mar 2025" for a day number (UTC). */
export function formatDay(day: number, withYear = false): string {
  const d = dayToDate(day);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${withYear ? ` ${d.getUTCFullYear()}` : ''}`;
}

/** "Mar 2025" for a day number (UTC). */
export function formatMonth(day: number): string {
  const d = dayToDate(day);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/**
 * Cuts a label to max characters with an ellipsis; the full text goes in the chart's title and
 * table. 'middle' keeps both ends, for "model / variant" names that differ at the end.
 */
export function truncate(text: string, max: number, where: 'end' | 'middle' = 'end'): string {
  if (text.length <= max) return text;
  if (where === 'end' || max < 5) return `${text.slice(0, Math.max(1, max - 1)).trimEnd()}…`;
  const tail = Math.ceil((max - 1) / 2);
  return `${text.slice(0, max - 1 - tail).trimEnd()}…${text.slice(text.length - tail).trimStart()}`;
}

/** A difference with its sign spelled out (a true minus sign), e.g. "+0.120", "−0.045", "0.000". */
export function formatSigned(v: number, digits = 3): string {
  return `${v < 0 ? '−' : v > 0 ? '+' : ''}${Math.abs(v).toFixed(digits)}`;
}
