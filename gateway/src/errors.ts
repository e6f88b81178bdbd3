/**
 * The gateway's one error family. Every failure that reaches a client is an {@link AppError}: a stable
 * code, the HTTP status it maps to, a message safe to show, and optionally field-level issues and the
 * Fabric transaction ID. Fabric and vault errors are converted into it once, in their adapters.
 */

/** Stable error codes of the REST API (a superset of the chaincode's codes). */
export const AppErrorCodes = {
  INVALID: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  STATE: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  IDEMPOTENCY_MISMATCH: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  ENDORSEMENT_FAILED: 502,
  COMMIT_FAILED: 502,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  /** Content obtained from another org does not hash to its ledger digest. */
  DIGEST_MISMATCH: 502,
  INTERNAL: 500,
  /** The chaincode answered something its schema (chaincode/src/shared) does not allow: gateway and chaincode disagree. */
  UNEXPECTED_ANSWER: 500,
} as const;

export type AppErrorCode = keyof typeof AppErrorCodes;

/** One field-level validation problem, e.g. `{ path: 'items.0.size', code: 'too_small', message }`. */
export interface Issue {
  path: string;
  code: string;
  message: string;
}

export interface AppErrorOptions {
  cause?: unknown;
  issues?: readonly Issue[];
  transactionId?: string;
  /** Extra headers to send with the error response (e.g. `Retry-After`). */
  headers?: Readonly<Record<string, string>>;
  /** The transaction reached the orderer but its fate is unknown: it may still commit. */
  outcomeUnknown?: boolean;
}

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly httpStatus: number;
  readonly issues: readonly Issue[] | undefined;
  readonly transactionId: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly outcomeUnknown: boolean;

  constructor(code: AppErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.httpStatus = AppErrorCodes[code];
    this.issues = options.issues;
    this.transactionId = options.transactionId;
    this.headers = options.headers ?? {};
    this.outcomeUnknown = options.outcomeUnknown ?? false;
  }

  /** The JSON body every error response carries. */
  toBody(): { error: { code: AppErrorCode; message: string; issues?: readonly Issue[]; transactionId?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.issues === undefined ? {} : { issues: this.issues }),
        ...(this.transactionId === undefined ? {} : { transactionId: this.transactionId }),
      },
    };
  }
}

/** True for failures that are worth retrying later (5xx other than internal bugs). */
export function isTransient(error: AppError): boolean {
  return error.httpStatus === 502 || error.httpStatus === 503 || error.httpStatus === 504;
}

/** Wraps anything thrown into an AppError; unknown errors become `INTERNAL` with a generic message. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('INTERNAL', 'internal error', { cause: error });
}
