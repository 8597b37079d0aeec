import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff';

describe('backoffMs', () => {
  it('doubles from the base and caps at the maximum', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4].map((a) => backoffMs(a, 5, 600, noJitter))).toEqual([5000, 10000, 20000, 40000]);
    expect(backoffMs(20, 5, 600, noJitter)).toBe(600_000);
  });

  it('adds at most 20% jitter', () => {
    expect(backoffMs(1, 10, 600, () => 1)).toBe(12_000);
    expect(backoffMs(1, 10, 600, () => 0.5)).toBe(11_000);
  });
});
