/**
 * `npm start`: the whole platform on one machine. Parses the environment, applies migrations to
 * the database (SQLite under data/ by default), seeds what a first look needs, builds the web app
 * when its sources changed, then runs the web server and WORKERS worker processes until Ctrl-C.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { authSecret } from '../lib/auth/secret';
import { disconnectDb } from '../lib/db';
import { env, EnvError, type TEnv } from '../lib/env';
import { enqueueJob } from '../lib/jobs/service';
import { migrateDeploy } from '../lib/migrate';
import { demoStatus } from '../lib/jobs/definitions/demo';
import { SHAPES_MODEL_NAME, seedBuiltInModels, seedDemo } from '../lib/models/seed';
import { ensureAdminFromEnv } from '../lib/users/service';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NEXT_BIN = path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
const BUILD_INPUTS = ['app', 'lib', 'public', 'next.config.js', 'postcss.config.mjs', 'tsconfig.json', 'package-lock.json'];

function say(line = '') {
  process.stdout.write(line + '\n');
}

/** A cheap fingerprint of everything `next build` reads: paths, sizes and modification times. */
function sourceFingerprint(): string {
  const hash = createHash('sha256');
  const visit = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) visit(path.join(p, name));
    } else {
      hash.update(`${path.relative(ROOT, p)}:${st.size}:${st.mtimeMs}\n`);
    }
  };
  for (const input of BUILD_INPUTS) visit(path.join(ROOT, input));
  return hash.digest('hex');
}

function run(cmd: string, args: string[], extraEnv: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function buildIfNeeded(childEnv: Record<string, string>): Promise<void> {
  const stamp = path.join(ROOT, '.next', 'arena-fingerprint');
  const fingerprint = sourceFingerprint();
  const built = fs.existsSync(path.join(ROOT, '.next', 'BUILD_ID')) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === fingerprint;
  if (built) return;
  say('Building the web app (once after each change; about 20-60 s)...');
  const code = await run(process.execPath, [NEXT_BIN, 'build'], childEnv);
  if (code !== 0) throw new Error(`next build failed with exit code ${code}`);
  fs.writeFileSync(stamp, fingerprint);
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.status === 200 || res.status === 503) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function main() {
  let e: TEnv;
  try {
    e = env();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(err.message + '\n');
      process.exit(2);
    }
    throw err;
  }
  fs.mkdirSync(e.dataDir, { recursive: true });
  say(`PruneArena: ${e.databaseProvider === 'sqlite' ? `SQLite at ${e.DATABASE_URL.replace(/^file:/, '')}` : 'PostgreSQL'}`);

  const migrated = await migrateDeploy({ quiet: true });
  if (migrated.code !== 0) {
    process.stderr.write(migrated.output + '\nMigrations failed: the database was left as it was. Fix the error above and run npm start again.\n');
    process.exit(1);
  }
  say('Database schema is up to date.');

  const admin = await ensureAdminFromEnv();
  // A first look: one finished self-test on the Jobs page shows the worker is alive (ahead of the demo's jobs).
  await enqueueJob('demo.selftest', { steps: 5, stepMs: 200 }, { dedupeKey: 'seed:first-selftest', priority: 3 });
  const added = await seedBuiltInModels();
  if (added.length) say(`Registered the built-in models: ${added.join(', ')}.`);
  if (e.DEMO && (await seedDemo()) === 'queued') {
    say(`Preparing the demo on ${SHAPES_MODEL_NAME}: the workers measure its block sensitivity, compress it six ways`);
    say('(late vs early blocks, HierarchicalPrune with and without reconstruction, INT4), generate and score images');
    say('with every variant, and open a study marked as demo data. /reproduction shows the results. DEMO=0 turns this off.');
  }
  await disconnectDb();

  const childEnv: Record<string, string> = {
    DATABASE_URL: e.DATABASE_URL,
    NEXTAUTH_URL: e.PUBLIC_URL,
    AUTH_SECRET: authSecret(),
    NEXT_TELEMETRY_DISABLED: '1',
  };
  await buildIfNeeded(childEnv);

  const children = new Set<ChildProcess>();
  let shuttingDown = false;
  const web = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(e.PORT), '-H', e.HOST], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...childEnv, NODE_ENV: 'production' },
  });
  children.add(web);
  web.on('exit', (code) => {
    children.delete(web);
    if (!shuttingDown) {
      process.stderr.write(`The web server stopped (exit code ${code}); stopping everything.\n`);
      void shutdown(code ?? 1);
    }
  });

  const startWorker = (n: number, restarts = 0) => {
    const worker = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'workers', 'main.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...childEnv },
    });
    children.add(worker);
    const started = Date.now();
    worker.on('exit', (code, signal) => {
      children.delete(worker);
      if (shuttingDown) return;
      // A crash-looping worker backs off instead of spinning; its jobs are reclaimed after their leases.
      const quick = Date.now() - started < 10_000;
      const next = quick ? restarts + 1 : 0;
      const delay = Math.min(30_000, 1000 * 2 ** next);
      process.stderr.write(`Worker ${n} exited (${signal ?? code}); restarting in ${Math.round(delay / 1000)} s.\n`);
      setTimeout(() => !shuttingDown && startWorker(n, next), delay).unref();
    });
  };
  for (let n = 1; n <= e.WORKERS; n++) startWorker(n);

  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say('\nStopping: workers finish or release their jobs...');
    const exits = [...children].map((c) => new Promise((r) => c.once('exit', r)));
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(exits);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  const localUrl = `http://${e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST}:${e.PORT}`;
  if (!(await waitForHealth(localUrl, web, 60_000))) {
    process.stderr.write('The web server did not answer within 60 s.\n');
    await shutdown(1);
    return;
  }
  say('');
  say(`PruneArena is running at ${e.PUBLIC_URL} with ${e.WORKERS} worker process${e.WORKERS === 1 ? '' : 'es'}.`);
  if (admin === 'created') say(`Sign in at ${e.PUBLIC_URL}/signin as ${e.ADMIN_EMAIL} with ADMIN_PASSWORD.`);
  else if (admin === 'exists') say(`Sign in at ${e.PUBLIC_URL}/signin with your account.`);
  else {
    say('No admin account yet. Create one (in another terminal), then sign in at ' + `${e.PUBLIC_URL}/signin:`);
    say('  npx arena user create --email you@example.org --role admin');
    say('or start with ADMIN_EMAIL and ADMIN_PASSWORD set.');
  }
  say('Press Ctrl-C to stop.');
  await reportDemo(e.PUBLIC_URL);
}

