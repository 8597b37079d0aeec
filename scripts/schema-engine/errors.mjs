// Errors of the schema-engine shim, shaped like the native engine's user-facing errors
// (an error code such as P1001 plus the native engine's message text) so that the Prisma CLI
// prints them the way it prints the native engine's.

/** An error with a Prisma error code (P1001, P3005, ...) and a message for the user. */
export class EngineError extends Error {
  /**
   * @param {string | null} code Prisma error code, or null for an error without one
   * @param {string} message
   * @param {unknown} [meta]
   */
  constructor(code, message, meta) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.meta = meta;
  }
}

/** @param {{host?: string, port?: number|string}} at */
function hostPort(at) {
  const host = at.host ?? 'localhost';
  return at.port ? `${host}:${at.port}` : host;
}

export const errors = {
  unreachable: (at) =>
    new EngineError(
      'P1001',
      `Can't reach database server at \`${hostPort(at)}\`\n\nPlease make sure your database server is running at \`${hostPort(at)}\`.`,
      { database_host: at.host, database_port: at.port },
    ),
  timedOut: (at) =>
    new EngineError(
      'P1002',
      `The database server at \`${hostPort(at)}\` was reached but timed out.\n\nPlease try again.\n\nPlease make sure your database server is running at \`${hostPort(at)}\`.`,
      { database_host: at.host, database_port: at.port },
    ),
  authFailed: (at, user) =>
    new EngineError(
      'P1000',
      `Authentication failed against database server at \`${at.host ?? 'localhost'}\`, the provided database credentials for \`${user ?? '(not available)'}\` are not valid.\n\nPlease make sure to provide valid database credentials for the database server at \`${at.host ?? 'localhost'}\`.`,
      { database_user: user, database_host: at.host },
    ),
  pgDatabaseMissing: (at, db) =>
    new EngineError('P1003', `Database \`${db}\` does not exist on the database server at \`${hostPort(at)}\`.`, {
      database_name: db,
      database_host: at.host,
      database_port: at.port,
    }),
  sqliteDatabaseMissing: (fileName, filePath) =>
    new EngineError('P1003', `Database \`${fileName}\` does not exist at \`${filePath}\`.`, {
      database_file_name: fileName,
      database_file_path: filePath,
    }),
  pgDatabaseExists: (at, db) =>
    new EngineError('P1009', `Database \`${db}\` already exists on the database server at \`${hostPort(at)}\``, {
      database_name: db,
    }),
  accessDenied: (user, db) =>
    new EngineError('P1010', `User \`${user ?? '(not available)'}\` was denied access on the database \`${db ?? '(not available)'}\``, {
      database_user: user,
      database_name: db,
    }),
  tls: (message) => new EngineError('P1011', `Error opening a TLS connection: ${message}`, { message }),
};

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE']);

/**
 * Maps an error thrown by node-postgres while connecting or running a query to a Prisma error.
 * @param {any} e
 * @param {{host?: string, port?: number, user?: string, database?: string}} cfg
 */
export function mapPgError(e, cfg) {
  if (e instanceof EngineError) return e;
  const at = { host: cfg.host ?? 'localhost', port: cfg.port ?? 5432 };
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = String(e?.message ?? e);
  if (UNREACHABLE_CODES.has(code)) return errors.unreachable(at);
  if (code === 'ETIMEDOUT' || /timeout|Connection terminated/i.test(message)) return errors.unreachable(at);
  if (code === '3D000') return errors.pgDatabaseMissing(at, cfg.database);
  if (code === '42P04') return errors.pgDatabaseExists(at, cfg.database);
  if (code === '28P01') return errors.authFailed(at, cfg.user);
  if (code === '28000' || (code === '42501' && /permission denied for database/i.test(message))) {
    return errors.accessDenied(cfg.user, cfg.database);
  }
  if (/SSL|TLS|certificate/i.test(message)) return errors.tls(message);
  return new EngineError(null, message);
}

/**
 * Turns anything thrown while handling a request into the JSON-RPC error object the Prisma CLI
 * understands (it reads `data.message`, `data.error_code` and `data.is_panic`).
 * @param {any} e
 */
export function toRpcError(e) {
  const isPanic = e?.name === 'RuntimeError' || e?.isPanic === true;
  let message = typeof e?.message === 'string' && e.message !== '' ? e.message : String(e);
  if (isPanic) {
    const registry = /** @type {any} */ (globalThis).PRISMA_WASM_PANIC_REGISTRY;
    const panic = registry?.get?.();
    if (panic) message = panic;
  }
  const code = typeof e?.code === 'string' && /^P\d{4}$/.test(e.code) ? e.code : undefined;
  return {
    code: 4466,
    message: 'An error happened. Check the data field for details.',
    data: {
      is_panic: isPanic,
      message,
      ...(code ? { error_code: code } : {}),
      meta: e?.meta ?? null,
    },
  };
}
