import { db } from '../db';

/** The rows the leaderboard joins: variants with their model, latest runs and scores, and study votes. */
export async function variantsWithModels() {
  const prisma = await db();
  return prisma.modelVariant.findMany({
    orderBy: [{ modelId: 'asc' }, { createdAt: 'asc' }],
    select: { id: true, name: true, parentId: true, recipe: true, params: true, weightBytes: true, diskBytes: true, createdAt: true, model: { select: { id: true, name: true } } },
  });
}

export async function latestScores() {
  const prisma = await db();
  return prisma.scoreResult.findMany({
    orderBy: { createdAt: 'desc' },
    select: { scorer: true, version: true, fixture: true, score: true, ciLow: true, ciHigh: true, report: true, runId: true, run: { select: { variantId: true, _count: { select: { images: true } } } } },
  });
}

export async function runSummaries() {
  const prisma = await db();
  return prisma.generationRun.findMany({ where: { summary: { not: null } }, orderBy: { createdAt: 'desc' }, select: { id: true, variantId: true, summary: true } });
}

/** Comparison votes that count: not previews, not excluded participants. */
export async function countedVotes() {
  const prisma = await db();
  return prisma.studyVote.findMany({
    where: { trial: { kind: 'comparison' }, participant: { preview: false, excluded: false } },
    select: {
      criterion: true,
      choice: true,
      participantId: true,
      createdAt: true,
      studyId: true,
      trial: { select: { leftArmId: true, rightArmId: true } },
      study: { select: { criteria: true, demo: true } },
    },
  });
}

export async function armVariants() {
  const prisma = await db();
  return prisma.studyArm.findMany({ select: { id: true, variantId: true } });
}

export async function insertSnapshot(data: { title: string; note: string | null; data: string; createdById: string | null }) {
  const prisma = await db();
  return prisma.leaderboardSnapshot.create({ data });
}

export async function findSnapshot(id: string) {
  const prisma = await db();
  return prisma.leaderboardSnapshot.findUnique({ where: { id }, include: { createdBy: { select: { email: true } } } });
}

export async function listSnapshots() {
  const prisma = await db();
  return prisma.leaderboardSnapshot.findMany({ orderBy: { createdAt: 'desc' }, select: { id: true, title: true, note: true, createdAt: true } });
}

/** What the leaderboard depends on, in a few counts: when none moved, a built table is still right. */
export async function fingerprint(): Promise<string> {
  const prisma = await db();
  const [variants, scores, runs, votes, excluded, lastScore] = await Promise.all([
    prisma.modelVariant.count(),
    prisma.scoreResult.count(),
    prisma.generationRun.count({ where: { summary: { not: null } } }),
    prisma.studyVote.count(),
    prisma.studyParticipant.count({ where: { excluded: true } }),
    prisma.scoreResult.findFirst({ orderBy: { createdAt: 'desc' }, select: { id: true } }),
  ]);
  return [variants, scores, runs, votes, excluded, lastScore?.id ?? ''].join('|');
}
