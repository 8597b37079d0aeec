import { formatBytes, formatMs, formatPercent, formatSigned } from '../charts/format';
import { GENEVAL_TASKS } from '../scoring/geneval-protocol';
import type { TInterval } from './compare';
import type { TReproduction } from './types';

export const REPRODUCTION_TITLE = 'Reproducing HierarchicalPrune on the shapes model';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const table = (head: string[], rows: string[][], right: boolean[]) =>
  [`| ${head.map(cell).join(' | ')} |`, `|${right.map((r) => (r ? ' ---: ' : ' --- ')).join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
const f3 = (v: number) => v.toFixed(3);
const signed = (v: number) => formatSigned(v);
const pct = (share: number) => formatPercent(share);
const ci = (c: TInterval | null, f = f3) => (c ? `[${f(c[0])}, ${f(c[1])}]` : '[no interval]');

/** The reproduction as Markdown (what `arena reproduction` prints, for docs/REPRODUCTION.md to quote). */
export function reproductionMarkdown(r: TReproduction): string {
  const out: string[] = [`# ${REPRODUCTION_TITLE}`, ''];
  if (r.model) out.push(`Model: ${r.model.name}${r.model.trainedSteps !== null ? `, trained ${r.model.trainedSteps.toLocaleString('en-US')} steps` : ''}. Generated ${r.generatedAt}.`, '');
  if (!r.available) {
    const demo = { none: 'not started', preparing: 'being prepared', ready: 'ready', failed: 'stopped' }[r.demo.state];
    out.push(r.message ?? 'Nothing to show yet.', '', `The demo: ${demo}${r.demo.message ? ` (${r.demo.message})` : ''}.`);
    return out.join('\n') + '\n';
  }
  const s = r.runSettings;
  if (s) out.push(`Every variant generated the same ${s.prompts} ${s.promptSet} prompts × ${s.imagesPerPrompt} images with the same seeds (seed ${s.seed}, ${s.steps} steps, guidance ${s.guidance}); the late and early cuts remove ${r.pruneBlocks} blocks.`, '');
  if (r.message) out.push(`> ${r.message}`, '');

  out.push('## What the numbers say', '', ...r.reading.map((x) => `- ${x}`), '');

  const tasks = GENEVAL_TASKS.filter((t) => r.variants.some((v) => v.geneval?.tasks.some((x) => x.tag === t)));
  out.push(
    '## Variants',
    '',
    table(
      ['Variant', 'What was done', 'Blocks removed', 'Params', 'Memory', 'Latency / step', 'GenEval [95% CI]', ...tasks.map((t) => t.replace('_', ' ')), 'HPS [95% CI]'],
      r.variants.map((v) => [
        v.name,
        v.role,
        v.removedBlocks.length ? v.removedBlocks.join(', ') : '—',
        pct(v.paramsShare),
        `${formatBytes(v.weightBytes)} (${pct(v.memoryShare)})`,
        v.latency ? `${formatMs(v.latency.perStepMs)} (${v.latency.hardware}, ${v.latency.provider})` : '—',
        v.geneval ? `${f3(v.geneval.score)} ${ci(v.geneval.ci)}${v.geneval.fixture ? ' fixture' : ''}` : '—',
        ...tasks.map((t) => {
          const x = v.geneval?.tasks.find((y) => y.tag === t);
          return x ? x.score.toFixed(2) : '—';
        }),
        v.hps ? `${v.hps.score.toFixed(2)} ${ci(v.hps.ci, (x) => x.toFixed(2))}${v.hps.fixture ? ' fixture' : ''}` : '—',
      ]),
      [false, false, false, true, true, true, true, ...tasks.map(() => true), true],
    ),
    '',
  );

  const recon = r.variants.filter((v) => v.reconstruction);
  if (recon.length) out.push(...recon.map((v) => `Reconstruction in ${v.name}: the pruned spans' relative error went from ${v.reconstruction!.errorBefore.toPrecision(3)} to ${v.reconstruction!.errorAfter.toPrecision(3)}.`), '');

  const done = r.comparisons.filter((c) => c.result);
  const rounds = done[0]?.result?.bootstrap.rounds;
  out.push(
    '## Paired comparisons (GenEval, B − A)',
    '',
    table(
      ['Question', 'B − A', 'Difference', '95% CI', 'Prompts'],
      r.comparisons.map((c) => [c.question, `${c.b} − ${c.a}`, c.result ? signed(c.result.overall.diff) : '—', c.result ? (c.result.overall.ci ? `${signed(c.result.overall.ci[0])} to ${signed(c.result.overall.ci[1])}` : 'no interval') : (c.problem ?? '—'), c.result ? String(c.result.prompts) : '—']),
      [false, false, true, false, true],
    ),
    '',
  );
  if (done.length) {
    const compTasks = GENEVAL_TASKS.filter((t) => done.some((c) => c.result!.tasks.some((x) => x.tag === t)));
    out.push(
      'Per task (B − A, with 95% CI):',
      '',
      table(
        ['B − A', ...compTasks.map((t) => t.replace('_', ' '))],
        done.map((c) => [
          `${c.b} − ${c.a}`,
          ...compTasks.map((t) => {
            const x = c.result!.tasks.find((y) => y.tag === t);
            return x ? `${signed(x.diff)} ${ci(x.ci, signed)}` : '—';
          }),
        ]),
        [false, ...compTasks.map(() => true)],
      ),
      '',
      `Intervals: ${done[0].result!.bootstrap.method}; ${rounds} rounds, seed ${done[0].result!.bootstrap.seed}. GenEval overall is the mean of the task scores; a task's score is its share of correct images.`,
      '',
    );
  }
  return out.join('\n');
}
