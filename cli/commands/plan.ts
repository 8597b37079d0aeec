import { AppError } from '../../lib/errors';
import { planPruning, type TPruningPlan } from '../../lib/compress/plan';
import { knownTotalParams, readSensitivity, SensitivityFileError, type TSensitivity } from '../../lib/compress/sensitivity';
import { intFlag, type TCommand, UsageError } from '../framework';

export const plan: TCommand = {
  name: 'plan',
  summary: 'Plan which blocks or components to prune (HierarchicalPrune HPP) to fit a parameter budget.',
  options: {
    sensitivity: { type: 'string', description: 'sensitivity JSON, or the paper\'s "<block><tab><component>" ablation file (required)', valueName: 'FILE' },
    budget: { type: 'string', description: 'fraction of the whole model\'s parameters to keep, in (0, 1] (required)', valueName: 'F' },
    'protect-first': { type: 'string', description: 'never remove blocks 0..K-1 (default 0)', valueName: 'K' },
    range: { type: 'string', description: 'only remove blocks A to B, inclusive (default: K to the last block)', valueName: 'A-B' },
    level: { type: 'string', description: 'block or component (default block)', valueName: 'LEVEL' },
    ranking: { type: 'string', description: "paper (-|ΔP| x W_pos, default) or code (the official code's signed change)", valueName: 'RANKING' },
    'total-params': { type: 'string', description: "the whole model's parameters (default: known for SD3.5 Large)", valueName: 'N' },
    stack: { type: 'string', description: 'the block stack to plan, when the file has several', valueName: 'NAME' },
    json: { type: 'boolean', description: 'print the plan as JSON' },
  },
  details: [
    'Candidates are ranked and removed greedily, least harmful first, until kept/original <= F.',
    'Exit status: 0 with a plan that fits the budget, 1 when no plan can (or the file is unusable), 2 for bad flags.',
  ].join('\n'),
  async run({ values, positionals }) {
    if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const file = values.sensitivity as string | undefined;
    if (!file) throw new UsageError('--sensitivity FILE is required');
    const budget = fractionFlag(values.budget);
    const protectFirst = intFlag(values, 'protect-first', 0, 0, 100_000);
    const range = rangeFlag(values.range);
    const level = choiceFlag(values, 'level', ['block', 'component'], 'block');
    const ranking = choiceFlag(values, 'ranking', ['paper', 'code'], 'paper');

    let sensitivity: TSensitivity;
    try {
      ({ sensitivity } = readSensitivity(file));
    } catch (err) {
      if (!(err instanceof SensitivityFileError)) throw err;
      console.error(`arena plan: ${err.message}`);
      return 1;
    }
    const totalParams = totalParamsFlag(values['total-params']) ?? knownTotalParams(sensitivity);
    if (totalParams === null) {
      throw new UsageError(`--total-params is required: ${file} is for ${sensitivity.model}, whose whole size is not known here (the budget is over the whole model, not just its blocks)`);
    }

    let result: TPruningPlan;
    try {
      result = planPruning(sensitivity, { budget, protectFirst, range, level, ranking, totalParams, stack: values.stack as string | undefined });
    } catch (err) {
      // The planner's option errors read well as usage errors ("range 30-50 lies outside ...").
      if (err instanceof AppError && err.status < 500) throw new UsageError(err.message);
      throw err;
    }
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else console.log(formatPlan(result));
    return result.feasible ? 0 : 1;
  },
};

function fractionFlag(raw: unknown): number {
  if (raw === undefined) throw new UsageError('--budget F is required (the fraction of parameters to keep, e.g. 0.72)');
  const s = String(raw);
  const n = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(s) ? Number(s) : NaN;
  if (!(n > 0 && n <= 1)) throw new UsageError(`--budget must be a fraction in (0, 1], e.g. 0.72 to keep 72% of the parameters (got ${JSON.stringify(s)})`);
  return n;
}

function rangeFlag(raw: unknown): [number, number] | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+)-(\d+)$/.exec(String(raw).trim());
  if (!m) throw new UsageError(`--range must look like 20-35 (got ${JSON.stringify(String(raw))})`);
  return [Number(m[1]), Number(m[2])];
}

function choiceFlag<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[], fallback: T): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (!choices.includes(raw as T)) throw new UsageError(`--${name} must be ${choices.join(' or ')} (got ${JSON.stringify(String(raw))})`);
  return raw as T;
}

/** Accepts 8056627520, 8_056_627_520 or 8,056,627,520: counts this large are easier to check with separators. */
function totalParamsFlag(raw: unknown): number | null {
  if (raw === undefined) return null;
  const s = String(raw).replace(/[_,]/g, '');
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!(Number.isSafeInteger(n) && n > 0)) throw new UsageError(`--total-params must be a positive whole number of parameters (got ${JSON.stringify(String(raw))})`);
  return n;
}

const millions = (n: number) => `${(n / 1e6).toFixed(1)}M`;

export function formatPlan(p: TPruningPlan): string {
  const lines = [
    `Pruning plan for ${p.model} (${p.stack}): ${p.level} level, ${p.ranking} ranking, metric ${p.metric}`,
    `Protected: ${p.protected.length ? `blocks 0-${p.protected.length - 1}` : 'none'}; range ${p.range[0]}-${p.range[1]}; ${p.candidates} candidates`,
    '',
  ];
  if (p.removed.length) {
    const head = ['rank', 'block', 'component', 'params', `Δ${p.metric}`, 'W_pos', 'score'];
    const rows = p.removed.map((r) => [String(r.rank), String(r.block), r.component ?? '(block)', millions(r.params), r.delta.toFixed(3), r.positionWeight.toFixed(3), r.score.toFixed(3)]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const fmt = (row: string[]) => row.map((c, i) => (i === 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    lines.push(fmt(head), ...rows.map(fmt), '');
    if (p.level === 'component') lines.push(`Whole blocks removed: ${p.removedBlocks.length ? p.removedBlocks.join(', ') : 'none'}`);
    else lines.push(`Blocks removed: ${p.removedBlocks.join(', ')}`);
    if (p.firstPrunedBlock !== null) lines.push(`PWP: freeze blocks before ${p.firstPrunedBlock} during distillation`);
  }
  lines.push(
    `Kept ${millions(p.keptParams)} of ${millions(p.originalParams)} parameters: ${(p.ratio * 100).toFixed(2)}% (budget ${(p.budget * 100).toFixed(2)}%)`,
    p.message,
    p.scoreMeaning,
  );
  return lines.join('\n');
}
