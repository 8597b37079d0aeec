import path from 'node:path';
import { z } from 'zod';

/**
 * The environment, parsed once with zod and shared by the web app, the workers and the CLI.
 * Every variable is listed in `.env.example`; a bad value stops the process with a message
 * that names the variable.
 */

const int = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .optional()
    .transform((v) => v ?? fallback);

const bool = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], {
      error: 'must be one of true/false, 1/0, yes/no, on/off',
    })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['1', 'true', 'yes', 'on'].includes(v)));

const emptyAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const ZEnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).optional().default('development'),
    DATA_DIR: z.string().optional().default('./data'),
    DATABASE_URL: z
      .string()
      .optional()
      .refine(
        (v) => v === undefined || /^(file:|postgres:\/\/|postgresql:\/\/)/.test(v),
        'must start with file: (SQLite) or postgres:// (PostgreSQL)',
      ),
    PORT: int(1, 65535, 3000),
    HOST: z.string().min(1).optional().default('127.0.0.1'),
    PUBLIC_URL: z.url({ error: 'must be an absolute URL such as http://localhost:3000' }).optional(),
    AUTH_SECRET: z.string().min(32, 'must be at least 32 characters (try: openssl rand -hex 32)').optional(),
    ADMIN_EMAIL: z.email({ error: 'must be an email address' }).optional(),
    ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
    WORKERS: int(0, 64, 1),
    WORKER_CONCURRENCY: int(1, 64, 1),
    WORKER_POLL_MS: int(50, 60_000, 1000),
    JOB_LEASE_SECONDS: int(2, 86_400, 60),
    JOB_HEARTBEAT_SECONDS: int(1, 3_600, 15),
    JOB_MAX_ATTEMPTS: int(1, 100, 3),
    JOB_BACKOFF_BASE_SECONDS: int(0, 3_600, 5),
    JOB_BACKOFF_MAX_SECONDS: int(0, 86_400, 600),
    WORKER_SHUTDOWN_GRACE_SECONDS: int(0, 3_600, 20),
    SQLITE_BUSY_TIMEOUT_MS: int(0, 600_000, 10_000),
    LOGIN_MAX_FAILURES: int(1, 1_000, 5),
    LOGIN_LOCK_SECONDS: int(1, 86_400, 30),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).optional().default('info'),
    SECURE_COOKIES: bool(false),
    /**
     * onnxruntime execution providers to try, in order; the first that loads is used and recorded.
     * cuda needs the CUDA build of onnxruntime-node (see README); webgpu (built in) needs a GPU
     * and a Vulkan loader (libvulkan1) and is skipped on machines without a GPU device.
     */
    ORT_PROVIDERS: z
      .string()
      .optional()
      .default('cuda,webgpu,cpu')
      .transform((v) => v.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean))
      .pipe(z.array(z.enum(['cuda', 'webgpu', 'cpu'], { error: 'must list providers from cuda, webgpu, cpu (comma-separated)' })).min(1)),
    /** Threads onnxruntime uses inside one operator (0: its default, one per core). */
    ORT_THREADS: int(0, 256, 0),
    /**
     * Scorers, configured by path (nothing is downloaded): an ONNX object detector folder for
     * GenEval and a CLIP-style folder (transformers.js layout) for HPS and CLIPScore. Unset: the
     * built-in random-weight fixtures, whose scores are marked as meaningless.
     */
    GENEVAL_DETECTOR_DIR: z.string().min(1).optional(),
    /**
     * A CLIP-style folder for GenEval's colour checks (zero-shot CLIP on the masked crop, as
     * GenEval does it). Unset: the pixel fallback, which reports say is not GenEval's classifier.
     */
    GENEVAL_CLIP_DIR: z.string().trim().min(1, 'must be a folder path').optional(),
    HPS_SCORER_DIR: z.string().min(1).optional(),
    CLIP_SCORER_DIR: z.string().min(1).optional(),
    /** Largest model bundle accepted by upload (archive and unpacked size), in bytes. */
    UPLOAD_MAX_BYTES: int(1024, Number.MAX_SAFE_INTEGER, 50 * 2 ** 30),
    /**
     * Requests a minute one participant (by session, or by address before a session exists) may
     * make to the participant API; more get 429. Counted per web process.
     */
    PARTICIPANT_RATE_LIMIT: int(10, 1_000_000, 240),
    /**
     * On a fresh database, npm start has the workers build a demo on the built-in fixture model:
     * compressed variants, images, scores and an open study marked as demo data. 0 turns it off.
     */
    DEMO: bool(true),
    /** Registers the queue's own test job types; for the test suite only. */
    ARENA_TEST_JOBS: bool(false),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL'],
        message: 'ADMIN_EMAIL and ADMIN_PASSWORD must be set together',
      });
    }
    if (env.JOB_HEARTBEAT_SECONDS * 2 > env.JOB_LEASE_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['JOB_HEARTBEAT_SECONDS'],
        message: `must be at most half of JOB_LEASE_SECONDS (${env.JOB_LEASE_SECONDS}) so a lease is renewed before it expires`,
      });
    }
  });

export type TRawEnv = z.infer<typeof ZEnvSchema>;

export type TEnv = Omit<TRawEnv, 'DATABASE_URL' | 'PUBLIC_URL'> & {
  DATABASE_URL: string;
  PUBLIC_URL: string;
  /** Absolute path of the data folder (artifacts, the SQLite file by default, the auth secret). */
  dataDir: string;
  databaseProvider: 'sqlite' | 'postgresql';
};

export class EnvError extends Error {
  constructor(readonly problems: { variable: string; message: string; value?: string }[]) {
    super(
      'Configuration error:\n' +
        problems
          .map((p) => `  ${p.variable} ${p.message}${p.value !== undefined ? ` (got ${JSON.stringify(p.value)})` : ''}`)
          .join('\n') +
        '\nSee .env.example for every variable and its default.',
    );
    this.name = 'EnvError';
  }
}

const SECRET_NAMES = new Set(['ADMIN_PASSWORD', 'AUTH_SECRET', 'DATABASE_URL']);

/** Parses an environment; pure, so tests can feed it any record. */
export function parseEnv(source: Record<string, string | undefined>, cwd = process.cwd()): TEnv {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(ZEnvSchema.shape)) input[key] = emptyAsUndefined(source[key]);
  const result = ZEnvSchema.safeParse(input);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? 'environment');
        const raw = source[variable];
        return {
          variable,
          message: issue.message,
          value: raw === undefined || SECRET_NAMES.has(variable) ? undefined : raw,
        };
      }),
    );
  }
  const env = result.data;
  const dataDir = path.resolve(cwd, env.DATA_DIR);
  const DATABASE_URL = env.DATABASE_URL ?? `file:${path.join(dataDir, 'arena.db')}`;
  return {
    ...env,
    DATABASE_URL,
    PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
    dataDir,
    databaseProvider: DATABASE_URL.startsWith('file:') ? 'sqlite' : 'postgresql',
  };
}

let cached: TEnv | undefined;

/** The process's environment, parsed on first use and then reused. */
export function env(): TEnv {
  cached ??= parseEnv(process.env);
  return cached;
}

/** For tests that change process.env between cases. */
export function resetEnvForTests(): void {
  cached = undefined;
}

/** Resolves a SQLite `file:` URL to an absolute path (relative paths are taken from the cwd). */
export function sqlitePath(url: string, cwd = process.cwd()): string {
  const p = url.replace(/^file:/, '').replace(/\?.*$/, '');
  return path.resolve(cwd, p);
}
