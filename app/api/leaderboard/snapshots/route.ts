import { apiRoute } from '@/lib/http/route';
import { publishSnapshot, ZPublish } from '@/lib/leaderboard/snapshots';

export const dynamic = 'force-dynamic';

/** Publishes the live leaderboard as an immutable, citable snapshot. */
export const POST = apiRoute({ access: 'researcher', body: ZPublish }, async ({ body, user }) => Response.json({ snapshot: await publishSnapshot(body, user.id) }, { status: 201 }));
