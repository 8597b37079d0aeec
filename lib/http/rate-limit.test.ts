import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  it('allows the limit per window and key, refuses the next with 429 and the wait, and forgets after the window', () => {
    let now = 1_000;
    const rl = new RateLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) rl.hit('a');
    rl.hit('b');
    let err: unknown;
    try {
      rl.hit('a');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(429);
    expect((err as AppError).message).toMatch(/wait 60 s/);
    now += 30_000;
    expect(() => rl.hit('a')).toThrow(/wait 30 s/);
    now += 30_000;
    expect(() => rl.hit('a')).not.toThrow();
  });
});
