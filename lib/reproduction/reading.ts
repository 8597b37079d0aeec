import { formatSigned } from '../charts/format';
import { direction, type TPairedDiff } from './compare';

/** What the reading is written from: the paired GenEval differences (B − A) the reproduction measured, null where it could not. */
export type TReadingInput = {
  /** Blocks the late and early cuts removed. */
  k: number;
  names: { late: string; early: string; hp: string; hpRecon: string; hpReconInt4: string; int4: string };
  /** late − original, early − original, late − early */
  late: TPairedDiff | null;
  early: TPairedDiff | null;
  lateMinusEarly: TPairedDiff | null;
  /** hp − original (how much HierarchicalPrune's plan lost), hp-recon − hp, hp − late */
  hp: TPairedDiff | null;
  reconMinusHp: TPairedDiff | null;
  hpMinusLate: TPairedDiff | null;
  /** Blocks each plan removed, when known. */
  removed: { hp: number[] | null; late: number[] | null };
  /** int4 − original, hp-recon-int4 − hp-recon */
  int4: TPairedDiff | null;
  reconInt4MinusRecon: TPairedDiff | null;
  /** Weight bytes as a share of the original's. */
  memory: { int4: number | null; hpReconInt4: number | null };
  fixture: { geneval: boolean; hps: boolean };
};

const num = (v: number) => Math.abs(v).toFixed(3);
const signed = (v: number) => formatSigned(v);
const ciText = (d: TPairedDiff, sign: 1 | -1 | 0) => {
  if (!d.ci) return 'no interval';
  if (sign === 0) return `95% CI ${signed(d.ci[0])} to ${signed(d.ci[1])}`;
  // an interval of a gain or a loss, in the same direction as the number it follows
  const [lo, hi] = sign === 1 ? d.ci : [-d.ci[1], -d.ci[0]];
  return `95% CI ${num(lo)} to ${num(hi)}`;
};
const percent = (share: number) => `${Math.round(share * 100)}%`;
const blockList = (blocks: number[]) => {
  const s = [...blocks].sort((a, b) => a - b).map(String);
  return s.length <= 1 ? s.join('') : `${s.slice(0, -1).join(', ')} and ${s.at(-1)}`;
};

/** Every bootstrap round gave 0: the two score alike on these prompts, which says more than "no clear difference". */
const same = (d: TPairedDiff) => d.diff === 0 && d.ci !== null && d.ci[0] === 0 && d.ci[1] === 0;

/** "lowered GenEval by 0.080 (95% CI 0.030 to 0.130)", or the signed change when the interval holds 0. */
export function describeChange(d: TPairedDiff, what = 'GenEval'): string {
  if (same(d)) return `left ${what} exactly as it was on these prompts`;
  const dir = direction(d);
  if (dir === 'lower') return `lowered ${what} by ${num(d.diff)} (${ciText(d, -1)})`;
  if (dir === 'higher') return `raised ${what} by ${num(d.diff)} (${ciText(d, 1)})`;
  return `changed ${what} by ${signed(d.diff)} (${ciText(d, 0)}), no clear change at this sample size`;
}

function lateVsEarly(i: TReadingInput): string[] {
  const out: string[] = [];
  const { late, early } = i;
  if (late && early) out.push(`Pruning the latest ${i.k} blocks ${describeChange(late)}; pruning the earliest ${i.k} ${describeChange(early, 'it')}.`);
  else if (late) out.push(`Pruning the latest ${i.k} blocks ${describeChange(late)}; ${i.names.early} has no GenEval score on the same prompts yet.`);
  else if (early) out.push(`Pruning the earliest ${i.k} blocks ${describeChange(early)}; ${i.names.late} has no GenEval score on the same prompts yet.`);
  const d = i.lateMinusEarly;
  if (!d) return out;
  const dir = direction(d);
  if (same(d)) out.push(`Pruning late and pruning early cost exactly the same on these prompts: ${i.names.late} and ${i.names.early} score alike in every bootstrap round.`);
  else if (dir === 'higher') out.push(`Pruning late cost less, as the paper reports: ${i.names.late} scores ${num(d.diff)} higher than ${i.names.early} on the same prompts and seeds (paired difference, ${ciText(d, 1)}).`);
  else if (dir === 'lower') out.push(`Pruning early cost less, against the paper's finding: ${i.names.late} scores ${num(d.diff)} lower than ${i.names.early} on the same prompts and seeds (paired difference, ${ciText(d, -1)}).`);
  else out.push(`There is no clear difference between pruning late and pruning early at this sample size: ${i.names.late} minus ${i.names.early} is ${signed(d.diff)} (${ciText(d, 0)}).`);
  return out;
}

