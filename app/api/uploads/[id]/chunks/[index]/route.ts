import { apiRoute } from '@/lib/http/route';
import { writeChunk } from '@/lib/uploads/service';

export const PUT = apiRoute<undefined, { id: string; index: string }>({ access: 'researcher' }, async ({ req, params, user }) =>
  writeChunk(params.id, user.id, Number(params.index), new Uint8Array(await req.arrayBuffer())),
);
