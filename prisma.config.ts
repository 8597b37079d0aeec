// Prisma 7 configuration. One data model (prisma/models.prisma), two providers: the schema
// folder is chosen from DATABASE_URL (file: → prisma/sqlite, postgres(ql):// → prisma/postgresql),
// each folder with its own migrations. Migrations run through the offline schema engine in
// scripts/schema-engine (Prisma's Wasm engine behind the native engine's interface), because the
// native engine binary cannot be downloaded here.
import 'dotenv/config';
import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'prisma/config';

const root = process.cwd();
const resolveFromConfig = (p: string) => path.resolve(configDir(), p);

function configDir(): string {
  // The config may be loaded as CommonJS or as an ES module; fall back to the working directory.
  if (typeof __dirname === 'string') return __dirname;
  return root;
}

const DEFAULT_DATABASE_URL = 'file:./data/arena.db';
const databaseUrl = process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;

function providerFolder(url: string): 'sqlite' | 'postgresql' {
  if (url.startsWith('file:')) return 'sqlite';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgresql';
  throw new Error(
    `DATABASE_URL must start with "file:" (SQLite) or "postgres://" / "postgresql://" (PostgreSQL), got "${url.split(':')[0]}:".`,
  );
}

const folder = providerFolder(databaseUrl);

/**
 * Creates a folder and its missing parents one level at a time, never throwing: a folder that
 * cannot be made is reported by the schema engine instead. (Node 20's `mkdirSync` with
 * `recursive: true` can loop forever on some paths, e.g. under /proc.)
 */
function ensureDir(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  try {
    for (const d of missing) fs.mkdirSync(d);
  } catch {
    // left to the schema engine to report
  }
}

if (folder === 'sqlite') {
  // The SQLite file's folder (data/ by default); Prisma creates the file itself.
  const file = databaseUrl.slice('file:'.length).split('?')[0];
  if (file && !file.startsWith('//')) ensureDir(path.dirname(path.resolve(configDir(), file)));
}

// The offline schema engine (see scripts/schema-engine/main.mjs).
process.env.PRISMA_SCHEMA_ENGINE_BINARY = resolveFromConfig('scripts/schema-engine/main.mjs');

const shadowDatabaseUrl = process.env.SHADOW_DATABASE_URL?.trim();

export default defineConfig({
  schema: resolveFromConfig(`prisma/${folder}`),
  migrations: {
    path: resolveFromConfig(`prisma/${folder}/migrations`),
  },
  datasource: {
    url: databaseUrl,
    ...(folder === 'postgresql' && shadowDatabaseUrl ? { shadowDatabaseUrl } : {}),
  },
});
