/**
 * bench/votes.ts: vote ingestion through the participant JSON API of the production build, on
 * SQLite and PostgreSQL. C virtual participants at a time, each one sequential like a person
 * (start a session, then answer every trial in order as soon as the server has answered the last),
 * a share of them double-submitting a trial (two identical POSTs at once, as a double click sends).
 * Printed: answers/s and p50/p90/p99 latency of the answer POSTs, errors by status, next to two
 * baselines measured afterwards against the same server at the same concurrency with the same
 * number of requests (GET /api/s/<slug>/session, the read that every answer response ends with,
 * and GET /api/health); then the votes stored in the database, which must equal the answers the
 * server accepted (a MISMATCH line and exit code 1 otherwise). Latencies are also split by whether
 * the request opened a new connection, and --trace writes every request to a CSV file.
 *
 *   npx tsx bench/votes.ts [--participants 200] [--concurrency 50] [--duration SECONDS]
 *                          [--double 0.05] [--port 3190] [--postgres URL] [--only sqlite|postgresql]
 *                          [--trials 20] [--trace FILE.csv]
 *
 * PostgreSQL comes from --postgres or TEST_POSTGRES_URL (a superuser URL; a fresh database is
 * created and dropped); without either it is skipped. The server is `npm start` (scripts/start.ts:
 * migrations, seed, `next build` when the sources changed, which takes minutes the first time)
 * with WORKERS=0 and PARTICIPANT_RATE_LIMIT=1000000: every session start comes from one loopback
 * address, which the default limit (240 a minute per address) would answer with 429. Each
 * database runs in a process of its own (the artifact store keeps a process's first DATA_DIR).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { db, disconnectDb } from '../lib/db';
import { writeFixtureBundle } from '../lib/fixtures/bundle';
import { startRun } from '../lib/generation/service';
import { TextToImagePipeline } from '../lib/inference/pipeline';
import { generateJob } from '../lib/jobs/definitions/generate';
import { registerModel } from '../lib/models/service';
import { createStudy, openStudy } from '../lib/studies/service';
import { createTestDatabase, type TProvider, type TTestDatabase } from '../lib/testing/databases';
import { testWorker, waitForJob } from '../lib/testing/worker';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    participants: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '50' },
    duration: { type: 'string' },
    double: { type: 'string', default: '0.05' },
    port: { type: 'string', default: '3190' },
    postgres: { type: 'string' },
    only: { type: 'string' },
    trials: { type: 'string', default: '20' },
    trace: { type: 'string' },
  },
});
const PARTICIPANTS = Number(values.participants);
const CONCURRENCY = Number(values.concurrency);
const DURATION_S = values.duration === undefined ? null : Number(values.duration);
const DOUBLE_SHARE = Number(values.double);
const PORT = Number(values.port);
const TRIALS = Number(values.trials);
const POSTGRES_URL = values.postgres ?? process.env.TEST_POSTGRES_URL;
if (!Number.isInteger(PARTICIPANTS) || PARTICIPANTS < 1) throw new Error('--participants must be a whole number of at least 1');
if (!Number.isInteger(CONCURRENCY) || CONCURRENCY < 1) throw new Error('--concurrency must be a whole number of at least 1');
if (DURATION_S !== null && !(DURATION_S > 0)) throw new Error('--duration must be a number of seconds');
if (!(DOUBLE_SHARE >= 0 && DOUBLE_SHARE <= 1)) throw new Error('--double must be a share from 0 to 1');
if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535 || PORT === 3123) throw new Error('--port must be a free port (3123 belongs to the e2e suite)');
if (!Number.isInteger(TRIALS) || TRIALS < 1 || TRIALS > 200) throw new Error('--trials must be a whole number from 1 to 200');
if (values.only && !['sqlite', 'postgresql'].includes(values.only)) throw new Error('--only must be sqlite or postgresql');

const BASE = `http://127.0.0.1:${PORT}`;
// The setup's in-process generation logs every job at info; the server keeps the level it was given.
const SERVER_LOG_LEVEL = process.env.LOG_LEVEL ?? 'info';
process.env.LOG_LEVEL = 'warn';

// --- HTTP: node:http over keep-alive sockets, so the client costs little on the shared cores -------

// Two sockets per participant: a double submit sends two requests at once. An idle socket is
// closed after 2 s, before the server's 5 s keep-alive timeout, so that a request never goes out
// on a socket the server is closing at that moment (ECONNRESET, a client artefact).
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 + 4, timeout: 2000 });

type TResponse = { status: number; json: any; ms: number; startedAt: number; newConnection: boolean };

/** --trace: every timed request as `provider,phase,started_s,what,status,outcome,new_connection,ms`, for looking at tails. */
const trace: string[] = [];
let traceLabel = '';
let traceZero = 0;

