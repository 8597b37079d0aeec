import { z } from 'zod';
import { apiRoute } from '@/lib/http/route';
import { SCORERS, startScoring } from '@/lib/scores/service';

const ZStartScoringSchema = z.object({ scorer: z.enum(SCORERS) });

export const POST = apiRoute<z.infer<typeof ZStartScoringSchema>, { id: string }>({ access: 'researcher', body: ZStartScoringSchema }, async ({ params, body, user }) =>
  Response.json({ job: await startScoring(params.id, body.scorer, user.id) }, { status: 201 }),
);
