import { describe, expect, it } from 'vitest';
import { classifyColourByPixels, COLOUR_SWATCHES, pixelColour } from './colour-pixel';
import { compositeOnGrey, cropObject } from './crop';
import { canvas, fillRect } from './geneval-fixtures';
import { GENEVAL_COLOURS } from './geneval-protocol';
import { decodeRle, encodeRle } from './rle';

describe('pixel colour classifier', () => {
  it.each(GENEVAL_COLOURS.map((c) => [c]))('names the %s reference swatch', async (colour) => {
    const [r, g, b] = COLOUR_SWATCHES[colour];
    const rgb = new Uint8Array(4 * 4 * 3).map((_, i) => [r, g, b][i % 3]);
    const out = await classifyColourByPixels({ width: 4, height: 4, rgb });
    expect(out.colour).toBe(colour);
    expect(out.scores[colour]).toBe(1);
  });

  it('names common shades the way people do', () => {
    const shades: [number[], string][] = [
      [[0, 0, 128], 'blue'], [[135, 206, 235], 'blue'], [[139, 0, 0], 'red'], [[255, 105, 180], 'pink'], [[75, 0, 130], 'purple'],
      [[0, 255, 0], 'green'], [[255, 215, 0], 'yellow'], [[255, 140, 0], 'orange'], [[160, 82, 45], 'brown'], [[210, 180, 140], 'brown'],
      [[192, 192, 192], 'white'], [[40, 40, 40], 'black'],
    ];
    for (const [[r, g, b], want] of shades) expect([r, g, b, pixelColour(r, g, b)]).toEqual([r, g, b, want]);
  });

  it('votes over the masked pixels only, and over the whole crop when the mask is empty', async () => {
    const img = canvas(10, 10, [255, 0, 0]);
    const mask = fillRect(img, [0, 0, 3, 3], [0, 0, 255]);
    const crop = cropObject(img, [0, 0, 10, 10], mask);
    const masked = await classifyColourByPixels(crop);
    expect(masked.colour).toBe('blue');
    expect(masked.scores.blue).toBe(1);
    const unmasked = await classifyColourByPixels({ ...crop, mask: new Uint8Array(100) });
    expect(unmasked.colour).toBe('red');
    expect(unmasked.scores.blue).toBeCloseTo(0.09);
  });
});

describe('crops', () => {
  it('round the box as PIL does (halves to even), clamp to the image, and grey out pixels off the mask', () => {
    const img = canvas(8, 8, [0, 0, 0]);
    const mask = fillRect(img, [2, 2, 4, 4], [255, 255, 255]);
    const crop = cropObject(img, [1.5, 2.5, 4.5, 9.7], mask);
    expect([crop.width, crop.height]).toEqual([2, 6]); // x 2..4, y 2..8
    expect(Array.from(crop.mask!.slice(0, 4))).toEqual([1, 1, 1, 1]);
    expect(Array.from(compositeOnGrey(crop).slice(12, 15))).toEqual([0x99, 0x99, 0x99]);
    expect(cropObject(img, [3, 3, 3, 3]).width).toBe(1);
  });
});

describe('COCO RLE', () => {
  // written by pycocotools 2.0: mask.encode(np.asfortranarray(m))
  const cases = [
    { size: [5, 7], counts: "031N21N20O010N011NO", rows: ["1000111", "1011110", "1011100", "0111111", "1110010"] },
    { size: [12, 9], counts: "463K11NOO40L01030L1000O21O1ON0053KN20N41LOO010O01020", rows: ["001100000", "011111101", "001110000", "001111001", "101001110", "100101110", "111011101", "110011000", "101101010", "101000100", "010000010", "001110001"] },
  ];

  it('decodes pycocotools strings and encodes them back identically', () => {
    for (const c of cases) {
      const m = decodeRle({ size: c.size as [number, number], counts: c.counts });
      expect(Array.from({ length: m.height }, (_, y) => Array.from(m.data.slice(y * m.width, (y + 1) * m.width)).join(''))).toEqual(c.rows);
      expect(encodeRle(m).counts).toBe(c.counts);
    }
    const big = { size: [300, 400] as [number, number], counts: BIG };
    const m = decodeRle(big);
    expect(m.data.reduce((s, v) => s + v, 0)).toBe(200 * 250);
    expect([m.data[50 * 400 + 100], m.data[249 * 400 + 349], m.data[49 * 400 + 100], m.data[50 * 400 + 350]]).toEqual([1, 1, 0, 0]);
    expect(encodeRle(m).counts).toBe(BIG);
    expect(Buffer.from(decodeRle(encodeRle(m, false)).data).equals(Buffer.from(m.data))).toBe(true);
  });

  it('rejects runs that do not cover the image', () => {
    expect(() => decodeRle({ size: [2, 2], counts: [1, 2] })).toThrow(/cover 3 pixels/);
  });
});

// a 200 x 250 rectangle at x 100..349, y 50..249 in a 400 x 300 image
const BIG = "R[m0X6T300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000Vc>";