function call(method: 'GET' | 'POST', urlPath: string, opts: { token?: string; body?: unknown } = {}): Promise<TResponse> {
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  const headers: Record<string, string | number> = { accept: 'application/json' };
  if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length });
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request(`${BASE}${urlPath}`, { method, headers, agent, timeout: 120_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = performance.now() - started;
        let json: unknown = null;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          // not JSON (an HTML error page): the status says enough
        }
        resolve({ status: res.statusCode ?? 0, json, ms, startedAt: started, newConnection: !req.reusedSocket });
      });
    });
    // A refused or reset connection counts as status 0, not as a crash of the load generator.
    req.on('error', (err) => resolve({ status: 0, json: { error: { message: err.message } }, ms: performance.now() - started, startedAt: started, newConnection: !req.reusedSocket }));
    req.on('timeout', () => req.destroy(new Error('no response within 120 s')));
    if (payload) req.write(payload);
    req.end();
  });
}

/** Runs `task` from `workers` loops at once until it returns false. */
async function pool(workers: number, task: () => Promise<boolean>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, async () => {
    while (await task());
  }));
}

// --- accounting ------------------------------------------------------------------------------------

type TPhase = {
  name: string;
  requests: number;
  /** Of the requests that got a response; refused or reset connections are counted as status 0 errors. */
  latencies: number[];
  /** For each latency, whether its request had to open a new connection (else it reused a kept-alive one). */
  newConnection: boolean[];
  errors: Map<string, number>;
  errorSamples: Map<string, string>;
};

const newPhase = (name: string): TPhase => ({ name, requests: 0, latencies: [], newConnection: [], errors: new Map(), errorSamples: new Map() });

function timed(phase: TPhase, what: string, r: TResponse) {
  phase.requests++;
  if (r.status !== 0) {
    phase.latencies.push(r.ms);
    phase.newConnection.push(r.newConnection);
  }
  const outcome = r.status === 200 && typeof r.json?.duplicate === 'boolean' ? (r.json.duplicate ? 'duplicate' : 'stored') : '';
  if (values.trace) trace.push(`${traceLabel},${phase.name},${((r.startedAt - traceZero) / 1000).toFixed(3)},${what},${r.status},${outcome},${r.newConnection ? 1 : 0},${r.ms.toFixed(1)}`);
}

function noteError(phase: TPhase, what: string, r: TResponse) {
  const key = `${what} ${r.status}`;
  phase.errors.set(key, (phase.errors.get(key) ?? 0) + 1);
  if (!phase.errorSamples.has(key)) phase.errorSamples.set(key, String(r.json?.error?.message ?? JSON.stringify(r.json)).slice(0, 200));
}

/** What the server told the participants, over every phase: the database must agree with it. */
type TLedger = {
  /** Answer POSTs with 200 and duplicate: false, and the votes they carried. */
  accepted: number;
  acceptedVotes: number;
  duplicates: number;
  /** Double submits, and those where not exactly one of the two came back 200 with duplicate: false. */
  doubles: number;
  doubleAnomalies: string[];
  sessions: number;
  completed: number;
  abandoned: number;
};

const ledger: TLedger = { accepted: 0, acceptedVotes: 0, duplicates: 0, doubles: 0, doubleAnomalies: [], sessions: 0, completed: 0, abandoned: 0 };

