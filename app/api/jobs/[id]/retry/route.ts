import { apiRoute } from '@/lib/http/route';
import { retryJob } from '@/lib/jobs/service';

export const POST = apiRoute<undefined, { id: string }>({ access: 'researcher' }, async ({ params, user }) => ({ job: await retryJob(params.id, user) }));
