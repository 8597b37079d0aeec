import { AppError } from '../errors';
import { groupByTask, interval, type TInterval } from '../scoring/geneval-summary';
import { Random } from '../stats/random';

/** What a comparison needs of a GenEval report (TGenEvalReport's `prompts`). */
export type TComparablePrompt = { index: number; tag: string; prompt: string; images: number; correct: number };
export type TComparableReport = { prompts: readonly TComparablePrompt[] };

export type { TInterval };

/** A paired difference B − A with its 95% percentile-bootstrap interval (null with 0 rounds). */
export type TPairedDiff = { a: number; b: number; diff: number; ci: TInterval | null };

export type TGenEvalComparison = {
  /** GenEval overall (the mean of the task scores) of each report on the prompts both have images for. */
  overall: TPairedDiff;
  tasks: (TPairedDiff & { tag: string; prompts: number })[];
  /** Prompts compared, and prompts left out because one of the reports has no image for them. */
  prompts: number;
  leftOut: number;
  bootstrap: { rounds: number; seed: number; method: string };
};

export const COMPARE_ROUNDS = 2000;
export const PAIRED_METHOD = 'paired percentile bootstrap (2.5%, 97.5%): prompts resampled with replacement within each GenEval task, the same prompts for both reports';

type TPair = { tag: string; ca: number; ia: number; cb: number; ib: number };

/**
 * Pairs two reports' prompts by index. Both reports must hold the same prompts (same index, task
 * and text): anything else is not a paired comparison, and the error names the first prompt that
 * breaks it.
 */
function pairPrompts(a: TComparableReport, b: TComparableReport): { pairs: TPair[]; leftOut: number } {
  const byIndex = (r: TComparableReport, which: string) => {
    const m = new Map<number, TComparablePrompt>();
    for (const p of r.prompts) {
      if (m.has(p.index)) throw new AppError('UNPROCESSABLE', `report ${which} lists prompt ${p.index} twice`);
      m.set(p.index, p);
    }
    return m;
  };
  const ma = byIndex(a, 'A');
  const mb = byIndex(b, 'B');
  for (const [index, p] of ma) if (!mb.has(index)) throw new AppError('UNPROCESSABLE', `prompt ${index} ("${p.prompt}") is in report A only: the reports were not made on the same prompts`);
  for (const [index, p] of mb) if (!ma.has(index)) throw new AppError('UNPROCESSABLE', `prompt ${index} ("${p.prompt}") is in report B only: the reports were not made on the same prompts`);
  const pairs: TPair[] = [];
  let leftOut = 0;
  for (const pa of [...ma.values()].sort((x, y) => x.index - y.index)) {
    const pb = mb.get(pa.index)!;
    if (pa.tag !== pb.tag || pa.prompt !== pb.prompt) throw new AppError('UNPROCESSABLE', `prompt ${pa.index} is "${pa.prompt}" (${pa.tag}) in report A but "${pb.prompt}" (${pb.tag}) in report B`);
    // GenEval leaves out prompts without images; a pair needs both sides
    if (pa.images <= 0 || pb.images <= 0) {
      leftOut++;
      continue;
    }
    pairs.push({ tag: pa.tag, ca: pa.correct, ia: pa.images, cb: pb.correct, ib: pb.images });
  }
  return { pairs, leftOut };
}

/**
 * GenEval overall B − A for two reports made on the same prompts and seeds, as summariseGenEval
 * scores them (a task's score is its share of correct images; overall is the plain mean of the
 * tasks), with per-task differences.
 *
 * The interval is a paired percentile bootstrap: each round redraws, within every task, as many
 * prompts as it has, with replacement, and scores both reports on the same drawn prompts, so
 * what the prompts share (an easy prompt is easy for both) cancels out. Seeded and deterministic.
 */
export function compareGenEval(a: TComparableReport, b: TComparableReport, o: { rounds?: number; seed?: number } = {}): TGenEvalComparison {
  const rounds = o.rounds ?? COMPARE_ROUNDS;
  const seed = o.seed ?? 0;
  const { pairs, leftOut } = pairPrompts(a, b);
  if (!pairs.length) throw new AppError('UNPROCESSABLE', 'the reports have no prompt with images on both sides: there is nothing to compare');
  const { tags, groups } = groupByTask(pairs);
  const score = (g: readonly TPair[]) => {
    let ca = 0;
    let ia = 0;
    let cb = 0;
    let ib = 0;
    for (const p of g) {
      ca += p.ca;
      ia += p.ia;
      cb += p.cb;
      ib += p.ib;
    }
    return { a: ca / ia, b: cb / ib };
  };
  const point = groups.map(score);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const overallA = mean(point.map((p) => p.a));
  const overallB = mean(point.map((p) => p.b));

  let taskCis: (TInterval | null)[] = tags.map(() => null);
  let overallCi: TInterval | null = null;
  if (rounds > 0) {
    const rng = new Random(seed);
    const taskDraws = groups.map(() => new Float64Array(rounds));
    const overallDraws = new Float64Array(rounds);
    for (let r = 0; r < rounds; r++) {
      let sum = 0;
      for (let t = 0; t < groups.length; t++) {
        const g = groups[t];
        let ca = 0;
        let ia = 0;
        let cb = 0;
        let ib = 0;
        for (let k = 0; k < g.length; k++) {
          const p = g[rng.int(g.length)];
          ca += p.ca;
          ia += p.ia;
          cb += p.cb;
          ib += p.ib;
        }
        const d = cb / ib - ca / ia;
        taskDraws[t][r] = d;
        sum += d;
      }
      overallDraws[r] = sum / groups.length;
    }
    taskCis = taskDraws.map(interval);
    overallCi = interval(overallDraws);
  }
  return {
    overall: { a: overallA, b: overallB, diff: overallB - overallA, ci: overallCi },
    tasks: tags.map((tag, t) => ({ tag, prompts: groups[t].length, a: point[t].a, b: point[t].b, diff: point[t].b - point[t].a, ci: taskCis[t] })),
    prompts: pairs.length,
    leftOut,
    bootstrap: { rounds, seed, method: PAIRED_METHOD },
  };
}

/** Where a difference stands against zero: its whole interval above, below, or straddling it. */
export function direction(d: Pick<TPairedDiff, 'ci'>): 'higher' | 'lower' | 'unclear' {
  if (!d.ci) return 'unclear';
  if (d.ci[0] > 0) return 'higher';
  if (d.ci[1] < 0) return 'lower';
  return 'unclear';
}
