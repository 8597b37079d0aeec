import { apiRoute } from '@/lib/http/route';
import { cancelUpload, uploadStatus } from '@/lib/uploads/service';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<undefined, { id: string }>({ access: 'researcher' }, async ({ params, user }) => uploadStatus(params.id, user.id));

export const DELETE = apiRoute<undefined, { id: string }>({ access: 'researcher' }, async ({ params, user }) => {
  cancelUpload(params.id, user.id);
  return { cancelled: true };
});
