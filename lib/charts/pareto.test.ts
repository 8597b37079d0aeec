import { describe, expect, it } from 'vitest';
import { paretoFront, paretoSteps } from './pareto';

describe('Pareto front (smaller cost, larger quality)', () => {
  it('keeps the points no other point beats on both', () => {
    const points = [
      { x: 1, y: 0.5 }, // A: cheapest
      { x: 2, y: 0.7 }, // B
      { x: 3, y: 0.6 }, // C: B costs less and scores more
      { x: 4, y: 0.9 }, // D: best quality
      { x: 2, y: 0.4 }, // E: same cost as B, worse
    ];
    expect(paretoFront(points)).toEqual([0, 1, 3]);
  });

  it('keeps identical points both, and drops an equal quality at a higher cost', () => {
    const points = [
      { x: 1, y: 0.5 },
      { x: 1, y: 0.5 },
      { x: 2, y: 0.5 },
      { x: 1, y: 0.3 },
    ];
    expect(paretoFront(points)).toEqual([0, 1]);
  });

  it('skips points missing a number, and orders the front by cost', () => {
    const points = [
      { x: 5, y: 0.9 },
      { x: null, y: 1 },
      { x: 1, y: undefined },
      { x: NaN, y: 2 },
      { x: 2, y: 0.1 },
    ];
    expect(paretoFront(points)).toEqual([4, 0]);
    expect(paretoFront([])).toEqual([]);
  });

  it('is one point when one variant is both cheapest and best', () => {
    expect(paretoFront([{ x: 3, y: 1 }, { x: 1, y: 2 }, { x: 2, y: 1.5 }])).toEqual([1]);
  });
});

describe('Pareto staircase', () => {
  it('goes right at the reached quality, then up at the next front point', () => {
    expect(paretoSteps([{ x: 1, y: 0.5 }, { x: 2, y: 0.7 }, { x: 4, y: 0.9 }], 5)).toEqual([
      [1, 0.5],
      [2, 0.5],
      [2, 0.7],
      [4, 0.7],
      [4, 0.9],
      [5, 0.9],
    ]);
  });

  it('has no repeated corners for identical front points', () => {
    expect(paretoSteps([{ x: 1, y: 0.5 }, { x: 1, y: 0.5 }])).toEqual([[1, 0.5]]);
    expect(paretoSteps([])).toEqual([]);
  });
});
