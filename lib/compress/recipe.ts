import { z } from 'zod';

/** A compression recipe, as the CLI, the API and the compress job take it (no heavy imports here). */
export const ZCompressRecipeSchema = z
  .object({
    /** Keep at most this fraction of the denoiser's parameters (HPP plan), or... */
    budget: z.number().gt(0).max(1).optional(),
    /** ...remove exactly these blocks ("25-29,31-35", inclusive; "single_transformer_blocks:3" for another stack). */
    removeBlocks: z.string().min(1).optional(),
    protectFirst: z.number().int().min(0).default(0),
    range: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
    level: z.enum(['block', 'component']).default('block'),
    ranking: z.enum(['paper', 'code']).default('paper'),
    reconstruct: z.boolean().default(false),
    int4: z.object({ blockSize: z.union([z.literal(32), z.literal(64), z.literal(128)]), symmetric: z.boolean().default(true) }).optional(),
    /** Calibration inputs for sensitivity, reconstruction and the error report. */
    calibrationSamples: z.number().int().min(1).max(512).default(8),
    seed: z.number().int().min(0).default(0),
    /** Denoiser steps timed before and after (0: skip timing). */
    latencySteps: z.number().int().min(0).max(1000).default(10),
  })
  .refine((r) => !(r.budget !== undefined && r.removeBlocks !== undefined), { message: 'give a budget or a block list, not both' });
export type TCompressRecipe = z.input<typeof ZCompressRecipeSchema>;
