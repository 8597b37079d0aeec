import { apiRoute } from '@/lib/http/route';
import { getJobView } from '@/lib/jobs/service';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<undefined, { id: string }>({ access: 'researcher' }, async ({ params }) => ({ job: await getJobView(params.id) }));
