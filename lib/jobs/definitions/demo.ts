import { z } from 'zod';
import type { TCompressRecipe } from '../../compress/recipe';
import { AppError } from '../../errors';
import { defineJob, type JobContext, UnrecoverableError } from '../types';

/**
 * The demo `npm start` builds, which is also the reproduction of HierarchicalPrune's finding on
 * the built-in shapes model (docs/REPRODUCTION.md, /reproduction). The workers run it through
 * the ordinary job types: a block sensitivity; six compressed variants (the latest k blocks cut,
 * the earliest k blocks cut, HierarchicalPrune's plan at the same budget without and with
 * reconstruction, that with INT4, and INT4 alone); a run of the shapes evaluation prompts per
 * variant with the same seeds, so images pair up; GenEval (shapes detector) and HPS scores of
 * each run; and an open study marked as demo data. Nothing is voted: the study waits for people.
 *
 * It is a resumable state machine. Each round looks at what exists, queues what is missing and
 * whose inputs are ready, then queues the next round, which waits behind the children it
 * queued (children have a higher priority, so one worker runs them first). A round that finds
 * only unfinished children (several workers) polls them for a while, then fails with a retryable
 * error and comes back after the backoff. A child that failed for good stops the demo with a
 * message naming it; retry that job, then this one. The last round's result names the study.
 */

/**
 * The job type of the demo's rounds. Earlier versions ran a demo on the fixture model as
 * 'demo.pipeline' with unprefixed dedupe keys; this one has its own type and keys, so a database
 * that ran that demo still gets this one, and its status never reads the old rounds.
 */
export const DEMO_JOB = 'demo.reproduction';
const KEY = 'demo:reproduction';

/**
 * Demo children run before anything else queued, rounds right after them, so the first look is
 * quick; everything else (priority 0) waits a few minutes on a fresh machine.
 */
export const DEMO_PRIORITY = { round: 1, child: 2 } as const;

/** Prompts in the shapes evaluation set (data/shapes/evaluation_metadata.jsonl). */
const SHAPES_PROMPTS = 87;

export const ZDemoOptions = z.object({
  /** Shapes evaluation prompts per run (spread over GenEval's six tasks; all 87 by default) and images per prompt. */
  prompts: z.number().int().min(1).max(SHAPES_PROMPTS).default(SHAPES_PROMPTS),
  imagesPerPrompt: z.number().int().min(1).max(8).default(2),
  steps: z.number().int().min(1).max(100).default(24),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  /** Blocks the late and early contrasts cut; HierarchicalPrune gets the budget that leaves. */
  pruneBlocks: z.number().int().min(1).max(4).default(2),
  /** Calibration inputs for the sensitivity, the plan, reconstruction and the compress error report. */
  calibrationSamples: z.number().int().min(1).max(128).default(32),
  /** Denoiser steps each compression times before and after (0: skip). */
  latencySteps: z.number().int().min(0).max(100).default(8),
});
export type TDemoOptions = z.output<typeof ZDemoOptions>;

const ZDemoPayload = ZDemoOptions.extend({ round: z.number().int().min(1).max(10_000).default(1) });

/** HierarchicalPrune protects the first third of the blocks (the paper: the early blocks set layout and content). */
const PROTECT_FIRST = 2;
const GUIDANCE = 3;
const SCORERS = ['geneval', 'hps'] as const;
const INT4 = { blockSize: 32, symmetric: true } as const;
export const DEMO_STUDY_TITLE = 'Demo: the shapes model, original vs compressed';

type TStructure = { totalParams: number; stacks: { name: string; blocks: { index: number; params: number }[] }[] };

/** The k earliest or latest blocks of the main stack, as a recipe's block list, and the share of parameters they leave. */
export function edgeBlocks(structure: TStructure, k: number, end: 'early' | 'late'): { list: string; kept: number } {
  const blocks = [...(structure.stacks[0]?.blocks ?? [])].sort((a, b) => a.index - b.index);
  if (blocks.length <= k) throw new UnrecoverableError(`the model has ${blocks.length} blocks: it cannot lose ${k} and keep one`);
  const cut = end === 'early' ? blocks.slice(0, k) : blocks.slice(-k);
  const removed = cut.reduce((s, b) => s + b.params, 0);
  const list = cut.length === 1 ? String(cut[0].index) : `${cut[0].index}-${cut.at(-1)!.index}`;
  return { list, kept: (structure.totalParams - removed) / structure.totalParams };
}

/**
 * The variants the demo makes, by name, with their recipes (which need the original's structure).
 * HierarchicalPrune's budget is what cutting k blocks leaves (rounded up a little, so its planner,
 * which stops once kept / total <= budget, removes the same number of blocks when they are equal).
 */
