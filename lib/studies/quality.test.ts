import { describe, expect, it } from 'vitest';
import { assessParticipant, type TAnsweredTrial } from './quality';

const rules = { minResponseMs: 500, exclusion: { failedChecks: 2, fastShare: 0.5, sameSideShare: 0.95 } };
const comp = (choice: 'left' | 'right' | 'tie', responseMs = 2000): TAnsweredTrial => ({ kind: 'comparison', expected: null, choice, responseMs });
const check = (expected: 'left' | 'right', choice: 'left' | 'right', kind: 'instructed' | 'gold' = 'instructed'): TAnsweredTrial => ({ kind, expected, choice, responseMs: 1500 });

describe('participant quality', () => {
  it('a careful participant has no flags', () => {
    const q = assessParticipant([comp('left'), comp('right'), check('left', 'left'), comp('tie'), check('right', 'right', 'gold')], rules);
    expect(q).toMatchObject({ answered: 5, checks: 2, failedChecks: 0, flags: [], excluded: false });
  });

  it('one failed check is flagged but does not exclude under a two-failure rule', () => {
    const q = assessParticipant([comp('left'), check('left', 'right'), check('right', 'right')], rules);
    expect(q.flags).toEqual(['failed 1 of 2 attention checks']);
    expect(q.excluded).toBe(false);
    const two = assessParticipant([check('left', 'right'), check('right', 'left')], rules);
    expect(two.excluded).toBe(true);
    expect(two.reasons[0]).toMatch(/failed 2 attention checks/);
  });

  it('implausibly fast answers are flagged, and excluded past the share the study set', () => {
    const q = assessParticipant([comp('left', 100), comp('right', 200), comp('left', 3000)], rules);
    expect(q.flags).toContain('2 of 3 answers faster than 500 ms');
    expect(q.fastShare).toBeCloseTo(2 / 3);
    expect(q.excluded).toBe(true);
  });

  it('always the same side is judged only over ten comparisons or more; ties do not count', () => {
    expect(assessParticipant(Array.from({ length: 9 }, () => comp('left')), rules).flags).toEqual([]);
    const q = assessParticipant([...Array.from({ length: 10 }, () => comp('left')), comp('tie')], rules);
    expect(q.sameSideShare).toBe(1);
    expect(q.flags).toEqual(['100% of answers on the same side']);
    expect(q.excluded).toBe(true);
  });

  it('rules switched off exclude nobody, while flags are still shown', () => {
    const off = { minResponseMs: 500, exclusion: { failedChecks: null, fastShare: null, sameSideShare: null } };
    const q = assessParticipant([check('left', 'right'), check('left', 'right'), comp('left', 10)], off);
    expect(q.flags.length).toBe(2);
    expect(q.excluded).toBe(false);
  });
});
