import { z } from 'zod';
import { apiRoute } from '@/lib/http/route';
import { createStudy, listStudies } from '@/lib/studies/service';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({ access: 'researcher' }, async ({ user }) => ({ studies: await listStudies(user) }));

/** Creates a draft study; the design is validated in lib/studies/design.ts. */
export const POST = apiRoute({ access: 'researcher', body: z.record(z.string(), z.unknown()) }, async ({ user, body }) => ({ study: await createStudy(body as never, user) }));
