// Integration test of the offline schema engine (scripts/schema-engine): the real Prisma CLI,
// configured by prisma.config.ts, runs migrations through it on SQLite and on PostgreSQL.
//
// PostgreSQL needs TEST_POSTGRES_URL, an admin URL (the test creates and drops its own uniquely
// named databases); without it the PostgreSQL cases are skipped, and say so.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const prismaCli = path.join(repoRoot, 'node_modules', 'prisma', 'build', 'index.js');
const adminUrl = process.env.TEST_POSTGRES_URL;
const PG_SKIP_NOTE = 'skipped: TEST_POSTGRES_URL is not set (an admin postgres:// URL enables these cases)';
// In CI a missing PostgreSQL is a failure, as in lib/testing: npm test starts one and sets the URL.
if (!adminUrl && process.env.CI) throw new Error('TEST_POSTGRES_URL is not set: run the suite through npm test, which starts PostgreSQL');
if (!adminUrl) console.warn(`schema-engine.int.test.ts: PostgreSQL cases ${PG_SKIP_NOTE}`);

// Every table the data model maps, read from the models file so new models need no edit here.
const EXPECTED_TABLES = [
  '_prisma_migrations',
  ...[...fs.readFileSync(path.join(repoRoot, 'prisma', 'models.prisma'), 'utf8').matchAll(/@@map\("([^"]+)"\)/g)].map((m) => m[1]),
];
const CLI_TIMEOUT_MS = 90_000;
const FLOW_TIMEOUT_MS = 180_000;

type TRun = { code: number; out: string; ms: number };

/** Runs the Prisma CLI with DATABASE_URL set (and no SHADOW_DATABASE_URL from the caller's env). */
function prisma(args: string[], opts: { databaseUrl: string; cwd?: string }): Promise<TRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SHADOW_DATABASE_URL;
  env.DATABASE_URL = opts.databaseUrl;
  env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
  env.CHECKPOINT_DISABLE = '1';
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [prismaCli, ...args],
      { cwd: opts.cwd ?? repoRoot, env, timeout: CLI_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, out: `${stdout}${stderr}`, ms: Date.now() - started });
      },
    );
    child.stdin?.end();
  });
}

/** Fails with the CLI's output when the command did not succeed. */
function expectOk(run: TRun, what: string) {
  expect(run.code, `${what} exited ${run.code}:\n${run.out}`).toBe(0);
}

async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const pgUrlFor = (admin: string, database: string) => {
  const u = new URL(admin);
  u.pathname = `/${database}`;
  return u.toString();
};

const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

function sqliteTables(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'").all() as {
      name: string;
    }[];
    return rows.map((r) => r.name).sort();
  } finally {
    db.close();
  }
}

function sqliteColumns(file: string, table: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

async function pgTables(url: string): Promise<string[]> {
  return withPg(url, async (c) => {
    const r = await c.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    return r.rows.map((row) => row.table_name);
  });
}

async function pgColumns(url: string, table: string): Promise<string[]> {
  return withPg(url, async (c) => {
    const r = await c.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
      [table],
    );
    return r.rows.map((row) => row.column_name);
  });
}

/**
 * A copy of the project's Prisma setup in a temp dir (node_modules and the engine linked), with a
 * field added to User, so `migrate dev` has a change to turn into a migration.
 */
function makeChangedCopy(dir: string) {
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.symlinkSync(path.join(repoRoot, 'scripts', 'schema-engine'), path.join(dir, 'scripts', 'schema-engine'), 'dir');
  fs.copyFileSync(path.join(repoRoot, 'prisma.config.ts'), path.join(dir, 'prisma.config.ts'));
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(repoRoot, 'prisma'), path.join(dir, 'prisma'), { recursive: true, verbatimSymlinks: true });
  const modelsFile = path.join(dir, 'prisma', 'models.prisma');
  const models = fs.readFileSync(modelsFile, 'utf8');
  const changed = models.replace(/(model User \{\n(?:.*\n)*?\s+name\s+String\?\n)/, '$1  nickname     String?\n');
  expect(changed, 'could not add a field to model User in the copy').not.toBe(models);
  fs.writeFileSync(modelsFile, changed);
}

