import { apiRoute } from '@/lib/http/route';
import { openStudy } from '@/lib/studies/service';

export const dynamic = 'force-dynamic';

export const POST = apiRoute<undefined, { id: string }>({ access: 'researcher' }, async ({ user, params }) => ({ study: await openStudy(params.id, user) }));
