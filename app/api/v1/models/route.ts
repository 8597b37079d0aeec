import { apiRoute } from '@/lib/http/route';
import { publicData } from '@/lib/leaderboard/http';
import { currentLeaderboard } from '@/lib/leaderboard/service';

export const dynamic = 'force-dynamic';

/** Every model with its variants' public numbers. */
export const GET = apiRoute({ access: 'public' }, async ({ query }) => {
  const data = await currentLeaderboard();
  const models = new Map<string, { id: string; name: string; variants: typeof data.rows }>();
  for (const r of data.rows) {
    const m = models.get(r.modelId) ?? { id: r.modelId, name: r.modelName, variants: [] };
    m.variants.push(r);
    models.set(r.modelId, m);
  }
  return publicData({ models: [...models.values()] }, { csv: data, format: query.get('format'), filename: 'prunearena-models' });
});
