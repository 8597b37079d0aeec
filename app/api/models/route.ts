import { apiRoute } from '@/lib/http/route';
import { listModelViews } from '@/lib/models/service';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({ access: 'researcher' }, async () => ({ models: await listModelViews() }));
