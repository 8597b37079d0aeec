import { formatNumber } from '@/lib/charts/format';

/** "0.58 to 0.66": an interval in words that a screen reader and a table both read well. */
export function formatInterval(low: number, high: number, format: (v: number) => string): string {
  return `${format(low)} to ${format(high)}`;
}

/** "553 images each" or "40 to 120 votes per variant". */
export function countRange(ns: readonly number[], noun: string): string {
  if (!ns.length) return `no ${noun}`;
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return lo === hi ? `${formatNumber(lo)} ${noun} each` : `${formatNumber(lo)} to ${formatNumber(hi)} ${noun} per variant`;
}
