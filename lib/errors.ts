/**
 * One error type for domain code and one mapping from its codes to HTTP statuses. Messages of
 * 5xx errors never reach a client; 4xx messages are written for the person who made the mistake.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type TErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(
    readonly code: TErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function toErrorBody(err: unknown): { status: number; body: { error: { code: string; message: string; details?: unknown } } } {
  if (err instanceof AppError && err.status < 500) {
    return { status: err.status, body: { error: { code: err.code, message: err.message, details: err.details } } };
  }
  const status = err instanceof AppError ? err.status : 500;
  const code = err instanceof AppError ? err.code : 'INTERNAL';
  const message = status === 503 ? 'The service is unavailable right now; try again shortly.' : 'Something went wrong on our side; it has been logged.';
  return { status, body: { error: { code, message } } };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
