/**
 * The Pareto front of cost (memory, latency: smaller is better) against quality (larger is
 * better): the variants no other variant beats on both at once.
 */

export type TCostQuality = { x: number | null | undefined; y: number | null | undefined };

function usable(p: TCostQuality): p is { x: number; y: number } {
  return typeof p.x === 'number' && typeof p.y === 'number' && Number.isFinite(p.x) && Number.isFinite(p.y);
}

/**
 * Indices of the points on the front, by cost ascending. A point is off the front when another
 * point costs no more and scores no less, and is strictly better on one of the two. Identical
 * points do not dominate each other, so both stay; points missing either number are skipped.
 */
export function paretoFront(points: readonly TCostQuality[]): number[] {
  const order = points
    .map((p, i) => ({ p, i }))
    .filter((e): e is { p: { x: number; y: number }; i: number } => usable(e.p))
    .sort((a, b) => a.p.x - b.p.x || b.p.y - a.p.y || a.i - b.i);
  const front: number[] = [];
  let best = -Infinity;
  for (let k = 0; k < order.length; ) {
    // one cost at a time: only the group's best quality can be on the front, and only when it
    // beats every cheaper point (an equal quality at a lower cost dominates it)
    const x = order[k]!.p.x;
    const top = order[k]!.p.y;
    for (; k < order.length && order[k]!.p.x === x; k++) if (order[k]!.p.y === top && top > best) front.push(order[k]!.i);
    if (top > best) best = top;
  }
  return front;
}

/**
 * The front as a staircase in data coordinates: from each front point right to the next one's
 * cost, then up to its quality (the best quality reachable at each cost), ending at xEnd if given.
 */
export function paretoSteps(front: readonly { x: number; y: number }[], xEnd?: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [k, p] of front.entries()) {
    if (k > 0) out.push([p.x, front[k - 1]!.y]);
    out.push([p.x, p.y]);
  }
  if (front.length && xEnd !== undefined && xEnd > front[front.length - 1]!.x) out.push([xEnd, front[front.length - 1]!.y]);
  // identical front points make repeated corners
  return out.filter((p, k) => k === 0 || p[0] !== out[k - 1]![0] || p[1] !== out[k - 1]![1]);
}
