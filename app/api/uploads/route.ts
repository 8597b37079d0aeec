import { apiRoute } from '@/lib/http/route';
import { createUpload, ZCreateUploadSchema } from '@/lib/uploads/service';

export const POST = apiRoute({ access: 'researcher', body: ZCreateUploadSchema }, async ({ body, user }) => Response.json(createUpload(body, user.id), { status: 201 }));