export function demoVariants(o: TDemoOptions, structure: TStructure): { name: string; recipe: TCompressRecipe; needsSensitivity: boolean; role: string }[] {
  const k = o.pruneBlocks;
  const common = { calibrationSamples: o.calibrationSamples, latencySteps: o.latencySteps, seed: 0, level: 'block' as const };
  const late = edgeBlocks(structure, k, 'late');
  const early = edgeBlocks(structure, k, 'early');
  const hp = { ...common, budget: Math.min(1, late.kept + 1e-6), protectFirst: PROTECT_FIRST, ranking: 'paper' as const };
  return [
    { name: `late-${k}`, recipe: { ...common, removeBlocks: late.list }, needsSensitivity: false, role: `the latest ${k} blocks removed` },
    { name: `early-${k}`, recipe: { ...common, removeBlocks: early.list }, needsSensitivity: false, role: `the earliest ${k} blocks removed` },
    { name: 'hp', recipe: hp, needsSensitivity: true, role: `HierarchicalPrune's plan at the same budget, first ${PROTECT_FIRST} blocks protected, no reconstruction` },
    { name: 'hp-recon', recipe: { ...hp, reconstruct: true }, needsSensitivity: true, role: 'the same plan with the pruned spans reconstructed' },
    { name: 'hp-recon-int4', recipe: { ...hp, reconstruct: true, int4: INT4 }, needsSensitivity: true, role: 'the same, then INT4 weights' },
    { name: 'int4', recipe: { ...common, int4: INT4 }, needsSensitivity: false, role: 'INT4 weights, nothing pruned' },
  ];
}

/** The variants the demo study compares (all seven would make 21 pairs). */
export function demoStudyArms(o: Pick<TDemoOptions, 'pruneBlocks'>): string[] {
  return ['original', `late-${o.pruneBlocks}`, `early-${o.pruneBlocks}`, 'hp-recon-int4'];
}

type TChild = { type: string; payload: unknown; dedupeKey: string; what: string };

/** One round's bookkeeping: what it queued, what it waits on, how far the demo is. */
class Round {
  queued: string[] = [];
  waiting: string[] = [];
  done = 0;
  total = 0;

  /**
   * The child job for this step: queued now if it was not, else the one queued before (its
   * dedupe key). Returns its result once it succeeded, null while it runs; a failed child stops the demo.
   */
  async child(c: TChild): Promise<Record<string, unknown> | null> {
    const { enqueueJob } = await import('../service');
    const { job, created } = await enqueueJob(c.type, c.payload, { dedupeKey: c.dedupeKey, priority: DEMO_PRIORITY.child });
    if (created) this.queued.push(c.what);
    if (job.status === 'succeeded') return (job.result ?? {}) as Record<string, unknown>;
    if (job.status === 'failed' || job.status === 'cancelled') {
      throw new UnrecoverableError(`The demo stopped: the job that ${c.what} (${job.id}) ${job.status === 'failed' ? `failed: ${job.error}` : 'was cancelled'}. Retry it on /research/jobs, then retry this job.`);
    }
    if (!created) this.waiting.push(c.what);
    return null;
  }

  step(done: boolean) {
    this.total++;
    if (done) this.done++;
  }
}

export type TDemoResult = {
  ready: true;
  study: { id: string; slug: string; title: string; participantPath: string; researcherPath: string };
  variants: { name: string; id: string }[];
  runs: { variant: string; runId: string }[];
};

