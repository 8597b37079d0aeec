import { hashPassword, verifyAgainstDummy, verifyPassword } from '../auth/password';
import { env } from '../env';
import { AppError } from '../errors';
import * as repo from './repository';
import { type TCreateUser, type TRole, type TUserView, ZCreateUserSchema, ZRole } from './schemas';

export async function createUser(input: TCreateUser): Promise<TUserView> {
  const parsed = ZCreateUserSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => `${String(i.path[0] ?? 'input')} ${i.message}`).join('; '));
  }
  const { email, password, name, role } = parsed.data;
  const user = await repo.insertUser({ email, name, role, passwordHash: await hashPassword(password) });
  if (!user) throw new AppError('CONFLICT', `An account for ${email} already exists.`);
  return toUserView(user);
}

export async function listUserViews(): Promise<TUserView[]> {
  return (await repo.listUsers()).map(toUserView);
}

/** The signed-in user as it is now in the database (role changes and disabling apply at once). */
export async function activeUser(id: string): Promise<{ id: string; email: string; name: string | null; role: TRole } | null> {
  const user = await repo.findUserById(id);
  if (!user || user.disabledAt) return null;
  const role = ZRole.safeParse(user.role);
  return role.success ? { id: user.id, email: user.email, name: user.name, role: role.data } : null;
}

export type TSignInResult =
  | { ok: true; user: { id: string; email: string; name: string | null; role: TRole } }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

const THROTTLE_WINDOW_MS = 60 * 60 * 1000;
const MAX_LOCK_MS = 60 * 60 * 1000;

/**
 * Checks an email and password. After LOGIN_MAX_FAILURES failures in an hour the account key is
 * locked for LOGIN_LOCK_SECONDS, doubling with each further failure (at most an hour); while
 * locked, no password is checked. Unknown emails are throttled the same way and take as long to
 * answer, so the response does not reveal which accounts exist.
 */
export async function signIn(emailInput: string, password: string, now = new Date()): Promise<TSignInResult> {
  const email = emailInput.trim().toLowerCase();
  const key = `email:${email}`;
  const throttle = await repo.findThrottle(key);
  if (throttle?.lockedUntil && throttle.lockedUntil > now) {
    return { ok: false, reason: 'locked', retryAfterSeconds: Math.ceil((throttle.lockedUntil.getTime() - now.getTime()) / 1000) };
  }
  const user = await repo.findUserWithSecret(email);
  let valid = false;
  if (user && !user.disabledAt) valid = await verifyPassword(user.passwordHash, password);
  else await verifyAgainstDummy(password);

  if (valid && user) {
    if (throttle) await repo.clearThrottle(key);
    return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: ZRole.parse(user.role) } };
  }
  const recent = throttle && now.getTime() - throttle.lastFailureAt.getTime() < THROTTLE_WINDOW_MS;
  const failures = (recent ? throttle.failures : 0) + 1;
  const { LOGIN_MAX_FAILURES, LOGIN_LOCK_SECONDS } = env();
  let lockedUntil: Date | null = null;
  if (failures >= LOGIN_MAX_FAILURES) {
    const lockMs = Math.min(LOGIN_LOCK_SECONDS * 1000 * 2 ** (failures - LOGIN_MAX_FAILURES), MAX_LOCK_MS);
    lockedUntil = new Date(now.getTime() + lockMs);
  }
  await repo.saveThrottle(key, { failures, lastFailureAt: now, lockedUntil });
  return { ok: false, reason: 'invalid' };
}

/**
 * On start: with ADMIN_EMAIL/ADMIN_PASSWORD set and no admin yet, create that admin. Returns what
 * happened so the start script can tell the person how to sign in.
 */
export async function ensureAdminFromEnv(): Promise<'created' | 'exists' | 'not-configured'> {
  const { ADMIN_EMAIL, ADMIN_PASSWORD } = env();
  if ((await repo.countUsers({ role: 'admin' })) > 0) return 'exists';
  if (!ADMIN_EMAIL || !ADMIN_PASSWORD) return 'not-configured';
  await createUser({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD, role: 'admin', name: 'Administrator' });
  return 'created';
}

function toUserView(user: { id: string; email: string; name: string | null; role: string; disabledAt: Date | null; createdAt: Date }): TUserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: ZRole.parse(user.role),
    disabled: user.disabledAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}
