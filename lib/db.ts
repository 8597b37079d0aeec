import fs from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqliteClient } from '../generated/sqlite/client.ts';
import { PrismaClient as PgClient } from '../generated/postgresql/client.ts';
import { env, sqlitePath } from './env';

/**
 * The Prisma client for the configured database. Both providers share one data model, so the
 * SQLite client's type stands for both. Secret columns are omitted unless a repository asks.
 * Only repositories (lib/<domain>/repository.ts) import this module.
 */
const OMIT = { user: { passwordHash: true } } as const;

function makeSqliteClient(file: string, busyTimeoutMs: number) {
  const adapter = new PrismaBetterSqlite3({ url: `file:${file}`, timeout: busyTimeoutMs });
  return new SqliteClient({ adapter, omit: OMIT });
}

function makeClient(url: string, busyTimeoutMs: number): ReturnType<typeof makeSqliteClient> {
  if (url.startsWith('file:')) {
    const file = sqlitePath(url);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return makeSqliteClient(file, busyTimeoutMs);
  }
  const adapter = new PrismaPg({ connectionString: url, max: 10 });
  // Same models, same generated API: the PostgreSQL client is typed as the SQLite one.
  return new PgClient({ adapter, omit: OMIT }) as unknown as ReturnType<typeof makeSqliteClient>;
}

export type TDb = ReturnType<typeof makeClient>;

const globalForDb = globalThis as unknown as { __arenaDb?: { url: string; client: TDb; ready: Promise<void> } };

function client(): TDb {
  const e = env();
  const current = globalForDb.__arenaDb;
  if (current && current.url === e.DATABASE_URL) return current.client;
  const fresh = makeClient(e.DATABASE_URL, e.SQLITE_BUSY_TIMEOUT_MS);
  globalForDb.__arenaDb = { url: e.DATABASE_URL, client: fresh, ready: configureConnection(fresh, e.DATABASE_URL) };
  return fresh;
}

/**
 * The process's client (one per process, kept across Next.js dev reloads), once its
 * per-connection settings (SQLite's WAL, synchronous mode, foreign keys) are applied.
 */
export async function db(): Promise<TDb> {
  const c = client();
  await globalForDb.__arenaDb!.ready;
  return c;
}

async function configureConnection(client: TDb, url: string): Promise<void> {
  if (!url.startsWith('file:')) return;
  // WAL lets the web app read while a worker writes; the busy timeout (set on the driver) makes
  // a writer wait for the lock instead of failing. Both are needed for several processes.
  await client.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await client.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
  await client.$queryRawUnsafe('PRAGMA foreign_keys = ON');
}

export async function disconnectDb(): Promise<void> {
  const current = globalForDb.__arenaDb;
  globalForDb.__arenaDb = undefined;
  if (current) await current.client.$disconnect();
}