/** Runs one round: everything that can move moves. Returns the finished demo, or null while it is not. */
async function advance(o: TDemoOptions, r: Round, ctx: JobContext): Promise<TDemoResult | null> {
  const { SHAPES_MODEL_NAME: MODEL } = await import('../../models/seed');
  const { getModelView, listModelViews } = await import('../../models/service');
  const modelsRepo = await import('../../models/repository');
  const runsRepo = await import('../../generation/repository');
  const { startRun } = await import('../../generation/service');
  const { latestScoresByVariant } = await import('../../scores/service');
  const { getJobView, enqueueJob } = await import('../service');

  const summary = (await listModelViews()).find((m) => m.name === MODEL);
  if (!summary) throw new UnrecoverableError(`The demo needs the built-in model "${MODEL}", which is not registered.`);
  const model = (await getModelView(summary.id))!;
  const original = model.variants.find((v) => v.parentId === null && v.name === 'original');
  if (!original?.structure) throw new UnrecoverableError(`"${MODEL}" has no original variant with a known block structure.`);

  // (0) one block sensitivity, so both HierarchicalPrune variants plan from the same data
  let sensitivityReady = (await modelsRepo.listSensitivities(original.id)).length > 0;
  if (!sensitivityReady) {
    sensitivityReady = (await r.child({ type: 'sensitivity', payload: { variantId: original.id, level: 'block', samples: o.calibrationSamples }, dedupeKey: `${KEY}:sensitivity`, what: `measures the block sensitivity of ${MODEL}` })) !== null;
  }
  r.step(sensitivityReady);

  // (1) the compressed variants
  const arms: { name: string; id: string | null }[] = [{ name: 'original', id: original.id }];
  for (const spec of demoVariants(o, original.structure)) {
    let id = model.variants.find((v) => v.name === spec.name)?.id ?? null;
    if (!id && (sensitivityReady || !spec.needsSensitivity)) {
      const result = await r.child({ type: 'compress', payload: { variantId: original.id, name: spec.name, recipe: spec.recipe }, dedupeKey: `${KEY}:compress:${spec.name}`, what: `compresses ${MODEL} to ${spec.name}` });
      if (result) {
        id = String(result.variantId);
        if (!(await modelsRepo.findVariant(id))) throw new UnrecoverableError(`The demo stopped: variant ${spec.name} was made and then deleted.`);
      }
    }
    r.step(id !== null);
    arms.push({ name: spec.name, id });
  }

  // (2) a generation run per variant: the same prompts, settings and seed, so images pair up
  const existingRuns = (await runsRepo.listRunsForModel(model.id)).reverse(); // oldest first
  const runs: { name: string; variantId: string; runId: string | null }[] = [];
  for (const arm of arms) {
    if (!arm.id) {
      r.step(false);
      continue;
    }
    const run = existingRuns.find(
      (x) => x.variantId === arm.id && x.promptSet === 'shapes' && x.steps === o.steps && x.seed === o.seed && x.imagesPerPrompt === o.imagesPerPrompt && x.guidance === GUIDANCE && (JSON.parse(x.prompts) as unknown[]).length === o.prompts,
    );
    let runDone = false;
    if (!run) {
      await startRun(model.id, { variantId: arm.id, promptSet: 'shapes', limit: o.prompts, spread: true, imagesPerPrompt: o.imagesPerPrompt, steps: o.steps, guidance: GUIDANCE, seed: o.seed }, null, { priority: DEMO_PRIORITY.child });
      r.queued.push(`generates images with ${arm.name}`);
    } else if (!run.jobId) {
      // made by a round that stopped between creating the run and queueing its job
      const { job } = await enqueueJob('generate', { runId: run.id }, { dedupeKey: `generate:${run.id}`, priority: DEMO_PRIORITY.child });
      await runsRepo.setRunJob(run.id, job.id);
      r.queued.push(`generates images with ${arm.name}`);
    } else {
      const job = await getJobView(run.jobId);
      if (job.status === 'failed' || job.status === 'cancelled') {
        throw new UnrecoverableError(`The demo stopped: the job that generates images with ${arm.name} (${job.id}) ${job.status === 'failed' ? `failed: ${job.error}` : 'was cancelled'}. Retry it on /research/jobs, then retry this job.`);
      }
      runDone = job.status === 'succeeded';
      if (!runDone) r.waiting.push(`generates images with ${arm.name}`);
    }
    r.step(runDone);
    runs.push({ name: arm.name, variantId: arm.id, runId: runDone ? run!.id : null });
  }

  // (3) GenEval with the shapes world's detector, and HPS (its fixture unless a real one is configured), for every finished run
  const latest = await latestScoresByVariant(model.id);
  for (const arm of arms) {
    const run = runs.find((x) => x.name === arm.name);
    for (const scorer of SCORERS) {
      let scored = false;
      if (run?.runId) {
        scored = latest[run.variantId]?.[scorer]?.runId === run.runId;
        if (!scored) scored = (await r.child({ type: 'score', payload: { runId: run.runId, scorer }, dedupeKey: `${KEY}:score:${run.runId}:${scorer}`, what: `scores ${arm.name}'s images with ${scorer}` })) !== null;
      }
      r.step(scored);
    }
  }
  // the study is the one step left
  await ctx.progress(r.done / (r.total + 1), `${r.done} of ${r.total + 1} steps done${r.queued.length ? `; queued: ${r.queued.join(', ')}` : ''}`);
  if (r.done < r.total) return null;

  // (4) the study: every variant against every other, on the images that pair up
  const { createStudy, listStudies, openStudy } = await import('../../studies/service');
  const studyArms = demoStudyArms(o);
  const studyRuns = runs.filter((x) => studyArms.includes(x.name));
  const runIds = studyRuns.map((x) => x.runId!);
  const same = (a: string[]) => a.length === runIds.length && runIds.every((id) => a.includes(id));
  let study: { id: string; slug: string; title: string; status: string } | undefined = (await listStudies(null)).find((s) => s.demo && same(s.arms.map((a) => a.runId)));
  if (!study) {
    const pairs = (studyRuns.length * (studyRuns.length - 1)) / 2;
    study = await createStudy(
      {
        title: DEMO_STUDY_TITLE,
        description:
          `Demo data, made by npm start on the built-in ${MODEL}, a small model trained to draw circles, squares and triangles. ` +
          'Both images of a pair answer the same prompt with the same seed; the variants differ only in how they were compressed. ' +
          'Votes here are demo data, and the leaderboard marks them so.',
        arms: studyRuns.map((x) => ({ variantId: x.variantId, runId: x.runId! })),
        criteria: [{ key: 'overall', question: 'Which image matches its prompt better?' }],
        trialsPerParticipant: Math.min(20, o.prompts * o.imagesPerPrompt * pairs),
      },
      null,
      { demo: true },
    );
    r.queued.push('creates the demo study');
  }
  if (study.status === 'draft') await openStudy(study.id, null);
  return {
    ready: true,
    study: { id: study.id, slug: study.slug, title: study.title, participantPath: `/s/${study.slug}`, researcherPath: `/research/studies/${study.id}` },
    variants: arms.map((a) => ({ name: a.name, id: a.id! })),
    runs: runs.map((x) => ({ variant: x.name, runId: x.runId! })),
  };
}

