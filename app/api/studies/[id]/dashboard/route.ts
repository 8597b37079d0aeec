import { apiRoute } from '@/lib/http/route';
import { studyDashboard } from '@/lib/studies/results';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<undefined, { id: string }>({ access: 'researcher' }, async ({ user, params }) => ({ dashboard: await studyDashboard(params.id, user) }));
