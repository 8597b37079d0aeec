import { apiRoute } from '@/lib/http/route';
import { publicData } from '@/lib/leaderboard/http';
import { currentLeaderboard } from '@/lib/leaderboard/service';

export const dynamic = 'force-dynamic';

/** The live leaderboard (JSON, or CSV with ?format=csv). */
export const GET = apiRoute({ access: 'public' }, async ({ query }) => {
  const data = await currentLeaderboard();
  return publicData({ leaderboard: data }, { csv: data, format: query.get('format'), filename: 'prunearena-leaderboard' });
});
