import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '../env';
import { createTestDatabase, testProviders, type TTestDatabase } from '../testing/databases';
import { findUserWithSecret } from './repository';
import { createUser, ensureAdminFromEnv, signIn } from './service';

describe.each(testProviders())('researcher accounts on %s', (provider) => {
  let database: TTestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
  });
  afterAll(async () => database?.drop());

  it('stores an argon2id hash, never the password, and hides it from ordinary reads', async () => {
    const user = await createUser({ email: ' Ada@Example.org ', password: 'correct horse battery', role: 'researcher' });
    expect(user).toMatchObject({ email: 'ada@example.org', role: 'researcher', disabled: false });
    expect(user).not.toHaveProperty('passwordHash');
    const row = await findUserWithSecret('ada@example.org');
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row?.passwordHash).not.toContain('correct horse');
  });

  it('refuses duplicates, short passwords and bad emails with clear messages', async () => {
    await expect(createUser({ email: 'ada@example.org', password: 'another long password' })).rejects.toThrow(/already exists/);
    await expect(createUser({ email: 'bob@example.org', password: 'short' })).rejects.toThrow(/password must be at least 12/);
    await expect(createUser({ email: 'bob', password: 'long enough password' })).rejects.toThrow(/email must be an email/);
  });

  it('signs in with the right password, case-insensitively by email', async () => {
    const result = await signIn('ADA@example.org', 'correct horse battery');
    expect(result).toMatchObject({ ok: true, user: { email: 'ada@example.org', role: 'researcher' } });
    expect(await signIn('ada@example.org', 'wrong password!')).toEqual({ ok: false, reason: 'invalid' });
    expect(await signIn('nobody@example.org', 'whatever it is')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('slows down repeated failures: locks after the limit, doubling, and answers nothing while locked', async () => {
    await createUser({ email: 'eve@example.org', password: 'the real password' });
    const t0 = new Date('2030-01-01T00:00:00Z');
    for (let i = 0; i < 4; i++) expect(await signIn('eve@example.org', 'guess ' + i, t0)).toEqual({ ok: false, reason: 'invalid' });
    expect(await signIn('eve@example.org', 'guess 5', t0)).toEqual({ ok: false, reason: 'invalid' });
    // 5 failures (LOGIN_MAX_FAILURES): locked for 30 s, even for the right password
    expect(await signIn('eve@example.org', 'the real password', new Date(t0.getTime() + 1000))).toEqual({ ok: false, reason: 'locked', retryAfterSeconds: 29 });
    const t1 = new Date(t0.getTime() + 31_000);
    expect(await signIn('eve@example.org', 'guess 6', t1)).toEqual({ ok: false, reason: 'invalid' });
    // the 6th failure doubles the lock to 60 s
    expect(await signIn('eve@example.org', 'the real password', new Date(t1.getTime() + 1000))).toMatchObject({ reason: 'locked', retryAfterSeconds: 59 });
    // after the lock, the right password works and clears the count
    expect(await signIn('eve@example.org', 'the real password', new Date(t1.getTime() + 61_000))).toMatchObject({ ok: true });
    expect(await signIn('eve@example.org', 'wrong again', new Date(t1.getTime() + 62_000))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD once', async () => {
    process.env.ADMIN_EMAIL = 'root@example.org';
    process.env.ADMIN_PASSWORD = 'a long admin password';
    resetEnvForTests();
    try {
      expect(await ensureAdminFromEnv()).toBe('created');
      expect(await ensureAdminFromEnv()).toBe('exists');
      expect(await signIn('root@example.org', 'a long admin password')).toMatchObject({ ok: true, user: { role: 'admin' } });
    } finally {
      delete process.env.ADMIN_EMAIL;
      delete process.env.ADMIN_PASSWORD;
      resetEnvForTests();
    }
  });
});
