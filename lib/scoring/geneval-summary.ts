import { Rng } from '../fixtures/random';
import { GENEVAL_TASKS } from './geneval-protocol';
import { quantileSorted } from '../stats/quantile';

/** One prompt's outcome: how many of its images were judged correct. */
export type TPromptOutcome = { tag: string; images: number; correct: number };

export type TInterval = [low: number, high: number];
export type TTaskScore = { tag: string; score: number; ci: TInterval | null; correctImages: number; images: number; prompts: number };
export type TGenEvalSummary = { overall: { score: number; ci: TInterval | null }; tasks: TTaskScore[]; missingTasks: string[] };


/** The 2.5% and 97.5% quantiles of bootstrap draws: a percentile 95% interval. */
export const interval = (values: Float64Array): TInterval => {
  const s = Float64Array.from(values).sort();
  return [quantileSorted(s, 0.025), quantileSorted(s, 0.975)];
};

/** Items grouped by GenEval task: GenEval's tasks in its order, then any other tags in order of appearance. */
export function groupByTask<T extends { tag: string }>(items: readonly T[]): { tags: string[]; groups: T[][] } {
  const tags = [...new Set([...GENEVAL_TASKS.filter((t) => items.some((p) => p.tag === t)), ...items.map((p) => p.tag)])];
  return { tags, groups: tags.map((tag) => items.filter((p) => p.tag === tag)) };
}

/**
 * GenEval's scores: a task's score is the share of its images judged correct (images, not
 * prompts, as summary_scores.py averages them); overall is the plain mean of the task scores, so
 * each task weighs the same whatever its size. Tasks are listed in GenEval's order, then any
 * other tags in order of appearance; a missing GenEval task is named, and overall is the mean of
 * the tasks present (what the official summary does with what it is given).
 *
 * 95% intervals: percentile bootstrap over prompts. Each round redraws, within every task, as
 * many prompts as it has, with replacement (a prompt brings all its images), recomputes the task
 * scores and their mean; the interval is the 2.5% and 97.5% quantiles over the rounds. Resampling
 * within tasks keeps each task's weight fixed, as the overall score does. Seeded: the same input,
 * rounds and seed give the same intervals.
 */
export function summariseGenEval(outcomes: readonly TPromptOutcome[], o: { rounds: number; seed: number }): TGenEvalSummary {
  const live = outcomes.filter((p) => p.images > 0);
  const { tags, groups } = groupByTask(live);
  const point = groups.map((g) => g.reduce((s, p) => s + p.correct, 0) / g.reduce((s, p) => s + p.images, 0));
  const overall = point.length ? point.reduce((a, b) => a + b, 0) / point.length : NaN;
  let taskCis: (TInterval | null)[] = tags.map(() => null);
  let overallCi: TInterval | null = null;
  if (o.rounds > 0 && point.length) {
    const rng = new Rng(o.seed);
    const taskDraws = groups.map(() => new Float64Array(o.rounds));
    const overallDraws = new Float64Array(o.rounds);
    for (let r = 0; r < o.rounds; r++) {
      let sum = 0;
      groups.forEach((g, t) => {
        let correct = 0;
        let images = 0;
        for (let k = 0; k < g.length; k++) {
          const p = g[Math.floor(rng.next() * g.length)];
          correct += p.correct;
          images += p.images;
        }
        taskDraws[t][r] = correct / images;
        sum += correct / images;
      });
      overallDraws[r] = sum / groups.length;
    }
    taskCis = taskDraws.map(interval);
    overallCi = interval(overallDraws);
  }
  return {
    overall: { score: overall, ci: overallCi },
    tasks: tags.map((tag, t) => ({
      tag,
      score: point[t],
      ci: taskCis[t],
      correctImages: groups[t].reduce((s, p) => s + p.correct, 0),
      images: groups[t].reduce((s, p) => s + p.images, 0),
      prompts: groups[t].length,
    })),
    missingTasks: GENEVAL_TASKS.filter((t) => !tags.includes(t)),
  };
}
