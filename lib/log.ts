import { env } from './env';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type TLevel = keyof typeof LEVELS;

/** A small structured logger: one JSON object per line on stderr, for web, workers and CLI. */
function write(level: TLevel, msg: string, fields?: Record<string, unknown>) {
  let threshold: TLevel = 'info';
  try {
    threshold = env().LOG_LEVEL;
  } catch {
    // a bad environment is reported by whoever parses it first; logging still works
  }
  if (LEVELS[level] < LEVELS[threshold]) return;
  const line = JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }, (_k, v) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Error ? { name: v.name, message: v.message } : v,
  );
  process.stderr.write(line + '\n');
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
};