type TTrial = { token: string; questions: { key: string; text: string }[]; choices: string[] };

function answersFor(t: TTrial) {
  return t.questions.map((q) => ({
    key: q.key,
    // attention checks as instructed, comparisons at random; response times a person could take
    choice: /\bLEFT\b/.test(q.text) ? 'left' : /\bRIGHT\b/.test(q.text) ? 'right' : Math.random() < 0.5 ? 'left' : 'right',
    responseMs: 800 + Math.floor(Math.random() * 2500),
  }));
}

/** One person: consent, then every trial in order, each as soon as the previous answer came back. */
async function participant(slug: string, answers: TPhase, sessions: TPhase): Promise<void> {
  const start = await call('POST', `/api/s/${slug}/session`, { body: { consent: true } });
  timed(sessions, 'POST session', start);
  if (start.status !== 200) return noteError(sessions, 'POST session', start);
  ledger.sessions++;
  const token: string = start.json.token;
  let state = start.json.state;
  let failures = 0;
  while (state?.trial) {
    const t: TTrial = state.trial;
    const body = { idempotencyKey: crypto.randomBytes(12).toString('base64url'), answers: answersFor(t) };
    const double = Math.random() < DOUBLE_SHARE;
    const url = `/api/s/${slug}/trials/${t.token}`;
    const results = await Promise.all((double ? [0, 1] : [0]).map(() => call('POST', url, { token, body })));
    let next = null;
    for (const r of results) {
      timed(answers, double ? 'POST trial (double)' : 'POST trial', r);
      if (r.status !== 200) {
        noteError(answers, double ? 'POST trial (double submit)' : 'POST trial', r);
        continue;
      }
      if (r.json.duplicate) ledger.duplicates++;
      else {
        ledger.accepted++;
        ledger.acceptedVotes += r.json.answers.length;
      }
      next = r.json.state;
    }
    if (double) {
      ledger.doubles++;
      const fresh = results.filter((r) => r.status === 200 && !r.json.duplicate).length;
      if (fresh !== 1) ledger.doubleAnomalies.push(`${results.map((r) => (r.status === 200 ? (r.json.duplicate ? '200 duplicate' : '200 stored') : `${r.status} ${r.json?.error?.message ?? ''}`)).join(' + ')}`);
    }
    if (next) {
      state = next;
      failures = 0;
      continue;
    }
    // As the participant page does after an error: reload the state and go on from the current trial.
    if (++failures >= 3) {
      ledger.abandoned++;
      return;
    }
    const again = await call('GET', `/api/s/${slug}/session`, { token });
    timed(sessions, 'GET session', again);
    if (again.status === 200) state = again.json.state;
    else noteError(sessions, 'GET session (after an error)', again);
  }
  if (state?.status === 'completed') ledger.completed++;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function latencyLine(latencies: number[]): { p50: number; p90: number; p99: number; max: number } {
  const s = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

/** `n` GETs of one path at `concurrency`, spread over the tokens given: requests/s and latencies. */
async function baseline(name: string, urlPath: string, n: number, tokens: (string | undefined)[]): Promise<{ perSecond: number; phase: TPhase }> {
  const phase = newPhase(name);
  let issued = 0;
  const started = performance.now();
  await pool(CONCURRENCY, async () => {
    if (issued >= n) return false;
    const i = issued++;
    const r = await call('GET', urlPath, { token: tokens[i % tokens.length] });
    const what = `GET ${urlPath.replace(/\/api\/s\/[^/]+/, '/api/s/<slug>')}`;
    timed(phase, what, r);
    if (r.status !== 200) noteError(phase, what, r);
    return true;
  });
  return { perSecond: n / ((performance.now() - started) / 1000), phase };
}

// --- the study: two fixture models, one image per prompt each, 2 steps --------------------------

async function setUpStudy(dataDir: string): Promise<{ id: string; slug: string; trials: number }> {
  const prompts = Array.from({ length: TRIALS }, (_, i) => `a ${['red', 'blue', 'green', 'yellow', 'purple'][i % 5]} ${['circle', 'square', 'triangle', 'star'][Math.floor(i / 5) % 4]} number ${i + 1}`).join('\n');
  const arms: { variantId: string; runId: string }[] = [];
  for (const [name, seed] of [['bench-original', 1], ['bench-pruned', 2]] as const) {
    const m = await registerModel({ dir: writeFixtureBundle(path.join(dataDir, 'incoming', name), { blocks: 2, seed }).dir, name });
    const variantId = m.variants[0].id;
    const { runId, job } = await startRun(m.id, { variantId, promptSet: 'custom', customPrompts: prompts, imagesPerPrompt: 1, steps: 2, guidance: 2, seed: 7 }, null);
    const w = testWorker([generateJob]);
    void w.start();
    const done = await waitForJob(job.id, 300_000);
    await w.stop();
    if (done.status !== 'succeeded') throw new Error(`generating the ${name} images failed: ${JSON.stringify(done)}`);
    arms.push({ variantId, runId });
  }
  await TextToImagePipeline.releaseAll();
  const s = await createStudy(
    { title: 'Vote ingestion benchmark', arms, criteria: [{ key: 'overall', question: 'Which image looks better?' }], trialsPerParticipant: TRIALS, instructedChecks: 1, goldChecks: 0 },
    null,
  );
  await openStudy(s.id, null);
  return { id: s.id, slug: s.slug, trials: TRIALS + 1 };
}

// --- the server: npm start as a child in its own process group ------------------------------------

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}

type TServer = { child: ChildProcess; logFile: string; stop(): Promise<void> };

function startServer(database: TTestDatabase): TServer {
  const logFile = path.join(os.tmpdir(), `arena-votes-${database.provider}-${Date.now()}.log`);
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    detached: true, // its own process group, so stop() reaches next start too
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      ...database.env,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      PUBLIC_URL: BASE,
      WORKERS: '0',
      PARTICIPANT_RATE_LIMIT: '1000000',
      LOG_LEVEL: SERVER_LOG_LEVEL,
      ADMIN_EMAIL: '',
      ADMIN_PASSWORD: '',
    },
  });
  fs.closeSync(fd);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    const group = -child.pid!;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(group, s);
      } catch {
        // the group is gone
      }
    };
    signal('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    await new Promise((r) => setTimeout(r, 500));
    signal('SIGKILL');
  };
  // The bench dying must not leave a server behind.
  process.once('exit', () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already stopped
    }
  });
  return { child, logFile, stop };
}

