import Link from 'next/link';
import { REPRODUCTION_TITLE } from '@/lib/reproduction/markdown';
import { buildReproduction } from '@/lib/reproduction/service';
import type { TReproduction } from '@/lib/reproduction/types';
import { IntervalChart } from '../_components/charts/interval-chart';
import { ParetoChart } from '../_components/charts/pareto-chart';
import { ModelSensitivity } from '../_components/model-sensitivity';
import { chartRows, genevalItems } from './chart-rows';
import { Comparisons } from './comparisons';
import { SampleGrid } from './sample-grid';
import { VariantsTable } from './variants-table';

export const metadata = { title: 'Reproduction' };
export const dynamic = 'force-dynamic';

const link = 'text-brand-700 hover:underline';

/** What HierarchicalPrune claims, tested on the shapes model `npm start` compresses, generates and scores. */
export default async function ReproductionPage() {
  const r = await buildReproduction({ images: true });
  return (
    <div className="space-y-8">
      <header className="space-y-3">
        <p className="text-sm text-slate-500">
          Reproduction · <a className={link} href="/api/v1/reproduction">JSON</a> · <code className="text-xs">npx arena reproduction</code> prints it as Markdown
        </p>
        <h1 className="text-2xl font-semibold">{REPRODUCTION_TITLE}</h1>
        <Intro r={r} />
      </header>

      {!r.available ? (
        <NotYet r={r} />
      ) : (
        <>
          {r.message && <p className="rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900" data-testid="reproduction-partial">{r.message}</p>}
          <section className="space-y-2" aria-labelledby="reading-title">
            <h2 id="reading-title" className="text-lg font-semibold">What the numbers say</h2>
            <ul className="max-w-3xl list-disc space-y-1 pl-5 text-slate-700" data-testid="reproduction-reading">
              {r.reading.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ul>
          </section>

          <section className="space-y-2" aria-labelledby="variants-title">
            <h2 id="variants-title" className="text-lg font-semibold">The variants</h2>
            <VariantsTable rows={r.variants} />
          </section>

          <section className="space-y-2" aria-labelledby="comparisons-title">
            <h2 id="comparisons-title" className="text-lg font-semibold">Paired comparisons</h2>
            <p className="max-w-3xl text-sm text-slate-600">Each line is GenEval of B minus GenEval of A on the same prompts and seeds. A difference whose interval holds 0 is not told apart from none at this sample size.</p>
            <Comparisons comparisons={r.comparisons} />
          </section>

          <div className="grid gap-6 lg:grid-cols-2">
            <div className="min-w-0 rounded-lg border border-slate-200 bg-white p-3 sm:p-4">
              <IntervalChart
                testId="reproduction-geneval"
                title="GenEval per variant"
                description="Each variant's GenEval overall with its 95% interval; higher is better."
                items={genevalItems(r)}
                metricLabel="GenEval"
                axisTitle="GenEval overall"
                digits={3}
                noun="images"
                emptyText="No GenEval scores yet: they appear once the variants' images are generated and scored."
              />
            </div>
            <div className="min-w-0 rounded-lg border border-slate-200 bg-white p-3 sm:p-4">
              <ParetoChart
                testId="reproduction-pareto-memory"
                rows={chartRows(r)}
                cost="memory"
                metric="geneval"
                title="GenEval against memory"
                description="Further left needs less memory, higher is better. The diamonds are the variants nothing else beats on both."
              />
            </div>
          </div>

          <section className="space-y-2" aria-labelledby="sensitivity-title">
            <h2 id="sensitivity-title" className="text-lg font-semibold">Where the blocks matter</h2>
            <p className="max-w-3xl text-sm text-slate-600">How much the original&apos;s prediction changes when each block is removed on its own (darker: it matters more). HierarchicalPrune plans from this, with the first blocks protected.</p>
            <ModelSensitivity modelName={r.model?.name ?? ''} sensitivity={r.sensitivity ?? undefined} />
          </section>

          {r.samples && (
            <section className="space-y-2" aria-labelledby="samples-title">
              <h2 id="samples-title" className="text-lg font-semibold">Samples</h2>
              <p className="max-w-3xl text-sm text-slate-600">The first prompt of each GenEval task, drawn by every variant with the same seed (the first image of each; 16x16 pixels shown at 64x64).</p>
              <SampleGrid grid={r.samples} />
            </section>
          )}

          <How r={r} />
        </>
      )}
    </div>
  );
}

function Intro({ r }: { r: TReproduction }) {
  const steps = r.model?.trainedSteps;
  return (
    <div className="max-w-3xl space-y-2 text-slate-600">
      <p>
        The built-in shapes model{r.model ? <> (<Link className={link} href={`/models/${r.model.id}`}>{r.model.name}</Link>)</> : null} is a 6-block MMDiT, the transformer of Stable Diffusion 3 in small, trained in this
        repository with <code className="text-sm">arena train</code>{steps ? ` for ${steps.toLocaleString('en-US')} steps` : ''} on a world of circles, squares and triangles in eight colours. It draws 16x16-pixel images, shown here at 64x64.
      </p>
      <p>
        The HierarchicalPrune paper claims three things of large MMDiTs: late blocks matter less than early ones, so pruning should take late blocks and protect the early ones; reconstruction (the paper uses distillation) recovers much of the quality pruning costs; and INT4
        weights are nearly free. Here every variant draws the same prompts with the same seeds, so each difference below is paired by prompt and seed, and it is said plainly whichever way it goes.
      </p>
    </div>
  );
}

function NotYet({ r }: { r: TReproduction }) {
  const demo = r.demo;
  return (
    <div className="space-y-2 rounded-lg border border-dashed border-slate-300 bg-white p-6 text-slate-700" data-testid="reproduction-missing">
      <p>{r.message}</p>
      <p className="text-sm">
        <code>npm start</code> registers the shapes model and builds the reproduction: a block sensitivity, six compressed variants, a generation run of the shapes prompts for each, and their GenEval and HPS scores. Progress is on{' '}
        <Link className={link} href="/research/jobs">the Jobs page</Link>.
      </p>
      {demo.state === 'preparing' && <p className="text-sm text-slate-600">The demo is being prepared{demo.message ? `: ${demo.message}` : ''}.</p>}
      {demo.state === 'failed' && <p className="text-sm text-rose-700">{demo.message}</p>}
    </div>
  );
}

function How({ r }: { r: TReproduction }) {
  const s = r.runSettings;
  const rounds = r.comparisons.find((c) => c.result)?.result?.bootstrap.rounds;
  return (
    <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-5 text-sm text-slate-700" aria-labelledby="how-title">
      <h2 id="how-title" className="text-lg font-semibold text-slate-900">How these numbers are made</h2>
      {s && (
        <p>
          Every variant generated the same {s.prompts} prompts of the {s.promptSet} set (spread over GenEval&apos;s six tasks), {s.imagesPerPrompt} images each, with seed {s.seed}, {s.steps} steps and guidance {s.guidance}. GenEval judges them with a detector for the
          shapes world; memory, GenEval and HPS are made as on the <Link className={link} href="/leaderboard#how-memory">leaderboard</Link> (<Link className={link} href="/leaderboard#how-geneval">GenEval</Link>, <Link className={link} href="/leaderboard#how-hps">HPS</Link>).
        </p>
      )}
      <p id="how-latency">
        <strong>Latency / step</strong> is the median time of one denoiser step (with classifier-free guidance) in the variant&apos;s paired run, with the hardware and execution provider it ran on; compare it only between rows on the same hardware.
      </p>
      <p id="how-paired">
        <strong>Paired differences</strong> are GenEval overall (the mean of the six task scores, a task&apos;s score being its share of correct images) of B minus A on the same prompts. The 95% interval is a paired percentile bootstrap{rounds ? ` of ${rounds} rounds` : ''}: each round redraws, within every task, as many prompts as it has, with replacement, and scores both variants on the same drawn prompts. A difference is called a gain or a loss only when its whole interval is on one side of 0.
      </p>
      <p>
        <strong>Blocks removed</strong> and the reconstruction errors come from each variant&apos;s compress report; the denoiser error is the relative error of its prediction against the original&apos;s on held-out calibration inputs.
      </p>
    </section>
  );
}
