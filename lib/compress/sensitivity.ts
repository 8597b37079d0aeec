import fs from 'node:fs';
import { z } from 'zod';
import { AppError } from '../errors';
import { KNOWN_TRANSFORMER_PARAMS, SD3_COMPONENTS, SD35_LARGE, sd35LargeComponentParams, type TSd3Component } from './sd35-params';

/**
 * How much each block (or sub-component of a block) matters: the effect of replacing it with an
 * identity, measured one at a time. This is what the pruning planner ranks.
 */
export const ZSensitivityEntrySchema = z.object({
  /** The module list the block lives in, e.g. 'transformer_blocks' or 'single_transformer_blocks'. */
  stack: z.string().min(1),
  block: z.number().int().min(0),
  /** null at block level; e.g. 'norm1', 'norm1_context', 'attn', 'ff', 'ff_context' (SD3 joint blocks). */
  component: z.string().min(1).nullable(),
  /** The raw measurement with this block/component removed. */
  value: z.number().finite(),
  /** |ΔP|: the size of the effect of removing it (see effectOf); never negative. */
  delta: z.number().finite().min(0),
  /** Parameters removed with it; 0 for a component the block does not have. */
  params: z.number().int().min(0),
});
export type TSensitivityEntry = z.infer<typeof ZSensitivityEntrySchema>;