/** Says where the demo stands, and keeps watching until its study is open (or it stopped). */
async function reportDemo(publicUrl: string) {
  const tell = (status: Awaited<ReturnType<typeof demoStatus>>, first: boolean): boolean => {
    if (status.state === 'ready') {
      say('');
      say(`Demo study (demo data) is open: try it at ${publicUrl}${status.study.participantPath}`);
      say(`  its results: ${publicUrl}${status.study.researcherPath}; the leaderboard (${publicUrl}/leaderboard) includes it once it has votes.`);
      return true;
    }
    if (status.state === 'failed') {
      say('');
      say(`The demo stopped: ${status.error}`);
      say(`  See ${publicUrl}/research/jobs.`);
      return true;
    }
    if (first && status.state === 'preparing') say(`The demo is being prepared: watch ${publicUrl}/research/jobs; its study link will be printed here.`);
    return status.state === 'none';
  };
  try {
    if (tell(await demoStatus(), true)) return;
  } catch {
    return; // the demo is a nicety: never stop npm start over it
  }
  const deadline = Date.now() + 30 * 60_000;
  let done = false;
  const timer = setInterval(() => {
    if (Date.now() > deadline) return clearInterval(timer);
    demoStatus()
      .then((status) => {
        if (done) return;
        done = tell(status, false);
        if (done) clearInterval(timer);
      })
      .catch(() => {});
  }, 3000);
  timer.unref();
}

main().catch(async (err) => {
  process.stderr.write(`npm start failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
