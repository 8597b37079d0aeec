import { db } from '../db';

export async function insertRun(data: {
  variantId: string;
  promptSet: string;
  prompts: string;
  imagesPerPrompt: number;
  steps: number;
  guidance: number;
  seed: number;
  createdById: string | null;
}) {
  const prisma = await db();
  return prisma.generationRun.create({ data });
}

export async function setRunJob(id: string, jobId: string) {
  const prisma = await db();
  await prisma.generationRun.update({ where: { id }, data: { jobId } });
}

export async function setRunSummary(id: string, summary: string) {
  const prisma = await db();
  await prisma.generationRun.update({ where: { id }, data: { summary } });
}

export async function findRun(id: string) {
  const prisma = await db();
  return prisma.generationRun.findUnique({ where: { id }, include: { variant: { include: { model: true } } } });
}

export async function runImages(runId: string) {
  const prisma = await db();
  return prisma.generatedImage.findMany({ where: { runId }, orderBy: [{ promptIndex: 'asc' }, { sample: 'asc' }] });
}

export async function existingImageKeys(runId: string): Promise<Set<string>> {
  const prisma = await db();
  const rows = await prisma.generatedImage.findMany({ where: { runId }, select: { promptIndex: true, sample: true } });
  return new Set(rows.map((r) => `${r.promptIndex}/${r.sample}`));
}

/** Keyed by (run, prompt, sample): a redelivered job writes the same row again, never a second one. */
export async function upsertImage(data: {
  runId: string;
  promptIndex: number;
  sample: number;
  seed: number;
  pngSha256: string;
  webpSha256: string;
  width: number;
  height: number;
  provenance: string;
}) {
  const prisma = await db();
  const where = { runId_promptIndex_sample: { runId: data.runId, promptIndex: data.promptIndex, sample: data.sample } };
  await prisma.generatedImage.upsert({ where, create: data, update: data });
}

export async function findImage(id: string) {
  const prisma = await db();
  return prisma.generatedImage.findUnique({ where: { id } });
}

export async function listRunsForModel(modelId: string) {
  const prisma = await db();
  return prisma.generationRun.findMany({
    where: { variant: { modelId } },
    orderBy: { createdAt: 'desc' },
    include: { variant: { select: { name: true } }, _count: { select: { images: true } } },
  });
}
