import { db } from '../db';

/** Database access of studies; the rules live in service.ts and participation.ts. */

const armInclude = { variant: { select: { id: true, name: true, model: { select: { id: true, name: true } } } }, run: { select: { id: true, promptSet: true } } } as const;

export async function insertStudy(data: {
  slug: string;
  fields: Record<string, unknown>;
  arms: { variantId: string; runId: string }[];
  items: { prompt: string; seed: number; images: string }[];
  createdById: string | null;
  demo?: boolean;
}) {
  const prisma = await db();
  return prisma.$transaction(async (tx) => {
    const study = await tx.study.create({ data: { slug: data.slug, ...(data.fields as object), demo: data.demo ?? false, createdById: data.createdById } as never });
    await writeArmsAndItems(tx, study.id, data.arms, data.items);
    return study;
  });
}

type TTx = Parameters<Parameters<Awaited<ReturnType<typeof db>>['$transaction']>[0]>[0];

async function writeArmsAndItems(tx: TTx, studyId: string, arms: { variantId: string; runId: string }[], items: { prompt: string; seed: number; images: string }[]) {
  // items name arms by their position until the arms have ids
  const created: { id: string; position: number }[] = [];
  for (const [position, a] of arms.entries()) created.push(await tx.studyArm.create({ data: { studyId, variantId: a.variantId, runId: a.runId, position } }));
  await tx.studyItem.createMany({
    data: items.map((it, position) => {
      const byPosition = JSON.parse(it.images) as Record<string, unknown>;
      const images = Object.fromEntries(created.map((arm) => [arm.id, byPosition[String(arm.position)]]));
      return { studyId, position, prompt: it.prompt, seed: it.seed, images: JSON.stringify(images) };
    }),
  });
}

export async function updateStudy(id: string, fields: Record<string, unknown>, rebuild?: { arms: { variantId: string; runId: string }[]; items: { prompt: string; seed: number; images: string }[] }) {
  const prisma = await db();
  return prisma.$transaction(async (tx) => {
    const study = await tx.study.update({ where: { id }, data: fields as never });
    if (rebuild) {
      await tx.studyItem.deleteMany({ where: { studyId: id } });
      await tx.studyArm.deleteMany({ where: { studyId: id } });
      await writeArmsAndItems(tx, id, rebuild.arms, rebuild.items);
    }
    return study;
  });
}

/** Moves a study from one status to another only if it is still in `from` (two clicks change it once). */
export async function setStatus(id: string, from: string[], to: string, stamp: Record<string, Date>) {
  const prisma = await db();
  const { count } = await prisma.study.updateMany({ where: { id, status: { in: from } }, data: { status: to, ...stamp } });
  return count === 1;
}

export async function findStudy(id: string) {
  const prisma = await db();
  return prisma.study.findUnique({ where: { id }, include: { arms: { include: armInclude, orderBy: { position: 'asc' } }, createdBy: { select: { email: true } } } });
}

export async function findStudyBySlug(slug: string) {
  const prisma = await db();
  return prisma.study.findUnique({ where: { slug }, include: { arms: { orderBy: { position: 'asc' } } } });
}

export async function listStudies() {
  const prisma = await db();
  return prisma.study.findMany({
    orderBy: { createdAt: 'desc' },
    include: { arms: { include: armInclude, orderBy: { position: 'asc' } }, _count: { select: { participants: true, votes: true } } },
  });
}

export async function studyItems(studyId: string) {
  const prisma = await db();
  return prisma.studyItem.findMany({ where: { studyId }, orderBy: { position: 'asc' } });
}

export async function countItems(studyId: string) {
  const prisma = await db();
  return prisma.studyItem.count({ where: { studyId } });
}

/** A run's images with their prompts, for pairing runs by prompt and seed. */
export async function runImages(runId: string) {
  const prisma = await db();
  return prisma.generationRun.findUnique({
    where: { id: runId },
    select: { id: true, variantId: true, prompts: true, images: { select: { id: true, promptIndex: true, seed: true, webpSha256: true }, orderBy: [{ promptIndex: 'asc' }, { sample: 'asc' }] } },
  });
}

export async function variantsExist(ids: string[]) {
  const prisma = await db();
  return prisma.modelVariant.findMany({ where: { id: { in: ids } }, select: { id: true } });
}

// --- participants ------------------------------------------------------------------------------

export async function findParticipantByToken(tokenHash: string) {
  const prisma = await db();
  return prisma.studyParticipant.findUnique({ where: { tokenHash } });
}

export async function findParticipantByProlific(studyId: string, prolificPid: string) {
  const prisma = await db();
  return prisma.studyParticipant.findUnique({ where: { studyId_prolificPid: { studyId, prolificPid } } });
}

export async function rotateParticipantToken(id: string, tokenHash: string) {
  const prisma = await db();
  return prisma.studyParticipant.update({ where: { id }, data: { tokenHash } });
}

export async function countCompleted(studyId: string) {
  const prisma = await db();
  return prisma.studyParticipant.count({ where: { studyId, status: 'completed', preview: false } });
}

/** Comparison trials planned so far (previews excluded), for balancing. */
export async function comparisonCoverage(studyId: string) {
  const prisma = await db();
  return prisma.studyTrial.findMany({
    where: { studyId, kind: 'comparison', participant: { preview: false } },
    select: { itemId: true, leftArmId: true, rightArmId: true },
  });
}

