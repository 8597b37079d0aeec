import { describe, expect, it } from 'vitest';
import { costAxis, dayNumber, dayTicks, linearTicks, logTicks, niceDomain, niceStep, scaleLinear, scaleLog } from './scales';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

describe('linear ticks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(1, 5)).toBe(0.2);
    expect(niceStep(0.37, 5)).toBe(0.1);
    expect(niceStep(100, 10)).toBe(10);
    expect(niceStep(16, 5)).toBe(5);
    expect(niceStep(0, 5)).toBe(1);
  });

  it('gives round ticks inside the range, without binary noise', () => {
    expect(linearTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(0.31, 0.68)).toEqual([0.4, 0.5, 0.6]);
    expect(linearTicks(-1, 1)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(linearTicks(3.2, 3.8, { count: 4 })).toEqual([3.2, 3.4, 3.6, 3.8]);
    expect(linearTicks(1, 0)).toEqual(linearTicks(0, 1));
    expect(linearTicks(7, 7)).toEqual([7]);
    expect(linearTicks(0, NaN)).toEqual([]);
  });

  it('counts in whole numbers when asked (votes)', () => {
    expect(linearTicks(0, 3, { integer: true })).toEqual([0, 1, 2, 3]);
  });

  it('widens a domain to its tick step, and gives a single value room', () => {
    expect(niceDomain(0.31, 0.68)).toEqual([0.3, 0.7]);
    expect(niceDomain(980, 1075)).toEqual([980, 1080]);
    expect(niceDomain(5, 5)).toEqual([4.4, 5.6]);
    expect(niceDomain(0, 0)).toEqual([-1, 1]);
    expect(niceDomain(0, 2.2, { count: 4, integer: true })).toEqual([0, 3]);
  });
});

describe('log ticks', () => {
  it('uses 1, 2, 5 per decade, thinning to decades when there are too many', () => {
    expect(logTicks(100, 2000)).toEqual([100, 200, 500, 1000, 2000]);
    expect(logTicks(1, 1e6)).toEqual([1, 100, 1e4, 1e6]);
    expect(logTicks(0.003, 0.04)).toEqual([0.005, 0.01, 0.02]);
  });

  it('falls back to every integer multiple, then to linear ticks, in a narrow range', () => {
    expect(logTicks(3, 4)).toEqual([3, 4]);
    expect(logTicks(3.2, 3.8)).toEqual([3.2, 3.4, 3.6, 3.8]);
  });

  it('puts byte sizes on powers of two', () => {
    expect(logTicks(300 * MiB, 5 * GiB, { base: 2 })).toEqual([512 * MiB, GiB, 2 * GiB, 4 * GiB]);
    expect(logTicks(1, 2 ** 20, { base: 2, maxCount: 6 })).toEqual([1, 16, 256, 4096, 65536, 2 ** 20]);
    expect(logTicks(3, 5, { base: 2 })).toEqual([3, 4]);
  });

  it('has no ticks for a range that is not positive', () => {
    expect(logTicks(0, 10)).toEqual([]);
  });
});

describe('scales', () => {
  it('maps a linear domain onto pixels, either way up', () => {
    expect(scaleLinear([0, 10], [0, 100])(5)).toBe(50);
    expect(scaleLinear([0, 10], [100, 0])(2.5)).toBe(75);
    expect(scaleLinear([3, 3], [0, 100])(3)).toBe(50);
  });

  it('maps a log domain by ratios', () => {
    expect(scaleLog([1, 100], [0, 200])(10)).toBeCloseTo(100, 12);
    expect(scaleLog([1, 100], [0, 200])(100)).toBeCloseTo(200, 12);
  });

  it('draws costs on a log axis when they span 4x, else linearly from zero in the display unit', () => {
    const log = costAxis([300 * MiB, 16 * GiB], { base: 2 });
    expect(log.kind).toBe('log');
    expect(log.domain[0]).toBeLessThan(300 * MiB);
    expect(log.domain[1]).toBeGreaterThan(16 * GiB);
    // seven powers of two would crowd a phone: every other one
    expect(log.ticks).toEqual([256 * MiB, GiB, 4 * GiB, 16 * GiB]);
    const lin = costAxis([12 * GiB, 16 * GiB], { base: 2, unit: GiB });
    expect(lin).toEqual({ kind: 'linear', domain: [0, 20 * GiB], ticks: [0, 5 * GiB, 10 * GiB, 15 * GiB, 20 * GiB] });
    expect(costAxis([]).ticks.length).toBeGreaterThan(0);
  });
});

describe('date ticks', () => {
  it('counts days in UTC', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dayNumber('2025-03-12')).toBe(dayNumber('2025-03-12T23:59:59.000Z'));
    expect(dayNumber('2025-03-13') - dayNumber('2025-02-27')).toBe(14);
  });

  it('ticks every day, every 2 or 3 days, or weekly in a short range', () => {
    expect(dayTicks(0, 3)).toEqual({ ticks: [0, 1, 2, 3], unit: 'day' });
    expect(dayTicks(0, 6)).toEqual({ ticks: [0, 2, 4, 6], unit: 'day' });
    expect(dayTicks(0, 11, 4)).toEqual({ ticks: [0, 3, 6, 9], unit: 'day' });
    expect(dayTicks(0, 20)).toEqual({ ticks: [0, 7, 14], unit: 'day' });
  });

  it('ticks on the first of the month in a long range', () => {
    const { ticks, unit } = dayTicks(dayNumber('2025-01-15'), dayNumber('2025-06-20'));
    expect(unit).toBe('month');
    expect(ticks).toEqual(['2025-02-01', '2025-03-01', '2025-04-01', '2025-05-01', '2025-06-01'].map(dayNumber));
    const long = dayTicks(dayNumber('2024-01-01'), dayNumber('2025-12-31'));
    expect(long.ticks).toEqual(['2024-01-01', '2024-07-01', '2025-01-01', '2025-07-01'].map(dayNumber));
  });
});
