import { describe, expect, it } from 'vitest';
import { loadPrompts } from '../inference/prompts';
import { spreadOverTags } from './service';

describe('spreadOverTags', () => {
  it('takes prompts round-robin over tags, each tag in file order', () => {
    const ps = [{ tag: 'a', n: 1 }, { tag: 'a', n: 2 }, { tag: 'b', n: 3 }, { tag: 'c', n: 4 }, { tag: 'c', n: 5 }];
    expect(spreadOverTags(ps, 4).map((p) => p.n)).toEqual([1, 3, 4, 2]);
    expect(spreadOverTags(ps, 10).map((p) => p.n)).toEqual([1, 3, 4, 2, 5]);
  });

  it('covers all six GenEval tasks with 12 prompts, two each', () => {
    const picked = spreadOverTags(loadPrompts('geneval'), 12);
    const tags = picked.map((p) => p.tag).sort();
    expect(new Set(tags).size).toBe(6);
    expect(tags.filter((t) => t === 'counting')).toHaveLength(2);
  });

  it('does the same for the shapes world\'s prompts', () => {
    const tags = spreadOverTags(loadPrompts('shapes'), 12).map((p) => p.tag);
    expect(new Set(tags).size).toBe(6);
    expect(tags.filter((t) => t === 'single_object')).toHaveLength(2);
  });
});
