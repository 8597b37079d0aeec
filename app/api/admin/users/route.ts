import { apiRoute } from '@/lib/http/route';
import { ZCreateUserSchema } from '@/lib/users/schemas';
import { createUser, listUserViews } from '@/lib/users/service';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({ access: 'admin' }, async () => ({ users: await listUserViews() }));

export const POST = apiRoute({ access: 'admin', body: ZCreateUserSchema }, async ({ body }) => {
  return Response.json({ user: await createUser(body) }, { status: 201 });
});
