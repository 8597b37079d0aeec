import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { artifactStore } from '../artifacts/store';
import { db } from '../db';
import { env } from '../env';
import { AppError } from '../errors';
import { isGenEvalPromptSet } from '../inference/prompt-sets';
import { enqueueJob } from '../jobs/service';
import type { TClipColourClassifier } from '../scoring/colour-clip';
import type { TNamedDetector } from '../scoring/types';
import { SHAPES_DETECTOR } from '../shapes/detector';

export const SCORERS = ['geneval', 'hps', 'clipscore'] as const;
export type TScorerId = (typeof SCORERS)[number];

/**
 * GenEval's detector for a run: "configured" is GENEVAL_DETECTOR_DIR (else the built-in fixture),
 * an ONNX detector of GenEval's 80 COCO classes; "shapes" is the shapes world's own detector,
 * exact for that world and blind to anything else.
 */
export const ZGenEvalDetectorSchema = z.enum(['configured', 'shapes']);
export type TGenEvalDetector = z.infer<typeof ZGenEvalDetectorSchema>;

/** Without a choice, a run on the shapes prompts is judged by the shapes detector and any other by the configured one. */
export const defaultGenEvalDetector = (promptSet: string): TGenEvalDetector => (promptSet === 'shapes' ? 'shapes' : 'configured');

/** Where a scorer's model lives: configured by path, or the built-in fixture made on first use. */
export async function scorerDir(scorer: TScorerId): Promise<{ dir: string; fixture: boolean }> {
  const e = env();
  const configured = scorer === 'geneval' ? e.GENEVAL_DETECTOR_DIR : scorer === 'hps' ? e.HPS_SCORER_DIR : e.CLIP_SCORER_DIR;
  if (configured) return { dir: configured, fixture: false };
  const kind = scorer === 'geneval' ? 'detector' : 'clip';
  const dir = path.join(e.dataDir, 'scorers', `fixture-${kind}`);
  if (!fs.existsSync(path.join(dir, kind === 'clip' ? 'config.json' : 'labels.json'))) {
    if (kind === 'clip') (await import('../fixtures/clip')).writeClipFixture(dir, { seed: 0 });
    else (await import('../fixtures/detector')).writeDetectorFixture(dir, { seed: 0 });
  }
  return { dir, fixture: true };
}

/**
 * GenEval's colour classifier for score jobs: zero-shot CLIP from GENEVAL_CLIP_DIR when it is set
 * (a folder that does not load is an error that names the variable), else undefined, which leaves
 * scoreGenEval its pixel fallback. The caller releases it.
 */
export async function genevalColourClassifier(): Promise<TClipColourClassifier | undefined> {
  const dir = env().GENEVAL_CLIP_DIR;
  if (!dir) return undefined;
  const { loadClipColourClassifier } = await import('../scoring/colour-clip');
  try {
    return await loadClipColourClassifier(dir);
  } catch (err) {
    if (err instanceof AppError) throw new AppError(err.code, `GENEVAL_CLIP_DIR: ${err.message}`);
    throw err;
  }
}

/**
 * The detector a GenEval score job runs. `fixture` is true for the built-in random-weight ONNX
 * detector only: the shapes detector is exact for its world, no stand-in.
 */
export async function genevalDetector(choice: TGenEvalDetector): Promise<{ detector: TNamedDetector; fixture: boolean }> {
  if (choice === 'shapes') return { detector: SHAPES_DETECTOR, fixture: false };
  const { dir, fixture } = await scorerDir('geneval');
  const { loadOnnxDetector, namedDetector } = await import('../scoring/onnx-detector');
  return { detector: namedDetector(await loadOnnxDetector(dir)), fixture };
}

/**
 * The version a GenEval score is stored with names its colour classifier too ("1.0.0+pixel-lab",
 * "1.0.0+clip:<model>"): colour-task scores from different classifiers are not comparable. A
 * shapes-world score names its detector as well ("1.0.0+shapes-moments-v2+pixel-lab"): it judges
 * another world's prompts. COCO-detector scores keep the shorter form, so older rows still compare.
 */
export function genevalScoreVersion(report: { scorer: { version: string }; colourClassifier: { id: string }; detections?: { source: string; id?: string } }): string {
  const detector = report.detections?.source === 'detector' && report.detections.id === SHAPES_DETECTOR.id ? `+${SHAPES_DETECTOR.id}` : '';
  return `${report.scorer.version}${detector}+${report.colourClassifier.id}`;
}