async function waitHealthy(server: TServer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`npm start exited with code ${server.child.exitCode}; see ${server.logFile}`);
    const r = await call('GET', '/api/health');
    if (r.status === 200) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`the server did not answer /api/health within ${timeoutMs / 1000} s; see ${server.logFile}`);
}

/** Error lines the web server logged while the load ran (JSON lines with level error, or stack traces). */
function serverErrors(logFile: string): string[] {
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => /"level":"error"|^\s*(Error|TypeError|PrismaClient\w*Error)\b|SQLITE_BUSY|unhandled/i.test(l));
}

// --- one database ----------------------------------------------------------------------------------

type TResult = {
  provider: TProvider;
  answersPerSecond: number;
  requestsPerSecond: number;
  answer: ReturnType<typeof latencyLine>;
  session: ReturnType<typeof latencyLine>;
  /** Load-phase POSTs (sessions and answers) by whether they opened a connection. */
  byConnection: { fresh: number; reused: number; freshLatency: ReturnType<typeof latencyLine>; reusedLatency: ReturnType<typeof latencyLine> };
  sessionBaseline: { perSecond: number } & ReturnType<typeof latencyLine>;
  healthBaseline: { perSecond: number } & ReturnType<typeof latencyLine>;
  stored: { votes: number; answeredTrials: number; completed: number };
  expected: { votes: number; answeredTrials: number; completed: number };
  errors: [string, number, string][];
  serverErrors: string[];
  doubles: number;
  doubleAnomalies: string[];
  abandoned: number;
  participants: number;
  seconds: number;
  /** One-minute load average when the load phase started and when it ended: other work on the machine shows here. */
  loadAverage: [number, number];
  ok: boolean;
  logFile: string;
};

