import { artifactStore } from '@/lib/artifacts/store';
import { AppError } from '@/lib/errors';
import { imageFile } from '@/lib/generation/service';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<undefined, { id: string; kind: string }>({ access: 'researcher' }, async ({ params }) => {
  if (params.kind !== 'png' && params.kind !== 'webp') throw new AppError('NOT_FOUND', 'Images come as png or webp.');
  const file = await imageFile(params.id, params.kind);
  const bytes = await artifactStore().read(file.sha256);
  return new Response(new Uint8Array(bytes), {
    headers: { 'content-type': file.contentType, 'cache-control': 'private, max-age=31536000, immutable', etag: `"${file.sha256}"` },
  });
});
