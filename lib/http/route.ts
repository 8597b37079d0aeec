import { NextResponse } from 'next/server';
import type { z } from 'zod';
import { requireUser, type TSessionUser } from '../auth/session';
import { AppError, toErrorBody } from '../errors';
import { log } from '../log';

type TAccess = 'public' | 'researcher' | 'admin';

/**
 * The one order at every API boundary: authenticate → parse the body with zod → call the handler
 * (which authorizes the specific resource through its service) → map errors to statuses. A
 * handler returns a plain object (sent as JSON with 200) or a Response.
 */
export function apiRoute<TBody = undefined, TParams = Record<string, string>>(
  opts: { access: TAccess; body?: z.ZodType<TBody> },
  handler: (args: { req: Request; user: TSessionUser; body: TBody; params: TParams; query: URLSearchParams }) => Promise<unknown>,
) {
  return async (req: Request, ctx: { params: Promise<TParams> }): Promise<Response> => {
    try {
      const user = opts.access === 'public' ? (null as unknown as TSessionUser) : await requireUser(opts.access);
      let body = undefined as TBody;
      if (opts.body) {
        let json: unknown;
        try {
          json = await req.json();
        } catch {
          throw new AppError('BAD_REQUEST', 'The request body must be JSON.');
        }
        const parsed = opts.body.safeParse(json);
        if (!parsed.success) {
          throw new AppError(
            'BAD_REQUEST',
            parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
          );
        }
        body = parsed.data;
      }
      const params = ((await ctx?.params) ?? {}) as TParams;
      const result = await handler({ req, user, body, params, query: new URL(req.url).searchParams });
      return result instanceof Response ? result : NextResponse.json(result);
    } catch (err) {
      const { status, body } = toErrorBody(err);
      if (status >= 500) log.error('request failed', { method: req.method, url: req.url, err });
      return NextResponse.json(body, { status });
    }
  };
}
