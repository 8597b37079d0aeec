import type { TCompressRecipe } from '../compress/recipe';
import { AppError } from '../errors';
import { enqueueJob } from '../jobs/service';
import { findVariant } from './repository';

async function variantOf(modelId: string, variantId: string) {
  const v = await findVariant(variantId);
  if (!v || v.modelId !== modelId) throw new AppError('NOT_FOUND', 'That variant does not belong to this model.');
  return v;
}

/** Queues a compression of one of the model's variants; the result becomes a new variant. */
export async function startCompression(modelId: string, input: { variantId: string; name: string; recipe: TCompressRecipe }, userId: string | null) {
  await variantOf(modelId, input.variantId);
  if (input.recipe.budget === undefined && input.recipe.removeBlocks === undefined && !input.recipe.int4) {
    throw new AppError('BAD_REQUEST', 'Choose a parameter budget, blocks to remove, or INT4.');
  }
  const { job } = await enqueueJob('compress', { variantId: input.variantId, name: input.name, recipe: input.recipe }, { createdById: userId });
  return job;
}

export async function startSensitivity(modelId: string, input: { variantId: string; level: 'block' | 'component' }, userId: string | null) {
  await variantOf(modelId, input.variantId);
  const { job } = await enqueueJob('sensitivity', { variantId: input.variantId, level: input.level, samples: 8 }, { createdById: userId });
  return job;
}