function newMigrationScript(copyDir: string, folder: 'sqlite' | 'postgresql'): string {
  const migrations = path.join(copyDir, 'prisma', folder, 'migrations');
  const added = fs.readdirSync(migrations).filter((d) => d.endsWith('_add_nickname'));
  expect(added, `one new migration folder in ${migrations}`).toHaveLength(1);
  return fs.readFileSync(path.join(migrations, added[0], 'migration.sql'), 'utf8');
}

let tmp = '';
let copyDir = '';
const pgDatabases: string[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-engine-it-'));
  copyDir = path.join(tmp, 'project');
  fs.mkdirSync(copyDir);
  makeChangedCopy(copyDir);
});

afterAll(async () => {
  if (adminUrl) {
    await withPg(adminUrl, async (c) => {
      for (const name of pgDatabases) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const engineMain = path.join(repoRoot, 'scripts', 'schema-engine', 'main.mjs');

/** Runs the engine script the way the CLI runs its `cli` subcommands and `--version`. */
function engineCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(engineMain, args, { cwd: repoRoot, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/**
 * Talks JSON-RPC to the engine script as the CLI does: sends the requests one after the other and
 * collects every line it writes (responses and its own `print` requests, which get answered).
 */
async function engineRpc(args: string[], requests: Array<{ method: string; params: unknown }>): Promise<any[]> {
  const { spawn } = await import('node:child_process');
  const readline = await import('node:readline');
  const child = spawn(engineMain, args, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = readline.createInterface({ input: child.stdout });
  const seen: any[] = [];
  let waiting: ((msg: any) => void) | null = null;
  lines.on('line', (line) => {
    const msg = JSON.parse(line);
    seen.push(msg);
    if (msg.method === 'print') child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: {} })}\n`);
    else waiting?.(msg);
  });
  let id = 0;
  for (const req of requests) {
    const answered = new Promise((resolve) => (waiting = resolve));
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: ++id, ...req })}\n`);
    await answered;
  }
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.stdin.end();
  await exited;
  return seen;
}

const NO_FILTER = { externalTables: [], externalEnums: [] };

function migrationsList(folder: 'sqlite' | 'postgresql') {
  const baseDir = path.join(repoRoot, 'prisma', folder, 'migrations');
  const dirs = fs
    .readdirSync(baseDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: fs.readFileSync(path.join(baseDir, 'migration_lock.toml'), 'utf8') },
    shadowDbInitScript: '',
    migrationDirectories: dirs.map((name) => ({
      path: name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: fs.readFileSync(path.join(baseDir, name, 'migration.sql'), 'utf8') } },
    })),
  };
}

describe.concurrent('the engine script speaks the native engine protocol', () => {
  it('--version names the engine commit', async () => {
    const run = await engineCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^schema-engine-cli [0-9a-f]{40}\n$/);
  });

  it('cli can-connect-to-database: a missing SQLite file is P1003, in the log format the CLI parses', async () => {
    const file = path.join(tmp, 'missing', 'nothing.db');
    const run = await engineCli(['--datasource', JSON.stringify({ url: `file:${file}` }), 'cli', 'can-connect-to-database']);
    expect(run.code).toBe(1);
    // The CLI skips the first stderr line and JSON-parses each of the others.
    const [, ...rest] = run.stderr.trimEnd().split('\n');
    const logs = rest.map((l) => JSON.parse(l));
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        target: 'schema_engine::logger',
        fields: expect.objectContaining({ error_code: 'P1003', message: expect.stringContaining('nothing.db') }),
      }),
    );
  });

  it('JSON-RPC: diagnosing a fresh SQLite database reports unapplied migrations and leaves it untouched; diff prints through the CLI', async () => {
    const file = path.join(tmp, 'rpc.db');
    new Database(file).close();
    const schemaDir = path.join(repoRoot, 'prisma', 'sqlite');
    const files = ['schema.prisma', 'models.prisma'].map((f) => path.join(schemaDir, f));
    const args = [...files.flatMap((f) => ['--datamodels', f]), '--datasource', JSON.stringify({ url: `file:${file}` })];
    const list = migrationsList('sqlite');
    const seen = await engineRpc(args, [
      { method: 'diagnoseMigrationHistory', params: { migrationsList: list, optInToShadowDatabase: false, filters: NO_FILTER } },
      {
        method: 'diff',
        params: {
          from: { tag: 'empty' },
          to: { tag: 'schemaDatamodel', files: files.map((f) => ({ path: f, content: fs.readFileSync(f, 'utf8') })) },
          script: true,
          exitCode: null,
          filters: NO_FILTER,
        },
      },
    ]);
    const [diagnose, print, diff] = seen;
    expect(diagnose).toMatchObject({
      id: 1,
      result: {
        hasMigrationsTable: false,
        history: { diagnostic: 'databaseIsBehind', unappliedMigrationNames: list.migrationDirectories.map((d) => d.path) },
      },
    });
    expect(sqliteTables(file)).toEqual([]);
    expect(print).toMatchObject({ method: 'print', params: { content: expect.stringContaining('CREATE TABLE "users"') } });
    expect(diff).toMatchObject({ id: 2, result: { exitCode: 0 } });
  });
});

