import { db } from '../db';

/** The variants' generation runs on the shapes prompt set, newest first, with their GenEval and HPS scores (reports left out: they are large). */
export async function shapesRuns(variantIds: string[]) {
  const prisma = await db();
  return prisma.generationRun.findMany({
    where: { variantId: { in: variantIds }, promptSet: 'shapes' },
    orderBy: { createdAt: 'desc' },
    select: {
      id: true,
      variantId: true,
      promptSet: true,
      prompts: true,
      imagesPerPrompt: true,
      steps: true,
      guidance: true,
      seed: true,
      summary: true,
      _count: { select: { images: true } },
      scores: {
        where: { scorer: { in: ['geneval', 'hps'] } },
        orderBy: { createdAt: 'desc' },
        select: { id: true, scorer: true, version: true, fixture: true, score: true, ciLow: true, ciHigh: true },
      },
    },
  });
}

/** The full reports of some score results, by id. */
export async function scoreReports(ids: string[]): Promise<Map<string, string>> {
  const prisma = await db();
  const rows = await prisma.scoreResult.findMany({ where: { id: { in: ids } }, select: { id: true, report: true } });
  return new Map(rows.map((r) => [r.id, r.report]));
}

/** The first image (sample 0) of some prompts in some runs. */
export async function firstSamples(runIds: string[], promptIndexes: number[]) {
  const prisma = await db();
  return prisma.generatedImage.findMany({
    where: { runId: { in: runIds }, promptIndex: { in: promptIndexes }, sample: 0 },
    select: { runId: true, promptIndex: true, pngSha256: true },
  });
}
