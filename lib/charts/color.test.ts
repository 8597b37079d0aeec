import { describe, expect, it } from 'vitest';
import { DIVERGING, PALETTE, SEQUENTIAL, colorFor, colorPosition, contrastRatio, interpolateColor, parseHex, relativeLuminance, textColorOn, toHex } from './color';

describe('colour interpolation', () => {
  it('reads and writes hex', () => {
    expect(parseHex('#1d46a0')).toEqual([29, 70, 160]);
    expect(parseHex('fff')).toEqual([255, 255, 255]);
    expect(toHex([29, 70, 160])).toBe('#1d46a0');
    expect(toHex([300, -4, 127.6])).toBe('#ff0080');
    expect(() => parseHex('#12345')).toThrow();
  });

  it('mixes evenly spaced stops', () => {
    expect(interpolateColor(['#000000', '#ffffff'], 0.5)).toBe('#808080');
    expect(interpolateColor(['#000000', '#ff0000', '#ffffff'], 0.75)).toBe('#ff8080');
    expect(interpolateColor(['#000000', '#ff0000', '#ffffff'], 0.5)).toBe('#ff0000');
    expect(interpolateColor(['#000000', '#ffffff'], -1)).toBe('#000000');
    expect(interpolateColor(['#000000', '#ffffff'], 2)).toBe('#ffffff');
  });

  it('places values on a sequential or diverging ramp', () => {
    expect(colorPosition(0.75, { scheme: 'diverging', domain: [0, 1] })).toBe(0.75);
    expect(colorPosition(0.25, { scheme: 'sequential', domain: [0, 1], transform: 'sqrt' })).toBe(0.5);
    // an uneven domain keeps the midpoint neutral and the scale symmetric around it
    expect(colorPosition(0.4, { scheme: 'diverging', domain: [0.4, 1], midpoint: 0.5 })).toBeCloseTo(0.4, 12);
    expect(colorPosition(2, { scheme: 'sequential', domain: [0, 1] })).toBe(1);
    expect(colorPosition(1, { scheme: 'sequential', domain: [1, 1] })).toBe(0);
    expect(colorFor(0.5, { scheme: 'diverging', domain: [0, 1] })).toBe(PALETTE.slate50);
    expect(colorFor(1, { scheme: 'sequential', domain: [0, 1] })).toBe(PALETTE.brand700);
  });
});

describe('contrast', () => {
  it('follows WCAG 2 luminance and ratios', () => {
    expect(relativeLuminance('#ffffff')).toBe(1);
    expect(relativeLuminance('#000000')).toBe(0);
    expect(contrastRatio('#000000', '#ffffff')).toBe(21);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it('picks text that reads at AA (4.5:1) on every colour of both ramps', () => {
    expect(textColorOn(PALETTE.brand700)).toBe(PALETTE.white);
    expect(textColorOn(PALETTE.slate50)).toBe(PALETTE.slate950);
    for (const ramp of [SEQUENTIAL, DIVERGING]) {
      for (let t = 0; t <= 1; t += 0.01) {
        const bg = interpolateColor(ramp, t);
        expect(contrastRatio(bg, textColorOn(bg)), `${bg} at ${t}`).toBeGreaterThanOrEqual(4.5);
      }
    }
  });
});
