#!/usr/bin/env node
// Generates both Prisma clients (SQLite and PostgreSQL) from the one data model. Runs after
// `npm ci`; `prisma generate` needs no schema engine, but the CLI insists on finding one, so it
// is pointed at the offline engine script.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
for (const provider of ['sqlite', 'postgresql']) {
  const result = spawnSync(process.execPath, [cli, 'generate', '--schema', path.join('prisma', provider)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: path.join(root, 'scripts', 'schema-engine', 'main.mjs'),
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      DATABASE_URL: provider === 'sqlite' ? 'file:./data/arena.db' : 'postgresql://localhost/unused',
    },
  });
  if (result.status !== 0) {
    process.stderr.write(`prisma generate failed for ${provider} (exit ${result.status})\n`);
    process.exit(result.status ?? 1);
  }
}
console.log('Prisma clients generated (sqlite, postgresql).');
