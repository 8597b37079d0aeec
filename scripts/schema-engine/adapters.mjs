// Driver adapter factories handed to the Wasm schema engine, built on the official adapters
// (@prisma/adapter-better-sqlite3, @prisma/adapter-pg) with the fixes this project needs:
// - every connection is tracked, so the shim can run its own SQL on the engine's connection and
//   close everything on exit (and before truncating a SQLite file);
// - PostgreSQL: columns of type "char" (OID 18) are read as text (the adapter rejects them, and the
//   engine's schema describer selects them);
// - PostgreSQL: scripts run as one simple-protocol query, as the native engine does, instead of
//   being split on every ";";
// - SQLite: whole scripts sent through `executeRaw` (the engine does that on the shadow database)
//   run as scripts;
// - PostgreSQL shadow databases are created with explicit connection fields and dropped only after
//   their pool is closed (adapter-pg 7.10.1 gets both wrong); one is reused, emptied, within a
//   process; a configured shadow database is emptied before use, as the native engine does.

import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pgConfig, sqlitePath } from './datasource.mjs';
import { EngineError, mapPgError } from './errors.mjs';
import { ensureDir } from './fs-util.mjs';

const require = createRequire(import.meta.url);

/** With SCHEMA_ENGINE_SHIM_DEBUG set: every adapter call and error, on stderr. */
function traceErrors(target, label) {
  for (const name of ['queryRaw', 'executeRaw', 'executeScript', 'startTransaction', 'commit', 'rollback', 'dispose']) {
    const fn = target[name];
    if (typeof fn !== 'function') continue;
    target[name] = async (...args) => {
      const sql = args[0]?.sql ?? (typeof args[0] === 'string' ? args[0] : '');
      process.stderr.write(`[shim ${label}] ${name} ${String(sql).slice(0, 200).replace(/\s+/g, ' ')}\n`);
      try {
        const r = await fn.apply(target, args);
        if (name === 'startTransaction' && r) traceErrors(r, `${label} tx`);
        return r;
      } catch (e) {
        process.stderr.write(`[shim ${label}] ${name} FAILED: ${e?.stack ?? e}\n`);
        throw e;
      }
    };
  }
}

/** Keeps every adapter the engine opened, so they can be found and closed. */
export class ConnectionTracker {
  constructor() {
    /** @type {Set<{adapter: any, role: 'main' | 'shadow'}>} */
    this.live = new Set();
  }

  /**
   * @param {any} adapter a SqlDriverAdapter
   * @param {'main' | 'shadow'} role
   */
  add(adapter, role) {
    const entry = { adapter, role };
    if (process.env.SCHEMA_ENGINE_SHIM_DEBUG) traceErrors(adapter, role);
    const dispose = adapter.dispose.bind(adapter);
    let disposed = null;
    adapter.dispose = () => {
      if (!disposed) {
        this.live.delete(entry);
        disposed = dispose();
      }
      return disposed;
    };
    this.live.add(entry);
    return adapter;
  }

  /** The most recently opened connection to the main database that is still open. */
  main() {
    let found = null;
    for (const e of this.live) if (e.role === 'main') found = e.adapter;
    return found;
  }

  async disposeAll() {
    const all = [...this.live];
    // Shadow databases first: dropping one may need a connection to the main database.
    all.sort((a, b) => (a.role === b.role ? 0 : a.role === 'shadow' ? -1 : 1));
    for (const { adapter } of all) {
      try {
        await adapter.dispose();
      } catch {
        // Closing is best effort: the process is about to exit or reset the database.
      }
    }
  }
}

/**
 * SQLite through @prisma/adapter-better-sqlite3.
 * @param {{url: string, shadowDatabaseUrl?: string}} ds
 * @param {ConnectionTracker} tracker
 */
