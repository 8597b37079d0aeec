import { getServerSession } from 'next-auth';
import { redirect } from 'next/navigation';
import { AppError } from '../errors';
import { activeUser } from '../users/service';
import type { TRole } from '../users/schemas';
import { authOptions } from './options';

export type TSessionUser = { id: string; email: string; name: string | null; role: TRole };

/** The signed-in user, checked against the database on every call, or null. */
export async function currentUser(): Promise<TSessionUser | null> {
  const session = await getServerSession(authOptions());
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  return activeUser(id);
}

/** For researcher pages: sends anonymous visitors to the sign-in page. */
export async function requireResearcherPage(callbackPath: string): Promise<TSessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(callbackPath)}`);
  return user;
}

/** For admin pages: anonymous visitors sign in; researchers get the 403 page. */
export async function requireAdminPage(callbackPath: string): Promise<TSessionUser> {
  const user = await requireResearcherPage(callbackPath);
  if (user.role !== 'admin') throw new AppError('FORBIDDEN', 'This page is for admins.');
  return user;
}

/** For API routes and actions: 401 without a session, 403 without the role. */
export async function requireUser(role: 'researcher' | 'admin' = 'researcher'): Promise<TSessionUser> {
  const user = await currentUser();
  if (!user) throw new AppError('UNAUTHORIZED', 'Sign in first.');
  if (role === 'admin' && user.role !== 'admin') throw new AppError('FORBIDDEN', 'This needs an admin account.');
  return user;
}
