// The native engine's `cli` subcommands (can-connect-to-database, create-database,
// drop-database), done directly with better-sqlite3 / node-postgres: no Wasm needed, so they are
// fast, and every failure becomes a Prisma error code the CLI understands (P1001, P1003, ...).

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pgConfig, providerOfUrl, sqlitePath } from './datasource.mjs';
import { EngineError, errors, mapPgError } from './errors.mjs';
import { dropPgDatabase, quoteIdent } from './adapters.mjs';
import { ensureDir } from './fs-util.mjs';

const require = createRequire(import.meta.url);

async function pgQuery(config, sql) {
  const pg = require('pg');
  const client = new pg.Client(config);
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.query(sql);
  } catch (e) {
    throw mapPgError(e, config);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs SQL on the server's maintenance database (postgres, else template1), e.g. CREATE DATABASE. */
async function pgAdminQuery(config, sql) {
  let lastError;
  for (const database of ['postgres', 'template1']) {
    try {
      return await pgQuery({ ...config, database }, sql);
    } catch (e) {
      // Only a missing maintenance database is worth another try.
      if (e?.code !== 'P1003') throw e;
      lastError = e;
    }
  }
  throw lastError;
}

/** @param {string} url */
export async function canConnect(url) {
  if (providerOfUrl(url) === 'sqlite') {
    const file = sqlitePath(url);
    if (!fs.existsSync(file)) throw errors.sqliteDatabaseMissing(path.basename(file), file);
    const Database = require('better-sqlite3');
    let db;
    try {
      db = new Database(file, { fileMustExist: true, readonly: true });
      db.prepare('SELECT 1').get();
    } catch (e) {
      throw new EngineError(null, `Could not open the SQLite database at \`${file}\`: ${e?.message ?? e}`);
    } finally {
      db?.close();
    }
    return;
  }
  const { config } = pgConfig(url);
  await pgQuery(config, 'SELECT 1');
}

/**
 * Creates the database of the URL; returns its name.
 * @param {string} url
 */
export async function createDatabase(url) {
  if (providerOfUrl(url) === 'sqlite') {
    const file = sqlitePath(url);
    try {
      ensureDir(path.dirname(file));
    } catch (e) {
      throw new EngineError(null, `Could not create the folder of the SQLite database \`${file}\`: ${e?.message ?? e}`);
    }
    const Database = require('better-sqlite3');
    new Database(file).close();
    return path.basename(file);
  }
  const { config } = pgConfig(url);
  const name = /** @type {string} */ (config.database);
  if (!name) throw new EngineError(null, 'The PostgreSQL URL names no database to create.');
  try {
    await pgAdminQuery(config, `CREATE DATABASE ${quoteIdent(name)}`);
  } catch (e) {
    if (e?.code === 'P1009') throw errors.pgDatabaseExists({ host: config.host, port: config.port }, name);
    throw e;
  }
  return name;
}

/** @param {string} url */
export async function dropDatabase(url) {
  if (providerOfUrl(url) === 'sqlite') {
    const file = sqlitePath(url);
    fs.rmSync(file, { force: true });
    for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
    return;
  }
  const { config } = pgConfig(url);
  let lastError;
  for (const database of ['postgres', 'template1']) {
    try {
      return await dropPgDatabase({ ...config, database }, config.database);
    } catch (e) {
      if (e?.code !== 'P1003') throw e;
      lastError = e;
    }
  }
  throw lastError;
}
