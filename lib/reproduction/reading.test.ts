import { describe, expect, it } from 'vitest';
import type { TPairedDiff } from './compare';
import { describeChange, readingSentences, type TReadingInput } from './reading';

const d = (diff: number, lo: number, hi: number): TPairedDiff => ({ a: 0.5, b: 0.5 + diff, diff, ci: [lo, hi] });

const NAMES = { late: 'late-2', early: 'early-2', hp: 'hp', hpRecon: 'hp-recon', hpReconInt4: 'hp-recon-int4', int4: 'int4' };
const none: TReadingInput = {
  k: 2,
  names: NAMES,
  late: null,
  early: null,
  lateMinusEarly: null,
  hp: null,
  reconMinusHp: null,
  hpMinusLate: null,
  removed: { hp: null, late: null },
  int4: null,
  reconInt4MinusRecon: null,
  memory: { int4: null, hpReconInt4: null },
  fixture: { geneval: false, hps: false },
};
const read = (over: Partial<TReadingInput>) => readingSentences({ ...none, ...over });

describe('describeChange', () => {
  it('calls a difference a loss or a gain only when its interval excludes 0', () => {
    expect(describeChange(d(-0.08, -0.13, -0.03))).toBe('lowered GenEval by 0.080 (95% CI 0.030 to 0.130)');
    expect(describeChange(d(0.05, 0.01, 0.09), 'it')).toBe('raised it by 0.050 (95% CI 0.010 to 0.090)');
    expect(describeChange(d(-0.01, -0.04, 0.02))).toBe('changed GenEval by −0.010 (95% CI −0.040 to +0.020), no clear change at this sample size');
    expect(describeChange({ a: 0.5, b: 0.5, diff: 0, ci: null })).toBe('changed GenEval by 0.000 (no interval), no clear change at this sample size');
    expect(describeChange(d(0, 0, 0))).toBe('left GenEval exactly as it was on these prompts');
  });
});

