import { z } from 'zod';
import { ZStartRunSchema, startRun } from '@/lib/generation/service';
import { apiRoute } from '@/lib/http/route';

export const POST = apiRoute<z.infer<typeof ZStartRunSchema>, { id: string }>(
  { access: 'researcher', body: ZStartRunSchema },
  async ({ params, body, user }) => Response.json(await startRun(params.id, body, user.id), { status: 201 }),
);
