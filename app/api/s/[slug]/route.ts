import { apiRoute } from '@/lib/http/route';
import { noStore, participantContext } from '@/lib/studies/http';
import { publicStudy } from '@/lib/studies/participation';

export const dynamic = 'force-dynamic';

/** What a participant sees before starting: consent, instructions, the questions. */
export const GET = apiRoute<undefined, { slug: string }>({ access: 'public' }, async ({ req, params, query }) => {
  const ctx = await participantContext(req, params.slug, query);
  return noStore({ study: await publicStudy(params.slug, { preview: ctx.preview }) });
});
