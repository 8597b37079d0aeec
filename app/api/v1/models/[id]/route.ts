import { AppError } from '@/lib/errors';
import { apiRoute } from '@/lib/http/route';
import { publicData } from '@/lib/leaderboard/http';
import { currentLeaderboard } from '@/lib/leaderboard/service';

export const dynamic = 'force-dynamic';

/** One model's variants with their scores (JSON, or CSV with ?format=csv). */
export const GET = apiRoute<undefined, { id: string }>({ access: 'public' }, async ({ params, query }) => {
  const data = await currentLeaderboard();
  const rows = data.rows.filter((r) => r.modelId === params.id);
  if (!rows.length) throw new AppError('NOT_FOUND', 'No such model.');
  return publicData({ model: { id: params.id, name: rows[0].modelName, variants: rows } }, { csv: { ...data, rows }, format: query.get('format'), filename: `prunearena-model-${params.id}` });
});
