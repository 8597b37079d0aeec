import { z } from 'zod';
import { ZCompressRecipeSchema } from '@/lib/compress/recipe';
import { apiRoute } from '@/lib/http/route';
import { startCompression } from '@/lib/models/jobs';

const ZStartCompressionSchema = z.object({
  variantId: z.string().min(1),
  name: z.string().trim().min(1, 'give the new variant a name').max(100),
  recipe: ZCompressRecipeSchema,
});

export const POST = apiRoute<z.infer<typeof ZStartCompressionSchema>, { id: string }>(
  { access: 'researcher', body: ZStartCompressionSchema },
  async ({ params, body, user }) => Response.json({ job: await startCompression(params.id, body, user.id) }, { status: 201 }),
);