export async function sqliteFactory(ds, tracker) {
  const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
  const file = sqlitePath(ds.url);
  // Without a shadow URL the adapter uses an in-memory database, which is what we want.
  const shadow = ds.shadowDatabaseUrl?.startsWith('file:') ? sqlitePath(ds.shadowDatabaseUrl) : undefined;
  const inner = new PrismaBetterSqlite3({ url: file }, shadow ? { shadowDatabaseUrl: shadow } : undefined);
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    file,
    async connect() {
      ensureDir(path.dirname(file));
      return tracker.add(allowScriptsInExecuteRaw(await inner.connect()), 'main');
    },
    async connectToShadowDb() {
      // A configured shadow file is emptied first, as the native engine does.
      if (shadow && fs.existsSync(shadow)) fs.truncateSync(shadow, 0);
      return tracker.add(allowScriptsInExecuteRaw(await inner.connectToShadowDb()), 'shadow');
    },
  };
}

/**
 * The engine applies whole migration scripts to the shadow database with `executeRaw`, which
 * better-sqlite3 refuses for more than one statement ("The supplied SQL string contains more than
 * one statement"). Such a call, without parameters, runs as a script instead (as the native engine
 * does), in the adapter and in its transactions.
 */
function allowScriptsInExecuteRaw(queryable, scriptRunner = queryable) {
  const executeRaw = queryable.executeRaw.bind(queryable);
  queryable.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (e) {
      if ((query.args?.length ?? 0) === 0 && /more than one statement/.test(String(e?.message))) {
        await scriptRunner.executeScript(query.sql);
        return 0;
      }
      throw e;
    }
  };
  if (typeof queryable.startTransaction === 'function') {
    const startTransaction = queryable.startTransaction.bind(queryable);
    queryable.startTransaction = async (...args) => allowScriptsInExecuteRaw(await startTransaction(...args), queryable);
  }
  return queryable;
}

/** Reads PostgreSQL "char" (OID 18) columns as text; @prisma/adapter-pg rejects that type. */
function fixFieldTypes(result) {
  for (const r of Array.isArray(result) ? result : [result]) {
    if (r && Array.isArray(r.fields)) {
      for (const f of r.fields) if (f.dataTypeID === 18) f.dataTypeID = 25;
    }
  }
  return result;
}

let PatchedClient = null;
function patchedClientClass() {
  if (PatchedClient) return PatchedClient;
  const pg = require('pg');
  PatchedClient = class extends pg.Client {
    query(...args) {
      // pg.Pool calls query(text, values, callback); transactions use the promise form.
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const callback = args[last];
        args[last] = (err, res) => callback(err, err ? res : fixFieldTypes(res));
        return super.query(...args);
      }
      const ret = super.query(...args);
      return ret && typeof ret.then === 'function' ? ret.then(fixFieldTypes) : ret;
    }
  };
  return PatchedClient;
}

