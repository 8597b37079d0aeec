// One Wasm schema engine with its driver adapter, and the JSON-RPC methods of the native
// schema engine implemented on top of it, with the differences from the native engine fixed:
// - a missing `_prisma_migrations` table (fresh database) means "no migration applied yet", as
//   with the native engine, not error P1014;
// - `migrate dev` on a database with unapplied migrations: the engine's cache of the migration
//   history's schema is filled through the adapter's shadow database (see withShadowSchemaCached);
// - `reset` on SQLite empties the database file, as the native engine does (the Wasm engine
//   only deletes rows);
// - `diff` prints its output through the CLI, as the native engine does;
// - adapter errors that reach the engine as "External error id#N" get their message back;
// - methods the Wasm engine lacks (createDatabase, getDatabaseVersion) are done here.

import fs from 'node:fs';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { ConnectionTracker, createFactory, quoteIdent } from './adapters.mjs';
import { createEngine } from './wasm-engine.mjs';
import { createDatabase } from './databases.mjs';
import { EngineError } from './errors.mjs';

const MIGRATIONS_TABLE = '_prisma_migrations';

/** The native engine's JSON-RPC methods that the Prisma CLI calls. */
export const METHOD_NAMES = [
  'applyMigrations',
  'createDatabase',
  'createMigration',
  'dbExecute',
  'debugPanic',
  'devDiagnostic',
  'diagnoseMigrationHistory',
  'diff',
  'ensureConnectionValidity',
  'evaluateDataLoss',
  'getDatabaseVersion',
  'introspect',
  'introspectSql',
  'markMigrationApplied',
  'markMigrationRolledBack',
  'reset',
  'schemaPush',
];

/** The migrations table exactly as the engine creates it. */
function migrationsTableDdl(provider, schema) {
  if (provider === 'sqlite') {
    return `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;
  }
  const table = schema ? `${quoteIdent(schema)}.${quoteIdent(MIGRATIONS_TABLE)}` : quoteIdent(MIGRATIONS_TABLE);
  return `CREATE TABLE IF NOT EXISTS ${table} (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;
}

function migrationsTableName(provider, schema) {
  return provider === 'postgres' && schema ? `${quoteIdent(schema)}.${quoteIdent(MIGRATIONS_TABLE)}` : quoteIdent(MIGRATIONS_TABLE);
}

/** The error the native engine gives when migration_lock.toml names another provider. */
function checkLockfile(migrationsList, provider) {
  const content = migrationsList?.lockfile?.content;
  const locked = typeof content === 'string' ? /^\s*provider\s*=\s*"([^"]*)"/m.exec(content)?.[1] : undefined;
  const current = provider === 'postgres' ? 'postgresql' : provider;
  if (locked && locked !== current && !(locked === 'postgres' && current === 'postgresql')) {
    throw new EngineError(
      'P3019',
      `The datasource provider \`${current}\` specified in your schema does not match the one specified in the migration_lock.toml, \`${locked}\`. Please remove your current migration directory and start a new migration history with prisma migrate dev. Read more: https://pris.ly/d/migrate-provider-switch`,
    );
  }
}

const needsShadowFromFactory = (e) => /shadow DB must be provided through an external factory/i.test(String(e?.message ?? ''));

const isMissingMigrationsTable = (e) => e?.code === 'P1014' && String(e?.message ?? '').includes(MIGRATIONS_TABLE);

export class EngineHost {
  /**
   * @param {{datamodels?: Array<[string, string]>, datasource: {url?: string, shadowDatabaseUrl?: string, provider: any}, onLog: (line: string) => void}} opts
   */
  constructor({ datamodels, datasource, onLog }) {
    this.datamodels = datamodels;
    this.ds = datasource;
    this.onLog = onLog;
    this.tracker = new ConnectionTracker();
    /** @type {((content: string) => Promise<void>) | null} prints on the CLI's stdout */
    this.print = null;
    this.factory = null;
    this.engine = null;
    /** Where the adapter binder keeps JS errors that reach the engine as "External error id#N". */
    this.errorRegistries = [];
  }

