import { describe, expect, it } from 'vitest';
import { summariseGenEval } from '../scoring/geneval-summary';
import { compareGenEval, direction, type TComparablePrompt } from './compare';

const P = (index: number, tag: string, images: number, correct: number): TComparablePrompt => ({ index, tag, prompt: `prompt ${index}`, images, correct });

// A: single_object 3 of 4 images (0.75), two_object 0 of 2 (0): overall 0.375
const A = { prompts: [P(0, 'single_object', 2, 1), P(1, 'single_object', 2, 2), P(2, 'two_object', 2, 0)] };
// B: single_object 4 of 4 (1), two_object 1 of 2 (0.5): overall 0.75
const B = { prompts: [P(0, 'single_object', 2, 2), P(1, 'single_object', 2, 2), P(2, 'two_object', 2, 1)] };

describe('compareGenEval', () => {
  it('gives the difference of GenEval overall (mean of task shares) and of each task, B minus A', () => {
    const c = compareGenEval(A, B, { rounds: 200 });
    expect(c.overall.a).toBeCloseTo(0.375, 12);
    expect(c.overall.b).toBeCloseTo(0.75, 12);
    expect(c.overall.diff).toBeCloseTo(0.375, 12);
    expect(c.tasks.map((t) => [t.tag, t.prompts, t.diff])).toEqual([
      ['single_object', 2, 0.25],
      ['two_object', 1, 0.5],
    ]);
    // a task with one prompt always redraws that prompt: its interval is the point
    expect(c.tasks[1].ci).toEqual([0.5, 0.5]);
    expect(c.prompts).toBe(3);
    expect(c.leftOut).toBe(0);
  });

  it('scores each side as summariseGenEval does', () => {
    const c = compareGenEval(A, B, { rounds: 0 });
    expect(c.overall.a).toBeCloseTo(summariseGenEval(A.prompts, { rounds: 0, seed: 0 }).overall.score, 12);
    expect(c.overall.b).toBeCloseTo(summariseGenEval(B.prompts, { rounds: 0, seed: 0 }).overall.score, 12);
    expect(c.overall.ci).toBeNull();
  });

  it('gives 0 with the interval [0, 0] for identical reports', () => {
    const c = compareGenEval(A, A);
    expect(c.overall.diff).toBe(0);
    expect(c.overall.ci).toEqual([0, 0]);
    expect(c.tasks.every((t) => t.diff === 0 && t.ci![0] === 0 && t.ci![1] === 0)).toBe(true);
    expect(direction(c.overall)).toBe('unclear');
    expect(c.bootstrap.rounds).toBe(2000);
  });

  it('gives an interval above 0 when B is better on every prompt', () => {
    const tags = ['single_object', 'two_object', 'counting', 'colors', 'position', 'color_attr'];
    const a = { prompts: tags.flatMap((tag, t) => [0, 1, 2].map((k) => P(3 * t + k, tag, 4, k))) };
    const b = { prompts: a.prompts.map((p) => ({ ...p, correct: p.correct + 1 })) };
    const c = compareGenEval(a, b);
    expect(c.overall.diff).toBeCloseTo(0.25, 12);
    expect(c.overall.ci![0]).toBeGreaterThan(0);
    expect(direction(c.overall)).toBe('higher');
    expect(direction(compareGenEval(b, a).overall)).toBe('lower');
  });

  it('is deterministic for a seed', () => {
    const noisyA = { prompts: Array.from({ length: 30 }, (_, i) => P(i, i % 2 ? 'counting' : 'colors', 2, (i * 7) % 3)) };
    const noisyB = { prompts: noisyA.prompts.map((p, i) => ({ ...p, correct: (i * 5) % 3 })) };
    const one = compareGenEval(noisyA, noisyB, { seed: 7 });
    expect(compareGenEval(noisyA, noisyB, { seed: 7 })).toEqual(one);
    expect(compareGenEval(noisyA, noisyB, { seed: 8 }).overall.ci).not.toEqual(one.overall.ci);
    expect(one.overall.ci![0]).toBeLessThanOrEqual(one.overall.diff);
    expect(one.overall.ci![1]).toBeGreaterThanOrEqual(one.overall.diff);
  });

  it('matches prompts by index, whatever their order, and leaves out prompts without images on either side', () => {
    const b = { prompts: [...B.prompts].reverse() };
    expect(compareGenEval(A, b, { rounds: 0 }).overall.diff).toBeCloseTo(0.375, 12);
    const withEmpty = { prompts: [...A.prompts, P(3, 'two_object', 0, 0)] };
    const c = compareGenEval(withEmpty, { prompts: [...B.prompts, P(3, 'two_object', 2, 2)] }, { rounds: 0 });
    expect(c.leftOut).toBe(1);
    expect(c.prompts).toBe(3);
    expect(c.overall.diff).toBeCloseTo(0.375, 12);
  });

  it('refuses reports that were not made on the same prompts, naming the prompt', () => {
    expect(() => compareGenEval(A, { prompts: B.prompts.slice(0, 2) })).toThrow(/prompt 2 \("prompt 2"\) is in report A only/);
    expect(() => compareGenEval({ prompts: A.prompts.slice(1) }, B)).toThrow(/prompt 0 \("prompt 0"\) is in report B only/);
    expect(() => compareGenEval(A, { prompts: [B.prompts[0], B.prompts[1], { ...B.prompts[2], prompt: 'two dogs' }] })).toThrow(/prompt 2 is "prompt 2" \(two_object\) in report A but "two dogs"/);
  });
});