describe.concurrent('Prisma CLI with the offline schema engine (scripts/schema-engine)', () => {
  it('SQLite: migrate deploy on a fresh file, again, status; migrate dev --create-only; migrate reset', { timeout: FLOW_TIMEOUT_MS }, async () => {
    const file = path.join(tmp, 'fresh', 'deploy.db');
    const url = `file:${file}`;
    expect(fs.existsSync(file)).toBe(false);

    const first = await prisma(['migrate', 'deploy'], { databaseUrl: url });
    expectOk(first, 'first migrate deploy');
    expect(first.out).toMatch(/All migrations have been successfully applied/);
    expect(sqliteTables(file)).toEqual(expect.arrayContaining(EXPECTED_TABLES));

    const second = await prisma(['migrate', 'deploy'], { databaseUrl: url });
    expectOk(second, 'second migrate deploy');
    expect(second.out).toMatch(/No pending migrations to apply/);

    const status = await prisma(['migrate', 'status'], { databaseUrl: url });
    expectOk(status, 'migrate status');
    expect(status.out).toMatch(/Database schema is up to date/);

    // A change to the models, on a database that does not exist yet (needs a shadow database).
    const devFile = path.join(tmp, 'dev.db');
    const dev = await prisma(['migrate', 'dev', '--name', 'add_nickname', '--create-only'], { databaseUrl: `file:${devFile}`, cwd: copyDir });
    expectOk(dev, 'migrate dev --create-only');
    expect(newMigrationScript(copyDir, 'sqlite')).toMatch(/ALTER TABLE "users" ADD COLUMN "nickname" TEXT;/);

    // reset empties the file (a table Prisma does not know of goes too), then applies everything.
    const db = new Database(devFile);
    db.exec("CREATE TABLE stray (id INTEGER); INSERT INTO users (id, email, passwordHash, updatedAt) VALUES ('u1', 'a@b.c', 'x', '2024-01-01')");
    db.close();
    const reset = await prisma(['migrate', 'reset', '--force'], { databaseUrl: `file:${devFile}`, cwd: copyDir });
    expectOk(reset, 'migrate reset --force');
    expect(sqliteTables(devFile)).toEqual([...EXPECTED_TABLES].sort());
    expect(sqliteColumns(devFile, 'users')).toContain('nickname');
    const check = new Database(devFile, { readonly: true });
    expect(check.prepare('SELECT COUNT(*) AS n FROM users').get()).toEqual({ n: 0 });
    check.close();
  });

  it.skipIf(!adminUrl)(
    `PostgreSQL: migrate deploy on a fresh database, again, status; migrate dev --create-only; migrate reset${adminUrl ? '' : ` (${PG_SKIP_NOTE})`}`,
    { timeout: FLOW_TIMEOUT_MS },
    async () => {
      const admin = adminUrl as string;
      const name = uniqueName('schema_engine_it');
      pgDatabases.push(name);
      await withPg(admin, (c) => c.query(`CREATE DATABASE "${name}"`));
      const url = pgUrlFor(admin, name);

      const first = await prisma(['migrate', 'deploy'], { databaseUrl: url });
      expectOk(first, 'first migrate deploy');
      expect(first.out).toMatch(/All migrations have been successfully applied/);
      expect(await pgTables(url)).toEqual(expect.arrayContaining(EXPECTED_TABLES));

      const second = await prisma(['migrate', 'deploy'], { databaseUrl: url });
      expectOk(second, 'second migrate deploy');
      expect(second.out).toMatch(/No pending migrations to apply/);

      const status = await prisma(['migrate', 'status'], { databaseUrl: url });
      expectOk(status, 'migrate status');
      expect(status.out).toMatch(/Database schema is up to date/);

      // A change to the models, on a database the CLI creates (and a shadow database the engine makes).
      const devName = uniqueName('schema_engine_it_dev');
      pgDatabases.push(devName);
      const devUrl = pgUrlFor(admin, devName);
      const dev = await prisma(['migrate', 'dev', '--name', 'add_nickname', '--create-only'], { databaseUrl: devUrl, cwd: copyDir });
      expectOk(dev, 'migrate dev --create-only');
      expect(newMigrationScript(copyDir, 'postgresql')).toMatch(/ALTER TABLE "users" ADD COLUMN\s+"nickname" TEXT;/);

      await withPg(devUrl, (c) =>
        c.query(`CREATE TABLE stray (id INT); INSERT INTO users (id, email, "passwordHash", "updatedAt") VALUES ('u1', 'a@b.c', 'x', now())`),
      );
      const reset = await prisma(['migrate', 'reset', '--force'], { databaseUrl: devUrl, cwd: copyDir });
      expectOk(reset, 'migrate reset --force');
      expect(await pgTables(devUrl)).toEqual([...EXPECTED_TABLES].sort());
      expect(await pgColumns(devUrl, 'users')).toContain('nickname');
      expect(await withPg(devUrl, async (c) => (await c.query('SELECT COUNT(*)::int AS n FROM users')).rows[0])).toEqual({ n: 0 });
    },
  );

  it('generate: both clients, from the provider chosen by DATABASE_URL', { timeout: FLOW_TIMEOUT_MS }, async () => {
    const sqlite = await prisma(['generate'], { databaseUrl: `file:${path.join(tmp, 'gen.db')}`, cwd: copyDir });
    expectOk(sqlite, 'prisma generate (SQLite)');
    const postgres = await prisma(['generate'], { databaseUrl: 'postgresql://nobody@127.0.0.1:1/unused', cwd: copyDir });
    expectOk(postgres, 'prisma generate (PostgreSQL)');
    for (const folder of ['sqlite', 'postgresql']) {
      expect(fs.existsSync(path.join(copyDir, 'generated', folder, 'client.ts')), `generated/${folder}/client.ts`).toBe(true);
    }
  });

  it('an unreachable database fails fast with a readable error', { timeout: FLOW_TIMEOUT_MS }, async () => {
    // A port nothing listens on.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });
    const run = await prisma(['migrate', 'deploy'], { databaseUrl: `postgresql://nobody:secret@127.0.0.1:${port}/arena` });
    expect(run.code, run.out).not.toBe(0);
    expect(run.out).toMatch(/P1001/);
    expect(run.out).toMatch(new RegExp(`Can't reach database server at \`127\\.0\\.0\\.1:${port}\``));
    expect(run.ms).toBeLessThan(CLI_TIMEOUT_MS);
  });
});