/** First-criterion answers of comparison trials (previews and exclusions left out), for the adaptive policy. */
export async function comparisonAnswers(studyId: string, criterion: string) {
  const prisma = await db();
  return prisma.studyVote.findMany({
    where: { studyId, criterion, trial: { kind: 'comparison' }, participant: { preview: false, excluded: false } },
    select: { choice: true, trial: { select: { leftArmId: true, rightArmId: true } } },
  });
}

export type TNewTrial = {
  position: number;
  token: string;
  kind: string;
  itemId: string | null;
  leftArmId: string | null;
  rightArmId: string | null;
  leftSha256: string;
  rightSha256: string;
  leftImageToken: string;
  rightImageToken: string;
  expected: string | null;
};

export async function insertParticipant(data: {
  studyId: string;
  tokenHash: string;
  pseudonym: string;
  preview: boolean;
  prolificPid: string | null;
  prolificStudyId: string | null;
  prolificSessionId: string | null;
  trials: TNewTrial[];
}) {
  const prisma = await db();
  const { trials, ...participant } = data;
  return prisma.$transaction(async (tx) => {
    const p = await tx.studyParticipant.create({ data: participant });
    await tx.studyTrial.createMany({ data: trials.map((t) => ({ ...t, studyId: data.studyId, participantId: p.id })) });
    return p;
  });
}

export async function participantTrials(participantId: string) {
  const prisma = await db();
  return prisma.studyTrial.findMany({
    where: { participantId },
    orderBy: { position: 'asc' },
    include: { votes: { select: { criterion: true, choice: true, responseMs: true } } },
  });
}

export async function findTrialByToken(token: string) {
  const prisma = await db();
  return prisma.studyTrial.findUnique({ where: { token }, include: { votes: { select: { criterion: true, choice: true, responseMs: true } } } });
}

export async function findTrialByImageToken(imageToken: string) {
  const prisma = await db();
  return prisma.studyTrial.findFirst({
    where: { OR: [{ leftImageToken: imageToken }, { rightImageToken: imageToken }] },
    select: { studyId: true, leftImageToken: true, leftSha256: true, rightSha256: true },
  });
}

export async function findItem(id: string) {
  const prisma = await db();
  return prisma.studyItem.findUnique({ where: { id } });
}

/**
 * Stores the answers of one trial: the trial is marked answered only if it still was not (one
 * conditional UPDATE), and its votes go in the same transaction, so a double submit or a second
 * tab stores nothing twice. Completing the session, when this was the last trial, happens in the
 * same transaction too: the completion code is shown only once every answer is stored.
 */
export async function storeAnswers(args: {
  trialId: string;
  studyId: string;
  participantId: string;
  idempotencyKey: string;
  votes: { criterion: string; choice: string; responseMs: number }[];
  complete: ((answered: Awaited<ReturnType<typeof participantTrials>>) => { flags: string; excluded: boolean } | null) | null;
}): Promise<{ stored: boolean; completed: boolean }> {
  const prisma = await db();
  return prisma.$transaction(async (tx) => {
    const now = new Date();
    const { count } = await tx.studyTrial.updateMany({ where: { id: args.trialId, answeredAt: null }, data: { answeredAt: now, idempotencyKey: args.idempotencyKey } });
    if (count !== 1) return { stored: false, completed: false };
    await tx.studyVote.createMany({
      data: args.votes.map((v) => ({ studyId: args.studyId, trialId: args.trialId, participantId: args.participantId, criterion: v.criterion, choice: v.choice, responseMs: v.responseMs, createdAt: now })),
    });
    const remaining = await tx.studyTrial.count({ where: { participantId: args.participantId, answeredAt: null } });
    if (remaining > 0 || !args.complete) return { stored: true, completed: false };
    const trials = await tx.studyTrial.findMany({
      where: { participantId: args.participantId },
      orderBy: { position: 'asc' },
      include: { votes: { select: { criterion: true, choice: true, responseMs: true } } },
    });
    const verdict = args.complete(trials);
    await tx.studyParticipant.update({
      where: { id: args.participantId },
      data: { status: 'completed', completedAt: now, ...(verdict ? { flags: verdict.flags, excluded: verdict.excluded } : {}) },
    });
    return { stored: true, completed: true };
  });
}

// --- results -----------------------------------------------------------------------------------

export async function studyParticipants(studyId: string) {
  const prisma = await db();
  return prisma.studyParticipant.findMany({ where: { studyId }, orderBy: { startedAt: 'asc' }, include: { _count: { select: { trials: true } } } });
}

export async function setExcluded(participantId: string, excluded: boolean) {
  const prisma = await db();
  return prisma.studyParticipant.update({ where: { id: participantId }, data: { excluded } });
}

export async function studyVotes(studyId: string, opts: { afterId?: string; take?: number } = {}) {
  const prisma = await db();
  return prisma.studyVote.findMany({
    where: { studyId, ...(opts.afterId ? { id: { gt: opts.afterId } } : {}) },
    orderBy: { id: 'asc' },
    take: opts.take,
    include: {
      trial: { select: { position: true, kind: true, itemId: true, leftArmId: true, rightArmId: true, expected: true } },
      participant: { select: { pseudonym: true, preview: true, excluded: true, flags: true, status: true } },
    },
  });
}

export async function answeredTrialCount(studyId: string) {
  const prisma = await db();
  return prisma.studyTrial.count({ where: { studyId, answeredAt: { not: null }, participant: { preview: false } } });
}
