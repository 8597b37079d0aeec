import { z } from 'zod';
import { AppError } from '@/lib/errors';
import { apiRoute } from '@/lib/http/route';
import { getStudy, updateStudy } from '@/lib/studies/service';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<undefined, { id: string }>({ access: 'researcher' }, async ({ user, params }) => {
  const study = await getStudy(params.id, user);
  if (!study) throw new AppError('NOT_FOUND', 'No such study.');
  return { study };
});

/** Changes the design: anything in a draft, only what the votes do not depend on once open. */
export const PATCH = apiRoute({ access: 'researcher', body: z.record(z.string(), z.unknown()) }, async ({ user, params, body }) => ({
  study: await updateStudy((params as { id: string }).id, body, user),
}));
