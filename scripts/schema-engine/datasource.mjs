// Datasource URLs as the Prisma CLI hands them to the schema engine, turned into what the
// driver adapters need: a file path for SQLite, a node-postgres config for PostgreSQL.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { EngineError } from './errors.mjs';

const require = createRequire(import.meta.url);

/** @typedef {'sqlite' | 'postgres'} Provider */

/**
 * @param {string} url
 * @returns {Provider}
 */
export function providerOfUrl(url) {
  if (url.startsWith('file:')) return 'sqlite';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  const scheme = url.split(':')[0];
  throw new EngineError(
    'P1013',
    `The provided database string is invalid. This schema engine (scripts/schema-engine) supports only \`file:\` (SQLite) and \`postgres://\` / \`postgresql://\` URLs, got a \`${scheme}:\` URL.`,
  );
}

/**
 * Provider named in the `datasource` block of Prisma schema files, if any.
 * @param {Array<[string, string]> | undefined} datamodels pairs of [path, content]
 * @returns {Provider | null}
 */
export function providerOfSchemas(datamodels) {
  for (const [, content] of datamodels ?? []) {
    const block = /datasource\s+\w+\s*\{([^}]*)\}/m.exec(content);
    const provider = block && /provider\s*=\s*"([^"]+)"/.exec(block[1]);
    if (provider) {
      if (provider[1] === 'sqlite') return 'sqlite';
      if (provider[1] === 'postgresql' || provider[1] === 'postgres') return 'postgres';
      throw new EngineError(null, `The schema engine shim supports the sqlite and postgresql providers only, not "${provider[1]}".`);
    }
  }
  return null;
}

/**
 * Absolute path of a SQLite `file:` URL. Relative paths are resolved against the working
 * directory, which the Prisma CLI sets to the folder of prisma.config.ts when it starts the engine.
 * @param {string} url
 */
export function sqlitePath(url) {
  if (url.startsWith('file://')) return fileURLToPath(url.split('?')[0]);
  let p = url.slice('file:'.length);
  const q = p.indexOf('?');
  if (q >= 0) p = p.slice(0, q);
  if (p === '') throw new EngineError('P1013', 'The provided database string is invalid. The SQLite `file:` URL has no path.');
  return path.resolve(process.cwd(), p);
}

/**
 * node-postgres config for a `postgres://` URL: explicit host/port/user/database fields (never
 * `connectionString`, which would override the `database` field we set for shadow databases),
 * plus the Prisma URL parameters that matter here.
 * @param {string} url
 */
export function pgConfig(url) {
  const pgRequire = createRequire(require.resolve('pg'));
  const { parse } = pgRequire('pg-connection-string');
  let parsed;
  try {
    parsed = parse(url);
  } catch (e) {
    throw new EngineError('P1013', `The provided database string is invalid. ${e?.message ?? e}`);
  }
  // Prisma's `connect_timeout` is in seconds, defaults to 5, and 0 means none (as in node-postgres).
  const connectTimeout = parsed.connect_timeout !== undefined ? Number(parsed.connect_timeout) : 5;
  const schema = typeof parsed.schema === 'string' && parsed.schema !== '' ? parsed.schema : undefined;
  let options = typeof parsed.options === 'string' ? parsed.options : undefined;
  if (schema) options = `${options ? `${options} ` : ''}-c search_path="${schema.replace(/"/g, '""')}"`;
  /** @type {Record<string, unknown>} */
  const config = {
    host: parsed.host || undefined,
    port: parsed.port ? Number(parsed.port) : 5432,
    user: parsed.user || undefined,
    password: parsed.password ?? undefined,
    database: parsed.database || undefined,
    ssl: parsed.ssl,
    options,
    application_name: parsed.application_name || 'prisma-schema-engine',
    connectionTimeoutMillis: Number.isFinite(connectTimeout) ? connectTimeout * 1000 : 5000,
    max: 4,
  };
  for (const k of Object.keys(config)) if (config[k] === undefined) delete config[k];
  return { config, schema };
}

/**
 * Everything the shim knows about the database it was started for.
 * @param {{url?: string, shadowDatabaseUrl?: string} | undefined} datasource from --datasource
 * @param {Array<[string, string]> | undefined} datamodels from --datamodels
 */
export function describeDatasource(datasource, datamodels) {
  const url = datasource?.url;
  const provider = url ? providerOfUrl(url) : providerOfSchemas(datamodels);
  return {
    url,
    shadowDatabaseUrl: datasource?.shadowDatabaseUrl || undefined,
    provider,
  };
}
