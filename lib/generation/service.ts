import { z } from 'zod';
import { AppError } from '../errors';
import { GENEVAL_PROMPT_SETS } from '../inference/prompt-sets';
import { enqueueJob } from '../jobs/service';
import type { TJobView } from '../jobs/types';
import * as repo from './repository';

export const ZStartRunSchema = z.object({
  variantId: z.string().min(1),
  /** A built-in set with GenEval metadata ("geneval", "shapes"), the calibration prompts, or the researcher's own. */
  promptSet: z.enum([...GENEVAL_PROMPT_SETS, 'calibration', 'custom']).default('geneval'),
  /** For "custom": one prompt a line. */
  customPrompts: z.string().max(200_000).optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
  /** With a limit on a GenEval set: take prompts evenly from all six tasks instead of the first N (which are all single objects). */
  spread: z.boolean().default(false),
  imagesPerPrompt: z.number().int().min(1).max(64).default(4),
  steps: z.number().int().min(1).max(500).default(20),
  guidance: z.number().min(1).max(50).default(3),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
});
export type TStartRun = z.input<typeof ZStartRunSchema>;

export type TRunView = {
  id: string;
  model: { id: string; name: string };
  variant: { id: string; name: string };
  promptSet: string;
  prompts: { id: string; prompt: string; tag?: string }[];
  imagesPerPrompt: number;
  steps: number;
  guidance: number;
  seed: number;
  jobId: string | null;
  summary: unknown;
  createdAt: string;
  images: { id: string; promptIndex: number; sample: number; seed: number; width: number; height: number }[];
};

/** Creates a generation run for a variant and queues the job that fills it. */
export async function startRun(modelId: string, input: TStartRun, userId: string | null, opts: { priority?: number } = {}): Promise<{ runId: string; job: TJobView }> {
  const o = ZStartRunSchema.parse(input);
  const { findVariant } = await import('../models/repository');
  const variant = await findVariant(o.variantId);
  if (!variant || variant.modelId !== modelId) throw new AppError('NOT_FOUND', 'That variant does not belong to this model.');
  let prompts: { id: string; prompt: string; tag?: string; metadata?: unknown }[];
  if (o.promptSet === 'custom') {
    const lines = (o.customPrompts ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
    if (!lines.length) throw new AppError('BAD_REQUEST', 'Give at least one prompt, one a line.');
    prompts = lines.map((prompt, i) => ({ id: String(i).padStart(5, '0'), prompt }));
  } else if (o.promptSet === 'calibration') {
    const { calibrationPrompts } = await import('../compress/calibration');
    prompts = calibrationPrompts(o.limit ?? 8).map((prompt, i) => ({ id: String(i).padStart(5, '0'), prompt }));
  } else {
    const { loadPrompts } = await import('../inference/prompts');
    prompts = loadPrompts(o.promptSet);
  }
  if (o.limit) prompts = o.spread ? spreadOverTags(prompts, o.limit) : prompts.slice(0, o.limit);
  const run = await repo.insertRun({
    variantId: o.variantId,
    promptSet: o.promptSet,
    prompts: JSON.stringify(prompts),
    imagesPerPrompt: o.imagesPerPrompt,
    steps: o.steps,
    guidance: o.guidance,
    seed: o.seed,
    createdById: userId,
  });
  const { job } = await enqueueJob('generate', { runId: run.id }, { createdById: userId, dedupeKey: `generate:${run.id}`, priority: opts.priority });
  await repo.setRunJob(run.id, job.id);
  return { runId: run.id, job };
}

export async function getRunView(id: string): Promise<TRunView | null> {
  const run = await repo.findRun(id);
  if (!run) return null;
  const images = await repo.runImages(id);
  return {
    id: run.id,
    model: { id: run.variant.model.id, name: run.variant.model.name },
    variant: { id: run.variant.id, name: run.variant.name },
    promptSet: run.promptSet,
    prompts: JSON.parse(run.prompts),
    imagesPerPrompt: run.imagesPerPrompt,
    steps: run.steps,
    guidance: run.guidance,
    seed: run.seed,
    jobId: run.jobId,
    summary: run.summary ? JSON.parse(run.summary) : null,
    createdAt: run.createdAt.toISOString(),
    images: images.map((i) => ({ id: i.id, promptIndex: i.promptIndex, sample: i.sample, seed: i.seed, width: i.width, height: i.height })),
  };
}

export async function runsForModel(modelId: string) {
  return (await repo.listRunsForModel(modelId)).map((r) => ({
    id: r.id,
    variant: r.variant.name,
    promptSet: r.promptSet,
    images: r._count.images,
    expected: JSON.parse(r.prompts).length * r.imagesPerPrompt,
    createdAt: r.createdAt.toISOString(),
  }));
}

/** The stored bytes of an image, for researchers (study pages serve images by opaque tokens instead). */
export async function imageFile(id: string, kind: 'png' | 'webp'): Promise<{ sha256: string; contentType: string }> {
  const image = await repo.findImage(id);
  if (!image) throw new AppError('NOT_FOUND', 'No such image.');
  return kind === 'png' ? { sha256: image.pngSha256, contentType: 'image/png' } : { sha256: image.webpSha256, contentType: 'image/webp' };
}

/** Up to `limit` prompts taken round-robin over their tags (GenEval's tasks), each tag in file order. */
export function spreadOverTags<T extends { tag?: string }>(prompts: T[], limit: number): T[] {
  const byTag = new Map<string, T[]>();
  for (const p of prompts) {
    const list = byTag.get(p.tag ?? '') ?? [];
    list.push(p);
    byTag.set(p.tag ?? '', list);
  }
  const out: T[] = [];
  for (let i = 0; out.length < limit && out.length < prompts.length; i++) {
    for (const list of byTag.values()) if (i < list.length && out.length < limit) out.push(list[i]);
  }
  return out;
}
