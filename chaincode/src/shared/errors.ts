/**
 * Stable error codes shared by chaincode and gateway. A chaincode error's message is the only part
 * that reaches a client, so it always starts with `CODE:`; clients map on the code, never on prose.
 */
export const ErrorCodes = ['INVALID', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'STATE'] as const;
export type ErrorCode = (typeof ErrorCodes)[number];

export class KisekiError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, details: readonly string[] = []) {
    super(`${code}: ${message}`);
    this.name = 'KisekiError';
    this.code = code;
    this.details = details;
  }
}

export const invalid = (message: string, details: readonly string[] = []): KisekiError => new KisekiError('INVALID', message, details);
export const forbidden = (message: string): KisekiError => new KisekiError('FORBIDDEN', message);
export const notFound = (message: string): KisekiError => new KisekiError('NOT_FOUND', message);
export const conflict = (message: string): KisekiError => new KisekiError('CONFLICT', message);
export const wrongState = (message: string): KisekiError => new KisekiError('STATE', message);

const CODE_PATTERN = /^(?:.*?\b)?(INVALID|FORBIDDEN|NOT_FOUND|CONFLICT|STATE): /;

/** Finds the stable code in an error message as it arrives through a peer or gateway. */
export function parseErrorCode(message: string): ErrorCode | undefined {
  const match = CODE_PATTERN.exec(message);
  return match ? (match[1] as ErrorCode) : undefined;
}
