import NextAuth from 'next-auth';
import { authOptions } from '@/lib/auth/options';

type TCtx = { params: Promise<{ nextauth: string[] }> };

// next-auth reads its options per request so the secret comes from the parsed environment.
async function handler(req: Request, ctx: TCtx) {
  return NextAuth(req as never, { params: await ctx.params } as never, authOptions());
}

export { handler as GET, handler as POST };