/** How long a round that can only wait for its children polls them before it yields with a retryable error. */
const WAIT_POLL_MS = 1000;
const WAIT_MAX_MS = 30_000;

export const demoPipeline = defineJob({
  name: DEMO_JOB,
  title: 'Prepare the demo (compress, generate, score, open a study)',
  payload: ZDemoPayload,
  // Attempts are spent only by rounds that waited WAIT_MAX_MS with nothing new to start (or by
  // real errors); with the default backoff that is well over half an hour without progress.
  maxAttempts: 10,
  dedupeKey: (p) => `${KEY}:${p.round}`,
  async run(payload, ctx) {
    const { setTimeout: sleep } = await import('node:timers/promises');
    const { round, ...options } = payload;
    const started = Date.now();
    for (;;) {
      const r = new Round();
      const finished = await advance(options, r, ctx).catch((err) => {
        // a service's refusal (a study these runs cannot make) will not change by retrying
        throw err instanceof AppError && err.status < 500 ? new UnrecoverableError(`The demo stopped: ${err.message}`) : err;
      });
      if (finished) {
        await ctx.progress(1, `ready: ${finished.study.participantPath}`);
        return { round, queued: r.queued, ...finished };
      }
      if (r.queued.length) {
        // the next round queues behind the children this one queued (they have a higher priority)
        const { enqueueJob } = await import('../service');
        const { job } = await enqueueJob(DEMO_JOB, { ...options, round: round + 1 }, { priority: DEMO_PRIORITY.round });
        return { round, ready: false, queued: r.queued, waitingFor: r.waiting, steps: { done: r.done, total: r.total + 1 }, next: job.id };
      }
      // Only unfinished children (running on other workers, or backing off): wait a little here,
      // then give the slot back and come again after the backoff.
      if (Date.now() - started >= WAIT_MAX_MS) throw new Error(`waiting for the jobs that ${r.waiting.join('; ') || 'are still running'}`);
      await sleep(WAIT_POLL_MS, undefined, { signal: ctx.signal });
    }
  },
});

export type TDemoStatus =
  | { state: 'none' }
  | { state: 'preparing'; message: string | null }
  | { state: 'ready'; study: TDemoResult['study'] }
  | { state: 'failed'; error: string; jobId: string };

/** Where the demo stands, from its rounds on the job queue (for npm start's output). */
export async function demoStatus(): Promise<TDemoStatus> {
  const { listJobViews } = await import('../service');
  const rounds = await listJobViews({ type: DEMO_JOB, limit: 500 });
  const ready = rounds.find((j) => j.status === 'succeeded' && (j.result as { ready?: boolean } | null)?.ready);
  if (ready) return { state: 'ready', study: (ready.result as TDemoResult).study };
  const latest = rounds[0];
  if (!latest) return { state: 'none' };
  if (latest.status === 'failed' || latest.status === 'cancelled') return { state: 'failed', error: latest.error ?? latest.status, jobId: latest.id };
  return { state: 'preparing', message: latest.progressMessage };
}
