import { apiRoute } from '@/lib/http/route';
import { publicData } from '@/lib/leaderboard/http';
import { buildReproduction } from '@/lib/reproduction/service';

export const dynamic = 'force-dynamic';

/** The reproduction of HierarchicalPrune's finding on the shapes model (JSON; the sample images as data URIs with ?images=1). */
export const GET = apiRoute({ access: 'public' }, async ({ query }) => {
  const images = query.get('images') === '1';
  const data = await buildReproduction({ images });
  return publicData({ reproduction: data }, { format: query.get('format'), filename: 'prunearena-reproduction' });
});