/** Runs one statement on a short-lived connection. */
async function runOnce(config, sql) {
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

/**
 * Empties a database we made: drops every schema but the system ones (with all they hold), then
 * makes `public` again, as in a new database.
 */
const EMPTY_DATABASE_SQL = `DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
  CREATE SCHEMA public;
END $$`;

/** Quotes a PostgreSQL identifier. */
export const quoteIdent = (s) => `"${String(s).replace(/"/g, '""')}"`;

/** Drops a database, forcing other sessions off where the server supports it (PostgreSQL 13+). */
export async function dropPgDatabase(adminConfig, name) {
  try {
    await runOnce(adminConfig, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } catch (e) {
    if (e?.code === null && /syntax error/i.test(e?.message ?? '')) {
      await runOnce(adminConfig, `DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
    } else {
      throw e;
    }
  }
}

/**
 * PostgreSQL through @prisma/adapter-pg.
 * @param {{url: string, shadowDatabaseUrl?: string}} ds
 * @param {ConnectionTracker} tracker
 */
export async function pgFactory(ds, tracker) {
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const main = pgConfig(ds.url);
  const Client = patchedClientClass();
  /** Temporary shadow databases this process made and has not dropped yet. */
  const madeShadows = new Set();
  /** One of them, closed and free for the next use. */
  let spareShadow = null;

  /** Opens an adapter (own pool) on the given config, with the shim's fixes applied. */
  async function open(config, schema) {
    const factory = new PrismaPg({ ...config, Client }, schema ? { schema } : undefined);
    const adapter = await factory.connect();
    // One simple-protocol query for the whole script, like the native engine (keeps statements
    // whole when a ";" sits inside a string or a function body, and runs them as one transaction).
    adapter.executeScript = async (script) => {
      try {
        await adapter.underlyingDriver().query(script);
      } catch (e) {
        adapter.onError(e);
      }
    };
    return adapter;
  }

  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    config: main.config,
    schema: main.schema,
    async connect() {
      return tracker.add(await open(main.config, main.schema), 'main');
    },
    async connectToShadowDb() {
      if (ds.shadowDatabaseUrl) {
        // A configured shadow database. The native engine empties it before use; the Wasm engine
        // does not (it would apply the migrations on top of what is left there), so it is done here.
        const shadow = pgConfig(ds.shadowDatabaseUrl);
        const adapter = await open(shadow.config, shadow.schema);
        const schema = quoteIdent(shadow.schema ?? 'public');
        try {
          await adapter.executeScript(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};`);
        } catch (e) {
          await adapter.dispose().catch(() => {});
          throw e;
        }
        return tracker.add(adapter, 'shadow');
      }
      // A temporary shadow database, made on the main database's server (as the native engine
      // does). One `migrate dev` asks for a shadow database several times; the first one made is
      // kept, emptied before each use, and dropped when the engine exits (close()).
      let name = spareShadow;
      spareShadow = null;
      if (!name) {
        name = `prisma_migrate_shadow_db_${randomUUID()}`;
        try {
          await runOnce(main.config, `CREATE DATABASE ${quoteIdent(name)}`);
        } catch (e) {
          throw new EngineError(
            'P3014',
            `Prisma Migrate could not create the shadow database. Please make sure the database user has permission to create databases, or set SHADOW_DATABASE_URL to an existing database it may empty. Read more about the shadow database at https://pris.ly/d/migrate-shadow\n\nOriginal error: ${e?.message ?? e}`,
          );
        }
        madeShadows.add(name);
      }
      let adapter;
      try {
        adapter = await open({ ...main.config, database: name }, main.schema);
        await adapter.executeScript(EMPTY_DATABASE_SQL);
      } catch (e) {
        await adapter?.dispose().catch(() => {});
        await dropPgDatabase(main.config, name).catch(() => {});
        madeShadows.delete(name);
        throw e;
      }
      const closePool = adapter.dispose.bind(adapter);
      const kept = name;
      adapter.dispose = async () => {
        await closePool();
        if (spareShadow === null) spareShadow = kept;
        else {
          await dropPgDatabase(main.config, kept);
          madeShadows.delete(kept);
        }
      };
      return tracker.add(adapter, 'shadow');
    },
    /** Drops the temporary shadow databases still there. */
    async close() {
      spareShadow = null;
      for (const name of [...madeShadows]) {
        await dropPgDatabase(main.config, name);
        madeShadows.delete(name);
      }
    },
  };
}

/**
 * The adapter factory for a datasource, or one that explains why there is none.
 * @param {{url?: string, shadowDatabaseUrl?: string, provider: 'sqlite'|'postgres'|null}} ds
 * @param {ConnectionTracker} tracker
 */
export async function createFactory(ds, tracker) {
  if (!ds.url) {
    const fail = async () => {
      throw new EngineError(null, 'No datasource URL was given to the schema engine: set `datasource.url` in prisma.config.ts.');
    };
    return { provider: ds.provider === 'postgres' ? 'postgres' : 'sqlite', adapterName: 'none', connect: fail, connectToShadowDb: fail };
  }
  if (ds.provider === 'sqlite') return sqliteFactory(/** @type {any} */ (ds), tracker);
  if (ds.provider === 'postgres') return pgFactory(/** @type {any} */ (ds), tracker);
  throw new EngineError(null, `Unsupported provider ${ds.provider}`);
}

