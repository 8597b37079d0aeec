import { apiRoute } from '@/lib/http/route';
import { publicData } from '@/lib/leaderboard/http';
import { listSnapshots } from '@/lib/leaderboard/snapshots';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({ access: 'public' }, async ({ query }) => publicData({ snapshots: await listSnapshots() }, { format: query.get('format'), filename: 'snapshots' }));
