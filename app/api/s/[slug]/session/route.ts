import { apiRoute } from '@/lib/http/route';
import { noStore, participantContext, withSessionCookie } from '@/lib/studies/http';
import { sessionState, startSession, ZStart } from '@/lib/studies/participation';

export const dynamic = 'force-dynamic';

/** Starts a session (after consent), or resumes the caller's; sets the study's session cookie. */
export const POST = apiRoute({ access: 'public', body: ZStart }, async ({ req, params, query, body }) => {
  const { slug } = params as { slug: string };
  const ctx = await participantContext(req, slug, query);
  const { token, resumed } = await startSession(slug, body, { existingToken: ctx.token, preview: ctx.preview });
  const state = await sessionState(slug, token, { preview: ctx.preview });
  return withSessionCookie(noStore({ token, resumed, state }), slug, ctx.preview, token);
});

/** The session's state: progress, the current trial and the next one (to preload), or the completion. */
export const GET = apiRoute<undefined, { slug: string }>({ access: 'public' }, async ({ req, params, query }) => {
  const ctx = await participantContext(req, params.slug, query);
  return noStore({ state: await sessionState(params.slug, ctx.token, { preview: ctx.preview }) });
});
