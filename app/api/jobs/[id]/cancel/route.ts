import { apiRoute } from '@/lib/http/route';
import { cancelJob } from '@/lib/jobs/service';

export const POST = apiRoute<undefined, { id: string }>({ access: 'researcher' }, async ({ params, user }) => ({ job: await cancelJob(params.id, user) }));
