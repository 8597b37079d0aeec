import { apiRoute } from '@/lib/http/route';
import { participantContext } from '@/lib/studies/http';
import { trialImage } from '@/lib/studies/participation';

export const dynamic = 'force-dynamic';

/**
 * A trial image by its random token. The bytes are the display WebP (no metadata); the headers
 * name nothing (no file name, no content hash as ETag) and let only this browser cache it.
 */
export const GET = apiRoute<undefined, { slug: string; token: string }>({ access: 'public' }, async ({ req, params, query }) => {
  await participantContext(req, params.slug, query);
  const bytes = await trialImage(params.slug, params.token);
  return new Response(new Uint8Array(bytes), {
    headers: { 'content-type': 'image/webp', 'cache-control': 'private, max-age=86400', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' },
  });
});
