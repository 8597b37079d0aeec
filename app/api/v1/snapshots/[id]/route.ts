import { AppError } from '@/lib/errors';
import { apiRoute } from '@/lib/http/route';
import { publicData } from '@/lib/leaderboard/http';
import { getSnapshot } from '@/lib/leaderboard/snapshots';

export const dynamic = 'force-dynamic';

/** A published snapshot, exactly as published (JSON, or CSV with ?format=csv). */
export const GET = apiRoute<undefined, { id: string }>({ access: 'public' }, async ({ params, query }) => {
  const snapshot = await getSnapshot(params.id);
  if (!snapshot) throw new AppError('NOT_FOUND', 'No such snapshot.');
  return publicData({ snapshot }, { csv: snapshot.data, format: query.get('format'), filename: `prunearena-snapshot-${snapshot.id}` });
});
