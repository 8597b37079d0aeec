import { describe, expect, it } from 'vitest';
import { overlaps, placeLabels } from './labels';

const bounds = { x0: 0, y0: 0, x1: 100, y1: 100 };

describe('label placement', () => {
  it('puts a label right of its point when there is room', () => {
    const [a] = placeLabels([{ x: 10, y: 50, text: 'abc', r: 2 }], { bounds, charWidth: 5, height: 10, gap: 3 });
    expect(a).toEqual({ x: 15, y: 52.5, anchor: 'start', box: { x0: 15, y0: 45, x1: 30, y1: 55 } });
  });

  it('moves a label left at the right edge', () => {
    const [a] = placeLabels([{ x: 95, y: 50, text: 'abc', r: 2 }], { bounds, charWidth: 5, height: 10, gap: 3 });
    expect(a).toMatchObject({ x: 90, anchor: 'end' });
  });

  it('moves a second label below when right, left and above collide or leave the plot', () => {
    const placed = placeLabels(
      [
        { x: 10, y: 50, text: 'abc', r: 2 },
        { x: 10, y: 52, text: 'abc', r: 2 },
      ],
      { bounds, charWidth: 5, height: 10, gap: 3 },
    );
    expect(placed[1]).toMatchObject({ x: 10, y: 64.5, anchor: 'middle' });
    expect(overlaps(placed[0]!.box, placed[1]!.box)).toBe(false);
  });

  it('drops a label with no free spot, and keeps labels off the points', () => {
    const tight = { x0: 0, y0: 0, x1: 20, y1: 20 };
    expect(placeLabels([{ x: 10, y: 10, text: 'a long label', r: 2 }], { bounds: tight, charWidth: 5, height: 10 })).toEqual([null]);
    const [a] = placeLabels([{ x: 10, y: 50, text: 'abc', r: 2 }], { bounds, charWidth: 5, height: 10, gap: 3, obstacles: [{ x0: 18, y0: 48, x1: 22, y1: 52 }] });
    expect(a?.anchor).not.toBe('start');
  });

  it('keeps off error bars where it can, and crosses one rather than drop the label', () => {
    const bar = { x0: 18, y0: 0, x1: 22, y1: 100 };
    const [a] = placeLabels([{ x: 10, y: 50, text: 'abc', r: 2 }], { bounds, charWidth: 5, height: 10, gap: 3, soft: [bar] });
    expect(a?.anchor).toBe('middle');
    const wall = { x0: 0, y0: 0, x1: 100, y1: 100 };
    const [b] = placeLabels([{ x: 10, y: 50, text: 'abc', r: 2 }], { bounds, charWidth: 5, height: 10, gap: 3, soft: [wall] });
    expect(b?.anchor).toBe('start');
  });
});