export const ZSensitivitySchema = z
  .object({
    version: z.literal(1),
    model: z.string().min(1),
    /** How it was measured, e.g. "relative-error over 8 calibration inputs". */
    source: z.string().min(1),
    level: z.enum(['block', 'component']),
    metric: z.string().min(1),
    /** true for scores taken AFTER removal where higher is better (HPSv2); false for errors. */
    higherIsBetter: z.boolean(),
    /** The unpruned model's score, for after-removal metrics (HPSv2 30.29); null for errors. */
    baseline: z.number().finite().nullable(),
    /** |B|: the number of blocks in the stack being planned (the position weight divides by it). */
    blockCount: z.number().int().min(1),
    /** The whole denoiser's parameters when measured from the model itself (budgets are over the whole model). */
    totalParams: z.number().int().positive().nullable().optional(),
    entries: z.array(ZSensitivityEntrySchema).min(1),
  })
  .superRefine((s, ctx) => {
    // A "score after removal" says nothing about the effect without the unpruned score.
    if (s.higherIsBetter && s.baseline === null) {
      ctx.addIssue({ code: 'custom', path: ['baseline'], message: 'a higher-is-better score needs the unpruned baseline to measure a change' });
    }
    const seen = new Set<string>();
    s.entries.forEach((e, i) => {
      if (e.block >= s.blockCount) {
        ctx.addIssue({ code: 'custom', path: ['entries', i, 'block'], message: `block ${e.block} is outside 0-${s.blockCount - 1} (blockCount ${s.blockCount})` });
      }
      if ((s.level === 'block') !== (e.component === null)) {
        ctx.addIssue({
          code: 'custom',
          path: ['entries', i, 'component'],
          message: s.level === 'block' ? 'must be null in a block-level file' : 'must name the component in a component-level file',
        });
      }
      const key = `${e.stack}/${e.block}/${e.component}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['entries', i], message: `duplicate entry for ${describeEntry(e)}` });
      seen.add(key);
    });
  });
export type TSensitivity = z.infer<typeof ZSensitivitySchema>;

/** A file that is not usable sensitivity data: names the file and what is wrong with it. */
export class SensitivityFileError extends AppError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super('UNPROCESSABLE', `${file}: ${problem}`, { file, problem });
    this.name = 'SensitivityFileError';
  }
}

export function describeEntry(e: Pick<TSensitivityEntry, 'stack' | 'block' | 'component'>): string {
  return `${e.stack} block ${e.block}${e.component ? ` ${e.component}` : ''}`;
}

/**
 * The signed effect of a removal on the metric, positive when the model got BETTER without the
 * part (HPSv2 after removal above the baseline, or an error below it). Errors with no baseline
 * are measured against 0, the error of the unpruned model against itself.
 */
export function effectOf(s: Pick<TSensitivity, 'higherIsBetter' | 'baseline'>, value: number): number {
  const base = s.baseline ?? 0;
  return s.higherIsBetter ? value - base : base - value;
}

/** |ΔP| for one measurement. */
export function deltaOf(s: Pick<TSensitivity, 'higherIsBetter' | 'baseline'>, value: number): number {
  return Math.abs(effectOf(s, value));
}

/** Parses already-loaded JSON as our sensitivity format; `file` only names it in errors. */
export function parseSensitivity(json: unknown, file = 'sensitivity'): TSensitivity {
  const parsed = ZSensitivitySchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    const more = parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more problems)` : '';
    throw new SensitivityFileError(file, `not a valid sensitivity file: ${first.join('; ')}${more}`);
  }
  return parsed.data;
}

/** The paper's ablation names the modulations after its "w_norm" identity (the LayerNorm stays, the modulation goes). */
const PAPER_COMPONENTS: Record<string, TSd3Component> = {
  w_norm1: 'norm1',
  w_norm1_context: 'norm1_context',
  attn: 'attn',
  ff: 'ff',
  ff_context: 'ff_context',
};
/** The file's keys hold the five characters "<tab>", not a tab; a real tab is accepted too. */
const PAPER_KEY = /^(\d+)(?:<tab>|\t)([a-z_0-9]+)$/;
export const PAPER_BASELINE_HPSV2 = 30.29;
export const PAPER_MODEL = 'stabilityai/stable-diffusion-3.5-large-turbo';

/**
 * Converts the HierarchicalPrune SD3.5 Large Turbo component ablation (`{"31<tab>ff": 30.79, ...}`:
 * HPSv2 with that component replaced by an identity; 30.29 unpruned) into our format, with exact
 * SD3.5 Large parameter counts. The last block has no context MLP: an ff_context entry for it is
 * kept (the paper measured it, which measures only noise since the identity changes nothing) with
 * 0 parameters, so the planner never picks it; a file without that entry is just as valid.
 */
export function parsePaperAblation(json: unknown, file = 'ablation'): TSensitivity {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SensitivityFileError(file, 'expected a JSON object of "<block><tab><component>": score pairs');
  }
  const entries: TSensitivityEntry[] = [];
  for (const [key, value] of Object.entries(json)) {
    const m = PAPER_KEY.exec(key);
    if (!m) throw new SensitivityFileError(file, `key ${JSON.stringify(key)} is not "<block><tab><component>"`);
    const block = Number(m[1]);
    const component = PAPER_COMPONENTS[m[2]];
    if (!component) throw new SensitivityFileError(file, `key ${JSON.stringify(key)}: unknown component ${JSON.stringify(m[2])} (expected ${Object.keys(PAPER_COMPONENTS).join(', ')})`);
    if (block >= SD35_LARGE.blocks) throw new SensitivityFileError(file, `key ${JSON.stringify(key)}: SD3.5 Large has blocks 0-${SD35_LARGE.blocks - 1}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new SensitivityFileError(file, `key ${JSON.stringify(key)}: the score must be a number (got ${JSON.stringify(value)})`);
    const base = { higherIsBetter: true, baseline: PAPER_BASELINE_HPSV2 };
    entries.push({ stack: 'transformer_blocks', block, component, value, delta: deltaOf(base, value), params: sd35LargeComponentParams(block)[component] });
  }
  if (entries.length === 0) throw new SensitivityFileError(file, 'the ablation holds no scores');
  entries.sort((a, b) => a.block - b.block || SD3_COMPONENTS.indexOf(a.component as TSd3Component) - SD3_COMPONENTS.indexOf(b.component as TSd3Component));
  return parseSensitivity(
    {
      version: 1,
      model: PAPER_MODEL,
      source: 'paper: SD3.5 Large Turbo HPSv2 component ablation (HierarchicalPrune; 20 prompts x 4 styles, 4 steps, seed 0)',
      level: 'component',
      metric: 'HPSv2',
      higherIsBetter: true,
      baseline: PAPER_BASELINE_HPSV2,
      blockCount: SD35_LARGE.blocks,
      entries,
    },
    file,
  );
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SensitivityFileError(file, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SensitivityFileError(file, `not valid JSON (${(err as Error).message})`);
  }
}

/** Reads the paper's ablation file (data/hierarchicalprune/sd35-large-turbo-hpsv2-component-ablation.json). */
export function readPaperAblation(file: string): TSensitivity {
  return parsePaperAblation(readJson(file), file);
}

export type TSensitivityFormat = 'sensitivity' | 'paper-ablation';

/** Tells our format (it carries `version`) from the paper's flat key/score object. */
export function detectFormat(json: unknown): TSensitivityFormat | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  if ('version' in json) return 'sensitivity';
  const keys = Object.keys(json);
  return keys.length > 0 && keys.some((k) => PAPER_KEY.test(k)) ? 'paper-ablation' : null;
}

/** Reads either format, whichever the file holds. */
export function readSensitivity(file: string): { sensitivity: TSensitivity; format: TSensitivityFormat } {
  const json = readJson(file);
  const format = detectFormat(json);
  if (format === 'paper-ablation') return { sensitivity: parsePaperAblation(json, file), format };
  if (format === 'sensitivity') return { sensitivity: parseSensitivity(json, file), format };
  throw new SensitivityFileError(file, 'neither a sensitivity file (an object with "version": 1) nor the paper\'s ablation ("<block><tab><component>": score)');
}

/** The whole model's parameter count when the model is one we know (for budgets over the whole model). */
export function knownTotalParams(s: TSensitivity): number | null {
  return s.totalParams ?? KNOWN_TRANSFORMER_PARAMS[s.model] ?? null;
}

/**
 * A block-level view of component-level data, so whole-block plans can be made from component
 * measurements. Per block:
 * - params: the sum of its components' parameters;
 * - delta: the SUM of the component |ΔP|s. Summing magnitudes (rather than |sum of signed
 *   changes|) keeps a block whose parts pull in opposite directions from looking harmless; under
 *   additive effects it bounds the block's |ΔP| from above;
 * - value: baseline + the sum of the signed component changes (the additive estimate of the score
 *   with the whole block gone), which the code-style ranking uses.
 * Components with 0 parameters are left out: they do not exist in that block (SD3.5's last block
 * has no context MLP), so their measurement is of a no-op, i.e. noise.
 * Block-level data is returned unchanged.
 */
export function toBlockLevel(s: TSensitivity): TSensitivity {
  if (s.level === 'block') return s;
  const groups = new Map<string, TSensitivityEntry[]>();
  for (const e of s.entries) {
    const key = `${e.stack}\u0000${e.block}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const base = s.baseline ?? 0;
  const entries: TSensitivityEntry[] = [...groups.values()].map((parts) => {
    const real = parts.filter((p) => p.params > 0);
    return {
      stack: parts[0].stack,
      block: parts[0].block,
      component: null,
      value: base + real.reduce((sum, p) => sum + (p.value - base), 0),
      delta: real.reduce((sum, p) => sum + p.delta, 0),
      params: real.reduce((sum, p) => sum + p.params, 0),
    };
  });
  entries.sort((a, b) => a.stack.localeCompare(b.stack) || a.block - b.block);
  return { ...s, level: 'block', source: `${s.source}; blocks: sums over their components`, entries };
}
