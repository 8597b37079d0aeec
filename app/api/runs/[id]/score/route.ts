import { z } from 'zod';
import { apiRoute } from '@/lib/http/route';
import { SCORERS, startScoring, ZGenEvalDetectorSchema } from '@/lib/scores/service';

/** `detector` (GenEval only): "configured" or "shapes"; left out, the run's prompt set decides. */
const ZStartScoringSchema = z.object({ scorer: z.enum(SCORERS), detector: ZGenEvalDetectorSchema.optional() });

export const POST = apiRoute<z.infer<typeof ZStartScoringSchema>, { id: string }>({ access: 'researcher', body: ZStartScoringSchema }, async ({ params, body, user }) =>
  Response.json({ job: await startScoring(params.id, body.scorer, user.id, { detector: body.detector }) }, { status: 201 }),
);
