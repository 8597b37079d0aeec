import { z } from 'zod';
import { AppError } from '@/lib/errors';
import { apiRoute } from '@/lib/http/route';
import { getJobDefinition } from '@/lib/jobs/registry';
import { enqueueJob, listJobViews } from '@/lib/jobs/service';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({ access: 'researcher' }, async ({ query }) => {
  const limit = query.get('limit');
  return {
    jobs: await listJobViews({
      status: query.get('status') ?? undefined,
      type: query.get('type') ?? undefined,
      limit: limit ? Number.parseInt(limit, 10) || 100 : 100,
    }),
  };
});

const ZStartJobSchema = z.object({ type: z.string().min(1).max(100), payload: z.unknown().default({}) });

export const POST = apiRoute({ access: 'researcher', body: ZStartJobSchema }, async ({ user, body }) => {
  if (!getJobDefinition(body.type).startable) {
    throw new AppError('BAD_REQUEST', `Jobs of type ${body.type} are started from their own page, not here.`);
  }
  const { job, created } = await enqueueJob(body.type, body.payload, { createdById: user.id });
  return Response.json({ job, created }, { status: created ? 201 : 200 });
});
