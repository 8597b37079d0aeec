import { z } from 'zod';
import { apiRoute } from '@/lib/http/route';
import { setParticipantExcluded } from '@/lib/studies/service';

export const dynamic = 'force-dynamic';

/** The researcher's decision on one participant: exclude from the results, or include again. */
export const PATCH = apiRoute({ access: 'researcher', body: z.object({ excluded: z.boolean() }) }, async ({ user, params, body }) => {
  const { id, pid } = params as { id: string; pid: string };
  return { participant: await setParticipantExcluded(id, pid, body.excluded, user) };
});
