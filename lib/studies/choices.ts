import { db } from '../db';

/**
 * What a researcher can put in a study: every model's variants, each with the generation runs
 * its images could come from. A study pairs runs by prompt and seed, so each run says which
 * prompt set and seed it used.
 *
 * A read-only query kept beside the study design it serves; it belongs in a repository if a
 * second caller appears.
 */
export type TRunChoice = { id: string; promptSet: string; prompts: number; imagesPerPrompt: number; seed: number; images: number; createdAt: string };
export type TVariantChoice = { id: string; name: string; modelId: string; modelName: string; original: boolean; runs: TRunChoice[] };
export type TModelChoice = { id: string; name: string; variants: TVariantChoice[] };

export async function studyChoices(): Promise<TModelChoice[]> {
  const prisma = await db();
  const models = await prisma.model.findMany({
    orderBy: { name: 'asc' },
    select: {
      id: true,
      name: true,
      variants: {
        orderBy: { createdAt: 'asc' },
        select: {
          id: true,
          name: true,
          parentId: true,
          runs: {
            orderBy: { createdAt: 'desc' },
            select: { id: true, promptSet: true, prompts: true, imagesPerPrompt: true, seed: true, createdAt: true, _count: { select: { images: true } } },
          },
        },
      },
    },
  });
  return models.map((m) => ({
    id: m.id,
    name: m.name,
    variants: m.variants.map((v) => ({
      id: v.id,
      name: v.name,
      modelId: m.id,
      modelName: m.name,
      original: v.parentId === null,
      runs: v.runs.map((r) => ({
        id: r.id,
        promptSet: r.promptSet,
        prompts: (JSON.parse(r.prompts) as unknown[]).length,
        imagesPerPrompt: r.imagesPerPrompt,
        seed: r.seed,
        images: r._count.images,
        createdAt: r.createdAt.toISOString(),
      })),
    })),
  }));
}
