import { describe, expect, it } from 'vitest';
import { byteUnit, formatBytes, formatDay, formatMonth, formatMs, formatNumber, formatPercent, msUnit, tickDigits, truncate } from './format';
import { dayNumber } from './scales';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

describe('formatting', () => {
  it('writes sizes in binary units with up to three significant figures', () => {
    expect(formatBytes(512 * MiB)).toBe('512 MiB');
    expect(formatBytes(1.5 * GiB)).toBe('1.5 GiB');
    expect(formatBytes(12.8 * GiB)).toBe('12.8 GiB');
    expect(formatBytes(3.534 * GiB)).toBe('3.53 GiB');
    expect(formatBytes(1023.999 * MiB)).toBe('1 GiB');
    expect(formatBytes(2048)).toBe('2 KiB');
    expect(formatBytes(100)).toBe('100 B');
    expect(formatBytes(0)).toBe('0 B');
    expect([byteUnit(3 * GiB), byteUnit(300 * MiB), byteUnit(5000), byteUnit(10)]).toEqual([GiB, MiB, 1024, 1]);
  });

  it('writes times per image in ms, s or min', () => {
    expect(formatMs(85)).toBe('85 ms');
    expect(formatMs(850)).toBe('850 ms');
    expect(formatMs(8.54)).toBe('8.54 ms');
    expect(formatMs(999.7)).toBe('1 s');
    expect(formatMs(1250)).toBe('1.25 s');
    expect(formatMs(12_345)).toBe('12.3 s');
    expect(formatMs(150_000)).toBe('150 s');
    expect(formatMs(900_000)).toBe('15 min');
    expect([msUnit(1500), msUnit(2500)]).toEqual([1, 1000]);
  });

  it('gives tick labels the decimals their step needs', () => {
    expect(tickDigits([0, 0.05, 0.1])).toBe(2);
    expect(tickDigits([0.4, 0.6])).toBe(1);
    expect(tickDigits([0, 5])).toBe(0);
    expect(tickDigits([980, 1000])).toBe(0);
    expect(tickDigits([0.5])).toBe(2);
  });

  it('groups thousands and fixes decimals', () => {
    expect(formatNumber(1034.4)).toBe('1,034');
    expect(formatNumber(0.62345, 3)).toBe('0.623');
    expect(formatNumber(NaN)).toBe('—');
    expect(formatPercent(0.625)).toBe('63%');
    expect(formatPercent(0.5, 1)).toBe('50.0%');
  });

  it('writes days and months in UTC', () => {
    expect(formatDay(dayNumber('2025-03-12'))).toBe('12 Mar');
    expect(formatDay(dayNumber('2025-03-12'), true)).toBe('12 Mar 2025');
    expect(formatMonth(dayNumber('2024-12-31'))).toBe('Dec 2024');
  });

  it('cuts long labels with an ellipsis, to the length asked', () => {
    expect(truncate('pruned-80-int4-recon', 10)).toBe('pruned-80…');
    expect(truncate('pruned-80-int4-recon', 10)).toHaveLength(10);
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('SD3.5 Large / pruned-80-int4', 16, 'middle')).toBe('SD3.5 L…-80-int4');
    expect(truncate('SD3.5 Large / pruned-80-int4', 16, 'middle').length).toBeLessThanOrEqual(16);
  });
});