function planVsLate(i: TReadingInput): string[] {
  const { hp, late } = i.removed;
  const sameBlocks = hp && late && hp.length === late.length && [...hp].sort().join() === [...late].sort().join();
  if (sameBlocks) return [`HierarchicalPrune's plan removed the same blocks as the late cut (${blockList(hp)}), so ${i.names.hp} and ${i.names.late} are the same pruning.`];
  const out: string[] = [];
  const chose = hp && late ? `HierarchicalPrune's plan removed block${hp.length === 1 ? '' : 's'} ${blockList(hp)} instead of the latest ${i.k} (${blockList(late)})` : null;
  const d = i.hpMinusLate;
  if (!d) return chose ? [`${chose}.`] : [];
  const dir = direction(d);
  const lead = chose ? `${chose}; its choice` : `HierarchicalPrune's plan (${i.names.hp})`;
  if (same(d)) out.push(`${lead} scored exactly the same as ${i.names.late} on these prompts.`);
  else if (dir === 'higher') out.push(`${lead} scored ${num(d.diff)} higher than ${i.names.late} (${ciText(d, 1)}).`);
  else if (dir === 'lower') out.push(`${lead} scored ${num(d.diff)} lower than ${i.names.late} (${ciText(d, -1)}).`);
  else out.push(`${lead} shows no clear difference from ${i.names.late} at this sample size: ${signed(d.diff)} (${ciText(d, 0)}).`);
  return out;
}

function reconstruction(i: TReadingInput): string[] {
  const d = i.reconMinusHp;
  if (!d) return [];
  const dir = direction(d);
  if (same(d)) return [`Reconstruction changed nothing on these prompts: ${i.names.hpRecon} and ${i.names.hp} score alike in every bootstrap round.`];
  if (dir === 'higher') {
    const lost = i.hp && i.hp.diff < 0 ? -i.hp.diff : null;
    const share = lost ? `, about ${percent(d.diff / lost)} of the ${num(lost)} that ${i.names.hp} lost against the original` : '';
    return [`Reconstruction helped: ${i.names.hpRecon} scores ${num(d.diff)} higher than ${i.names.hp} (${ciText(d, 1)})${share}.`];
  }
  if (dir === 'lower') return [`Reconstruction hurt: ${i.names.hpRecon} scores ${num(d.diff)} lower than ${i.names.hp} (${ciText(d, -1)}).`];
  return [`Reconstruction made no clear change at this sample size: ${i.names.hpRecon} minus ${i.names.hp} is ${signed(d.diff)} (${ciText(d, 0)}).`];
}

function int4(i: TReadingInput): string[] {
  const out: string[] = [];
  const at = (share: number | null) => (share === null ? '' : `, at ${percent(share)} of the original's memory`);
  if (i.int4) out.push(`INT4 weights alone ${describeChange(i.int4)}${at(i.memory.int4)}.`);
  if (i.reconInt4MinusRecon) out.push(`INT4 on top of the reconstructed plan ${describeChange(i.reconInt4MinusRecon)} against ${i.names.hpRecon}${at(i.memory.hpReconInt4)}.`);
  return out;
}

/**
 * The reproduction in plain sentences, written from the numbers whichever way they go: a
 * difference whose 95% interval excludes 0 is called a gain or a loss, anything else "no clear
 * change at this sample size". Nothing here assumes the paper is right.
 */
export function readingSentences(i: TReadingInput): string[] {
  const body = [...lateVsEarly(i), ...planVsLate(i), ...reconstruction(i), ...int4(i)];
  const out = body.length ? body : ['No paired GenEval comparison yet: the variants’ images are not all generated and scored.'];
  if (i.fixture.geneval) out.push('The GenEval scores come from a test fixture: they show that the pipeline runs and nothing about quality.');
  if (i.fixture.hps) out.push('HPS comes from the built-in fixture scorer (no HPSv2 weights are configured), so its numbers say nothing about quality; the comparisons above use GenEval only.');
  return out;
}
