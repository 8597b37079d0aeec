import { NextResponse } from 'next/server';
import { currentUser } from '../auth/session';
import { env } from '../env';
import { AppError } from '../errors';
import { RateLimiter } from '../http/rate-limit';
import { hashToken } from './participation';

/**
 * The participant API's plumbing: who is asking (a session token from the study's cookie or an
 * `Authorization: Bearer` header, for studies embedded elsewhere), whether it is a researcher's
 * preview, rate limits, and responses that no cache keeps.
 */
export const cookieName = (slug: string, preview: boolean) => `${preview ? 'pap' : 'pa'}_${slug}`;

let limiter: RateLimiter | null = null;
function rateLimiter() {
  limiter ??= new RateLimiter(env().PARTICIPANT_RATE_LIMIT);
  return limiter;
}

function clientAddress(req: Request): string {
  return req.headers.get('x-forwarded-for')?.split(',')[0].trim() || req.headers.get('x-real-ip') || 'local';
}

function cookie(req: Request, name: string): string | null {
  for (const part of (req.headers.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

export type TParticipantContext = { token: string | null; preview: boolean };

/** Reads the caller's session token and preview flag, and counts the request against its limit. */
export async function participantContext(req: Request, slug: string, query: URLSearchParams): Promise<TParticipantContext> {
  let preview = false;
  if (query.get('preview') === '1') {
    const user = await currentUser();
    if (!user) throw new AppError('UNAUTHORIZED', 'Previews are for signed-in researchers.');
    preview = true;
  }
  const auth = req.headers.get('authorization');
  const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : cookie(req, cookieName(slug, preview));
  rateLimiter().hit(token ? `s:${hashToken(token)}` : `a:${clientAddress(req)}`);
  return { token: token || null, preview };
}

/** JSON that no browser or proxy cache keeps. */
export function noStore(body: unknown, init: { status?: number } = {}): NextResponse {
  return NextResponse.json(body, { status: init.status ?? 200, headers: { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } });
}

export function withSessionCookie(res: NextResponse, slug: string, preview: boolean, token: string): NextResponse {
  res.cookies.set(cookieName(slug, preview), token, { httpOnly: true, sameSite: 'lax', secure: env().SECURE_COOKIES, path: '/', maxAge: 60 * 60 * 24 * 30 });
  return res;
}
