import { describe, expect, it } from 'vitest';
import { reproductionFixture } from './fixtures';
import { reproductionMarkdown } from './markdown';

const ready = reproductionFixture();

describe('reproductionMarkdown', () => {
  it('prints the reading, the variants table and the paired comparisons', () => {
    const md = reproductionMarkdown(ready);
    expect(md).toMatch(/^# Reproducing HierarchicalPrune on the shapes model\n/);
    expect(md).toContain('Model: shapes-mmdit-6, trained 12,000 steps.');
    expect(md).toContain('the same 4 shapes prompts × 2 images with the same seeds (seed 0, 24 steps, guidance 3)');
    expect(md).toContain('> Not measured yet: early-2');
    expect(md).toContain('- Pruning the latest 2 blocks changed GenEval by −0.125');
    expect(md).toContain('| Variant | What was done | Blocks removed | Params | Memory | Latency / step | GenEval [95% CI] | single object | two object | HPS [95% CI] |');
    expect(md).toContain('| original | the trained model, uncompressed | — | 100% | 4 KiB (100%) | 2.5 ms (Test CPU, cpu) | 1.000 [1.000, 1.000] | 1.00 | 1.00 | 21.50 [21.00, 22.00] fixture |');
    expect(md).toContain('| late-2 | the latest 2 blocks removed | 4, 5 | 67% | 2 KiB (50%) | 2.5 ms (Test CPU, cpu) | 0.875 [0.750, 1.000] | 1.00 | 0.75 |');
    expect(md).toContain('| What does removing the latest blocks cost? | late-2 − original | −0.125 |');
    expect(md).toContain('| Do late blocks matter less than early ones? | late-2 − early-2 | — | early-2 does not exist yet. | — |');
    expect(md).toMatch(/\| late-2 − original \| 0\.000 \[0\.000, 0\.000\] \| −0\.250 \[−0\.500, 0\.000\] \|/);
    expect(md).toContain('100 rounds, seed 0');
  });

  it('escapes pipes in cells', () => {
    const md = reproductionMarkdown({ ...ready, variants: [{ ...ready.variants[0], role: 'a | b' }] });
    expect(md).toContain('| a \\| b |');
  });

  it('says what is missing and how to get it when there is nothing to show', () => {
    const md = reproductionMarkdown({ ...ready, available: false, message: 'The built-in shapes model "shapes-mmdit-6" is not registered in this database. npm start builds it.', model: null, variants: [], comparisons: [], reading: [] });
    expect(md).toBe('# Reproducing HierarchicalPrune on the shapes model\n\nThe built-in shapes model "shapes-mmdit-6" is not registered in this database. npm start builds it.\n\nThe demo: being prepared (3 of 9 steps done).\n');
  });
});