  /**
   * The Wasm engine reports a JavaScript error thrown in the adapter as "External error id#N";
   * the error itself stays in the binder's registry. Brings its message (and Prisma error code,
   * if it has one) back into the error the CLI shows.
   */
  explain(err) {
    const match = /External error id#(\d+)/.exec(String(err?.message ?? ''));
    if (!match) return err;
    for (const registry of this.errorRegistries) {
      const record = registry.consumeError(Number(match[1]));
      if (!record) continue;
      const original = /** @type {any} */ (record.error);
      const text = String(original?.message ?? original);
      const explained = new EngineError(
        typeof original?.code === 'string' && /^P\d{4}$/.test(original.code) ? original.code : (err.code ?? null),
        String(err.message).replace(match[0], text),
        original?.meta ?? err.meta,
      );
      return explained;
    }
    return err;
  }

  async getFactory() {
    this.factory ??= await createFactory(this.ds, this.tracker);
    return this.factory;
  }

  async getEngine() {
    if (!this.engine) {
      const factory = await this.getFactory();
      const bound = bindMigrationAwareSqlAdapterFactory(/** @type {any} */ (factory));
      this.errorRegistries.push(bound.errorRegistry);
      this.engine = await createEngine({ datamodels: this.datamodels, adapterFactory: bound, onLog: this.onLog });
    }
    return this.engine;
  }

  /** Frees the engine and closes every connection; the next call starts a new engine. */
  async recycle() {
    const engine = this.engine;
    this.engine = null;
    if (engine) {
      try {
        engine.free();
      } catch {
        // already freed
      }
    }
    await this.tracker.disposeAll();
  }

  async shutdown() {
    await this.recycle();
    await this.factory?.close?.();
  }

  /** Runs SQL on the engine's own connection to the main database (or a fresh one if it has none). */
  async execOnMain(sql) {
    const open = this.tracker.main();
    if (open) return open.executeScript(sql);
    const factory = await this.getFactory();
    const adapter = await factory.connect();
    try {
      await adapter.executeScript(sql);
    } finally {
      await adapter.dispose();
    }
  }

  /** Runs a query on the engine's own connection to the main database; returns the rows. */
  async queryOnMain(sql) {
    const query = { sql, args: [], argTypes: [] };
    const open = this.tracker.main();
    if (open) return (await open.queryRaw(query)).rows;
    const adapter = await (await this.getFactory()).connect();
    try {
      return (await adapter.queryRaw(query)).rows;
    } finally {
      await adapter.dispose();
    }
  }

  /**
   * Drops the migrations table made by withMigrationsTable, unless something wrote to it
   * meanwhile (a `migrate deploy` that started at the same time keeps its records).
   */
  async dropMigrationsTableIfEmpty(schema) {
    const table = migrationsTableName(this.ds.provider, schema);
    if (this.ds.provider === 'postgres') {
      await this.execOnMain(`DO $$ BEGIN
  IF to_regclass('${table.replace(/'/g, "''")}') IS NOT NULL THEN
    IF NOT EXISTS (SELECT 1 FROM ${table}) THEN DROP TABLE ${table}; END IF;
  END IF;
END $$`);
      return;
    }
    const rows = await this.queryOnMain(`SELECT COUNT(*) FROM ${table}`);
    if (Number(rows?.[0]?.[0] ?? 0) === 0) await this.execOnMain(`DROP TABLE IF EXISTS ${table}`);
  }

  /**
   * Calls the engine; if it fails because `_prisma_migrations` does not exist yet, creates the
   * table (as the native engine would see it: empty) and calls again. With `keep: false` the table
   * is dropped again afterwards, so that the database is left as it was found.
   */
  async withMigrationsTable(call, { keep }) {
    try {
      return { result: await call(), created: false };
    } catch (e) {
      if (!isMissingMigrationsTable(e)) throw e;
    }
    const schema = this.factory?.schema;
    await this.execOnMain(migrationsTableDdl(this.ds.provider, schema));
    try {
      return { result: await call(), created: true };
    } finally {
      if (!keep) await this.dropMigrationsTableIfEmpty(schema);
    }
  }

  /**
   * diagnoseMigrationHistory on a database without `_prisma_migrations` (what `migrate status`
   * asks): nothing applied, so every migration in the folder is unapplied. No shadow database
   * is involved, so the answer needs no engine and writes nothing.
   */
  diagnoseWithoutMigrationsTable(params) {
    checkLockfile(params.migrationsList, this.ds.provider);
    const names = (params.migrationsList?.migrationDirectories ?? []).map((d) => d.path);
    return {
      editedMigrationNames: [],
      failedMigrationNames: [],
      hasMigrationsTable: false,
      history: names.length > 0 ? { diagnostic: 'databaseIsBehind', unappliedMigrationNames: names } : null,
    };
  }

