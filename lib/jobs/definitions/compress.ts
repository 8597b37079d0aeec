import { z } from 'zod';
import { defineJob, UnrecoverableError } from '../types';

/** Compresses a model variant with a recipe and stores the result as a new variant of the same model. */
export const compressJob = defineJob({
  name: 'compress',
  title: 'Compress a model',
  payload: z.object({
    variantId: z.string().min(1),
    name: z.string().trim().min(1).max(100),
    // validated in full by the pipeline's recipe schema when the job runs
    recipe: z.record(z.string(), z.unknown()),
  }),
  maxAttempts: 2,
  async run({ variantId, name, recipe }, ctx) {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { env } = await import('../../env');
    const { AppError } = await import('../../errors');
    const { compressBundle, ZCompressRecipeSchema } = await import('../../compress/pipeline');
    const { addCompressedVariant, latestSensitivity, variantBundle } = await import('../../models/service');
    const { ZSensitivitySchema } = await import('../../compress/sensitivity');
    const parsed = ZCompressRecipeSchema.safeParse(recipe);
    if (!parsed.success) throw new UnrecoverableError(`invalid recipe: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    const out = path.join(env().dataDir, 'tmp', 'jobs', ctx.jobId);
    fs.rmSync(out, { recursive: true, force: true });
    try {
      const { dir } = await variantBundle(variantId);
      // A sensitivity measured earlier for this variant is reused rather than measured again.
      const stored = parsed.data.budget !== undefined ? ZSensitivitySchema.safeParse(await latestSensitivity(variantId, parsed.data.level)) : null;
      const report = await compressBundle(dir, out, parsed.data, {
        signal: ctx.signal,
        sensitivity: stored?.success ? stored.data : undefined,
        onProgress: (f, m) => ctx.progress(0.95 * f, m),
      });
      await ctx.progress(0.97, 'storing the new variant');
      const variant = await addCompressedVariant({ parentId: variantId, name, dir: out, recipe: parsed.data, report, jobId: ctx.jobId });
      return { variantId: variant.id, footprintReduction: report.footprintReduction, error: report.error.relative };
    } catch (err) {
      if (err instanceof AppError && err.status < 500) throw new UnrecoverableError(err.message);
      throw err;
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  },
});

/** Measures block or component sensitivity of a variant's denoiser and keeps it for the heatmap and planning. */
export const sensitivityJob = defineJob({
  name: 'sensitivity',
  title: 'Measure block sensitivity',
  payload: z.object({ variantId: z.string().min(1), level: z.enum(['block', 'component']).default('component'), samples: z.number().int().min(1).max(256).default(8) }),
  maxAttempts: 2,
  async run({ variantId, level, samples }, ctx) {
    const { AppError } = await import('../../errors');
    const { measureSensitivity } = await import('../../compress/measure');
    const { saveSensitivity, variantBundle } = await import('../../models/service');
    try {
      const { dir } = await variantBundle(variantId);
      const data = await measureSensitivity(dir, { level, count: samples, onProgress: (d, t, label) => void ctx.progress((0.95 * d) / t, `${d}/${t}: ${label}`) });
      const saved = await saveSensitivity(variantId, level, data, ctx.jobId);
      return { sensitivityId: saved.id, entries: data.entries.length };
    } catch (err) {
      if (err instanceof AppError && err.status < 500) throw new UnrecoverableError(err.message);
      throw err;
    }
  },
});