async function benchOne(provider: TProvider): Promise<TResult> {
  Object.assign(ledger, { accepted: 0, acceptedVotes: 0, duplicates: 0, doubles: 0, doubleAnomalies: [], sessions: 0, completed: 0, abandoned: 0 });
  if (provider === 'postgresql') process.env.TEST_POSTGRES_URL = POSTGRES_URL;
  const database = await createTestDatabase(provider);
  let server: TServer | null = null;
  try {
    const setupStarted = performance.now();
    const study = await setUpStudy(database.dataDir);
    // The server is the only writer from here on.
    await disconnectDb();
    console.log(`  ${provider}: study ${study.slug} with ${study.trials} trials per participant ready in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s; starting the server`);
    server = startServer(database);
    console.log(`  ${provider}: server log ${server.logFile}`);
    await waitHealthy(server, 20 * 60_000);

    // Warm-up (not timed, but in the ledger): a few whole participants load every route used below.
    traceLabel = provider;
    traceZero = performance.now();
    const warm = newPhase('warm-up');
    let warmed = 0;
    await pool(Math.min(4, CONCURRENCY), async () => {
      if (warmed++ >= Math.min(4, CONCURRENCY)) return false;
      await participant(study.slug, warm, warm);
      return true;
    });
    // Sessions left unanswered, for the GET session baseline: their state has a trial and the next.
    const readers: string[] = [];
    let image = '';
    for (let i = 0; i < Math.min(CONCURRENCY, 50); i++) {
      const r = await call('POST', `/api/s/${study.slug}/session`, { body: { consent: true } });
      if (r.status === 200) readers.push(r.json.token);
      else noteError(warm, 'POST session (baseline readers)', r);
      image ||= r.json?.state?.trial?.images?.left ?? '';
    }
    if (!readers.length) throw new Error(`no session could be started for the baseline: ${JSON.stringify([...warm.errorSamples])}`);
    // The server must find the images the setup stored (same DATA_DIR), or the study is not what participants would see.
    const picture = await call('GET', image);
    if (picture.status !== 200) throw new Error(`the server could not serve a trial image (${picture.status}): check DATA_DIR`);
    await baseline('warm-up', '/api/health', 20, [undefined]);

    // The load.
    const answers = newPhase('load');
    const sessions = newPhase('load');
    const before = { accepted: ledger.accepted, sessions: ledger.sessions };
    let started = 0;
    const loadBefore = os.loadavg()[0];
    const t0 = performance.now();
    const deadline = DURATION_S === null ? Infinity : t0 + DURATION_S * 1000;
    await pool(CONCURRENCY, async () => {
      if (DURATION_S === null ? started >= PARTICIPANTS : performance.now() >= deadline) return false;
      started++;
      await participant(study.slug, answers, sessions);
      return true;
    });
    const seconds = (performance.now() - t0) / 1000;
    const loadAfter = os.loadavg()[0];
    const accepted = ledger.accepted - before.accepted;

    // Baselines: the same number of requests as the answer POSTs, at the same concurrency.
    const n = answers.requests;
    const sessionBase = await baseline('baseline', `/api/s/${study.slug}/session`, n, readers);
    const healthBase = await baseline('baseline', '/api/health', n, [undefined]);

    const prisma = await db();
    const stored = {
      votes: await prisma.studyVote.count({ where: { studyId: study.id } }),
      answeredTrials: await prisma.studyTrial.count({ where: { studyId: study.id, answeredAt: { not: null } } }),
      completed: await prisma.studyParticipant.count({ where: { studyId: study.id, status: 'completed' } }),
    };
    await disconnectDb();
    const expected = { votes: ledger.acceptedVotes, answeredTrials: ledger.accepted, completed: ledger.completed };
    const errors: TResult['errors'] = [];
    for (const phase of [warm, sessions, answers, sessionBase.phase, healthBase.phase]) {
      for (const [k, v] of phase.errors) errors.push([k, v, phase.errorSamples.get(k) ?? '']);
    }
    await server.stop();
    const logged = serverErrors(server.logFile);
    return {
      provider,
      answersPerSecond: accepted / seconds,
      requestsPerSecond: answers.requests / seconds,
      answer: latencyLine(answers.latencies),
      session: latencyLine(sessions.latencies),
      byConnection: splitByConnection([answers, sessions]),
      sessionBaseline: { perSecond: sessionBase.perSecond, ...latencyLine(sessionBase.phase.latencies) },
      healthBaseline: { perSecond: healthBase.perSecond, ...latencyLine(healthBase.phase.latencies) },
      stored,
      expected,
      errors,
      serverErrors: logged,
      doubles: ledger.doubles,
      doubleAnomalies: ledger.doubleAnomalies,
      abandoned: ledger.abandoned,
      participants: ledger.sessions - before.sessions,
      seconds,
      loadAverage: [loadBefore, loadAfter],
      ok: stored.votes === expected.votes && stored.answeredTrials === expected.answeredTrials && stored.completed === expected.completed && ledger.doubleAnomalies.length === 0,
      logFile: server.logFile,
    };
  } finally {
    await server?.stop();
    await database.drop();
  }
}

