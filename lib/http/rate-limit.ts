import { AppError } from '../errors';

/**
 * A fixed-window request counter per key, in this process's memory. It keeps one participant
 * (or one address) from flooding the participant API; with several web machines each counts its
 * own share, which is enough for that purpose and needs no shared store.
 */
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request; throws TOO_MANY_REQUESTS once the key is over its limit in this window. */
  hit(key: string): void {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      w = { start: t, count: 0 };
      this.windows.set(key, w);
      if (this.windows.size > 50_000) this.sweep(t);
    }
    w.count++;
    if (w.count > this.limit) {
      const wait = Math.ceil((w.start + this.windowMs - t) / 1000);
      throw new AppError('TOO_MANY_REQUESTS', `Too many requests: wait ${wait} s and try again.`, { retryAfterSeconds: wait });
    }
  }

  private sweep(t: number) {
    for (const [k, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(k);
  }
}
