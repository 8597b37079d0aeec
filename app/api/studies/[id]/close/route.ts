import { apiRoute } from '@/lib/http/route';
import { closeStudy } from '@/lib/studies/service';

export const dynamic = 'force-dynamic';

export const POST = apiRoute<undefined, { id: string }>({ access: 'researcher' }, async ({ user, params }) => ({ study: await closeStudy(params.id, user) }));