  /**
   * evaluateDataLoss and createMigration read the schema of the migration history from a cache
   * that devDiagnostic fills, keyed by the list of migrations *applied* at that time. On a fresh
   * (or behind) database that list is shorter than the one `migrate dev` passes after applying
   * the pending migrations, so the Wasm engine misses the cache and, having no way to make a
   * shadow database itself, fails ("... shadow DB must be provided through an external factory").
   * Diagnosing the history again, now that every migration is applied, fills the cache for the
   * full list through the adapter's shadow database; then the call is repeated.
   */
  async withShadowSchemaCached(engine, params, call) {
    try {
      return await call();
    } catch (err) {
      if (!needsShadowFromFactory(err) || !params?.migrationsList) throw err;
    }
    await this.withMigrationsTable(
      () =>
        engine.diagnoseMigrationHistory({
          migrationsList: params.migrationsList,
          optInToShadowDatabase: true,
          filters: params.filters ?? { externalTables: [], externalEnums: [] },
        }),
      { keep: false },
    );
    return call();
  }

  async resetSqlite() {
    const factory = await this.getFactory();
    const file = /** @type {any} */ (factory).file;
    await this.recycle();
    if (fs.existsSync(file)) fs.truncateSync(file, 0);
    for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
  }

  /** The JSON-RPC methods, by name, with adapter errors made readable. */
  methods() {
    const methods = this.rawMethods();
    for (const name of Object.keys(methods)) {
      const call = methods[name];
      methods[name] = async (p) => {
        try {
          return await call(p);
        } catch (err) {
          throw this.explain(err);
        }
      };
    }
    return methods;
  }

  rawMethods() {
    const e = () => this.getEngine();
    return {
      applyMigrations: async (p) => (await e()).applyMigrations(p),
      createMigration: async (p) => {
        const engine = await e();
        return this.withShadowSchemaCached(engine, p, () => engine.createMigration(p));
      },
      dbExecute: async (p) => (await e()).dbExecute(p),
      devDiagnostic: async (p) => {
        const engine = await e();
        return (await this.withMigrationsTable(() => engine.devDiagnostic(p), { keep: false })).result;
      },
      diagnoseMigrationHistory: async (p) => {
        const engine = await e();
        if (!p?.optInToShadowDatabase) {
          try {
            return await engine.diagnoseMigrationHistory(p);
          } catch (err) {
            if (!isMissingMigrationsTable(err)) throw err;
            return this.diagnoseWithoutMigrationsTable(p);
          }
        }
        const { result, created } = await this.withMigrationsTable(() => engine.diagnoseMigrationHistory(p), { keep: false });
        return created ? { ...result, hasMigrationsTable: false } : result;
      },
      diff: async (p) => {
        // The native engine prints the diff through the CLI (a `print` request) and returns no
        // stdout; the Wasm engine returns it. The CLI adds a newline to what it prints.
        const result = await (await e()).diff(p);
        if (typeof result?.stdout === 'string' && result.stdout !== '' && this.print) {
          await this.print(result.stdout.endsWith('\n') ? result.stdout.slice(0, -1) : result.stdout);
        }
        return { ...result, stdout: null };
      },
      ensureConnectionValidity: async (p) => (await e()).ensureConnectionValidity(p),
      evaluateDataLoss: async (p) => {
        const engine = await e();
        return this.withShadowSchemaCached(engine, p, () => engine.evaluateDataLoss(p));
      },
      introspect: async (p) => (await e()).introspect(p),
      introspectSql: async (p) => (await e()).introspectSql(p),
      markMigrationApplied: async (p) => {
        const engine = await e();
        return (await this.withMigrationsTable(() => engine.markMigrationApplied(p), { keep: true })).result;
      },
      markMigrationRolledBack: async (p) => (await e()).markMigrationRolledBack(p),
      reset: async (p) => {
        if (this.ds.provider === 'sqlite') {
          await this.resetSqlite();
          return {};
        }
        return (await e()).reset(p);
      },
      schemaPush: async (p) => (await e()).schemaPush(p),
      createDatabase: async (p) => {
        const url = p?.datasource?.tag === 'ConnectionString' ? p.datasource.url : this.ds.url;
        if (!url) throw new EngineError(null, 'createDatabase: no datasource URL');
        return { databaseName: await createDatabase(url) };
      },
      getDatabaseVersion: async () => (await e()).version(),
      debugPanic: async () => (await e()).debugPanic(),
    };
  }
}
