import { status as GrpcStatus } from '@grpc/grpc-js';
import { CommitError, CommitStatusError, EndorseError, GatewayError, type SubmitError } from '@hyperledger/fabric-gateway';
import { parseErrorCode, type ErrorCode } from '@kiseki/chaincode/shared/errors';
import { AppError, type AppErrorCode } from '../errors';

/**
 * The one place where Fabric failures become API errors. A chaincode refusal carries a stable code at the
 * start of its message (`NOT_FOUND: …`), which maps to a 4xx; infrastructure failures map to 502/503/504
 * and keep the transaction ID so the client can ask for its status later.
 */

const CHAINCODE_TO_APP: Readonly<Record<ErrorCode, AppErrorCode>> = {
  INVALID: 'INVALID',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  STATE: 'STATE',
};

/** Validation codes (peer.TxValidationCode) worth retrying with a fresh proposal. */
export const RETRYABLE_VALIDATION_CODES: ReadonlySet<number> = new Set([11 /* MVCC_READ_CONFLICT */, 12 /* PHANTOM_READ_CONFLICT */]);

/** Human names of the validation codes the gateway reports. */
export const VALIDATION_CODE_NAMES: Readonly<Record<number, string>> = {
  0: 'VALID',
  10: 'ENDORSEMENT_POLICY_FAILURE',
  11: 'MVCC_READ_CONFLICT',
  12: 'PHANTOM_READ_CONFLICT',
  254: 'NOT_VALIDATED',
  255: 'INVALID_OTHER_REASON',
};

export function validationCodeName(code: number): string {
  return VALIDATION_CODE_NAMES[code] ?? `VALIDATION_CODE_${code}`;
}

/** Texts that may hold the chaincode's message: the error's own and each endorser's detail. */
function messagesOf(error: Error): string[] {
  const out = [error.message];
  if (error instanceof GatewayError) for (const detail of error.details) out.push(detail.message);
  return out;
}

/** Finds a chaincode error code and the message from the code onwards, e.g. `NOT_FOUND: data d1 …`. */
export function findChaincodeError(error: Error): { code: ErrorCode; message: string } | undefined {
  for (const text of messagesOf(error)) {
    const code = parseErrorCode(text);
    if (code !== undefined) {
      const at = text.indexOf(`${code}: `);
      return { code, message: text.slice(at).trim() };
    }
  }
  return undefined;
}

function transactionIdOf(error: unknown): string | undefined {
  if (error instanceof EndorseError || error instanceof CommitStatusError || error instanceof CommitError) {
    return error.transactionId;
  }
  if (error instanceof GatewayError && 'transactionId' in error) {
    return String((error as SubmitError).transactionId);
  }
  return undefined;
}

/**
 * Converts anything thrown by a Fabric call into an {@link AppError}.
 * @param transactionId the transaction being processed, when the caller knows it.
 */
export function fabricToAppError(error: unknown, transactionId?: string): AppError {
  if (error instanceof AppError) return error;
  const txId = transactionIdOf(error) ?? transactionId;
  // Once a transaction went past endorsement, a failure does not prove it will not commit.
  const unknownFate = error instanceof CommitStatusError || (error instanceof GatewayError && !(error instanceof EndorseError) && txId !== undefined && 'transactionId' in error);
  const withTx = txId === undefined ? {} : { transactionId: txId, outcomeUnknown: unknownFate };
  if (!(error instanceof Error)) return new AppError('INTERNAL', 'unexpected ledger failure', { cause: error, ...withTx });

  const chaincode = findChaincodeError(error);
  if (chaincode !== undefined) {
    return new AppError(CHAINCODE_TO_APP[chaincode.code], chaincode.message, { cause: error });
  }
  if (error instanceof CommitError) {
    return new AppError('COMMIT_FAILED', `transaction ${error.transactionId} was invalidated: ${validationCodeName(error.code)}`, {
      cause: error,
      ...withTx,
    });
  }
  if (error instanceof GatewayError) {
    const later = txId === undefined ? '' : `; check GET /v1/transactions/${txId}`;
    switch (error.code) {
      case GrpcStatus.DEADLINE_EXCEEDED:
        return new AppError('TIMEOUT', `the ledger did not answer in time${later}`, { cause: error, ...withTx });
      case GrpcStatus.UNAVAILABLE:
        return new AppError('UNAVAILABLE', `the org's peer is unreachable${later}`, {
          cause: error,
          ...withTx,
          headers: { 'Retry-After': '5' },
        });
      case GrpcStatus.CANCELLED:
        return new AppError('UNAVAILABLE', `the ledger call was cancelled${later}`, { cause: error, ...withTx });
      default:
        break;
    }
    if (error instanceof EndorseError) {
      return new AppError('ENDORSEMENT_FAILED', `endorsement failed: ${firstDetail(error)}`, { cause: error, ...withTx });
    }
    if (error instanceof CommitStatusError) {
      return new AppError('TIMEOUT', `commit status unknown${later}`, { cause: error, ...withTx });
    }
    if ('transactionId' in error) {
      return new AppError('COMMIT_FAILED', `the ordering service refused the transaction: ${firstDetail(error)}`, {
        cause: error,
        ...withTx,
      });
    }
    return new AppError('ENDORSEMENT_FAILED', `ledger call failed: ${firstDetail(error)}`, { cause: error, ...withTx });
  }
  return new AppError('INTERNAL', 'unexpected ledger failure', { cause: error, ...withTx });
}

function firstDetail(error: GatewayError): string {
  const detail = error.details[0];
  const text = detail === undefined ? error.message : `${detail.mspId}@${detail.address}: ${detail.message}`;
  // Keep responses short; the full text goes to the log through `cause`.
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
