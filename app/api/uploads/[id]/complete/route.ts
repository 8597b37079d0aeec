import { apiRoute } from '@/lib/http/route';
import { completeUpload, ZCompleteUploadSchema } from '@/lib/uploads/service';

export const POST = apiRoute<import('zod').infer<typeof ZCompleteUploadSchema>, { id: string }>(
  { access: 'researcher', body: ZCompleteUploadSchema },
  async ({ params, body, user }) => Response.json({ model: await completeUpload(params.id, user.id, body) }, { status: 201 }),
);
