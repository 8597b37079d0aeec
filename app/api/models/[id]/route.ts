import { AppError } from '@/lib/errors';
import { apiRoute } from '@/lib/http/route';
import { getModelView } from '@/lib/models/service';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<undefined, { id: string }>({ access: 'researcher' }, async ({ params }) => {
  const model = await getModelView(params.id);
  if (!model) throw new AppError('NOT_FOUND', 'No such model.');
  return { model };
});
