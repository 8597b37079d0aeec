import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv, ZEnvSchema } from './env';

describe('parseEnv', () => {
  it('gives working defaults on an empty environment', () => {
    const e = parseEnv({}, '/srv/arena');
    expect(e.PORT).toBe(3000);
    expect(e.dataDir).toBe('/srv/arena/data');
    expect(e.DATABASE_URL).toBe('file:/srv/arena/data/arena.db');
    expect(e.databaseProvider).toBe('sqlite');
    expect(e.PUBLIC_URL).toBe('http://localhost:3000');
    expect(e.WORKERS).toBe(1);
  });

  it('recognises PostgreSQL URLs', () => {
    expect(parseEnv({ DATABASE_URL: 'postgres://u:p@db:5432/arena' }).databaseProvider).toBe('postgresql');
  });

  it('names the variable and the bad value', () => {
    expect(() => parseEnv({ PORT: 'eighty' })).toThrowError(/PORT must be a whole number.*"eighty"/);
    expect(() => parseEnv({ WORKER_CONCURRENCY: '0' })).toThrowError(/WORKER_CONCURRENCY must be at least 1/);
    expect(() => parseEnv({ DATABASE_URL: 'mysql://x' })).toThrowError(/DATABASE_URL must start with file:/);
    expect(() => parseEnv({ SECURE_COOKIES: 'maybe' })).toThrowError(/SECURE_COOKIES/);
  });

  it('lists every bad variable at once and never echoes secrets', () => {
    try {
      parseEnv({ PORT: '0', ADMIN_EMAIL: 'not-an-email', ADMIN_PASSWORD: 'short' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EnvError);
      const message = (err as Error).message;
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/ADMIN_EMAIL must be an email/);
      expect(message).toMatch(/ADMIN_PASSWORD must be at least 12/);
      expect(message).not.toContain('short');
    }
  });

  it('needs ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(() => parseEnv({ ADMIN_EMAIL: 'a@b.org' })).toThrowError(/ADMIN_PASSWORD.*set together/);
  });

  it('keeps heartbeats well inside the lease', () => {
    expect(() => parseEnv({ JOB_LEASE_SECONDS: '10', JOB_HEARTBEAT_SECONDS: '6' })).toThrowError(/JOB_HEARTBEAT_SECONDS must be at most half/);
    expect(parseEnv({ JOB_LEASE_SECONDS: '10', JOB_HEARTBEAT_SECONDS: '5' }).JOB_HEARTBEAT_SECONDS).toBe(5);
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv({ PORT: '' }).PORT).toBe(3000);
  });
});

describe('.env.example', () => {
  it('lists every variable the app reads', () => {
    const example = fs.readFileSync(path.resolve(import.meta.dirname, '..', '.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const missing = Object.keys(ZEnvSchema.shape).filter((k) => !listed.has(k) && k !== 'NODE_ENV');
    expect(missing).toEqual([]);
  });
});
