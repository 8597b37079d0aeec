import type { TPairCounts } from './counts';

/**
 * The comparison graph behind a Bradley-Terry fit.
 *
 * - Connected components (an edge wherever two models met): ratings in different components
 *   share no scale, so they cannot be ranked against each other.
 * - Strongly connected components of the "beat" graph (i -> j when i beat j at least once; a tie
 *   is an edge both ways): the maximum-likelihood estimate exists, finite, exactly when a
 *   connected component is one strong component (Zermelo 1929, Ford 1957). Otherwise some group
 *   never lost to the rest, and the likelihood keeps rising as that group's ratings go to +∞.
 */
export function connectedComponents(counts: TPairCounts): { of: Int32Array; components: number[][] } {
  const k = counts.k;
  const parent = Int32Array.from({ length: k }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (let p = 0; p < counts.pairI.length; p++) {
    if (counts.winsI[p] + counts.winsJ[p] + counts.ties[p] <= 0) continue;
    const a = find(counts.pairI[p]);
    const b = find(counts.pairJ[p]);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  const byRoot = new Map<number, number[]>();
  for (let m = 0; m < k; m++) {
    const r = find(m);
    if (!byRoot.has(r)) byRoot.set(r, []);
    byRoot.get(r)!.push(m);
  }
  const components = [...byRoot.values()];
  const of = new Int32Array(k);
  components.forEach((c, x) => c.forEach((m) => (of[m] = x)));
  return { of, components };
}

/**
 * Strong components of the beat graph, best first (a topological order of the groups: nobody in a
 * later group beat anybody in an earlier one). One group means the MLE exists.
 */
export function strongComponents(counts: TPairCounts): number[][] {
  const k = counts.k;
  const adjacency: number[][] = Array.from({ length: k }, () => []);
  for (let p = 0; p < counts.pairI.length; p++) {
    const i = counts.pairI[p];
    const j = counts.pairJ[p];
    if (counts.winsI[p] > 0 || counts.ties[p] > 0) adjacency[i].push(j);
    if (counts.winsJ[p] > 0 || counts.ties[p] > 0) adjacency[j].push(i);
  }
  // Tarjan's algorithm without recursion; it emits groups sinks first.
  const index = new Int32Array(k).fill(-1);
  const low = new Int32Array(k);
  const onStack = new Uint8Array(k);
  const stack: number[] = [];
  const groups: number[][] = [];
  let next = 0;
  for (let root = 0; root < k; root++) {
    if (index[root] >= 0) continue;
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length) {
      const frame = work[work.length - 1];
      const v = frame[0];
      if (frame[1] < adjacency[v].length) {
        const w = adjacency[v][frame[1]++];
        if (index[w] < 0) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      work.pop();
      if (work.length) {
        const u = work[work.length - 1][0];
        low[u] = Math.min(low[u], low[v]);
      }
      if (low[v] === index[v]) {
        const group: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          group.push(w);
        } while (w !== v);
        groups.push(group.sort((x, y) => x - y));
      }
    }
  }
  return groups.reverse();
}

/**
 * True when all models of counts are in one strong component: the MLE exists and is finite.
 * `connected`: the caller knows that the pairs with votes connect all models (a bootstrap
 * replicate of a connected study in which every pair still has votes), which saves the search.
 */
export function mleExists(counts: TPairCounts, connected = false): boolean {
  // The common case first: every pair that met was won both ways (or tied), so the beat graph is
  // the comparison graph and one strong component means one connected component.
  let symmetric = true;
  let everyPair = true;
  for (let p = 0; p < counts.pairI.length && symmetric; p++) {
    const t = counts.ties[p];
    const forward = counts.winsI[p] > 0 || t > 0;
    const backward = counts.winsJ[p] > 0 || t > 0;
    if (forward !== backward) symmetric = false;
    if (!forward) everyPair = false;
  }
  if (symmetric) return (connected && everyPair) || connectedComponents(counts).components.length === 1;
  return strongComponents(counts).length === 1;
}