function splitByConnection(phases: TPhase[]): TResult['byConnection'] {
  const fresh = phases.flatMap((p) => p.latencies.filter((_, i) => p.newConnection[i]));
  const reused = phases.flatMap((p) => p.latencies.filter((_, i) => !p.newConnection[i]));
  return { fresh: fresh.length, reused: reused.length, freshLatency: latencyLine(fresh), reusedLatency: latencyLine(reused) };
}

// --- report ----------------------------------------------------------------------------------------

const ms = (v: number) => `${v.toFixed(1)} ms`;

function report(r: TResult) {
  console.log(`\n${r.provider}: ${r.participants} participants, ${r.seconds.toFixed(1)} s of load (load average ${r.loadAverage[0].toFixed(2)} before, ${r.loadAverage[1].toFixed(2)} after)`);
  console.log(`  answers stored/s           ${r.answersPerSecond.toFixed(1)}   (answer POSTs/s ${r.requestsPerSecond.toFixed(1)}, double submits included)`);
  console.log(`  answer POST latency        p50 ${ms(r.answer.p50)}  p90 ${ms(r.answer.p90)}  p99 ${ms(r.answer.p99)}  max ${ms(r.answer.max)}`);
  console.log(`  session start latency      p50 ${ms(r.session.p50)}  p90 ${ms(r.session.p90)}  p99 ${ms(r.session.p99)}`);
  const c = r.byConnection;
  console.log(`  POSTs on a new connection  ${c.fresh}: p50 ${ms(c.freshLatency.p50)}  p99 ${ms(c.freshLatency.p99)}  max ${ms(c.freshLatency.max)}   (on a kept-alive one, ${c.reused}: p50 ${ms(c.reusedLatency.p50)}  p99 ${ms(c.reusedLatency.p99)})`);
  const b = r.sessionBaseline;
  const h = r.healthBaseline;
  console.log(`  baseline GET session       ${b.perSecond.toFixed(1)}/s  p50 ${ms(b.p50)}  p99 ${ms(b.p99)}   answers/s vs it: ${(r.answersPerSecond / b.perSecond).toFixed(2)}x`);
  console.log(`  baseline GET /api/health   ${h.perSecond.toFixed(1)}/s  p50 ${ms(h.p50)}  p99 ${ms(h.p99)}   answers/s vs it: ${(r.answersPerSecond / h.perSecond).toFixed(2)}x`);
  console.log(`  double submits             ${r.doubles} (each must store once)`);
  if (r.abandoned) console.log(`  participants abandoned     ${r.abandoned} (three failed answers in a row)`);
  console.log(`  errors by request/status   ${r.errors.length ? '' : 'none'}`);
  for (const [k, v, sample] of r.errors) console.log(`    ${k}: ${v}  e.g. "${sample}"`);
  console.log(`  server log error lines     ${r.serverErrors.length}${r.serverErrors.length ? ` (first 5 below; all in ${r.logFile})` : ''}`);
  for (const line of r.serverErrors.slice(0, 5)) console.log(`    ${line.slice(0, 400)}`);
  console.log(`  database: votes ${r.stored.votes} (accepted answers carried ${r.expected.votes}), answered trials ${r.stored.answeredTrials} (accepted ${r.expected.answeredTrials}), completed sessions ${r.stored.completed} (seen completed ${r.expected.completed})`);
  if (r.stored.votes !== r.expected.votes) console.log(`  MISMATCH: ${r.stored.votes} votes stored, ${r.expected.votes} accepted`);
  if (r.stored.answeredTrials !== r.expected.answeredTrials) console.log(`  MISMATCH: ${r.stored.answeredTrials} trials answered in the database, ${r.expected.answeredTrials} answers accepted`);
  if (r.stored.completed !== r.expected.completed) console.log(`  MISMATCH: ${r.stored.completed} sessions completed in the database, ${r.expected.completed} seen completed`);
  for (const a of r.doubleAnomalies.slice(0, 5)) console.log(`  MISMATCH: a double submit came back as ${a}`);
  if (r.doubleAnomalies.length > 5) console.log(`  MISMATCH: ... ${r.doubleAnomalies.length} double submits in all did not store exactly once`);
}

