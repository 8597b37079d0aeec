/**
 * Delay before retry number `attempt` (1 = after the first failure): base * 2^(attempt-1), capped,
 * with up to 20% random jitter so a burst of failures does not retry in lockstep.
 */
export function backoffMs(attempt: number, baseSeconds: number, maxSeconds: number, random = Math.random): number {
  const exp = baseSeconds * 1000 * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(exp, maxSeconds * 1000);
  return Math.round(capped * (1 + 0.2 * random()));
}
