import { db } from '../db';

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === 'P2002';

export type TNewVariant = {
  modelId: string;
  name: string;
  parentId: string | null;
  recipe: string | null;
  report: string | null;
  bundleHash: string;
  params: bigint;
  weightBytes: bigint;
  diskBytes: bigint;
  structure: string | null;
  jobId: string | null;
};

export async function insertModelWithOriginal(model: { name: string; description?: string; license?: string; createdById?: string | null }, variant: Omit<TNewVariant, 'modelId'>) {
  const prisma = await db();
  try {
    return await prisma.model.create({
      data: { ...model, createdById: model.createdById ?? null, variants: { create: [variant] } },
      include: { variants: true },
    });
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

/** Inserts a variant; a variant already made by the same job is returned instead (retried jobs). */
export async function insertVariant(v: TNewVariant) {
  const prisma = await db();
  if (v.jobId) {
    const existing = await prisma.modelVariant.findUnique({ where: { jobId: v.jobId } });
    if (existing) return { variant: existing, created: false };
  }
  try {
    return { variant: await prisma.modelVariant.create({ data: v }), created: true };
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

export async function findVariantByHash(bundleHash: string) {
  const prisma = await db();
  return prisma.modelVariant.findFirst({ where: { bundleHash }, include: { model: { select: { name: true } } } });
}

export async function findVariant(id: string) {
  const prisma = await db();
  return prisma.modelVariant.findUnique({ where: { id }, include: { model: true } });
}

export async function listModels() {
  const prisma = await db();
  return prisma.model.findMany({ orderBy: { createdAt: 'desc' }, include: { variants: { orderBy: { createdAt: 'asc' } }, createdBy: { select: { email: true } } } });
}

export async function findModel(id: string) {
  const prisma = await db();
  return prisma.model.findUnique({
    where: { id },
    include: {
      variants: { orderBy: { createdAt: 'asc' }, include: { sensitivities: { orderBy: { createdAt: 'desc' } } } },
      createdBy: { select: { email: true } },
    },
  });
}

export async function countModels() {
  const prisma = await db();
  return prisma.model.count();
}

export async function insertSensitivity(s: { variantId: string; level: string; data: string; jobId: string | null }) {
  const prisma = await db();
  if (s.jobId) {
    const existing = await prisma.sensitivityResult.findUnique({ where: { jobId: s.jobId } });
    if (existing) return existing;
  }
  return prisma.sensitivityResult.create({ data: s });
}

export async function listSensitivities(variantId: string) {
  const prisma = await db();
  return prisma.sensitivityResult.findMany({ where: { variantId }, orderBy: { createdAt: 'desc' } });
}

export async function modelNameTaken(name: string): Promise<boolean> {
  const prisma = await db();
  return (await prisma.model.count({ where: { name } })) > 0;
}