/** Runs this bench again for one database, in a process of its own. */
function runSelf(provider: TProvider): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...process.argv.slice(2), '--only', provider], {
      stdio: 'inherit',
      env: { ...process.env, ARENA_VOTES_CHILD: '1', LOG_LEVEL: SERVER_LOG_LEVEL, ...(POSTGRES_URL ? { TEST_POSTGRES_URL: POSTGRES_URL } : {}) },
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main() {
  const providers: TProvider[] = (['sqlite', 'postgresql'] as const).filter((p) => (!values.only || values.only === p) && (p === 'sqlite' || POSTGRES_URL));
  const child = process.env.ARENA_VOTES_CHILD === '1';
  if (!child) {
    if (!POSTGRES_URL && values.only !== 'sqlite') console.log('Neither --postgres nor TEST_POSTGRES_URL is set: PostgreSQL skipped.');
    const cpus = os.cpus();
    const load = DURATION_S === null ? `${PARTICIPANTS} participants` : `participants for ${DURATION_S} s`;
    console.log(`votes benchmark: ${load}, ${CONCURRENCY} at a time, ${TRIALS} comparisons + 1 attention check each, ${(DOUBLE_SHARE * 100).toFixed(0)}% of trials double-submitted`);
    console.log(`machine: ${cpus.length} cores, ${cpus[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}; node ${process.version}; ${new Date().toISOString()}`);
    if (values.trace) fs.rmSync(values.trace, { force: true });
  }
  if (!providers.length) return;
  if (await portInUse(PORT)) throw new Error(`port ${PORT} is in use: pick another with --port`);
  if (providers.length > 1) {
    // One process per database: the artifact store keeps the first DATA_DIR a process uses, so a
    // second study set up in this process would put its images where its server does not look.
    let code = 0;
    for (const provider of providers) code = Math.max(code, await runSelf(provider));
    process.exitCode = code;
    return;
  }
  const r = await benchOne(providers[0]);
  report(r);
  if (values.trace) {
    if (!fs.existsSync(values.trace)) fs.writeFileSync(values.trace, 'provider,phase,started_s,request,status,outcome,new_connection,ms\n');
    fs.appendFileSync(values.trace, trace.map((l) => l + '\n').join(''));
    console.log(`\ntrace of ${trace.length} requests: ${values.trace}`);
  }
  if (!r.ok) {
    console.log('\nMISMATCH: the database does not hold exactly the answers the server accepted (see above).');
    process.exitCode = 1;
  }
}

process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
