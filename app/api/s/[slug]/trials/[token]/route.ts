import { apiRoute } from '@/lib/http/route';
import { noStore, participantContext } from '@/lib/studies/http';
import { answerTrial, ZAnswer } from '@/lib/studies/participation';

export const dynamic = 'force-dynamic';

/** Answers a trial, once: a repeat returns the stored answer with `duplicate: true`. */
export const POST = apiRoute({ access: 'public', body: ZAnswer }, async ({ req, params, query, body }) => {
  const { slug, token } = params as { slug: string; token: string };
  const ctx = await participantContext(req, slug, query);
  return noStore(await answerTrial(slug, ctx.token, token, body, { preview: ctx.preview }));
});
