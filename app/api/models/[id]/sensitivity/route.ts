import { z } from 'zod';
import { apiRoute } from '@/lib/http/route';
import { startSensitivity } from '@/lib/models/jobs';

const ZStartSensitivitySchema = z.object({ variantId: z.string().min(1), level: z.enum(['block', 'component']).default('component') });

export const POST = apiRoute<z.infer<typeof ZStartSensitivitySchema>, { id: string }>(
  { access: 'researcher', body: ZStartSensitivitySchema },
  async ({ params, body, user }) => Response.json({ job: await startSensitivity(params.id, body, user.id) }, { status: 201 }),
);
