import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { disconnectDb } from '../db';
import { resetEnvForTests } from '../env';
import { migrateDeploy } from '../migrate';

export type TProvider = 'sqlite' | 'postgresql';

export type TTestDatabase = {
  provider: TProvider;
  url: string;
  /** A fresh DATA_DIR for this database's artifacts and files. */
  dataDir: string;
  /** Environment for child processes (workers) that should use this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
};

/**
 * The providers integration tests run against: SQLite always, PostgreSQL when TEST_POSTGRES_URL
 * names a server (`npm test` starts one). In CI a missing PostgreSQL is an error, not a skip.
 */
export function testProviders(): TProvider[] {
  if (process.env.TEST_POSTGRES_URL) return ['sqlite', 'postgresql'];
  if (process.env.CI) throw new Error('TEST_POSTGRES_URL is not set: npm test starts PostgreSQL and sets it; run the suite through npm test.');
  return ['sqlite'];
}

/** Makes an empty database of the given kind, migrated to the current schema. */
export async function createTestDatabase(provider: TProvider): Promise<TTestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `arena-${provider}-`));
  let url: string;
  let dropDatabase = async () => {};
  if (provider === 'sqlite') {
    url = `file:${path.join(dataDir, 'test.db')}`;
  } else {
    const admin = process.env.TEST_POSTGRES_URL;
    if (!admin) throw new Error('TEST_POSTGRES_URL is not set');
    const name = `arena_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    await withAdmin(admin, (c) => c.query(`CREATE DATABASE ${name}`));
    const u = new URL(admin);
    u.pathname = `/${name}`;
    url = u.toString();
    dropDatabase = () => withAdmin(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {});
  }
  const previous = { DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: process.env.DATA_DIR };
  process.env.DATABASE_URL = url;
  process.env.DATA_DIR = dataDir;
  resetEnvForTests();
  const { code, output } = await migrateDeploy({ quiet: true });
  if (code !== 0) throw new Error(`migrate deploy failed on the test ${provider} database:\n${output}`);
  return {
    provider,
    url,
    dataDir,
    env: { DATABASE_URL: url, DATA_DIR: dataDir },
    async drop() {
      await disconnectDb();
      await dropDatabase();
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.env.DATABASE_URL = previous.DATABASE_URL;
      process.env.DATA_DIR = previous.DATA_DIR;
      resetEnvForTests();
    },
  };
}

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
