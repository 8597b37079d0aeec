/**
 * Greedy placement of point labels: each label tries right, left, above, below and the diagonals
 * of its point and takes the first spot inside the plot that overlaps no earlier label and no
 * point (and, if it can, no error bar); a label with no free spot is dropped (the point keeps its
 * hover title and table row).
 */

export type TBox = { x0: number; y0: number; x1: number; y1: number };
export type TLabelRequest = { x: number; y: number; text: string; r?: number };
export type TPlacedLabel = { x: number; y: number; anchor: 'start' | 'middle' | 'end'; box: TBox };

export function overlaps(a: TBox, b: TBox): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

function within(a: TBox, b: TBox): boolean {
  return a.x0 >= b.x0 && a.x1 <= b.x1 && a.y0 >= b.y0 && a.y1 <= b.y1;
}

/**
 * charWidth and height are the text's estimated advance per character and line height in the
 * SVG's units: estimate for the largest font the chart may use, so labels do not collide when
 * the text grows on small screens.
 */
export function placeLabels(
  requests: readonly TLabelRequest[],
  {
    bounds,
    charWidth,
    height,
    gap = 3,
    obstacles = [],
    soft = [],
  }: {
    bounds: TBox;
    charWidth: number;
    height: number;
    gap?: number;
    obstacles?: readonly TBox[];
    /** avoided when some spot allows it (error bars): a label over a bar beats no label */
    soft?: readonly TBox[];
  },
): (TPlacedLabel | null)[] {
  const taken: TBox[] = [...obstacles];
  return requests.map(({ x, y, text, r = 0 }) => {
    const w = text.length * charWidth;
    const d = r + gap;
    // (left edge, top edge, anchor x, anchor) of each candidate spot, best first
    const spots: [number, number, number, TPlacedLabel['anchor']][] = [
      [x + d, y - height / 2, x + d, 'start'],
      [x - d - w, y - height / 2, x - d, 'end'],
      [x - w / 2, y - d - height, x, 'middle'],
      [x - w / 2, y + d, x, 'middle'],
      [x + d * 0.7, y - d * 0.7 - height, x + d * 0.7, 'start'],
      [x + d * 0.7, y + d * 0.7, x + d * 0.7, 'start'],
      [x - d * 0.7 - w, y - d * 0.7 - height, x - d * 0.7, 'end'],
      [x - d * 0.7 - w, y + d * 0.7, x - d * 0.7, 'end'],
    ];
    for (const avoidSoft of [true, false]) {
      for (const [left, top, ax, anchor] of spots) {
        const box = { x0: left, y0: top, x1: left + w, y1: top + height };
        if (!within(box, bounds) || taken.some((t) => overlaps(t, box)) || (avoidSoft && soft.some((t) => overlaps(t, box)))) continue;
        taken.push(box);
        // baseline a little below the middle of the line box
        return { x: ax, y: top + height * 0.75, anchor, box };
      }
    }
    return null;
  });
}