describe('readingSentences', () => {
  it('says pruning late cost less when late − early is clearly above 0', () => {
    const s = read({ late: d(-0.08, -0.13, -0.03), early: d(-0.41, -0.48, -0.34), lateMinusEarly: d(0.33, 0.25, 0.41) });
    expect(s[0]).toBe('Pruning the latest 2 blocks lowered GenEval by 0.080 (95% CI 0.030 to 0.130); pruning the earliest 2 lowered it by 0.410 (95% CI 0.340 to 0.480).');
    expect(s[1]).toBe('Pruning late cost less, as the paper reports: late-2 scores 0.330 higher than early-2 on the same prompts and seeds (paired difference, 95% CI 0.250 to 0.410).');
  });

  it('says pruning early cost less, against the paper, when late − early is clearly below 0', () => {
    const s = read({ late: d(-0.3, -0.4, -0.2), early: d(-0.1, -0.15, -0.05), lateMinusEarly: d(-0.2, -0.3, -0.1) });
    expect(s[1]).toBe("Pruning early cost less, against the paper's finding: late-2 scores 0.200 lower than early-2 on the same prompts and seeds (paired difference, 95% CI 0.100 to 0.300).");
  });

  it('says there is no clear difference when the interval of late − early holds 0', () => {
    const s = read({ late: d(-0.1, -0.2, -0.05), early: d(-0.12, -0.2, -0.05), lateMinusEarly: d(0.02, -0.03, 0.07) });
    expect(s[1]).toBe('There is no clear difference between pruning late and pruning early at this sample size: late-2 minus early-2 is +0.020 (95% CI −0.030 to +0.070).');
  });

  it('says when late and early score exactly alike', () => {
    expect(read({ lateMinusEarly: d(0, 0, 0) })).toEqual(['Pruning late and pruning early cost exactly the same on these prompts: late-2 and early-2 score alike in every bootstrap round.']);
  });

  it('names the variant that has no score yet when only one cut is measured', () => {
    expect(read({ late: d(-0.1, -0.2, -0.05) })).toEqual(['Pruning the latest 2 blocks lowered GenEval by 0.100 (95% CI 0.050 to 0.200); early-2 has no GenEval score on the same prompts yet.']);
    expect(read({ early: d(-0.1, -0.2, -0.05) })[0]).toMatch(/^Pruning the earliest 2 blocks lowered GenEval.*; late-2 has no GenEval score/);
  });

  it('says reconstruction helped, with the share of the loss it recovered', () => {
    const s = read({ hp: d(-0.2, -0.25, -0.15), reconMinusHp: d(0.1, 0.05, 0.15) });
    expect(s).toEqual(['Reconstruction helped: hp-recon scores 0.100 higher than hp (95% CI 0.050 to 0.150), about 50% of the 0.200 that hp lost against the original.']);
  });

  it('says reconstruction helped without a share when hp lost nothing', () => {
    expect(read({ reconMinusHp: d(0.1, 0.05, 0.15) })).toEqual(['Reconstruction helped: hp-recon scores 0.100 higher than hp (95% CI 0.050 to 0.150).']);
  });

  it('says reconstruction hurt when hp-recon − hp is clearly below 0', () => {
    expect(read({ reconMinusHp: d(-0.06, -0.1, -0.02) })).toEqual(['Reconstruction hurt: hp-recon scores 0.060 lower than hp (95% CI 0.020 to 0.100).']);
  });

  it('says reconstruction made no clear change when the interval holds 0', () => {
    expect(read({ reconMinusHp: d(0.01, -0.02, 0.04) })).toEqual(['Reconstruction made no clear change at this sample size: hp-recon minus hp is +0.010 (95% CI −0.020 to +0.040).']);
  });

  it('says reconstruction changed nothing when every round gave 0', () => {
    expect(read({ reconMinusHp: d(0, 0, 0) })).toEqual(['Reconstruction changed nothing on these prompts: hp-recon and hp score alike in every bootstrap round.']);
  });

  it('tells which blocks the plan chose against the latest, and how that scored', () => {
    const removed = { hp: [4, 2], late: [4, 5] };
    expect(read({ removed, hpMinusLate: d(0.05, 0.01, 0.09) })).toEqual(['HierarchicalPrune\'s plan removed blocks 2 and 4 instead of the latest 2 (4 and 5); its choice scored 0.050 higher than late-2 (95% CI 0.010 to 0.090).']);
    expect(read({ removed, hpMinusLate: d(-0.05, -0.09, -0.01) })[0]).toMatch(/its choice scored 0\.050 lower than late-2 \(95% CI 0\.010 to 0\.090\)\.$/);
    expect(read({ removed, hpMinusLate: d(0, -0.03, 0.03) })[0]).toMatch(/its choice shows no clear difference from late-2 at this sample size: 0\.000 \(95% CI −0\.030 to \+0\.030\)\.$/);
    expect(read({ removed, hpMinusLate: d(0, 0, 0) })[0]).toMatch(/its choice scored exactly the same as late-2 on these prompts\.$/);
    expect(read({ hpMinusLate: d(0.05, 0.01, 0.09) })).toEqual(["HierarchicalPrune's plan (hp) scored 0.050 higher than late-2 (95% CI 0.010 to 0.090)."]);
    expect(read({ removed: { hp: [5, 4], late: [4, 5] }, hpMinusLate: d(0, 0, 0) })).toEqual(["HierarchicalPrune's plan removed the same blocks as the late cut (4 and 5), so hp and late-2 are the same pruning."]);
  });

  it('gives INT4 its change and its memory', () => {
    const s = read({ int4: d(-0.004, -0.02, 0.012), memory: { int4: 0.27, hpReconInt4: 0.2 }, reconInt4MinusRecon: d(-0.03, -0.05, -0.01) });
    expect(s).toEqual([
      "INT4 weights alone changed GenEval by −0.004 (95% CI −0.020 to +0.012), no clear change at this sample size, at 27% of the original's memory.",
      "INT4 on top of the reconstructed plan lowered GenEval by 0.030 (95% CI 0.010 to 0.050) against hp-recon, at 20% of the original's memory.",
    ]);
  });

  it('says when there is nothing to compare yet, and warns about fixture scores', () => {
    expect(read({})).toEqual(['No paired GenEval comparison yet: the variants’ images are not all generated and scored.']);
    const s = read({ fixture: { geneval: true, hps: true } });
    expect(s).toHaveLength(3);
    expect(s[1]).toMatch(/GenEval scores come from a test fixture/);
    expect(s[2]).toMatch(/^HPS comes from the built-in fixture scorer/);
  });
});