/** Writes a run's images as GenEval's folder layout (metadata.jsonl + samples/NNNN.png per prompt). */
export async function materialiseRun(runId: string, dir: string): Promise<{ promptSet: string; prompts: number; images: number; geneval: boolean }> {
  const prisma = await db();
  const run = await prisma.generationRun.findUnique({ where: { id: runId }, include: { images: true } });
  if (!run) throw new AppError('NOT_FOUND', 'No such generation run.');
  const prompts = JSON.parse(run.prompts) as { prompt: string; metadata?: { include?: unknown } }[];
  const store = artifactStore();
  for (const [i, p] of prompts.entries()) {
    const folder = path.join(dir, String(i).padStart(5, '0'));
    fs.mkdirSync(path.join(folder, 'samples'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'metadata.jsonl'), JSON.stringify(p.metadata ?? { prompt: p.prompt }) + '\n');
  }
  for (const img of run.images) {
    const to = path.join(dir, String(img.promptIndex).padStart(5, '0'), 'samples', `${String(img.sample).padStart(4, '0')}.png`);
    fs.writeFileSync(to, await store.read(img.pngSha256));
  }
  return { promptSet: run.promptSet, prompts: prompts.length, images: run.images.length, geneval: prompts.every((p) => Array.isArray(p.metadata?.include)) };
}

/**
 * Queues a score job for a run. `detector` picks GenEval's detector; left out, the job picks by
 * the run's prompt set (defaultGenEvalDetector).
 */
export async function startScoring(runId: string, scorer: TScorerId, userId: string | null, opts: { detector?: TGenEvalDetector } = {}) {
  const prisma = await db();
  const run = await prisma.generationRun.findUnique({ where: { id: runId }, include: { _count: { select: { images: true } } } });
  if (!run) throw new AppError('NOT_FOUND', 'No such generation run.');
  if (run._count.images === 0) throw new AppError('CONFLICT', 'This run has no images yet: score it once they are generated.');
  let detector: TGenEvalDetector | undefined;
  if (opts.detector !== undefined) {
    if (scorer !== 'geneval') throw new AppError('BAD_REQUEST', `Only GenEval takes a detector; ${scorer} does not.`);
    const parsed = ZGenEvalDetectorSchema.safeParse(opts.detector);
    if (!parsed.success) throw new AppError('BAD_REQUEST', `Unknown GenEval detector ${JSON.stringify(opts.detector)}: give "configured" or "shapes".`);
    detector = parsed.data;
  }
  if (scorer === 'geneval' && !isGenEvalPromptSet(run.promptSet)) throw new AppError('BAD_REQUEST', 'GenEval scores the built-in GenEval-format prompt sets only (it needs their metadata); this run used other prompts.');
  if (detector === 'shapes' && run.promptSet !== 'shapes') throw new AppError('BAD_REQUEST', 'The shapes detector knows circles, squares and triangles only: it scores runs on the shapes prompt set.');
  const { job } = await enqueueJob('score', { runId, scorer, ...(detector ? { detector } : {}) }, { createdById: userId });
  return job;
}

export async function saveScore(data: { runId: string; scorer: TScorerId; version: string; fixture: boolean; score: number; ciLow: number | null; ciHigh: number | null; report: unknown; jobId: string }) {
  const prisma = await db();
  const existing = await prisma.scoreResult.findUnique({ where: { jobId: data.jobId } });
  if (existing) return existing;
  return prisma.scoreResult.create({ data: { ...data, report: JSON.stringify(data.report) } });
}

export type TScoreSummary = { runId: string; scorer: string; version: string; fixture: boolean; score: number; ciLow: number | null; ciHigh: number | null; images: number; createdAt: string };

/** The newest score of each kind for each variant of a model, for the model page and the leaderboard. */
export async function latestScoresByVariant(modelId: string): Promise<Record<string, Record<string, TScoreSummary>>> {
  const prisma = await db();
  const rows = await prisma.scoreResult.findMany({
    where: { run: { variant: { modelId } } },
    orderBy: { createdAt: 'desc' },
    include: { run: { select: { variantId: true, _count: { select: { images: true } } } } },
  });
  const out: Record<string, Record<string, TScoreSummary>> = {};
  for (const r of rows) {
    const v = (out[r.run.variantId] ??= {});
    v[r.scorer] ??= { runId: r.runId, scorer: r.scorer, version: r.version, fixture: r.fixture, score: r.score, ciLow: r.ciLow, ciHigh: r.ciHigh, images: r.run._count.images, createdAt: r.createdAt.toISOString() };
  }
  return out;
}
