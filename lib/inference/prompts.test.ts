import { describe, expect, it } from 'vitest';
import { GENEVAL_TASKS } from '../scoring/geneval-protocol';
import { SHAPE_CLASSES } from '../shapes/world';
import { GENEVAL_PROMPT_SETS, isGenEvalPromptSet } from './prompt-sets';
import { loadPrompts } from './prompts';

describe('loadPrompts: the built-in GenEval-format sets', () => {
  it('reads the shapes world\'s 87 prompts with their GenEval metadata, all six tasks, ids as GenEval numbers its folders', () => {
    const prompts = loadPrompts('shapes');
    expect(prompts).toHaveLength(87);
    expect(prompts[0]).toEqual({ id: '00000', prompt: 'a photo of a circle', tag: 'single_object', metadata: { tag: 'single_object', include: [{ class: 'circle', count: 1 }], prompt: 'a photo of a circle' } });
    expect(prompts.at(-1)!.id).toBe('00086');
    expect(new Set(prompts.map((p) => p.tag))).toEqual(new Set(GENEVAL_TASKS));
    const classes = prompts.flatMap((p) => (p.metadata as { include: { class: string }[] }).include.map((c) => c.class));
    expect(prompts.every((p) => Array.isArray((p.metadata as { include?: unknown }).include))).toBe(true);
    expect(new Set(classes)).toEqual(new Set(SHAPE_CLASSES));
  });

  it('knows which sets carry GenEval metadata', () => {
    expect(GENEVAL_PROMPT_SETS).toEqual(['geneval', 'shapes']);
    expect(loadPrompts('geneval')).toHaveLength(553);
    expect([isGenEvalPromptSet('shapes'), isGenEvalPromptSet('geneval'), isGenEvalPromptSet('calibration'), isGenEvalPromptSet('custom')]).toEqual([true, true, false, false]);
  });
});
